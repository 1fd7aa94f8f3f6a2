/* cmd_keys.c: credentials for dispatch.
 *   fraudscan keys generate [--out DIR] NAME   a CURVE key pair (curve.h)
 *   fraudscan keys token --name N --role R [--precinct P]...
 *                                              an API token and its tokens.yaml entry (auth.h) */
#include <getopt.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "cmd.h"
#include "curve.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: fraudscan keys generate [--out DIR] NAME\n"
               "  writes DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub (public), Z85 text;\n"
               "  give dispatch its pair in curve.*, put each engine's or client's .pub in\n"
               "  curve.clients_keys_dir, and give them dispatch's .pub\n"
               "       fraudscan keys token --name NAME --role ROLE [--precinct P]...\n"
               "  prints a new random API token (give it to the person, once) and, after it,\n"
               "  the entry to paste into dispatch's tokens file (which keeps only its SHA-256);\n"
               "  ROLE is analyst, officer, liaison or admin; officers need --precinct\n");
}

static int generate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = ".";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[optind];
    char err[512];
    if (fsc_curve_generate(dir, name, err, sizeof err) != FSC_OK) {
        fprintf(stderr, "fraudscan keys: %s\n", err);
        return 1;
    }
    printf("%s/%s.key (secret, keep it private)\n%s/%s.pub\n", dir, name, dir, name);
    return 0;
}

/* A name goes into YAML unquoted only when it is plainly safe there. */
static bool plain_name(const char *s)
{
    if (!*s || strlen(s) > 63)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '_' || (p != s && *p == '@')))
            return false;
    return true;
}

static int token(int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},
        {"role", required_argument, NULL, 'r'},
        {"precinct", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL, *role = NULL, *prec[FSC_AUTH_MAX_PRECINCTS];
    int nprec = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:r:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': name = optarg; break;
        case 'r': role = optarg; break;
        case 'p':
            if (nprec == FSC_AUTH_MAX_PRECINCTS) {
                fprintf(stderr, "fraudscan keys token: at most %d precincts\n",
                        FSC_AUTH_MAX_PRECINCTS);
                return 2;
            }
            if (!plain_name(optarg) && strcmp(optarg, "*") != 0) {
                fprintf(stderr, "fraudscan keys token: precinct '%s': letters, digits, . - _\n",
                        optarg);
                return 2;
            }
            prec[nprec++] = optarg;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!name || !role || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (!plain_name(name)) {
        fprintf(stderr, "fraudscan keys token: name '%s': letters, digits, . - _ @\n", name);
        return 2;
    }
    fsc_role r = fsc_role_parse(role);
    if (r == FSC_ROLE_NONE) {
        fprintf(stderr, "fraudscan keys token: role '%s' is not analyst, officer, liaison or "
                        "admin\n", role);
        return 2;
    }
    if (r == FSC_ROLE_OFFICER && nprec == 0) {
        fprintf(stderr, "fraudscan keys token: an officer needs at least one --precinct\n");
        return 2;
    }
    /* 32 random bytes, as 64 hex digits: no character a shell or a YAML
     * file would need quoted */
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        fprintf(stderr, "fraudscan keys token: no randomness from OpenSSL\n");
        return 1;
    }
    char tok[65], hex[65];
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(tok + 2 * i, 3, "%02x", raw[i]);
    fsc_auth_token_hash(tok, hex);
    printf("%s\n", tok);
    fprintf(stdout, "# tokens.yaml entry for %s (the token above is not stored anywhere):\n"
                    "  - name: %s\n    role: %s\n",
            name, name, fsc_role_name(r));
    if (nprec) {
        printf("    precincts: [");
        for (int i = 0; i < nprec; i++)
            printf(strcmp(prec[i], "*") == 0 ? "%s\"%s\"" : "%s%s", i ? ", " : "", prec[i]);
        printf("]\n");
    }
    printf("    sha256: %s\n", hex);
    return 0;
}

int fsc_cmd_keys(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "generate") == 0)
        return generate(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "token") == 0)
        return token(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
