/* rules_compile.c: from validated rules to one Hyperscan database per field.
 *
 * Each (condition, value) pair is one expression whose id is its index in
 * rs->pats. Literal values are escaped byte by byte, so analysts never need
 * to think about regex syntax unless they ask for |regex. Compilation happens
 * once at load; the databases are then read-only and shared by all matchers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static bool is_hash_field(fsc_field f)
{
    return f == FSC_F_APP_CERT_SHA256 || f == FSC_F_APP_APK_SHA256;
}

unsigned fsc_cond_hs_flags(const fsc_cond *c)
{
    unsigned flags = HS_FLAG_SINGLEMATCH;
    /* host names and hex digests have no meaningful case */
    if (fsc_field_is_host(c->field) || is_hash_field(c->field))
        flags |= HS_FLAG_CASELESS;
    return flags;
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
        head = fsc_field_is_host(c->field) ? "(?:\\A|\\.)" : "";
        tail = "\\z";
        break;
    case FSC_MOD_CONTAINS:
    case FSC_MOD_REGEX:
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
                     fsc_field_name(c->field));
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
                 fsc_field_name(c->field));
        goto done;
    }
    ok = true;
done:
    hs_free_scratch(scratch);
    hs_free_database(db);
    hs_free_compile_error(cerr);
    return ok;
}

/* Compiles the expressions of one field. ids/exprs/flags are scratch arrays
 * of rs->npats entries owned by the caller. */
static fsc_status compile_field(fsc_ruleset *rs, fsc_field f, fsc_diag *diag,
                                unsigned *ids, char **exprs, unsigned *flags)
{
    fsc_status st = FSC_OK;
    unsigned n = 0;
    hs_compile_error_t *cerr = NULL;

    for (size_t p = 0; p < rs->npats; p++) {
        const fsc_pat *pat = &rs->pats[p];
        const fsc_cond *c = &rs->conds[pat->cond];
        if (c->field != f)
            continue;
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
    if (n == 0)
        goto done;
    if (hs_compile_multi((const char *const *)exprs, flags, ids, n, HS_MODE_BLOCK, NULL,
                         &rs->db[f], &cerr) != HS_SUCCESS) {
        const char *hm = cerr && cerr->message ? cerr->message : "unknown error";
        if (cerr && cerr->expression >= 0 && (unsigned)cerr->expression < n) {
            const fsc_pat *pat = &rs->pats[ids[cerr->expression]];
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

fsc_status fsc_ruleset_compile(fsc_ruleset *rs, fsc_diag *diag)
{
    fsc_status st = FSC_OK;
    size_t n = rs->npats ? rs->npats : 1;
    unsigned *ids = calloc(n, sizeof *ids);
    unsigned *flags = calloc(n, sizeof *flags);
    char **exprs = calloc(n, sizeof *exprs);

    if (!ids || !flags || !exprs) {
        st = FSC_ENOMEM;
        goto done;
    }
    for (int f = 0; f < FSC_F_COUNT && st == FSC_OK; f++)
        st = compile_field(rs, (fsc_field)f, diag, ids, exprs, flags);
done:
    free(ids);
    free(flags);
    free(exprs);
    return st;
}
