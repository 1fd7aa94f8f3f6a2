/* rules_load.c: rule files (YAML) to a validated, compiled rule set.
 *
 * Each file is read whole (bounded), hashed into the set's version, and
 * parsed with libyaml's document loader; each YAML document is one rule.
 * Every problem is reported with the file:line:col of the YAML node it is
 * about (libyaml marks are 0-based; we add 1), and loading goes on so an
 * analyst sees all problems of a pack at once. Any error refuses the set. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "fraud_type.h"
#include "rules_int.h"

/* ---- the arena: strings that live as long as the set ------------------ */

char *fsc_ruleset_strdup(fsc_ruleset *rs, const char *s, size_t len)
{
    return fsc_arena_strndup(&rs->arena, s, len);
}

/* Grows *arr (of *cap elements of size sz) to hold at least need; false when
 * out of memory. */
static bool grow(void **arr, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*arr, ncap * sz);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* ---- loader state and diagnostics ------------------------------------- */

typedef struct loader {
    fsc_ruleset *rs;
    fsc_diag *diag;
    const char *file;  /* current file's display name, in the arena */
    size_t nerr;       /* errors this load reported */
    size_t nfiles;
    fsc_status fatal;  /* FSC_ENOMEM or FSC_EIO: stop, whatever the rules say */
} loader;

static void verr(loader *L, const char *file, unsigned long line, unsigned long col,
                 const char *fmt, va_list ap)
{
    char msg[900];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fsc_diagf(L->diag, FSC_SEV_ERROR, file, line, col, "%s", msg);
    L->nerr++;
}

