/* match.c: fsc_matcher, one per thread, matching records against a shared
 * compiled rule set.
 *
 * For each value of a record: the field's Hyperscan database is scanned
 * (prefix, contains, regex values), and the domain set is probed (exact
 * values, host suffixes: one probe per label boundary); a traffic record's
 * addresses are probed in the CIDR table. Every value that matches marks
 * its pattern id. Only rules with at least one marked pattern
 * ("candidates") are evaluated: each condition in O(1) through
 * per-condition hit counters, each selection as the AND of its conditions,
 * the rule as its condition program over the selections. All state is sized
 * at creation from the rule set and reset through the touched lists, so
 * matching a record costs nothing proportional to the size of the set and
 * never allocates. (A condition that holds with no selection true is
 * refused at load, so a rule without any marked pattern can never hold.) */
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

#define IPV_SRC FSC_RECORD_MAX_VALUES       /* value index of ip.src */
#define IPV_DST (FSC_RECORD_MAX_VALUES + 1) /* value index of ip.dst */

struct fsc_matcher {
    const fsc_ruleset *rs; /* holds a reference */
    hs_scratch_t *scratch; /* large enough for every field's database */

    uint64_t *pat_seen;    /* bit p: pattern p matched in this record */
    uint64_t *pat_quiet;   /* bit p: pattern p never makes its rule a
                            * candidate by itself (see quiet_patterns) */
    uint32_t *touched;     /* the patterns marked, to clear them cheaply */
    size_t ntouched, captouched;

    uint32_t *cond_hits;   /* distinct patterns of the condition matched */
    uint32_t *cond_first;  /* index of the first record value that matched
                            * the condition: the evidence for officers */

    uint64_t *rule_seen;   /* bit r: rule r is a candidate */
    uint32_t *cands;       /* candidate rules, in order of first match */
    size_t ncands;

    fsc_step_hit *steps;   /* sequence steps reached by the last record */
    size_t nsteps, capsteps;

    uint32_t cur_value;    /* value being scanned, for the callbacks */

    /* the record's addresses as values, when a CIDR matched them: evidence
     * must be an fsc_value like any other */
    char ipbuf[2][FSC_ADDR_STRLEN];
    fsc_value ipval[2];
};

static size_t words(size_t bits) { return (bits + 63) / 64; }

const fsc_ruleset *fsc_matcher_ruleset(const fsc_matcher *m) { return m->rs; }

const fsc_step_hit *fsc_matcher_steps(const fsc_matcher *m, size_t *n)
{
    *n = m->nsteps;
    return m->steps;
}

/* Every app event carries its kind, one of seven words, so a condition
 * `app.event: [install, update]` matches nearly every record of the feed:
 * had it made its rule a candidate, each install would evaluate a dozen
 * rules of the pack whose other conditions had not matched. A pattern of an
 * app.event condition is therefore quiet (it still counts towards its
 * condition, but does not make the rule a candidate) when its selection
 * has a condition on another field. That loses nothing: conditions in a
 * selection are ANDed and each needs a pattern matched, and a rule can only
 * hold with one of its selections true (a condition program that holds
 * with none true is refused at load); so a rule that holds has a true
 * selection, and that selection either has a condition on another field,
 * whose pattern made the rule a candidate, or is all app.event conditions,
 * which are not quiet. */
static void quiet_patterns(fsc_matcher *m)
{
    const fsc_ruleset *rs = m->rs;
    for (size_t c = 0; c < rs->nconds; c++) {
        const fsc_cond *cond = &rs->conds[c];
        if (cond->field != (unsigned)FSC_F_APP_EVENT)
            continue;
        const fsc_sel *sl = &rs->sels[cond->sel];
        bool other = false;
        for (uint32_t k = sl->first_cond; k < sl->first_cond + sl->ncond; k++)
            other |= rs->conds[k].field != (unsigned)FSC_F_APP_EVENT;
        for (uint32_t p = cond->first_pat; other && p < cond->first_pat + cond->npat; p++)
            m->pat_quiet[p >> 6] |= 1ULL << (p & 63);
    }
}

