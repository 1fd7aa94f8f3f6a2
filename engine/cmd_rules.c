/* cmd_rules.c: `fraudscan rules check|test|stats|import`, the analyst's
 * tools. A table maps each subcommand to its handler. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "rules.h"
#include "rules_import.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fraudscan rules check [--cache DIR] PATH...\n"
            "         loads and compiles every rule file under each PATH; prints each problem\n"
            "         as file:line:col: message and exits 1 if there is any error\n"
            "       fraudscan rules test PATH...\n"
            "         runs every rule's embedded samples; ends with 'N passed, M failed'\n"
            "       fraudscan rules stats [--cache DIR] PATH\n"
            "         rules and values per field, list sizes, compile time, database bytes\n"
            "       fraudscan rules import --format stix|misp|misp-feed|list|csv\n"
            "         --fraud-type FTxx --level L --weight W --out DIR [--name NAME] INPUT...\n"
            "         writes list files and a rule referencing them; reports every entry it\n"
            "         cannot use with its position\n"
            "  --cache DIR   cache compiled databases in DIR ('-' or 'none': no cache; default:\n"
            "                $FSC_RULES_CACHE, $XDG_CACHE_HOME/fraudscan or ~/.cache/fraudscan)\n");
}

/* Parses --cache; returns the index of the first path, or -1 (usage). */
static int cache_opt(int argc, char **argv, const char **cache, char *buf, size_t cap,
                     bool default_on)
{
    static const struct option opts[] = {
        {"cache", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    *cache = NULL;
    if (default_on && fsc_rules_cache_default(buf, cap))
        *cache = buf;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            *cache = strcmp(optarg, "-") == 0 || strcmp(optarg, "none") == 0 ? NULL : optarg;
            break;
        case 'h': usage(stdout); exit(0);
        default: return -1;
        }
    }
    return optind < argc ? optind : -1;
}

static int check(int argc, char **argv)
{
    int rc = 0;
    const char *cache;
    char buf[4096];
    int first = cache_opt(argc, argv, &cache, buf, sizeof buf, false);
    if (first < 0) {
        usage(stderr);
        return 2;
    }
    for (int i = first; i < argc; i++) {
        fsc_diag diag = {0};
        fsc_ruleset *rs = NULL;
        fsc_status st = fsc_ruleset_load_cached(argv[i], cache, &diag, &rs);
        if (st != FSC_OK) {
            fprintf(stderr, "%s: %zu error%s, %zu warning%s: rule set refused\n", argv[i],
                    diag.errors, diag.errors == 1 ? "" : "s", diag.warnings,
                    diag.warnings == 1 ? "" : "s");
            rc = 1;
            continue;
        }
        printf("%s: %zu rules OK (version %s, %.3f s%s)%s\n", argv[i], fsc_ruleset_count(rs),
               fsc_ruleset_version(rs), fsc_ruleset_load_seconds(rs),
               fsc_ruleset_from_cache(rs) ? ", cached" : "",
               diag.warnings ? ", with warnings" : "");
        fsc_ruleset_free(rs);
    }
    return rc;
}

static int test(int argc, char **argv)
{
    size_t passed = 0, failed = 0;
    int rc = 0;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        fsc_diag diag = {0};
        fsc_ruleset *rs = NULL;
        if (fsc_ruleset_load(argv[i], &diag, &rs) != FSC_OK) {
            fprintf(stderr, "%s: rule set refused; its samples were not run\n", argv[i]);
            failed++;
            rc = 1;
            continue;
        }
        size_t p0 = passed, f0 = failed;
        if (fsc_ruleset_selftest(rs, &diag, &passed, &failed) != FSC_OK) {
            fprintf(stderr, "%s: out of memory\n", argv[i]);
            rc = 1;
        }
        printf("%s: %zu rules, %zu samples passed, %zu failed\n", argv[i],
               fsc_ruleset_count(rs), passed - p0, failed - f0);
        fsc_ruleset_free(rs);
    }
    if (failed)
        rc = 1;
    printf("%zu passed, %zu failed\n", passed, failed);
    return rc;
}