static void err_at(loader *L, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_at(loader *L, yaml_mark_t mark, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(L, L->file, (unsigned long)mark.line + 1, (unsigned long)mark.column + 1, fmt, ap);
    va_end(ap);
}

static void err_loc(loader *L, fsc_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_loc(loader *L, fsc_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(L, loc.file, loc.line, loc.col, fmt, ap);
    va_end(ap);
}

static void warn_at(loader *L, yaml_mark_t mark, const char *msg)
{
    fsc_diagf(L->diag, FSC_SEV_WARNING, L->file, (unsigned long)mark.line + 1,
              (unsigned long)mark.column + 1, "%s", msg);
}

static fsc_loc loc_of(loader *L, yaml_mark_t mark)
{
    fsc_loc l = {L->file, (unsigned long)mark.line + 1, (unsigned long)mark.column + 1};
    return l;
}

static void *oom(loader *L)
{
    L->fatal = FSC_ENOMEM;
    return NULL;
}

/* ---- small checks ------------------------------------------------------ */

static const char *scalar(yaml_node_t *n) { return (const char *)n->data.scalar.value; }
static size_t scalar_len(yaml_node_t *n) { return n->data.scalar.length; }

static bool scalar_is(yaml_node_t *n, const char *s)
{
    return n->type == YAML_SCALAR_NODE && strlen(s) == scalar_len(n) &&
           memcmp(scalar(n), s, scalar_len(n)) == 0;
}

/* A plain `~`, `null` or nothing: YAML's null, never a value an analyst
 * meant to match. */
static bool scalar_is_null(yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return scalar_len(n) == 0 || scalar_is(n, "~") || scalar_is(n, "null") ||
           scalar_is(n, "Null") || scalar_is(n, "NULL");
}

/* Requires a non-empty, non-null scalar; reports and returns false otherwise. */
static bool want_scalar(loader *L, yaml_node_t *n, const char *key)
{
    if (n->type != YAML_SCALAR_NODE) {
        err_at(L, n->start_mark, "'%s' must be a single value, not a %s.", key,
               n->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
        return false;
    }
    if (scalar_is_null(n)) {
        err_at(L, n->start_mark, "'%s' is empty; give it a value.", key);
        return false;
    }
    if (memchr(scalar(n), '\0', scalar_len(n))) {
        err_at(L, n->start_mark, "'%s' contains a NUL character.", key);
        return false;
    }
    return true;
}

static bool valid_id(const char *s, size_t len)
{
    if (len == 0 || len > FSC_RULES_MAX_ID)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

static const struct {
    const char *name;
    fsc_level level;
} levels[] = {
    {"low", FSC_LEVEL_LOW},
    {"medium", FSC_LEVEL_MEDIUM},
    {"high", FSC_LEVEL_HIGH},
    {"critical", FSC_LEVEL_CRITICAL},
};

static bool is_hash_field(fsc_field f)
{
    return f == FSC_F_APP_CERT_SHA256 || f == FSC_F_APP_APK_SHA256;
}

/* Column of byte offset `off` inside a key scalar: libyaml counts
 * characters, so count UTF-8 lead bytes; quoted keys start one further. */
static unsigned long key_col(yaml_node_t *key, size_t off)
{
    unsigned long col = (unsigned long)key->start_mark.column + 1;
    if (key->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        col++;
    const unsigned char *s = (const unsigned char *)scalar(key);
    for (size_t i = 0; i < off; i++)
        if ((s[i] & 0xC0) != 0x80)
            col++;
    return col;
}

/* ---- match: conditions and values -------------------------------------- */

static void list_fields(char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int f = 0; f < FSC_F_COUNT && at < cap; f++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%s", f ? ", " : "",
                               fsc_field_name((fsc_field)f));
}

/* Parses `field|mod|all` into c; reports and returns false when malformed. */
static bool parse_key(loader *L, yaml_node_t *key, fsc_cond *c)
{
    const char *s = scalar(key);
    size_t len = scalar_len(key);
    const char *bar = memchr(s, '|', len);
    size_t flen = bar ? (size_t)(bar - s) : len;
    bool have_mod = false;
    yaml_mark_t m = key->start_mark;

    c->field = fsc_field_lookup(s, flen);
    c->mod = FSC_MOD_EXACT;
    c->all = false;
    if (c->field == FSC_F_COUNT) {
        char names[400];
        list_fields(names, sizeof names);
        err_at(L, m, "Unknown field '%.*s'; the fields are %s.", (int)(flen > 100 ? 100 : flen),
               s, names);
        return false;
    }
    size_t at = flen;
    while (at < len) {
        size_t start = at + 1; /* past '|' */
        const char *next = memchr(s + start, '|', len - start);
        size_t end = next ? (size_t)(next - s) : len;
        size_t mlen = end - start;
        const char *mod = s + start;
        unsigned long col = key_col(key, start);
        unsigned long line = (unsigned long)m.line + 1;
        at = end;
        if (mlen == 3 && memcmp(mod, "all", 3) == 0) {
            if (c->all) {
                fsc_loc l = {L->file, line, col};
                err_loc(L, l, "The modifier 'all' is given twice.");
                return false;
            }
            c->all = true;
            continue;
        }
        int found = -1;
        for (int i = 0; i < FSC_MOD_COUNT; i++)
            if (strlen(fsc_mod_name((fsc_mod)i)) == mlen &&
                memcmp(fsc_mod_name((fsc_mod)i), mod, mlen) == 0)
                found = i;
        fsc_loc l = {L->file, line, col};
        if (found < 0) {
            if (mlen == 0)
                err_loc(L, l, "Empty modifier after '|'; the modifiers are exact, suffix, "
                              "contains, prefix, regex and all.");
            else
                err_loc(L, l,
                        "Unknown modifier '%.*s'; the modifiers are exact, suffix, "
                        "contains, prefix, regex and all.",
                        (int)(mlen > 100 ? 100 : mlen), mod);
            return false;
        }
        if (have_mod) {
            err_loc(L, l,
                    "A key takes at most one of exact, suffix, contains, prefix and "
                    "regex (plus 'all'); '%s' comes after '%s'.",
                    fsc_mod_name((fsc_mod)found), fsc_mod_name(c->mod));
            return false;
        }
        have_mod = true;
        c->mod = (fsc_mod)found;
    }
    return true;
}

/* Validates one value of condition c; reports and returns false when bad. */
static bool check_value(loader *L, const fsc_cond *c, yaml_node_t *n)
{
    const char *fname = fsc_field_name(c->field);
    if (n->type != YAML_SCALAR_NODE) {
        err_at(L, n->start_mark,
               "A value must be a string, or a list of strings; a %s is not allowed here.",
               n->type == YAML_SEQUENCE_NODE ? "nested list" : "mapping");
        return false;
    }
    const char *s = scalar(n);
    size_t len = scalar_len(n);
    if (len > 0 && scalar_is_null(n)) {
        err_at(L, n->start_mark,
               "The value is YAML null; quote it ('%.*s') if you mean the text.", (int)len, s);
        return false;
    }
    if (len == 0) {
        if (c->mod == FSC_MOD_EXACT)
            err_at(L, n->start_mark,
                   "The value is empty; %s is never empty, so this condition could never hold.",
                   fname);
        else
            err_at(L, n->start_mark,
                   "The value is empty, so this condition would match every value of %s.",
                   fname);
        return false;
    }
    if (len > FSC_RULES_MAX_VALUE) {
        err_at(L, n->start_mark, "The value is %zu bytes long; the limit is %u.", len,
               FSC_RULES_MAX_VALUE);
        return false;
    }
    if (memchr(s, '\0', len)) {
        err_at(L, n->start_mark, "The value contains a NUL character.");
        return false;
    }
    if (c->mod == FSC_MOD_REGEX) {
        char msg[600];
        if (!fsc_regex_check(c, s, msg, sizeof msg)) {
            err_at(L, n->start_mark, "%s", msg);
            return false;
        }
        return true;
    }
    if (fsc_field_is_host(c->field)) {
        for (size_t i = 0; i < len; i++) {
            if (s[i] == '*') {
                err_at(L, n->start_mark,
                       "'*' is not a wildcard here; use %s|suffix for a domain and all its "
                       "subdomains, or %s|regex.",
                       fname, fname);
                return false;
            }
            if (isspace((unsigned char)s[i])) {
                err_at(L, n->start_mark, "A host name holds no white space.");
                return false;
            }
        }
        if (c->mod == FSC_MOD_SUFFIX && s[0] == '.') {
            err_at(L, n->start_mark,
                   "Write the suffix without the leading dot ('%.*s'): it already matches "
                   "the domain and every subdomain, label by label.",
                   (int)(len - 1 > 200 ? 200 : len - 1), s + 1);
            return false;
        }
        if (c->mod == FSC_MOD_SUFFIX && s[len - 1] == '.') {
            err_at(L, n->start_mark, "Write the domain without the trailing dot.");
            return false;
        }
    }
    if (is_hash_field(c->field) && c->mod == FSC_MOD_EXACT) {
        bool hex = len == 64;
        for (size_t i = 0; hex && i < len; i++)
            hex = isxdigit((unsigned char)s[i]) != 0;
        if (!hex) {
            err_at(L, n->start_mark,
                   "A SHA-256 is 64 hex digits without separators; this value is %zu "
                   "characters long or holds other characters.",
                   len);
            return false;
        }
    }
    return true;
}

/* Adds one condition (key: value or key: [values]) to rule r. */
static void load_cond(loader *L, yaml_document_t *doc, uint32_t r, yaml_node_t *key,
                      yaml_node_t *val)
{
    fsc_ruleset *rs = L->rs;
    fsc_cond c = {0};
    c.loc = loc_of(L, key->start_mark);
    if (!parse_key(L, key, &c))
        return;

    yaml_node_t *one[1] = {val};
    yaml_node_t **items = one;
    size_t nitems = 1;
    yaml_node_t *stack_items[64];
    yaml_node_t **heap_items = NULL;
    if (val->type == YAML_SEQUENCE_NODE) {
        yaml_node_item_t *b = val->data.sequence.items.start;
        yaml_node_item_t *e = val->data.sequence.items.top;
        nitems = (size_t)(e - b);
        if (nitems == 0) {
            err_at(L, val->start_mark,
                   "The list of values is empty, so this condition could never hold.");
            return;
        }
        if (nitems > FSC_RULES_MAX_VALUES) {
            err_at(L, val->start_mark, "The list holds %zu values; the limit is %u.", nitems,
                   FSC_RULES_MAX_VALUES);
            return;
        }
        if (nitems <= 64) {
            items = stack_items;
        } else {
            heap_items = malloc(nitems * sizeof *heap_items);
            if (!heap_items) {
                oom(L);
                return;
            }
            items = heap_items;
        }
        for (size_t i = 0; i < nitems; i++)
            items[i] = yaml_document_get_node(doc, b[i]);
    }

    bool ok = true;
    for (size_t i = 0; i < nitems; i++)
        if (!items[i] || !check_value(L, &c, items[i]))
            ok = false;
    if (!ok)
        goto done;
    if (rs->npats + nitems > FSC_RULES_MAX_PATTERNS) {
        err_at(L, key->start_mark, "The rule set holds more than %u values.",
               FSC_RULES_MAX_PATTERNS);
        goto done;
    }
    if (!grow((void **)&rs->conds, &rs->capconds, rs->nconds + 1, sizeof *rs->conds) ||
        !grow((void **)&rs->pats, &rs->cappats, rs->npats + nitems, sizeof *rs->pats)) {
        oom(L);
        goto done;
    }
    c.first_pat = (uint32_t)rs->npats;
    c.npat = (uint32_t)nitems;
    uint32_t ci = (uint32_t)rs->nconds;
    for (size_t i = 0; i < nitems; i++) {
        fsc_pat *p = &rs->pats[rs->npats];
        p->cond = ci;
        p->rule = r;
        p->len = (uint32_t)scalar_len(items[i]);
        p->value = fsc_ruleset_strdup(rs, scalar(items[i]), p->len);
        p->loc = loc_of(L, items[i]->start_mark);
        if (!p->value) {
            oom(L);
            goto done;
        }
        rs->npats++;
    }
    rs->conds[rs->nconds++] = c;
    rs->rules[r].ncond++;
done:
    free(heap_items);
}

/* ---- one rule ---------------------------------------------------------- */

enum top_key { K_ID, K_TITLE, K_FRAUD_TYPE, K_LEVEL, K_WEIGHT, K_INSTRUCTION, K_MATCH, K_COUNT };

static const struct {
    const char *name;
    bool required;
} top_keys[K_COUNT] = {
    [K_ID] = {"id", true},
    [K_TITLE] = {"title", false},
    [K_FRAUD_TYPE] = {"fraud_type", true},
    [K_LEVEL] = {"level", true},
    [K_WEIGHT] = {"weight", true},
    [K_INSTRUCTION] = {"instruction", false},
    [K_MATCH] = {"match", true},
};

static char *dup_scalar(loader *L, yaml_node_t *n)
{
    char *s = fsc_ruleset_strdup(L->rs, scalar(n), scalar_len(n));
    return s ? s : oom(L);
}

static void load_rule(loader *L, yaml_document_t *doc, yaml_node_t *root)
{
    fsc_ruleset *rs = L->rs;
    yaml_node_t *val[K_COUNT] = {0};
    size_t nerr0 = L->nerr;

    if (root->type != YAML_MAPPING_NODE) {
        err_at(L, root->start_mark,
               "A rule must be a YAML mapping with the keys id, fraud_type, level, weight "
               "and match.");
        return;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (!k || !v)
            continue;
        if (k->type != YAML_SCALAR_NODE) {
            err_at(L, k->start_mark, "A key must be a plain name.");
            continue;
        }
        int found = -1;
        for (int i = 0; i < K_COUNT; i++)
            if (scalar_is(k, top_keys[i].name))
                found = i;
        if (found < 0) {
            err_at(L, k->start_mark,
                   "Unknown key '%.*s'; a rule has id, title, fraud_type, level, weight, "
                   "instruction and match (field conditions go under match).",
                   (int)(scalar_len(k) > 100 ? 100 : scalar_len(k)), scalar(k));
            continue;
        }
        if (val[found]) {
            err_at(L, k->start_mark, "The key '%s' is given twice in this rule.",
                   top_keys[found].name);
            continue;
        }
        val[found] = v;
    }
    for (int i = 0; i < K_COUNT; i++)
        if (top_keys[i].required && !val[i])
            err_at(L, root->start_mark,
                   "The rule has no '%s'; every rule needs id, fraud_type, level, weight "
                   "and match.",
                   top_keys[i].name);

    if (rs->nrules >= FSC_RULES_MAX_RULES) {
        err_at(L, root->start_mark, "The rule set holds more than %u rules.",
               FSC_RULES_MAX_RULES);
        return;
    }
    if (!grow((void **)&rs->rules, &rs->caprules, rs->nrules + 1, sizeof *rs->rules)) {
        oom(L);
        return;
    }
    uint32_t r = (uint32_t)rs->nrules;
    fsc_rule_int *ri = &rs->rules[r];
    memset(ri, 0, sizeof *ri);
    ri->pub.file = L->file;
    ri->pub.line = (unsigned long)root->start_mark.line + 1;
    ri->first_cond = (uint32_t)rs->nconds;

    yaml_node_t *n;
    n = val[K_ID];
    if (n && want_scalar(L, n, "id")) {
        if (!valid_id(scalar(n), scalar_len(n)))
            err_at(L, n->start_mark,
                   "The id '%.*s' is not valid; use 1 to %d characters from a-z, 0-9, '.', "
                   "'_' and '-'.",
                   (int)(scalar_len(n) > 100 ? 100 : scalar_len(n)), scalar(n),
                   FSC_RULES_MAX_ID);
        else
            ri->pub.id = dup_scalar(L, n);
        ri->id_loc = loc_of(L, n->start_mark);
    }
    n = val[K_TITLE];
    if (n && want_scalar(L, n, "title"))
        ri->pub.title = dup_scalar(L, n);
    n = val[K_INSTRUCTION];
    if (n && want_scalar(L, n, "instruction"))
        ri->pub.instruction = dup_scalar(L, n);
    n = val[K_FRAUD_TYPE];
    if (n && want_scalar(L, n, "fraud_type")) {
        ri->pub.fraud_type = fsc_fraud_type_parse(scalar(n), scalar_len(n));
        if (!ri->pub.fraud_type)
            err_at(L, n->start_mark,
                   "Unknown fraud type '%.*s'; use a code from FT01 to FT13 "
                   "(shared/taxonomy.md).",
                   (int)(scalar_len(n) > 100 ? 100 : scalar_len(n)), scalar(n));
    }
    n = val[K_LEVEL];
    if (n && want_scalar(L, n, "level")) {
        for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
            if (scalar_is(n, levels[i].name))
                ri->pub.level = levels[i].level;
        if (ri->pub.level == FSC_LEVEL_NONE)
            err_at(L, n->start_mark,
                   "Unknown level '%.*s'; use low, medium, high or critical.",
                   (int)(scalar_len(n) > 100 ? 100 : scalar_len(n)), scalar(n));
    }
    n = val[K_WEIGHT];
    if (n && want_scalar(L, n, "weight")) {
        char *end = NULL;
        errno = 0;
        double w = strtod(scalar(n), &end);
        bool number = end == scalar(n) + scalar_len(n) && end != scalar(n) && errno == 0 &&
                      isfinite(w) && !isalpha((unsigned char)scalar(n)[0]);
        /* strtod also reads "0x1p3", "inf", "nan": only plain decimals are
         * numbers here */
        for (size_t i = 0; number && i < scalar_len(n); i++) {
            char ch = scalar(n)[i];
            if (!(isdigit((unsigned char)ch) || ch == '.' || ch == '-' || ch == '+' ||
                  ch == 'e' || ch == 'E'))
                number = false;
        }
        if (!number)
            err_at(L, n->start_mark, "The weight '%.*s' is not a number.",
                   (int)(scalar_len(n) > 100 ? 100 : scalar_len(n)), scalar(n));
        else if (!(w > 0) || w > FSC_RULES_MAX_WEIGHT)
            err_at(L, n->start_mark,
                   "The weight must be a positive number no greater than %g; it is %g.",
                   FSC_RULES_MAX_WEIGHT, w);
        else
            ri->pub.weight = w;
    }
    n = val[K_MATCH];
    if (n) {
        if (n->type != YAML_MAPPING_NODE) {
            err_at(L, n->start_mark,
                   "'match' must be a mapping of field conditions, such as "
                   "'dns.query|suffix: example.com'.");
        } else if (n->data.mapping.pairs.start == n->data.mapping.pairs.top) {
            err_at(L, n->start_mark, "'match' is empty; give at least one field condition.");
        } else {
            /* conditions refer to their rule by index r: ri stays valid
             * because only conds and pats grow below */
            for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
                 p < n->data.mapping.pairs.top && L->fatal == FSC_OK; p++) {
                yaml_node_t *k = yaml_document_get_node(doc, p->key);
                yaml_node_t *v = yaml_document_get_node(doc, p->value);
                if (!k || !v)
                    continue;
                if (k->type != YAML_SCALAR_NODE) {
                    err_at(L, k->start_mark, "A condition's key must be 'field' or "
                                             "'field|modifier'.");
                    continue;
                }
                bool dup = false;
                for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
                    yaml_node_t *k2 = yaml_document_get_node(doc, q->key);
                    if (k2 && k2->type == YAML_SCALAR_NODE && scalar_len(k2) == scalar_len(k) &&
                        memcmp(scalar(k2), scalar(k), scalar_len(k)) == 0)
                        dup = true;
                }
                if (dup) {
                    err_at(L, k->start_mark,
                           "The condition '%.*s' is given twice; put all its values in one "
                           "list.",
                           (int)(scalar_len(k) > 100 ? 100 : scalar_len(k)), scalar(k));
                    continue;
                }
                load_cond(L, doc, r, k, v);
            }
        }
    }
    if (L->fatal != FSC_OK)
        return;
    if (L->nerr == nerr0 && !ri->pub.title) {
        warn_at(L, root->start_mark, "The rule has no title; officers will see its id.");
        ri->pub.title = ri->pub.id;
    }
    /* keep even a broken rule with an id, so a duplicate id is still found */
    if (ri->pub.id)
        rs->nrules++;
}

/* ---- one file ---------------------------------------------------------- */

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 0x100000001b3ULL;
    }
}

