/* rules_compile.c: from validated rules to one Hyperscan database per field.
 *
 * Each (condition, value) pair is one expression whose id is its index in
 * rs->pats (an alias condition's virtual ids only ever go to the domain
 * set). Literal values are escaped byte by byte, so analysts never need
 * to think about regex syntax unless they ask for |regex. Compilation happens
 * once at load; the databases are then read-only and shared by all matchers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules_int.h"

static const char *const mod_names[] = {
#define FSC_X_NAME(e, name) name,
    FSC_MOD_LIST(FSC_X_NAME)
#undef FSC_X_NAME
};

const char *fsc_mod_name(fsc_mod m)
{
    return (unsigned)m < FSC_MOD_COUNT ? mod_names[m] : "?";
}

unsigned fsc_cond_hs_flags(const fsc_cond *c)
{
    unsigned flags = HS_FLAG_SINGLEMATCH;
    /* host names and hex digests have no meaningful case */
    if (fsc_rf_caseless(c->field))
        flags |= HS_FLAG_CASELESS;
    return flags;
}

fsc_pat_kind fsc_cond_kind(unsigned field, fsc_mod mod)
{
    if (fsc_rf_is_ip(field))
        return FSC_PK_CIDR;
    /* exact values of any field, and label-aware suffixes of host names,
     * are one hash probe (per label): the cost does not depend on how many
     * there are nor on how close a near miss comes */
    if (mod == FSC_MOD_EXACT || (mod == FSC_MOD_SUFFIX && fsc_rf_is_host(field)))
        return FSC_PK_DOMAIN;
    return FSC_PK_HS;
}

/* Appends s to buf at *at; false when it would not fit with its NUL. */
static bool put(char *buf, size_t cap, size_t *at, const char *s)
{
    size_t n = strlen(s);
    if (*at + n >= cap)
        return false;
    memcpy(buf + *at, s, n + 1);
    *at += n;
    return true;
}

bool fsc_pat_expression(const fsc_cond *c, const char *value, size_t len, char *buf,
                        size_t cap)
{
    size_t at = 0;
    if (cap == 0)
        return false;
    buf[0] = '\0';
    if (c->mod == FSC_MOD_REGEX) {
        if (len >= cap)
            return false;
        memcpy(buf, value, len);
        buf[len] = '\0';
        return true;
    }
    const char *head = "";
    const char *tail = "";
    switch (c->mod) {
    case FSC_MOD_EXACT:
        head = "\\A";
        tail = "\\z";
        break;
    case FSC_MOD_PREFIX:
        head = "\\A";
        break;
    case FSC_MOD_SUFFIX:
        /* on host names a suffix is a whole-label suffix: 'example.com'
         * matches 'a.example.com' but never 'badexample.com' */
        head = fsc_rf_is_host(c->field) ? "(?:\\A|\\.)" : "";
        tail = "\\z";
        break;
    case FSC_MOD_CONTAINS:
    case FSC_MOD_REGEX:
    case FSC_MOD_CIDR:
    case FSC_MOD_COUNT:
        break;
    }
    if (!put(buf, cap, &at, head))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)value[i];
        char esc[5];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9');
        if (alnum) {
            esc[0] = (char)ch;
            esc[1] = '\0';
        } else {
            /* \xHH for every other byte: safe for any metacharacter, NUL
             * and UTF-8 alike (the databases match bytes, not code points) */
            snprintf(esc, sizeof esc, "\\x%02x", ch);
        }
        if (!put(buf, cap, &at, esc))
            return false;
    }
    return put(buf, cap, &at, tail);
}

/* Values no real-world field holds all at once: a regex that matches every
 * one of them matches everything in practice ('.', '.+', '[\s\S]', ...). */
static const char *const probes[] = {
    "a", "Z", "0", "-", ".", "/", "_", "qx7-zz.invalid", "\xe4\xb8\xad",
    "com.example.app", "READ_SMS", "0123456789abcdef",
};

/* Hyperscan's messages end with a period; ours add their own. */
static int msg_len(const char *m)
{
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '.' || m[n - 1] == ' '))
        n--;
    return n > 400 ? 400 : (int)n;
}