/* A list named by several conditions (one per host field, say) is read once
 * and shared, but the set keeps an entry per reference. True when entry i
 * is its file's first; *refs then counts the entries naming that file. */
static bool list_first_use(const fsc_ruleset *rs, size_t i, const char *path, size_t *refs)
{
    const char *other;
    size_t g, b;
    for (size_t j = 0; j < i && fsc_ruleset_list(rs, j, &other, &g, &b); j++)
        if (strcmp(other, path) == 0)
            return false;
    *refs = 1;
    for (size_t j = i + 1; fsc_ruleset_list(rs, j, &other, &g, &b); j++)
        *refs += strcmp(other, path) == 0;
    return true;
}

static int stats(int argc, char **argv)
{
    const char *cache;
    char buf[4096];
    int first = cache_opt(argc, argv, &cache, buf, sizeof buf, false);
    if (first < 0 || first != argc - 1) {
        usage(stderr);
        return 2;
    }
    fsc_diag diag = {0};
    fsc_ruleset *rs = NULL;
    if (fsc_ruleset_load_cached(argv[first], cache, &diag, &rs) != FSC_OK) {
        fprintf(stderr, "%s: rule set refused\n", argv[first]);
        return 1;
    }
    fsc_ruleset_stats s;
    fsc_ruleset_get_stats(rs, &s);
    printf("rule set      %s (version %s)\n", argv[first], fsc_ruleset_version(rs));
    printf("rules         %zu active, %zu test, %zu deprecated; %zu sequence rules\n",
           s.rules[FSC_RULE_ACTIVE], s.rules[FSC_RULE_TEST], s.rules[FSC_RULE_DEPRECATED],
           s.sequence_rules);
    printf("selections    %zu, conditions %zu, values %zu\n", s.selections, s.conditions,
           s.values);
    printf("%-18s %12s %12s %12s\n", "field", "hashed", "hyperscan", "db bytes");
    size_t tb = 0;
    for (int f = 0; f < FSC_F_COUNT; f++) {
        tb += s.hs_bytes[f];
        if (!s.hashed_values[f] && !s.hs_values[f])
            continue;
        printf("%-18s %12zu %12zu %12zu\n", fsc_field_name((fsc_field)f), s.hashed_values[f],
               s.hs_values[f], s.hs_bytes[f]);
    }
    if (s.cidr_values)
        printf("%-18s %12zu %12s %12s\n", "ip.src/ip.dst", s.cidr_values, "(cidr)", "-");
    size_t files = 0, file_values = 0, file_bad = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            printf("lists         %zu files, %zu values, %zu bad lines skipped (%zu references)\n",
                   files, file_values, file_bad, s.lists);
        for (size_t i = 0;; i++) {
            const char *path;
            size_t good, bad, refs;
            if (!fsc_ruleset_list(rs, i, &path, &good, &bad))
                break;
            if (!list_first_use(rs, i, path, &refs))
                continue;
            if (pass == 0) {
                files++;
                file_values += good;
                file_bad += bad;
            } else {
                printf("  %-60s %10zu values %6zu bad  %zu reference%s\n", path, good, bad, refs,
                       refs == 1 ? "" : "s");
            }
        }
    }
    printf("memory        hyperscan %zu bytes, domain set %zu bytes, cidr %zu bytes\n", tb,
           s.domainset_bytes, s.cidr_bytes);
    printf("time          load %.3f s, of which compile %.3f s%s\n", s.load_seconds,
           s.compile_seconds, s.from_cache ? " (databases from the cache)" : "");
    fsc_ruleset_free(rs);
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} subcommands[] = {
    {"check", check},
    {"test", test},
    {"stats", stats},
    {"import", fsc_rules_import_main},
};

int fsc_cmd_rules(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "fraudscan rules: '%s' is not a rules command\n", argv[1]);
    usage(stderr);
    return 2;
}