fsc_matcher *fsc_matcher_new(const fsc_ruleset *rs)
{
    fsc_matcher *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->rs = fsc_ruleset_ref((fsc_ruleset *)rs);
    /* +1 so that an empty set still gets real (if unused) allocations */
    size_t np = fsc_pat_ids(rs) + 1, nc = rs->nconds + 1, nr = rs->nrules + 1;
    m->pat_seen = calloc(words(np), sizeof *m->pat_seen);
    /* a record marks each pattern at most once */
    m->captouched = np;
    m->touched = calloc(np, sizeof *m->touched);
    m->cond_hits = calloc(nc, sizeof *m->cond_hits);
    m->cond_first = calloc(nc, sizeof *m->cond_first);
    m->rule_seen = calloc(words(nr), sizeof *m->rule_seen);
    m->cands = calloc(nr, sizeof *m->cands);
    m->capsteps = rs->nsteps + 1;
    m->steps = calloc(m->capsteps, sizeof *m->steps);
    m->pat_quiet = calloc(words(np), sizeof *m->pat_quiet);
    if (!m->pat_quiet)
        goto fail;
    quiet_patterns(m);
    if (!m->pat_seen || !m->touched || !m->cond_hits || !m->cond_first || !m->rule_seen ||
        !m->cands || !m->steps)
        goto fail;
    for (int f = 0; f < FSC_F_COUNT; f++)
        if (rs->db[f] && hs_alloc_scratch(rs->db[f], &m->scratch) != HS_SUCCESS)
            goto fail;
    return m;
fail:
    fsc_matcher_free(m);
    return NULL;
}

void fsc_matcher_free(fsc_matcher *m)
{
    if (!m)
        return;
    hs_free_scratch(m->scratch);
    free(m->pat_seen);
    free(m->pat_quiet);
    free(m->touched);
    free(m->cond_hits);
    free(m->cond_first);
    free(m->rule_seen);
    free(m->cands);
    free(m->steps);
    fsc_ruleset_free((fsc_ruleset *)m->rs);
    free(m);
}

static void mark(fsc_matcher *m, uint32_t id)
{
    uint64_t bit = 1ULL << (id & 63);
    if (m->pat_seen[id >> 6] & bit)
        return; /* already matched on an earlier value of this record */
    m->pat_seen[id >> 6] |= bit;
    m->touched[m->ntouched++] = id;
    uint32_t cond = fsc_pat_cond(m->rs, id);
    if (m->cond_hits[cond]++ == 0)
        m->cond_first[cond] = m->cur_value;
    if (m->pat_quiet[id >> 6] & bit)
        return;
    uint32_t rule = fsc_pat_rule(m->rs, id);
    uint64_t rbit = 1ULL << (rule & 63);
    if (!(m->rule_seen[rule >> 6] & rbit)) {
        m->rule_seen[rule >> 6] |= rbit;
        m->cands[m->ncands++] = rule;
    }
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned flags, void *ctx)
{
    mark(ctx, id);
    return 0;
}

static void on_hashed(void *ctx, uint32_t id) { mark(ctx, id); }

static void reset(fsc_matcher *m)
{
    for (size_t i = 0; i < m->ntouched; i++) {
        uint32_t id = m->touched[i];
        m->pat_seen[id >> 6] = 0;
        m->cond_hits[fsc_pat_cond(m->rs, id)] = 0;
    }
    for (size_t i = 0; i < m->ncands; i++)
        m->rule_seen[m->cands[i] >> 6] = 0;
    m->ntouched = 0;
    m->ncands = 0;
}

/* In-place heap sort of the candidates, so rules fire in the order they were
 * loaded whatever order the matchers reported them in (qsort may allocate). */
static void sift(uint32_t *a, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && a[child + 1] > a[child])
            child++;
        if (a[root] >= a[child])
            return;
        uint32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