static int probe_hit(unsigned id, unsigned long long from, unsigned long long to,
                     unsigned flags, void *ctx)
{
    *(int *)ctx = 1;
    return 1; /* one match is enough */
}

bool fsc_regex_check(const fsc_cond *c, const char *value, char *msg, size_t cap)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *cerr = NULL;
    hs_scratch_t *scratch = NULL;
    bool ok = false;

    if (hs_compile(value, fsc_cond_hs_flags(c), HS_MODE_BLOCK, NULL, &db, &cerr) !=
        HS_SUCCESS) {
        const char *hm = cerr && cerr->message ? cerr->message : "unknown error";
        if (strstr(hm, "empty buffer"))
            snprintf(msg, cap,
                     "The regex can match the empty string, so it would match every "
                     "value of %s; make it require at least one character.",
                     fsc_rf_name(c->field));
        else
            snprintf(msg, cap, "Hyperscan cannot compile the regex: %.*s.", msg_len(hm), hm);
        goto done;
    }
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
        snprintf(msg, cap, "Hyperscan could not allocate scratch to check the regex.");
        goto done;
    }
    size_t hits = 0;
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        int hit = 0;
        hs_error_t e = hs_scan(db, probes[i], (unsigned)strlen(probes[i]), 0, scratch,
                               probe_hit, &hit);
        if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED) {
            snprintf(msg, cap, "Hyperscan failed to scan with the regex (error %d).", (int)e);
            goto done;
        }
        hits += (size_t)hit;
    }
    if (hits == sizeof probes / sizeof probes[0]) {
        snprintf(msg, cap,
                 "The regex matches every value of %s (it matched all of a set of "
                 "unrelated test strings); make it more specific.",
                 fsc_rf_name(c->field));
        goto done;
    }
    ok = true;
done:
    hs_free_scratch(scratch);
    hs_free_database(db);
    hs_free_compile_error(cerr);
    return ok;
}

size_t fsc_rules_check_regexes(const fsc_ruleset *rs, int field, fsc_diag *diag)
{
    size_t bad = 0;
    for (size_t p = 0; p < rs->npats; p++) {
        const fsc_pat *pat = &rs->pats[p];
        if (pat->cond >= rs->nconds)
            continue;
        const fsc_cond *c = &rs->conds[pat->cond];
        if (c->mod != FSC_MOD_REGEX || (field >= 0 && c->field != (unsigned)field))
            continue;
        char msg[600];
        if (!fsc_regex_check(c, pat->value, msg, sizeof msg)) {
            fsc_diagf(diag, FSC_SEV_ERROR, pat->loc.file, pat->loc.line, pat->loc.col, "%s",
                      msg);
            bad++;
        }
    }
    return bad;
}

static int count_hit(unsigned id, unsigned long long from, unsigned long long to,
                     unsigned flags, void *ctx)
{
    (void)from, (void)to, (void)flags;
    ((uint8_t *)ctx)[id]++; /* SINGLEMATCH: at most once per id and probe */
    return 0;
}

/* The "matches everything" half of fsc_regex_check, done on the compiled
 * databases: each probe is scanned once per field and counted per value,
 * instead of compiling every regex on its own. */
