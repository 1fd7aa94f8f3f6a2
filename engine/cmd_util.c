/* cmd_util.c: argument helpers shared by the subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "model.h"

int fsc_cmd_long(const char *opt, const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "fraudscan: %s wants a whole number from %ld to %ld, not '%s'\n", opt,
                min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

fsc_status fsc_cmd_load_rules(const char *path, const char *cache, fsc_diag *diag,
                              fsc_ruleset **out)
{
    char dir[4096];
    /* "none" (replay's and run's spelling) or "-" (the rules commands'):
     * either one means no cache, never a directory of that name */
    if (cache && (strcmp(cache, "none") == 0 || strcmp(cache, "-") == 0))
        return fsc_ruleset_load(path, diag, out);
    if (!cache) {
        if (!fsc_rules_cache_default(dir, sizeof dir))
            return fsc_ruleset_load(path, diag, out);
        cache = dir;
    }
    return fsc_ruleset_load_cached(path, cache, diag, out);
}

int fsc_cmd_load_model(const char *who, const char *path, const char *rules_path, bool quiet,
                       fsc_diag *diag, fsc_model **out)
{
    char buf[4096];
    *out = NULL;
    if (!path)
        path = fsc_model_default_path(rules_path, buf, sizeof buf);
    if (!path) {
        if (!quiet)
            fprintf(stderr, "fraudscan %s: no model file beside %s; using the built-in model\n",
                    who, rules_path);
        return 0;
    }
    if (fsc_model_load(path, diag, out) != FSC_OK) {
        fprintf(stderr, "fraudscan %s: model %s refused\n", who, path);
        return -1;
    }
    return 0;
}
