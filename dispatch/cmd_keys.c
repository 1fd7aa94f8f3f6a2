/* cmd_keys.c: `fraudscan keys generate [--out DIR] NAME`: a CURVE key pair
 * for dispatch, an engine or a client (curve.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "curve.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: fraudscan keys generate [--out DIR] NAME\n"
               "  writes DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub (public), Z85 text;\n"
               "  give dispatch its pair in curve.*, put each engine's or client's .pub in\n"
               "  curve.clients_keys_dir, and give them dispatch's .pub\n");
}

int fsc_cmd_keys(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp(argv[1], "generate") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            usage(stdout);
            return 0;
        }
        usage(stderr);
        return 2;
    }
    const char *dir = ".";
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1 + optind];
    char err[512];
    if (fsc_curve_generate(dir, name, err, sizeof err) != FSC_OK) {
        fprintf(stderr, "fraudscan keys: %s\n", err);
        return 1;
    }
    printf("%s/%s.key (secret, keep it private)\n%s/%s.pub\n", dir, name, dir, name);
    return 0;
}