static fsc_status check_match_all(const fsc_ruleset *rs, fsc_diag *diag)
{
    fsc_status st = FSC_OK;
    const size_t nprobes = sizeof probes / sizeof probes[0];
    uint8_t *count = NULL;
    hs_scratch_t *scratch = NULL;
    bool any = false;

    for (size_t c = 0; c < rs->nconds && !any; c++)
        any = rs->conds[c].mod == FSC_MOD_REGEX;
    if (!any)
        return FSC_OK;
    count = calloc(rs->npats, 1);
    if (!count)
        return FSC_ENOMEM;
    for (int f = 0; f < FSC_F_COUNT; f++) {
        if (!rs->db[f])
            continue;
        if (hs_alloc_scratch(rs->db[f], &scratch) != HS_SUCCESS) {
            st = FSC_EHYPERSCAN;
            goto done;
        }
        for (size_t i = 0; i < nprobes; i++)
            if (hs_scan(rs->db[f], probes[i], (unsigned)strlen(probes[i]), 0, scratch,
                        count_hit, count) != HS_SUCCESS) {
                st = FSC_EHYPERSCAN;
                goto done;
            }
    }
    for (size_t ci = 0; ci < rs->nconds; ci++) { /* regex conditions' values only */
        const fsc_cond *c = &rs->conds[ci];
        if (c->mod != FSC_MOD_REGEX)
            continue;
        for (size_t p = c->first_pat; p < (size_t)c->first_pat + c->npat; p++) {
            if (count[p] < nprobes)
                continue;
            const fsc_pat *pat = fsc_pat_at(rs, (uint32_t)p);
            fsc_diagf(diag, FSC_SEV_ERROR, pat->loc.file, pat->loc.line, pat->loc.col,
                      "The regex matches every value of %s (it matched all of a set of "
                      "unrelated test strings); make it more specific.",
                      fsc_rf_name(c->field));
            st = FSC_ERULE;
        }
    }
done:
    hs_free_scratch(scratch);
    free(count);
    return st;
}

/* Compiles the expressions of one field. ids/exprs/flags are scratch arrays
 * of rs->npats entries owned by the caller. */
static fsc_status compile_field(fsc_ruleset *rs, fsc_field f, fsc_diag *diag,
                                unsigned *ids, char **exprs, unsigned *flags)
{
    fsc_status st = FSC_OK;
    unsigned n = 0;
    hs_compile_error_t *cerr = NULL;

    /* by condition, then its values: a condition's values are one run of
     * pats, in condition order, so this is pat order without walking every
     * pat once per field (a million list values times 13 fields was a
     * fifth of loading such a set) */
    for (size_t ci = 0; ci < rs->nconds; ci++) {
        const fsc_cond *c = &rs->conds[ci];
        if (c->field != (unsigned)f || c->kind != FSC_PK_HS)
            continue;
        for (size_t p = c->first_pat; p < (size_t)c->first_pat + c->npat; p++) {
            const fsc_pat *pat = fsc_pat_at(rs, (uint32_t)p);
            size_t cap = (size_t)pat->len * 4 + 32;
            char *e = malloc(cap);
            if (!e) {
                st = FSC_ENOMEM;
                goto done;
            }
            exprs[n] = e;
            ids[n] = (unsigned)p;
            flags[n] = fsc_cond_hs_flags(c);
            n++;
            if (!fsc_pat_expression(c, pat->value, pat->len, e, cap)) {
                fsc_diagf(diag, FSC_SEV_ERROR, pat->loc.file, pat->loc.line, pat->loc.col,
                          "The value is too long to compile.");
                st = FSC_ERULE;
                goto done;
            }
        }
    }
    if (n == 0)
        goto done;
    if (hs_compile_multi((const char *const *)exprs, flags, ids, n, HS_MODE_BLOCK, NULL,
                         &rs->db[f], &cerr) != HS_SUCCESS) {
        rs->db[f] = NULL;
        /* name every bad regex of the set, with the checker's sentences,
         * rather than only the first expression Hyperscan stopped at */
        if (fsc_rules_check_regexes(rs, -1, diag) > 0) {
            st = FSC_ERULE;
            goto done;
        }
        const char *hm = cerr && cerr->message ? cerr->message : "unknown error";
        if (cerr && cerr->expression >= 0 && (unsigned)cerr->expression < n) {
            const fsc_pat *pat = fsc_pat_at(rs, ids[cerr->expression]);
            fsc_diagf(diag, FSC_SEV_ERROR, pat->loc.file, pat->loc.line, pat->loc.col,
                      "Hyperscan cannot compile this value: %.*s.", msg_len(hm), hm);
            st = FSC_ERULE;
        } else {
            fsc_diagf(diag, FSC_SEV_ERROR, NULL, 0, 0,
                      "Hyperscan cannot compile the %s patterns: %.*s.", fsc_field_name(f),
                      msg_len(hm), hm);
            st = FSC_EHYPERSCAN;
        }
        rs->db[f] = NULL;
    }
done:
    for (unsigned i = 0; i < n; i++)
        free(exprs[i]);
    hs_free_compile_error(cerr);
    return st;
}