static void sort_cands(uint32_t *a, size_t n)
{
    if (n < 2)
        return;
    if (n <= 16) { /* the usual case: insertion sort, no heap to build */
        for (size_t i = 1; i < n; i++) {
            uint32_t v = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > v; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
        return;
    }
    for (size_t i = n / 2; i-- > 0;)
        sift(a, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        uint32_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift(a, 0, end);
    }
}

static const fsc_value *value_at(const fsc_matcher *m, const fsc_record *rec, uint32_t i)
{
    if (i == IPV_SRC || i == IPV_DST)
        return &m->ipval[i - IPV_SRC];
    return &rec->values[i];
}

const fsc_value *fsc_matcher_value(const fsc_matcher *m, const fsc_record *rec, uint32_t i)
{
    return value_at(m, rec, i);
}

size_t fsc_match_steps(const fsc_matcher *m, const fsc_record *rec, fsc_step *out, size_t cap)
{
    size_t n = 0, i = m->nsteps;
    /* the matcher lists each rule's steps in ascending order: hand each
     * rule's run out backwards, so one record never advances a chain twice */
    while (i > 0) {
        size_t end = i;
        uint32_t rule = m->steps[i - 1].rule;
        while (i > 0 && m->steps[i - 1].rule == rule)
            i--;
        for (size_t k = end; k-- > i; n++)
            if (n < cap) {
                out[n].rule = &m->rs->rules[rule].pub;
                out[n].step = m->steps[k].step;
                out[n].v = value_at(m, rec, m->steps[k].value);
            }
    }
    return n;
}

static void probe_addr(fsc_matcher *m, const fsc_addr *a, unsigned which)
{
    size_t before = m->ntouched;
    m->cur_value = which ? IPV_DST : IPV_SRC;
    if (fsc_cidr_lookup(m->rs->cidrs, which, a, on_hashed, m) == 0 || m->ntouched == before)
        return;
    fsc_value *v = &m->ipval[which];
    fsc_addr_format(a, m->ipbuf[which]);
    v->field = (fsc_field)(which ? FSC_RF_IP_DST : FSC_RF_IP_SRC);
    v->ptr = m->ipbuf[which];
    v->len = (uint32_t)strlen(m->ipbuf[which]);
}

int fsc_match_record(fsc_matcher *m, const fsc_record *rec, fsc_hit_fn hit, void *ctx)
{
    const fsc_ruleset *rs = m->rs;
    size_t nvalues = rec->nvalues < FSC_RECORD_MAX_VALUES ? rec->nvalues : FSC_RECORD_MAX_VALUES;
    int matched = 0;

    m->nsteps = 0;
    for (size_t i = 0; i < nvalues; i++) {
        const fsc_value *v = &rec->values[i];
        if ((unsigned)v->field >= FSC_F_COUNT)
            continue;
        m->cur_value = (uint32_t)i;
        if (rs->db[v->field]) {
            hs_error_t e = hs_scan(rs->db[v->field], v->ptr ? v->ptr : "", v->len, 0,
                                   m->scratch, on_match, m);
            if (e != HS_SUCCESS) {
                reset(m);
                return -1;
            }
        }
        if (v->len && v->ptr && fsc_domainset_has_field(rs->domains, v->field))
            fsc_domainset_lookup(rs->domains, v->field, v->ptr, v->len,
                                 fsc_rf_caseless(v->field), on_hashed, m);
    }
    if (rs->cidrs && rec->source == FSC_SRC_TRAFFIC) {
        probe_addr(m, &rec->src, 0);
        probe_addr(m, &rec->dst, 1);
    }
    sort_cands(m->cands, m->ncands);
    for (size_t i = 0; i < m->ncands; i++) {
        const fsc_rule_int *r = &rs->rules[m->cands[i]];
        if (r->pub.status == FSC_RULE_DEPRECATED || r->nsel == 0)
            continue;
        bool sel[FSC_RULES_MAX_SELS];
        int first_true = -1;
        for (uint32_t s = 0; s < r->nsel; s++) {
            const fsc_sel *sl = &rs->sels[r->first_sel + s];
            bool holds = sl->ncond > 0;
            for (uint32_t c = sl->first_cond; holds && c < sl->first_cond + sl->ncond; c++) {
                const fsc_cond *cond = &rs->conds[c];
                uint32_t need = cond->all ? cond->npat : 1;
                holds = m->cond_hits[c] >= need;
            }
            sel[s] = holds;
            if (holds && first_true < 0)
                first_true = (int)s;
        }
        if (r->nstep) {
            for (uint32_t k = 0; k < r->nstep; k++) {
                uint32_t s = rs->steps[r->first_step + k];
                if (!sel[s] || m->nsteps >= m->capsteps)
                    continue;
                fsc_step_hit *sh = &m->steps[m->nsteps++];
                sh->rule = m->cands[i];
                sh->step = k;
                sh->value = m->cond_first[rs->sels[r->first_sel + s].first_cond];
            }
            continue;
        }
        if (first_true < 0 || !fsc_cond_eval(rs->ops + r->first_op, r->nop, sel, r->nsel))
            continue;
        matched++;
        if (hit) {
            uint32_t c0 = rs->sels[r->first_sel + (uint32_t)first_true].first_cond;
            hit(ctx, &r->pub, value_at(m, rec, m->cond_first[c0]));
        }
    }
    reset(m);
    return matched;
}
