/* cmd_dispatch.c: `fraudscan dispatch -c dispatch.yaml`, the dispatch
 * daemon (dispatchd.c) from its configuration (dconfig.h). */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "dconfig.h"
#include "dispatchd.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: fraudscan dispatch -c CONFIG [--check]\n"
               "  stores the engines' alerts durably and serves the duty officers,\n"
               "  liaisons and bank gateways; the keys are in docs/operations.md\n"
               "  --check   read the configuration, report problems, and exit\n");
}

int fsc_cmd_dispatch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int c, check = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'k': check = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!path || optind != argc) {
        usage(stderr);
        return 2;
    }
    fsc_diag diag = {0};
    fsc_dconfig cfg;
    if (fsc_dconfig_load(path, &diag, &cfg) != FSC_OK) {
        fprintf(stderr, "fraudscan dispatch: %s refused\n", path);
        return 1;
    }
    int rc = 0;
    if (check)
        printf("%s: ok\n", path);
    else
        rc = fsc_dispatchd_run(&cfg);
    fsc_dconfig_free(&cfg);
    return rc;
}