static void load_file(loader *L, const char *path, const char *name)
{
    FILE *f = NULL;
    char *buf = NULL;
    yaml_parser_t parser;
    bool parser_ok = false;

    L->file = fsc_ruleset_strdup(L->rs, path, strlen(path));
    if (!L->file) {
        oom(L);
        return;
    }
    L->nfiles++;
    if (L->nfiles > FSC_RULES_MAX_FILES) {
        fsc_diagf(L->diag, FSC_SEV_ERROR, L->file, 0, 0,
                  "More than %u rule files; the limit is reached.", FSC_RULES_MAX_FILES);
        L->nerr++;
        return;
    }
    f = fopen(path, "rb");
    if (!f) {
        fsc_diagf(L->diag, FSC_SEV_ERROR, L->file, 0, 0, "Cannot open the file: %s.",
                  strerror(errno));
        L->nerr++;
        return;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0) {
        fsc_diagf(L->diag, FSC_SEV_ERROR, L->file, 0, 0, "Cannot stat the file: %s.",
                  strerror(errno));
        L->nerr++;
        goto done;
    }
    /* one byte more than the size says, to notice a file that grows (or is
     * larger than the bound) while we read it */
    size_t want = (size_t)sb.st_size < FSC_RULES_MAX_FILE_BYTES ? (size_t)sb.st_size
                                                                : FSC_RULES_MAX_FILE_BYTES;
    buf = malloc(want + 1);
    if (!buf) {
        oom(L);
        goto done;
    }
    size_t len = fread(buf, 1, want + 1, f);
    if (len > want && want < FSC_RULES_MAX_FILE_BYTES) {
        fsc_diagf(L->diag, FSC_SEV_ERROR, L->file, 0, 0,
                  "The file changed while it was read; check again.");
        L->nerr++;
        goto done;
    }
    if (ferror(f)) {
        fsc_diagf(L->diag, FSC_SEV_ERROR, L->file, 0, 0, "Cannot read the file.");
        L->nerr++;
        goto done;
    }
    if (len > FSC_RULES_MAX_FILE_BYTES) {
        fsc_diagf(L->diag, FSC_SEV_ERROR, L->file, 0, 0,
                  "The file is larger than %u bytes; split it.", FSC_RULES_MAX_FILE_BYTES);
        L->nerr++;
        goto done;
    }
    /* the version covers the name and the bytes, with the length between
     * them so that no two different packs hash the same stream */
    uint64_t nl = (uint64_t)len;
    hash_bytes(&L->rs->digest, name, strlen(name) + 1);
    hash_bytes(&L->rs->digest, &nl, sizeof nl);
    hash_bytes(&L->rs->digest, buf, len);

    if (!yaml_parser_initialize(&parser)) {
        oom(L);
        goto done;
    }
    parser_ok = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    size_t rules0 = L->rs->nrules, nerr0 = L->nerr;
    for (;;) {
        yaml_document_t doc;
        if (!yaml_parser_load(&parser, &doc)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                oom(L);
                break;
            }
            err_at(L, parser.problem_mark, "The file is not valid YAML: %s%s%s.",
                   parser.problem ? parser.problem : "syntax error",
                   parser.context ? " " : "", parser.context ? parser.context : "");
            break;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) { /* end of stream */
            yaml_document_delete(&doc);
            break;
        }
        /* an empty document (a stray '---') is not a rule */
        if (!scalar_is_null(root))
            load_rule(L, &doc, root);
        yaml_document_delete(&doc);
        if (L->fatal != FSC_OK)
            break;
    }
    if (L->fatal == FSC_OK && L->nerr == nerr0 && L->rs->nrules == rules0)
        fsc_diagf(L->diag, FSC_SEV_WARNING, L->file, 0, 0, "The file holds no rules.");
