/* cmd_rules.c: `fraudscan rules check PATH...`, the analyst's linter. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "rules.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: fraudscan rules check PATH...\n"
               "  loads and compiles every rule file under each PATH; prints each problem\n"
               "  as file:line:col: message and exits 1 if there is any error\n");
}

static int check(int argc, char **argv)
{
    int rc = 0;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        fsc_diag diag = {0};
        fsc_ruleset *rs = NULL;
        fsc_status st = fsc_ruleset_load(argv[i], &diag, &rs);
        if (st != FSC_OK) {
            fprintf(stderr, "%s: %zu error%s, %zu warning%s: rule set refused\n", argv[i],
                    diag.errors, diag.errors == 1 ? "" : "s", diag.warnings,
                    diag.warnings == 1 ? "" : "s");
            rc = 1;
            continue;
        }
        printf("%s: %zu rules OK (version %s)%s\n", argv[i], fsc_ruleset_count(rs),
               fsc_ruleset_version(rs), diag.warnings ? ", with warnings" : "");
        fsc_ruleset_free(rs);
    }
    return rc;
}

int fsc_cmd_rules(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "check") == 0)
        return check(argc - 1, argv + 1);
    fprintf(stderr, "fraudscan rules: '%s' is not a rules command\n", argv[1]);
    usage(stderr);
    return 2;
}
