/* fuzz_rules.c: arbitrary bytes as a rule file. The loader must never
 * crash, leak or read out of bounds, whatever the YAML; when the input does
 * load, the compiled set is matched against a few records so the Hyperscan
 * side is exercised too. Diagnostics are swallowed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                  unsigned long col, const char *msg)
{
    (void)ctx;
    (void)sev;
    (void)file;
    (void)line;
    (void)col;
    (void)msg;
}

static void on_hit(void *ctx, const fsc_rule *rule, const fsc_value *v)
{
    /* touch what the contract hands out, so ASan checks it */
    size_t *n = ctx;
    *n += strlen(rule->id) + (rule->title ? strlen(rule->title) : 0) + v->len;
}

static char dir[64], path[256];

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        /* one file per process, rewritten for every input */
        snprintf(dir, sizeof dir, "/tmp/fuzz_rules-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/rule.yaml", dir);
        atexit(cleanup);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    fsc_diag d = {quiet, NULL, 0, 0};
    fsc_ruleset *rs = NULL;
    fsc_status st = fsc_ruleset_load(path, &d, &rs);
    if (st != FSC_OK) {
        if (rs != NULL || d.errors == 0)
            abort(); /* refusal must say why and leave *out alone */
        return 0;
    }
    (void)fsc_ruleset_version(rs);
    for (size_t i = 0; i < fsc_ruleset_count(rs); i++) {
        const fsc_rule *r = fsc_ruleset_rule(rs, i);
        if (!r || !r->id || !r->file || r->fraud_type < 1 || r->level < FSC_LEVEL_LOW ||
            !(r->weight > 0))
            abort();
    }
    fsc_matcher *m = fsc_matcher_new(rs);
    if (m) {
        /* every field gets a slice of the input as a value */
        fsc_record rec = {0};
        size_t chunk = size / FSC_F_COUNT + 1;
        for (int fi = 0; fi < FSC_F_COUNT; fi++) {
            size_t off = (size_t)fi * chunk;
            size_t len = off < size ? (size - off < chunk ? size - off : chunk) : 0;
            rec.values[rec.nvalues].field = (fsc_field)fi;
            rec.values[rec.nvalues].ptr = len ? (const char *)data + off : "";
            rec.values[rec.nvalues].len = (uint32_t)len;
            rec.nvalues++;
        }
        size_t touched = 0;
        if (fsc_match_record(m, &rec, on_hit, &touched) < 0)
            abort();
        fsc_matcher_free(m);
    }
    fsc_ruleset_free(rs);
    return 0;
}