/* One domain condition. The conditions that name one shared list on host
 * fields with the same modifier hold the same strings in the same order
 * (rules_load.c reads a list once and shares it): sorted by these keys
 * they stand next to each other, a group, and go into the domain set
 * together. Any other domain condition is a group of its own. */
typedef struct list_key {
    uintptr_t first; /* the list's first value string; 0: never grouped */
    uint32_t npat, mod, ci;
} list_key;

static int by_list(const void *a, const void *b)
{
    const list_key *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->npat != y->npat)
        return x->npat < y->npat ? -1 : 1;
    if (x->mod != y->mod)
        return x->mod < y->mod ? -1 : 1;
    return x->ci < y->ci ? -1 : 1;
}

/* The end of the group that starts at keys[i]. */
static size_t group_end(const list_key *keys, size_t n, size_t i)
{
    size_t j = i + 1;
    while (j < n && keys[i].first && keys[j].first == keys[i].first &&
           keys[j].npat == keys[i].npat && keys[j].mod == keys[i].mod)
        j++;
    return j;
}

/* Adds every domain value to the set, group by group. Domain values go in
 * batches: fsc_domainset_add_many() overlaps the cache misses of a batch,
 * 3 to 4 times faster at a million values. A group's conditions go value
 * by value, all of them at once: the set then hashes each value once and
 * finds its entry still in cache for the other fields. (The order of one
 * value's ids does not matter to the matcher.) */
static fsc_status add_domains(fsc_ruleset *rs, const list_key *keys, size_t nkeys,
                              unsigned host_ns)
{
    enum { NB = 256 };
    fsc_domainset_item batch[NB];
    size_t nb = 0;
    for (size_t i = 0, j; i < nkeys; i = j) {
        j = group_end(keys, nkeys, i);
        for (uint32_t k = 0; k < keys[i].npat; k++) {
            for (size_t g = i; g < j; g++) {
                const fsc_cond *gc = &rs->conds[keys[g].ci];
                size_t p = gc->first_pat + k; /* virtual on an alias */
                const fsc_pat *pat = fsc_pat_at(rs, (uint32_t)p);
                unsigned ns = fsc_rf_is_host(gc->field) ? host_ns : gc->field;
                batch[nb++] = (fsc_domainset_item){pat->value, pat->len, (uint32_t)p,
                                                   (uint8_t)gc->field, (uint8_t)ns,
                                                   gc->mod == FSC_MOD_SUFFIX,
                                                   fsc_rf_caseless(gc->field)};
                if (nb == NB) {
                    if (!fsc_domainset_add_many(rs->domains, batch, nb))
                        return FSC_ENOMEM;
                    nb = 0;
                }
            }
        }
    }
    if (nb && !fsc_domainset_add_many(rs->domains, batch, nb))
        return FSC_ENOMEM;
    return FSC_OK;
}

