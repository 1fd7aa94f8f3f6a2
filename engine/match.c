/* match.c: fsc_matcher, one per thread, matching records against a shared
 * compiled rule set.
 *
 * For each value of a record, the database of the value's field is scanned;
 * every expression that matches marks its pattern id. Only rules with at
 * least one marked pattern ("candidates") are evaluated, each condition in
 * O(1) through per-condition hit counters. All state is sized at creation
 * from the rule set and reset through the touched list, so matching a record
 * costs nothing proportional to the size of the set and never allocates. */
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

struct fsc_matcher {
    const fsc_ruleset *rs;
    hs_scratch_t *scratch; /* large enough for every field's database */

    uint64_t *pat_seen;    /* bit p: pattern p matched in this record */
    uint32_t *touched;     /* the patterns marked, to clear them cheaply */
    size_t ntouched;

    uint32_t *cond_hits;   /* distinct patterns of the condition matched */
    uint32_t *cond_first;  /* index of the first record value that matched
                            * the condition: the evidence for officers */

    uint64_t *rule_seen;   /* bit r: rule r is a candidate */
    uint32_t *cands;       /* candidate rules, in order of first match */
    size_t ncands;

    uint32_t cur_value;    /* value being scanned, for the callback */
};

static size_t words(size_t bits) { return (bits + 63) / 64; }

fsc_matcher *fsc_matcher_new(const fsc_ruleset *rs)
{
    fsc_matcher *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->rs = rs;
    /* +1 so that an empty set still gets real (if unused) allocations */
    size_t np = rs->npats + 1, nc = rs->nconds + 1, nr = rs->nrules + 1;
    m->pat_seen = calloc(words(np), sizeof *m->pat_seen);
    m->touched = calloc(np, sizeof *m->touched);
    m->cond_hits = calloc(nc, sizeof *m->cond_hits);
    m->cond_first = calloc(nc, sizeof *m->cond_first);
    m->rule_seen = calloc(words(nr), sizeof *m->rule_seen);
    m->cands = calloc(nr, sizeof *m->cands);
    if (!m->pat_seen || !m->touched || !m->cond_hits || !m->cond_first || !m->rule_seen ||
        !m->cands)
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
    free(m->touched);
    free(m->cond_hits);
    free(m->cond_first);
    free(m->rule_seen);
    free(m->cands);
    free(m);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned flags, void *ctx)
{
    fsc_matcher *m = ctx;
    const fsc_pat *p = &m->rs->pats[id];
    uint64_t bit = 1ULL << (id & 63);
    if (m->pat_seen[id >> 6] & bit)
        return 0; /* already matched on an earlier value of this record */
    m->pat_seen[id >> 6] |= bit;
    m->touched[m->ntouched++] = id;
    if (m->cond_hits[p->cond]++ == 0)
        m->cond_first[p->cond] = m->cur_value;
    uint64_t rbit = 1ULL << (p->rule & 63);
    if (!(m->rule_seen[p->rule >> 6] & rbit)) {
        m->rule_seen[p->rule >> 6] |= rbit;
        m->cands[m->ncands++] = p->rule;
    }
    return 0;
}

static void reset(fsc_matcher *m)
{
    for (size_t i = 0; i < m->ntouched; i++) {
        uint32_t id = m->touched[i];
        m->pat_seen[id >> 6] = 0;
        m->cond_hits[m->rs->pats[id].cond] = 0;
    }
    for (size_t i = 0; i < m->ncands; i++)
        m->rule_seen[m->cands[i] >> 6] = 0;
    m->ntouched = 0;
    m->ncands = 0;
}

/* In-place heap sort of the candidates, so rules fire in the order they were
 * loaded whatever order Hyperscan reported them in (qsort may allocate). */
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
    for (size_t i = n / 2; i-- > 0;)
        sift(a, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        uint32_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift(a, 0, end);
    }
}

int fsc_match_record(fsc_matcher *m, const fsc_record *rec, fsc_hit_fn hit, void *ctx)
{
    const fsc_ruleset *rs = m->rs;
    size_t nvalues = rec->nvalues < FSC_RECORD_MAX_VALUES ? rec->nvalues : FSC_RECORD_MAX_VALUES;
    int matched = 0;

    for (size_t i = 0; i < nvalues; i++) {
        const fsc_value *v = &rec->values[i];
        if ((unsigned)v->field >= FSC_F_COUNT || !rs->db[v->field])
            continue;
        m->cur_value = (uint32_t)i;
        hs_error_t e = hs_scan(rs->db[v->field], v->ptr ? v->ptr : "", v->len, 0, m->scratch,
                               on_match, m);
        if (e != HS_SUCCESS) {
            reset(m);
            return -1;
        }
    }
    sort_cands(m->cands, m->ncands);
    for (size_t i = 0; i < m->ncands; i++) {
        const fsc_rule_int *r = &rs->rules[m->cands[i]];
        bool holds = r->ncond > 0;
        for (uint32_t c = r->first_cond; holds && c < r->first_cond + r->ncond; c++) {
            const fsc_cond *cond = &rs->conds[c];
            uint32_t need = cond->all ? cond->npat : 1;
            holds = m->cond_hits[c] >= need;
        }
        if (!holds)
            continue;
        matched++;
        if (hit)
            hit(ctx, &r->pub, &rec->values[m->cond_first[r->first_cond]]);
    }
    reset(m);
    return matched;
}
