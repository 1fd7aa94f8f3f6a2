/* rules_selftest.c: running every rule's embedded samples
 * (`tests: {match: [...], nomatch: [...]}`) through the real matcher, the
 * same code path the engine uses, so `fraudscan rules test` proves what the
 * engine will do. */
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"
#include "sequence.h"

typedef struct probe {
    const fsc_rule *want;
    bool fired;
} probe;

static void on_hit(void *ctx, const fsc_rule *rule, const fsc_value *v)
{
    probe *p = ctx;
    (void)v;
    if (rule == p->want)
        p->fired = true;
}

/* Builds record k of sample s into rec. */
static void build(const fsc_ruleset *rs, const fsc_sample *s, uint32_t k, fsc_record *rec)
{
    const fsc_srec *sr = &rs->srecs[s->first_rec + k];
    memset(rec, 0, sizeof *rec);
    rec->ts = (fsc_time)k * 60 * 1000000; /* one minute apart */
    rec->source = FSC_SRC_APP;
    rec->subscriber = "sample";
    for (uint32_t i = 0; i < sr->nval; i++) {
        const fsc_sval *v = &rs->svals[sr->first_val + i];
        if (fsc_rf_is_ip(v->field)) {
            rec->source = FSC_SRC_TRAFFIC;
            fsc_addr_parse(v->value, v->len, v->field == FSC_RF_IP_DST ? &rec->dst : &rec->src);
            continue;
        }
        if (rec->nvalues >= FSC_RECORD_MAX_VALUES)
            break;
        fsc_value *out = &rec->values[rec->nvalues++];
        out->field = (fsc_field)v->field;
        out->ptr = v->value;
        out->len = v->len;
        if (v->field == (unsigned)FSC_F_APP_EVENT)
            rec->event = v->value;
    }
    /* a record with no app field is traffic */
    bool app = false;
    for (size_t i = 0; i < rec->nvalues; i++)
        if (rec->values[i].field >= FSC_F_APP_PACKAGE)
            app = true;
    if (!app)
        rec->source = FSC_SRC_TRAFFIC;
}

fsc_status fsc_ruleset_selftest(const fsc_ruleset *rs, fsc_diag *diag, size_t *passed,
                                size_t *failed)
{
    fsc_matcher *m = fsc_matcher_new(rs);
    fsc_record *rec = malloc(sizeof *rec);
    if (!m || !rec) {
        fsc_matcher_free(m);
        free(rec);
        return FSC_ENOMEM;
    }
    fsc_status st = FSC_OK;
    for (size_t i = 0; i < rs->nsamples; i++) {
        const fsc_sample *s = &rs->samples[i];
        const fsc_rule_int *r = &rs->rules[s->rule];
        if (r->pub.status == FSC_RULE_DEPRECATED)
            continue;
        probe p = {&r->pub, false};
        fsc_seq *seq = NULL;
        if (r->nstep) {
            seq = fsc_seq_new(rs, 4);
            if (!seq) {
                st = FSC_ENOMEM;
                break;
            }
        }
        bool error = false;
        for (uint32_t k = 0; k < s->nrec; k++) {
            build(rs, s, k, rec);
            if (fsc_match_record(m, rec, on_hit, &p) < 0)
                error = true;
            if (seq)
                fsc_seq_feed(seq, m, rec->subscriber, rec, on_hit, &p);
        }
        fsc_seq_free(seq);
        if (!error && p.fired == s->expect) {
            (*passed)++;
            continue;
        }
        (*failed)++;
        fsc_diagf(diag, FSC_SEV_ERROR, s->loc.file, s->loc.line, s->loc.col,
                  error ? "Hyperscan failed while matching this sample of '%s'."
                  : s->expect ? "This sample should match the rule '%s', but it does not."
                              : "This sample should not match the rule '%s', but it does.",
                  r->pub.id);
    }
    free(rec);
    fsc_matcher_free(m);
    return st;
}