/* The domain set and the CIDR table: cheap to build, never cached. */
static fsc_status build_hashed(fsc_ruleset *rs, fsc_diag *diag)
{
    size_t nd = 0, nc = 0, nkeys = 0;
    for (size_t c = 0; c < rs->nconds; c++) {
        const fsc_cond *cc = &rs->conds[c];
        if (cc->kind == FSC_PK_CIDR)
            nc += cc->npat;
        if (cc->kind == FSC_PK_DOMAIN) {
            nd += cc->npat;
            nkeys++;
        }
    }
    /* every pattern id, real or virtual, fits the domain set's ids: the
     * loader refuses a set over FSC_RULES_MAX_PATTERNS values */
    _Static_assert(FSC_RULES_MAX_PATTERNS < FSC_DOMAINSET_MAX_IDS,
                   "pattern ids must fit the domain set's");
    /* The host fields share one namespace of the set: a list named on
     * several of them (the usual way to ship a domain list) is hashed and
     * stored once, and each field's lookups still see only its own values. */
    unsigned host_ns = UINT8_MAX;
    for (unsigned f = 0; f < 64 && host_ns == UINT8_MAX; f++)
        if (fsc_rf_is_host(f))
            host_ns = f;
    list_key *keys = malloc((nkeys ? nkeys : 1) * sizeof *keys);
    if (!keys)
        return FSC_ENOMEM;
    nkeys = 0;
    for (size_t c = 0; c < rs->nconds; c++) {
        const fsc_cond *cc = &rs->conds[c];
        if (cc->kind != FSC_PK_DOMAIN)
            continue;
        bool groups = cc->npat && fsc_rf_is_host(cc->field);
        keys[nkeys++] = (list_key){
            groups ? (uintptr_t)fsc_pat_at(rs, cc->first_pat)->value : 0, cc->npat,
            (uint32_t)cc->mod, (uint32_t)c};
    }
    qsort(keys, nkeys, sizeof *keys, by_list);
    size_t distinct = 0; /* values stored: a group's once */
    for (size_t i = 0; i < nkeys; i = group_end(keys, nkeys, i))
        distinct += keys[i].npat;
    fsc_status st = FSC_OK;
    /* sized for the values stored, not for every condition naming them */
    if (nd && !(rs->domains = fsc_domainset_new(distinct)))
        st = FSC_ENOMEM;
    if (st == FSC_OK && nc && !(rs->cidrs = fsc_cidr_new()))
        st = FSC_ENOMEM;
    if (st == FSC_OK && nd)
        st = add_domains(rs, keys, nkeys, host_ns);
    free(keys);
    if (st != FSC_OK)
        return st;
    for (size_t ci = 0; ci < rs->nconds; ci++) {
        const fsc_cond *c = &rs->conds[ci];
        if (c->kind != FSC_PK_CIDR)
            continue;
        for (size_t p = c->first_pat; p < (size_t)c->first_pat + c->npat; p++) {
            const fsc_pat *pat = fsc_pat_at(rs, (uint32_t)p);
            fsc_addr net;
            unsigned plen;
            if (!fsc_cidr_parse(pat->value, pat->len, &net, &plen)) {
                fsc_diagf(diag, FSC_SEV_ERROR, pat->loc.file, pat->loc.line, pat->loc.col,
                          "Not an address or CIDR prefix.");
                return FSC_ERULE;
            }
            if (!fsc_cidr_add(rs->cidrs, c->field == FSC_RF_IP_DST, &net, plen, (uint32_t)p))
                return FSC_ENOMEM;
        }
    }
    return FSC_OK;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

fsc_status fsc_ruleset_compile(fsc_ruleset *rs, const char *cache_dir, fsc_diag *diag)
{
    fsc_status st = FSC_OK;
    double t0 = mono_now();
    unsigned *ids = NULL, *flags = NULL;
    char **exprs = NULL;

    st = build_hashed(rs, diag);
    if (st != FSC_OK)
        goto done;
    if (cache_dir && fsc_rules_cache_get(rs, cache_dir)) {
        rs->from_cache = true;
        st = check_match_all(rs, diag);
        if (st != FSC_OK)
            goto done;
        goto sizes;
    }
    size_t n = rs->npats ? rs->npats : 1;
    ids = calloc(n, sizeof *ids);
    flags = calloc(n, sizeof *flags);
    exprs = calloc(n, sizeof *exprs);
    if (!ids || !flags || !exprs) {
        st = FSC_ENOMEM;
        goto done;
    }
    for (int f = 0; f < FSC_F_COUNT && st == FSC_OK; f++)
        st = compile_field(rs, (fsc_field)f, diag, ids, exprs, flags);
    if (st == FSC_OK)
        st = check_match_all(rs, diag);
    if (st == FSC_OK && cache_dir)
        fsc_rules_cache_put(rs, cache_dir, diag);
sizes:
    rs->db_bytes = 0;
    for (int f = 0; f < FSC_F_COUNT; f++) {
        size_t sz = 0;
        if (rs->db[f] && hs_database_size(rs->db[f], &sz) == HS_SUCCESS)
            rs->db_bytes += sz;
    }
done:
    rs->compile_seconds = mono_now() - t0;
    free(ids);
    free(flags);
    free(exprs);
    return st;
}