done:
    if (parser_ok)
        yaml_parser_delete(&parser);
    free(buf);
    if (f)
        fclose(f);
}

/* ---- walking the path -------------------------------------------------- */

static bool has_rule_ext(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int skip_hidden(const struct dirent *e) { return e->d_name[0] != '.'; }

/* byte order, not the locale's: the load order (and the version) must not
 * depend on who runs the loader */
static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void walk(loader *L, const char *dir, const char *rel, int depth)
{
    struct dirent **ents = NULL;
    if (depth > FSC_RULES_MAX_DEPTH) {
        fsc_diagf(L->diag, FSC_SEV_ERROR, dir, 0, 0,
                  "Directories nest deeper than %d levels.", FSC_RULES_MAX_DEPTH);
        L->nerr++;
        return;
    }
    int n = scandir(dir, &ents, skip_hidden, by_name);
    if (n < 0) {
        fsc_diagf(L->diag, FSC_SEV_ERROR, dir, 0, 0, "Cannot read the directory: %s.",
                  strerror(errno));
        L->nerr++;
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        char path[4096], relpath[4096];
        int a = snprintf(path, sizeof path, "%s/%s", dir, name);
        int b = snprintf(relpath, sizeof relpath, "%s%s%s", rel, *rel ? "/" : "", name);
        struct stat st;
        if (L->fatal != FSC_OK)
            continue;
        if (a < 0 || (size_t)a >= sizeof path || b < 0 || (size_t)b >= sizeof relpath) {
            fsc_diagf(L->diag, FSC_SEV_ERROR, dir, 0, 0, "A path under it is too long.");
            L->nerr++;
            continue;
        }
        if (stat(path, &st) != 0)
            continue; /* a dangling link is not a rule file */
        if (S_ISDIR(st.st_mode))
            walk(L, path, relpath, depth + 1);
        else if (S_ISREG(st.st_mode) && has_rule_ext(name))
            load_file(L, path, relpath);
    }
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
}

/* ---- the set ----------------------------------------------------------- */

static int cmp_rule_id(const void *a, const void *b, void *ctx)
{
    const fsc_ruleset *rs = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = strcmp(rs->rules[x].pub.id, rs->rules[y].pub.id);
    return c ? c : (x > y) - (x < y);
}

static void check_duplicate_ids(loader *L)
{
    fsc_ruleset *rs = L->rs;
    if (rs->nrules < 2)
        return;
    uint32_t *idx = malloc(rs->nrules * sizeof *idx);
    if (!idx) {
        oom(L);
        return;
    }
    for (size_t i = 0; i < rs->nrules; i++)
        idx[i] = (uint32_t)i;
    qsort_r(idx, rs->nrules, sizeof *idx, cmp_rule_id, rs);
    size_t first = 0;
    for (size_t i = 1; i < rs->nrules; i++) {
        const fsc_rule *a = &rs->rules[idx[first]].pub, *b = &rs->rules[idx[i]].pub;
        if (strcmp(a->id, b->id) != 0) {
            first = i;
            continue;
        }
        err_loc(L, rs->rules[idx[i]].id_loc, "The id '%s' is already used by the rule at %s:%lu.",
                b->id, a->file, a->line);
    }
    free(idx);
}

void fsc_ruleset_free(fsc_ruleset *rs)
{
    if (!rs)
        return;
    for (int f = 0; f < FSC_F_COUNT; f++)
        hs_free_database(rs->db[f]);
    fsc_arena_free(&rs->arena);
    free(rs->rules);
    free(rs->conds);
    free(rs->pats);
    free(rs);
}

fsc_status fsc_ruleset_load(const char *path, fsc_diag *diag, fsc_ruleset **out)
{
    fsc_diag stderr_diag = {0};
    loader L = {0};
    fsc_status st = FSC_OK;
    struct stat sb;

    if (!path || !out)
        return FSC_EINVAL;
    L.diag = diag ? diag : &stderr_diag;
    L.rs = calloc(1, sizeof *L.rs);
    if (!L.rs)
        return FSC_ENOMEM;
    L.rs->digest = 0xcbf29ce484222325ULL;

    if (stat(path, &sb) != 0) {
        fsc_diagf(L.diag, FSC_SEV_ERROR, path, 0, 0, "Cannot find the rules: %s.",
                  strerror(errno));
        st = FSC_EIO;
        goto fail;
    }
    if (S_ISDIR(sb.st_mode)) {
        size_t n = strlen(path);
        while (n > 1 && path[n - 1] == '/')
            n--;
        char *dir = fsc_ruleset_strdup(L.rs, path, n);
        if (!dir) {
            st = FSC_ENOMEM;
            goto fail;
        }
        walk(&L, dir, "", 0);
    } else {
        const char *base = strrchr(path, '/');
        load_file(&L, path, base ? base + 1 : path);
    }
    if (L.fatal != FSC_OK) {
        st = L.fatal;
        goto fail;
    }
    if (L.nfiles == 0) {
        fsc_diagf(L.diag, FSC_SEV_ERROR, path, 0, 0, "Found no *.yaml or *.yml rule files.");
        L.nerr++;
    } else if (L.nerr == 0 && L.rs->nrules == 0) {
        fsc_diagf(L.diag, FSC_SEV_ERROR, path, 0, 0, "The rule files hold no rules.");
        L.nerr++;
    }
    check_duplicate_ids(&L);
    if (L.fatal != FSC_OK) {
        st = L.fatal;
        goto fail;
    }
    if (L.nerr) {
        st = FSC_ERULE;
        goto fail;
    }
    st = fsc_ruleset_compile(L.rs, L.diag);
    if (st != FSC_OK)
        goto fail;
    snprintf(L.rs->version, sizeof L.rs->version, "%016llx",
             (unsigned long long)L.rs->digest);
    *out = L.rs;
    return FSC_OK;
fail:
    fsc_ruleset_free(L.rs);
    return st;
}

size_t fsc_ruleset_count(const fsc_ruleset *rs) { return rs->nrules; }

const fsc_rule *fsc_ruleset_rule(const fsc_ruleset *rs, size_t i)
{
    return i < rs->nrules ? &rs->rules[i].pub : NULL;
}

const char *fsc_ruleset_version(const fsc_ruleset *rs) { return rs->version; }
