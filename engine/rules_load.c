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
#include <time.h>

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
    const char *dir;   /* its directory, for @list references */
    size_t nerr;       /* errors this load reported */
    size_t nfiles;
    fsc_status fatal;  /* FSC_ENOMEM or FSC_EIO: stop, whatever the rules say */
    /* List files already loaded in this load, so that a list named by
     * several conditions (one per host field, typically) is read, hashed,
     * checked and copied once: its values are those pats, shared. */
    struct loaded_list {
        const char *path;  /* as resolved, in the arena */
        int kind;          /* fsc_list_kind */
        uint64_t hash;     /* of the file's bytes, for the digest */
        uint64_t len;
        size_t first_pat, npat;
        uint32_t good, bad;
    } loaded[16];
    size_t nloaded;
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
    fsc_loc l = {L->file, (uint32_t)mark.line + 1, (uint32_t)mark.column + 1};
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

static bool is_hash_field(unsigned f) { return fsc_rf_is_hash(f); }

/* ---- rule fields: field.h's, then the record header's ------------------ */

const char *fsc_rf_name(unsigned f)
{
    if (f < (unsigned)FSC_F_COUNT)
        return fsc_field_name((fsc_field)f);
    return f == FSC_RF_IP_SRC ? "ip.src" : f == FSC_RF_IP_DST ? "ip.dst" : "?";
}

unsigned fsc_rf_lookup(const char *name, size_t len)
{
    fsc_field f = fsc_field_lookup(name, len);
    if (f != FSC_F_COUNT)
        return (unsigned)f;
    if (len == 6 && memcmp(name, "ip.src", 6) == 0)
        return FSC_RF_IP_SRC;
    if (len == 6 && memcmp(name, "ip.dst", 6) == 0)
        return FSC_RF_IP_DST;
    return FSC_RF_COUNT;
}

bool fsc_rf_is_host(unsigned f) { return f < (unsigned)FSC_F_COUNT && fsc_field_is_host((fsc_field)f); }
bool fsc_rf_is_hash(unsigned f)
{
    return f == (unsigned)FSC_F_APP_CERT_SHA256 || f == (unsigned)FSC_F_APP_APK_SHA256;
}
bool fsc_rf_is_ip(unsigned f) { return f == FSC_RF_IP_SRC || f == FSC_RF_IP_DST; }
bool fsc_rf_caseless(unsigned f) { return fsc_rf_is_host(f) || fsc_rf_is_hash(f); }

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
    for (unsigned f = 0; f < FSC_RF_COUNT && at < cap; f++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%s", f ? ", " : "", fsc_rf_name(f));
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

    c->field = fsc_rf_lookup(s, flen);
    c->mod = FSC_MOD_EXACT;
    c->all = false;
    if (c->field == FSC_RF_COUNT) {
        char names[600];
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
                fsc_loc l = {L->file, (uint32_t)line, (uint32_t)col};
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
        fsc_loc l = {L->file, (uint32_t)line, (uint32_t)col};
        if (found < 0) {
            if (mlen == 0)
                err_loc(L, l, "Empty modifier after '|'; the modifiers are exact, suffix, "
                              "contains, prefix, regex, cidr and all.");
            else
                err_loc(L, l,
                        "Unknown modifier '%.*s'; the modifiers are exact, suffix, "
                        "contains, prefix, regex, cidr and all.",
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
        if (c->mod == FSC_MOD_CIDR && !fsc_rf_is_ip(c->field)) {
            err_loc(L, l, "The modifier 'cidr' applies to ip.src and ip.dst only.");
            return false;
        }
        if (fsc_rf_is_ip(c->field) && c->mod != FSC_MOD_CIDR && c->mod != FSC_MOD_EXACT) {
            err_loc(L, l, "%s takes exact addresses or '|cidr' prefixes only.",
                    fsc_rf_name(c->field));
            return false;
        }
    }
    if (fsc_rf_is_ip(c->field))
        c->mod = FSC_MOD_CIDR; /* an exact address is a host prefix */
    c->kind = (uint8_t)fsc_cond_kind(c->field, c->mod);
    return true;
}

/* Validates one value of condition c; reports and returns false when bad. */
static bool check_value(loader *L, const fsc_cond *c, yaml_node_t *n)
{
    const char *fname = fsc_rf_name(c->field);
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
    if (fsc_rf_is_ip(c->field)) {
        fsc_addr a;
        unsigned plen;
        if (!fsc_cidr_parse(s, len, &a, &plen)) {
            err_at(L, n->start_mark,
                   "'%.*s' is not an IPv4 or IPv6 address or CIDR prefix (host bits after the "
                   "prefix must be zero).",
                   (int)(len > 100 ? 100 : len), s);
            return false;
        }
        return true;
    }
    /* A regex is checked when the field's database is compiled
     * (fsc_ruleset_compile): one Hyperscan compile per regex here cost 3 ms
     * each, 15 s for 5,000 regexes, even when the cache already held them. */
    if (c->mod == FSC_MOD_REGEX)
        return true;
    if (fsc_rf_is_host(c->field)) {
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

/* Reads a whole file of at most max bytes into a malloc'd buffer. Returns
 * NULL with *why set (a static string) on failure; *why is NULL when only
 * memory ran out. */
static char *read_bounded(const char *path, size_t max, size_t *len, const char **why)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    *why = NULL;
    if (!f) {
        *why = strerror(errno);
        return NULL;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0 || !S_ISREG(sb.st_mode)) {
        *why = "not a regular file";
        goto done;
    }
    if ((uint64_t)sb.st_size > max) {
        *why = "larger than the limit";
        goto done;
    }
    buf = malloc((size_t)sb.st_size + 1);
    if (!buf)
        goto done;
    *len = fread(buf, 1, (size_t)sb.st_size + 1, f);
    if (ferror(f) || *len > (size_t)sb.st_size) {
        *why = *len > (size_t)sb.st_size ? "it changed while it was read" : "read error";
        free(buf);
        buf = NULL;
    }
done:
    fclose(f);
    return buf;
}

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 0x100000001b3ULL;
    }
}

/* Appends one value, already in the arena (or NULL: out of memory), to the
 * set for condition ci; false on a fatal error. */
static bool add_pat_ref(loader *L, uint32_t ci, uint32_t r, const char *v, size_t len,
                        fsc_loc loc)
{
    fsc_ruleset *rs = L->rs;
    if (fsc_pat_ids(rs) >= FSC_RULES_MAX_PATTERNS) { /* aliases' ids count too */
        err_loc(L, loc, "The rule set holds more than %u values.", FSC_RULES_MAX_PATTERNS);
        return false;
    }
    if (!grow((void **)&rs->pats, &rs->cappats, rs->npats + 1, sizeof *rs->pats)) {
        oom(L);
        return false;
    }
    fsc_pat *p = &rs->pats[rs->npats];
    p->cond = ci;
    p->rule = r;
    p->len = (uint32_t)len;
    p->value = v;
    p->loc = loc;
    if (!p->value) {
        oom(L);
        return false;
    }
    rs->npats++;
    return true;
}

/* Appends a copy of one value to the set for condition ci. */
static bool add_pat(loader *L, uint32_t ci, uint32_t r, const char *v, size_t len, fsc_loc loc)
{
    return add_pat_ref(L, ci, r, fsc_ruleset_strdup(L->rs, v, len), len, loc);
}

typedef struct list_ctx {
    loader *L;
    uint32_t ci, r;
    const char *file;
    fsc_list_kind kind;
    size_t good, bad;
    bool stop;
} list_ctx;

#define LIST_BAD_SHOWN 50 /* per list; the rest are counted in one line */

static void on_list_value(void *ctx, unsigned long line, unsigned long col, const char *v,
                          size_t len, const char *reason)
{
    list_ctx *x = ctx;
    loader *L = x->L;
    if (x->stop || L->fatal != FSC_OK)
        return;
    if (reason) {
        if (x->bad++ < LIST_BAD_SHOWN)
            fsc_diagf(L->diag, FSC_SEV_WARNING, x->file, line, col,
                      "Skipped '%.*s': %s.", (int)(len > 80 ? 80 : len), v, reason);
        return;
    }
    if (x->kind == FSC_LIST_DOMAIN && len > 1 && v[len - 1] == '.')
        len--;
    fsc_loc loc = {x->file, (uint32_t)line, (uint32_t)col};
    if (!add_pat(L, x->ci, x->r, v, len, loc))
        x->stop = true;
    else
        x->good++;
}

/* Makes condition ci (of rule r) an alias of the list ll already loaded:
 * virtual ids instead of copies of its pats. The ids are numbered from 0
 * here; fsc_ruleset_load_cached moves them past the real pats once their
 * number is known. Reports the limit of values where copying would have:
 * at the list line whose copy would have been one too many. */
static void add_alias(loader *L, uint32_t ci, uint32_t r, const struct loaded_list *ll)
{
    fsc_ruleset *rs = L->rs;
    size_t have = fsc_pat_ids(rs);
    if (have + ll->npat > FSC_RULES_MAX_PATTERNS) {
        size_t k = have < FSC_RULES_MAX_PATTERNS ? FSC_RULES_MAX_PATTERNS - have : 0;
        err_loc(L, rs->pats[ll->first_pat + k].loc, "The rule set holds more than %u values.",
                FSC_RULES_MAX_PATTERNS);
        return;
    }
    if (!grow((void **)&rs->aliases, &rs->capaliases, rs->naliases + 1,
              sizeof *rs->aliases)) {
        oom(L);
        return;
    }
    rs->aliases[rs->naliases++] = (fsc_alias){(uint32_t)rs->nvirtual, (uint32_t)ll->npat,
                                              (uint32_t)ll->first_pat, ci, r};
    rs->nvirtual += ll->npat;
}

/* Loads the list file a value '@path' names (relative to the rule file's
 * directory) as values of condition c. alone: the reference is the
 * condition's only value, so a list loaded before may be aliased rather
 * than copied (an alias is one run of ids; a condition mixing values and
 * lists keeps one run of real pats). */
static void load_list(loader *L, const fsc_cond *c, uint32_t ci, uint32_t r, yaml_node_t *n,
                      bool alone)
{
    const char *ref = scalar(n) + 1;
    size_t rlen = scalar_len(n) - 1;
    char path[4096];
    int w = ref[0] == '/' ? snprintf(path, sizeof path, "%.*s", (int)rlen, ref)
                          : snprintf(path, sizeof path, "%s/%.*s", L->dir, (int)rlen, ref);
    if (rlen == 0 || w < 0 || (size_t)w >= sizeof path) {
        err_at(L, n->start_mark, "'%s' does not name a list file.", scalar(n));
        return;
    }
    fsc_list_kind kind = fsc_list_kind_for(c->field, c->mod);
    fsc_ruleset *rs = L->rs;
    for (size_t i = 0; i < L->nloaded; i++) {
        const struct loaded_list *ll = &L->loaded[i];
        if (ll->kind != (int)kind || strcmp(ll->path, path) != 0)
            continue;
        /* the same file again: its bad lines were reported the first time */
        hash_bytes(&rs->digest, scalar(n), scalar_len(n) + 1);
        hash_bytes(&rs->digest, &ll->len, sizeof ll->len);
        hash_bytes(&rs->digest, &ll->hash, sizeof ll->hash);
        /* the domain set is where virtual ids are resolved; Hyperscan and
         * CIDR tables need one real id per expression or prefix */
        if (alone && fsc_rf_is_host(c->field) &&
            fsc_cond_kind(c->field, c->mod) == FSC_PK_DOMAIN) {
            size_t nerr0 = L->nerr;
            add_alias(L, ci, r, ll);
            if (L->nerr != nerr0 || L->fatal != FSC_OK)
                return;
        } else {
            for (size_t p = ll->first_pat; p < ll->first_pat + ll->npat; p++) {
                const fsc_pat *src = &rs->pats[p];
                if (!add_pat_ref(L, ci, r, src->value, src->len, src->loc))
                    return;
            }
        }
        if (grow((void **)&rs->lists, &rs->caplists, rs->nlists + 1, sizeof *rs->lists)) {
            fsc_list_info li = {ll->path, ll->good, ll->bad};
            rs->lists[rs->nlists++] = li;
        } else {
            oom(L);
        }
        return;
    }
    size_t len = 0;
    const char *why;
    char *buf = read_bounded(path, FSC_RULES_MAX_LIST_BYTES, &len, &why);
    if (!buf) {
        if (!why)
            oom(L);
        else
            err_at(L, n->start_mark, "Cannot read the list %s: %s.", path, why);
        return;
    }
    /* the version covers the reference as written and the list's bytes
     * (through their own hash, which a second reference reuses) */
    uint64_t nl = (uint64_t)len, lh = 0xcbf29ce484222325ULL;
    hash_bytes(&lh, buf, len);
    hash_bytes(&L->rs->digest, scalar(n), scalar_len(n) + 1);
    hash_bytes(&L->rs->digest, &nl, sizeof nl);
    hash_bytes(&L->rs->digest, &lh, sizeof lh);

    size_t first = rs->npats;
    list_ctx x = {L, ci, r, fsc_ruleset_strdup(L->rs, path, strlen(path)), kind, 0, 0, false};
    if (!x.file) {
        oom(L);
        free(buf);
        return;
    }
    size_t lines = fsc_list_parse(buf, len, x.kind, on_list_value, &x);
    free(buf);
    if (lines > FSC_RULES_MAX_LIST_LINES)
        err_at(L, n->start_mark, "The list %s has %zu lines; the limit is %u.", path, lines,
               FSC_RULES_MAX_LIST_LINES);
    if (x.bad > LIST_BAD_SHOWN)
        fsc_diagf(L->diag, FSC_SEV_WARNING, x.file, 0, 0,
                  "%zu more lines skipped as above (%zu bad lines in all).",
                  x.bad - LIST_BAD_SHOWN, x.bad);
    if (x.good == 0 && !x.stop && L->fatal == FSC_OK)
        err_at(L, n->start_mark,
               "The list %s holds no valid value, so this condition could never hold.", path);
    if (!x.stop && x.good > 0 && L->fatal == FSC_OK &&
        L->nloaded < sizeof L->loaded / sizeof L->loaded[0])
        L->loaded[L->nloaded++] = (struct loaded_list){x.file, (int)kind, lh, nl, first,
                                                       rs->npats - first, (uint32_t)x.good,
                                                       (uint32_t)x.bad};
    if (grow((void **)&rs->lists, &rs->caplists, rs->nlists + 1, sizeof *rs->lists)) {
        fsc_list_info li = {x.file, (uint32_t)x.good, (uint32_t)x.bad};
        rs->lists[rs->nlists++] = li;
    } else {
        oom(L);
    }
}

static bool is_list_ref(yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && scalar_len(n) > 0 && scalar(n)[0] == '@';
}

/* Adds one condition (key: value or key: [values]) to selection sel of rule
 * r. A value '@path' loads a list file. */
static void load_cond(loader *L, yaml_document_t *doc, uint32_t r, uint32_t sel,
                      yaml_node_t *key, yaml_node_t *val)
{
    fsc_ruleset *rs = L->rs;
    fsc_cond c = {0};
    c.loc = loc_of(L, key->start_mark);
    c.sel = sel;
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
        if (!items[i] || (!is_list_ref(items[i]) && !check_value(L, &c, items[i])))
            ok = false;
    if (!ok)
        goto done;
    if (!grow((void **)&rs->conds, &rs->capconds, rs->nconds + 1, sizeof *rs->conds)) {
        oom(L);
        goto done;
    }
    c.first_pat = (uint32_t)rs->npats;
    uint32_t ci = (uint32_t)rs->nconds;
    size_t nerr0 = L->nerr, naliases0 = rs->naliases, nvirtual0 = rs->nvirtual;
    for (size_t i = 0; i < nitems && L->fatal == FSC_OK; i++) {
        if (is_list_ref(items[i]))
            load_list(L, &c, ci, r, items[i], nitems == 1);
        else if (!add_pat(L, ci, r, scalar(items[i]), scalar_len(items[i]),
                          loc_of(L, items[i]->start_mark)))
            break;
    }
    if (L->fatal != FSC_OK || L->nerr != nerr0) {
        rs->npats = c.first_pat; /* the condition is dropped with its values */
        rs->naliases = naliases0;
        rs->nvirtual = nvirtual0;
        /* and a list loaded for it can no longer be shared from its pats */
        while (L->nloaded > 0 && L->loaded[L->nloaded - 1].first_pat +
                                         L->loaded[L->nloaded - 1].npat > rs->npats)
            L->nloaded--;
        goto done;
    }
    c.npat = (uint32_t)(rs->npats - c.first_pat);
    if (rs->naliases > naliases0) { /* an alias: its (provisional) virtual ids */
        c.first_pat = rs->aliases[rs->naliases - 1].first_virtual;
        c.npat = rs->aliases[rs->naliases - 1].n;
    }
    rs->conds[rs->nconds++] = c;
    rs->rules[r].ncond++;
    rs->sels[sel].ncond++;
done:
    free(heap_items);
}

/* ---- one rule ---------------------------------------------------------- */

enum top_key {
    K_ID, K_TITLE, K_STATUS, K_FRAUD_TYPE, K_LEVEL, K_WEIGHT, K_AUTHOR, K_REFERENCES,
    K_INSTRUCTION, K_MATCH, K_CONDITION, K_SEQUENCE, K_TESTS, K_COUNT
};

static const struct {
    const char *name;
    bool required;
} top_keys[K_COUNT] = {
    [K_ID] = {"id", true},
    [K_TITLE] = {"title", false},
    [K_STATUS] = {"status", false},
    [K_FRAUD_TYPE] = {"fraud_type", true},
    [K_LEVEL] = {"level", true},
    [K_WEIGHT] = {"weight", true},
    [K_AUTHOR] = {"author", false},
    [K_REFERENCES] = {"references", false},
    [K_INSTRUCTION] = {"instruction", false},
    [K_MATCH] = {"match", true},
    [K_CONDITION] = {"condition", false},
    [K_SEQUENCE] = {"sequence", false},
    [K_TESTS] = {"tests", false},
};

static const char *const status_names[] = {"active", "test", "deprecated"};

static char *dup_scalar(loader *L, yaml_node_t *n)
{
    char *s = fsc_ruleset_strdup(L->rs, scalar(n), scalar_len(n));
    return s ? s : oom(L);
}

/* Column of byte offset off inside a scalar's value (single-line). */
static yaml_mark_t mark_at(yaml_node_t *n, size_t off)
{
    yaml_mark_t m = n->start_mark;
    unsigned long col = key_col(n, off);
    m.column = col ? col - 1 : 0;
    return m;
}

static bool valid_sel_name(const char *s, size_t len)
{
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return !(len == 3 && (memcmp(s, "and", 3) == 0 || memcmp(s, "not", 3) == 0)) &&
           !(len == 2 && (memcmp(s, "or", 2) == 0 || memcmp(s, "of", 2) == 0)) &&
           !(len == 4 && memcmp(s, "them", 4) == 0) && !(len == 3 && memcmp(s, "all", 3) == 0) &&
           !(len == 3 && memcmp(s, "any", 3) == 0);
}

/* Adds a selection to rule r; its conditions are the pairs of mapping m. */
static void load_sel(loader *L, yaml_document_t *doc, uint32_t r, const char *name,
                     yaml_node_t *at, yaml_node_t *m)
{
    fsc_ruleset *rs = L->rs;
    if (rs->rules[r].nsel >= FSC_RULES_MAX_SELS) {
        err_at(L, at->start_mark, "A rule holds at most %d selections.", FSC_RULES_MAX_SELS);
        return;
    }
    if (!grow((void **)&rs->sels, &rs->capsels, rs->nsels + 1, sizeof *rs->sels)) {
        oom(L);
        return;
    }
    uint32_t si = (uint32_t)rs->nsels++;
    fsc_sel *sel = &rs->sels[si];
    memset(sel, 0, sizeof *sel);
    sel->name = name;
    sel->rule = r;
    sel->first_cond = (uint32_t)rs->nconds;
    sel->loc = loc_of(L, at->start_mark);
    rs->rules[r].nsel++;
    if (m->data.mapping.pairs.start == m->data.mapping.pairs.top) {
        err_at(L, m->start_mark, "'%s' is empty; give at least one field condition.", name);
        return;
    }
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
         p < m->data.mapping.pairs.top && L->fatal == FSC_OK; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (!k || !v)
            continue;
        if (k->type != YAML_SCALAR_NODE) {
            err_at(L, k->start_mark, "A condition's key must be 'field' or 'field|modifier'.");
            continue;
        }
        bool dup = false;
        for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *k2 = yaml_document_get_node(doc, q->key);
            if (k2 && k2->type == YAML_SCALAR_NODE && scalar_len(k2) == scalar_len(k) &&
                memcmp(scalar(k2), scalar(k), scalar_len(k)) == 0)
                dup = true;
        }
        if (dup) {
            err_at(L, k->start_mark,
                   "The condition '%.*s' is given twice; put all its values in one list.",
                   (int)(scalar_len(k) > 100 ? 100 : scalar_len(k)), scalar(k));
            continue;
        }
        load_cond(L, doc, r, si, k, v);
    }
}

static void load_match(loader *L, yaml_document_t *doc, uint32_t r, yaml_node_t *n,
                       bool *named)
{
    *named = false;
    if (n->type != YAML_MAPPING_NODE) {
        err_at(L, n->start_mark,
               "'match' must be a mapping of field conditions, such as "
               "'dns.query|suffix: example.com', or of named selections.");
        return;
    }
    if (n->data.mapping.pairs.start == n->data.mapping.pairs.top) {
        err_at(L, n->start_mark, "'match' is empty; give at least one field condition.");
        return;
    }
    /* named selections when the first value is a mapping; otherwise the
     * first version's single mapping of conditions, one implicit selection */
    yaml_node_t *v0 = yaml_document_get_node(doc, n->data.mapping.pairs.start->value);
    if (!v0 || v0->type != YAML_MAPPING_NODE) {
        char *name = fsc_ruleset_strdup(L->rs, "selection", 9);
        if (!name) {
            oom(L);
            return;
        }
        load_sel(L, doc, r, name, n, n);
        return;
    }
    *named = true;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top && L->fatal == FSC_OK; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (!k || !v)
            continue;
        if (k->type != YAML_SCALAR_NODE || !valid_sel_name(scalar(k), scalar_len(k))) {
            err_at(L, k->start_mark,
                   "A selection's name is 1 to 64 letters, digits, '_' or '-', and not a "
                   "keyword of conditions (and, or, not, of, all, any, them).");
            continue;
        }
        if (v->type != YAML_MAPPING_NODE) {
            err_at(L, v->start_mark,
                   "The selection '%.*s' must be a mapping of field conditions; when 'match' "
                   "holds named selections, every entry is one.",
                   (int)(scalar_len(k) > 64 ? 64 : scalar_len(k)), scalar(k));
            continue;
        }
        bool dup = false;
        fsc_rule_int *ri = &L->rs->rules[r];
        for (uint32_t s = ri->first_sel; s < ri->first_sel + ri->nsel; s++)
            if (strlen(L->rs->sels[s].name) == scalar_len(k) &&
                memcmp(L->rs->sels[s].name, scalar(k), scalar_len(k)) == 0)
                dup = true;
        if (dup) {
            err_at(L, k->start_mark, "The selection '%s' is given twice.", scalar(k));
            continue;
        }
        load_sel(L, doc, r, dup_scalar(L, k), k, v);
    }
}

/* Parses "30m", "2h", "90s", "1d" into microseconds; false when malformed
 * or not in (0, 30 days]. */
static bool parse_duration(const char *s, size_t len, fsc_time *out)
{
    if (len < 2 || len > 12)
        return false;
    int64_t n = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        n = n * 10 + (s[i] - '0');
    }
    int64_t unit;
    switch (s[len - 1]) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return false;
    }
    if (n <= 0 || n * unit > 30 * 86400)
        return false;
    *out = (fsc_time)(n * unit) * 1000000;
    return true;
}

static uint32_t sel_index(loader *L, uint32_t r, const char *s, size_t len)
{
    const fsc_rule_int *ri = &L->rs->rules[r];
    for (uint32_t i = 0; i < ri->nsel; i++) {
        const char *nm = L->rs->sels[ri->first_sel + i].name;
        if (strlen(nm) == len && memcmp(nm, s, len) == 0)
            return i;
    }
    return UINT32_MAX;
}

static void load_sequence(loader *L, yaml_document_t *doc, uint32_t r, yaml_node_t *n)
{
    fsc_ruleset *rs = L->rs;
    yaml_node_t *within = NULL, *steps = NULL;
    if (n->type != YAML_MAPPING_NODE) {
        err_at(L, n->start_mark,
               "'sequence' must be a mapping: {within: 30m, steps: [sel_a, sel_b]}.");
        return;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (!k || !v)
            continue;
        if (scalar_is(k, "within"))
            within = v;
        else if (scalar_is(k, "steps"))
            steps = v;
        else
            err_at(L, k->start_mark, "Unknown key in 'sequence'; it has within and steps.");
    }
    if (!within || !steps) {
        err_at(L, n->start_mark, "'sequence' needs both 'within' and 'steps'.");
        return;
    }
    fsc_time w = 0;
    if (!want_scalar(L, within, "within"))
        return;
    if (!parse_duration(scalar(within), scalar_len(within), &w)) {
        err_at(L, within->start_mark,
               "'within' is a whole number and a unit (s, m, h or d), at most 30 days, such "
               "as 30m.");
        return;
    }
    if (steps->type != YAML_SEQUENCE_NODE) {
        err_at(L, steps->start_mark, "'steps' must be a list of selection names.");
        return;
    }
    size_t nst = (size_t)(steps->data.sequence.items.top - steps->data.sequence.items.start);
    if (nst < 2 || nst > FSC_SEQ_MAX_STEPS) {
        err_at(L, steps->start_mark, "A sequence has 2 to %d steps.", FSC_SEQ_MAX_STEPS);
        return;
    }
    fsc_rule_int *ri = &rs->rules[r];
    ri->first_step = (uint32_t)rs->nsteps;
    for (size_t i = 0; i < nst; i++) {
        yaml_node_t *s = yaml_document_get_node(doc, steps->data.sequence.items.start[i]);
        if (!s || !want_scalar(L, s, "step"))
            return;
        uint32_t si = sel_index(L, r, scalar(s), scalar_len(s));
        if (si == UINT32_MAX) {
            err_at(L, s->start_mark, "The selection '%s' is not defined under match.",
                   scalar(s));
            return;
        }
        if (!grow((void **)&rs->steps, &rs->capsteps, rs->nsteps + 1, sizeof *rs->steps)) {
            oom(L);
            return;
        }
        rs->steps[rs->nsteps++] = si;
    }
    ri = &rs->rules[r];
    ri->nstep = (uint32_t)nst;
    ri->pub.within = w;
    rs->nseq++;
}

static void load_condition(loader *L, uint32_t r, yaml_node_t *n, bool named)
{
    fsc_ruleset *rs = L->rs;
    fsc_rule_int *ri = &rs->rules[r];
    uint32_t ops[FSC_RULES_MAX_OPS];
    size_t nops = 0;
    if (!n) {
        if (ri->nsel > 1) {
            err_at(L, (yaml_mark_t){.line = ri->pub.line - 1},
                   "The rule has several selections but no 'condition'; say how they "
                   "combine, for example 'sel_a and not filter' or '1 of sel_*'.");
            return;
        }
        ops[0] = 0;
        nops = 1;
    } else {
        if (!want_scalar(L, n, "condition"))
            return;
        const char *names[FSC_RULES_MAX_SELS];
        for (uint32_t i = 0; i < ri->nsel; i++)
            names[i] = rs->sels[ri->first_sel + i].name;
        size_t off = 0;
        char msg[300];
        if (fsc_cond_parse(scalar(n), scalar_len(n), names, ri->nsel, ops, FSC_RULES_MAX_OPS,
                           &nops, &off, msg, sizeof msg) != FSC_OK) {
            err_at(L, mark_at(n, off), "%s", msg);
            return;
        }
        (void)named;
    }
    /* a condition that holds with no selection true would match every
     * record: 'not filter' alone, for instance */
    bool none[FSC_RULES_MAX_SELS] = {false};
    if (fsc_cond_eval(ops, nops, none, ri->nsel)) {
        err_at(L, n ? n->start_mark : (yaml_mark_t){.line = ri->pub.line - 1},
               "The condition holds when no selection matches, so it would match every "
               "record; combine 'not' with a selection that must match ('sel and not "
               "filter').");
        return;
    }
    bool used[FSC_RULES_MAX_SELS] = {false};
    for (size_t i = 0; i < nops; i++)
        if (ops[i] < ri->nsel)
            used[ops[i]] = true;
    for (uint32_t i = 0; i < ri->nsel; i++)
        if (!used[i]) {
            fsc_loc l = rs->sels[ri->first_sel + i].loc;
            fsc_diagf(L->diag, FSC_SEV_WARNING, l.file, l.line, l.col,
                      "The selection '%s' is not used by the condition.",
                      rs->sels[ri->first_sel + i].name);
        }
    if (!grow((void **)&rs->ops, &rs->capops, rs->nops + nops, sizeof *rs->ops)) {
        oom(L);
        return;
    }
    ri->first_op = (uint32_t)rs->nops;
    ri->nop = (uint32_t)nops;
    memcpy(rs->ops + rs->nops, ops, nops * sizeof *ops);
    rs->nops += nops;
}

static void load_instruction(loader *L, yaml_document_t *doc, fsc_rule_int *ri, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        if (want_scalar(L, n, "instruction"))
            ri->pub.instruction = dup_scalar(L, n);
        return;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (!k || !v || k->type != YAML_SCALAR_NODE)
            continue;
        if (!want_scalar(L, v, "instruction"))
            continue;
        if (scalar_is(k, "default")) {
            ri->pub.instruction = dup_scalar(L, v);
            continue;
        }
        fsc_group g = fsc_group_lookup(scalar(k), scalar_len(k));
        if (g == FSC_GROUP_COUNT) {
            char names[300];
            size_t at = 0;
            names[0] = '\0';
            for (int i = 0; i < FSC_GROUP_COUNT && at < sizeof names; i++)
                at += (size_t)snprintf(names + at, sizeof names - at, ", %s",
                                       fsc_group_name((fsc_group)i));
            err_at(L, k->start_mark, "Unknown victim group '%.*s'; use default%s.",
                   (int)(scalar_len(k) > 60 ? 60 : scalar_len(k)), scalar(k), names);
            continue;
        }
        ri->pub.group_instruction[g] = dup_scalar(L, v);
    }
}

/* One sample record: a mapping of field: value or field: [values]. */
static bool load_srec(loader *L, yaml_document_t *doc, yaml_node_t *m)
{
    fsc_ruleset *rs = L->rs;
    if (m->type != YAML_MAPPING_NODE) {
        err_at(L, m->start_mark, "A test sample is a mapping of field: value (or a list of "
                                 "such mappings, in order, for a sequence rule).");
        return false;
    }
    if (!grow((void **)&rs->srecs, &rs->capsrecs, rs->nsrecs + 1, sizeof *rs->srecs)) {
        oom(L);
        return false;
    }
    fsc_srec *sr = &rs->srecs[rs->nsrecs++];
    sr->first_val = (uint32_t)rs->nsvals;
    sr->nval = 0;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (!k || !v || k->type != YAML_SCALAR_NODE)
            return false;
        unsigned f = fsc_rf_lookup(scalar(k), scalar_len(k));
        if (f == FSC_RF_COUNT) {
            err_at(L, k->start_mark, "Unknown field '%.*s' in the test sample.",
                   (int)(scalar_len(k) > 100 ? 100 : scalar_len(k)), scalar(k));
            return false;
        }
        yaml_node_t *one[1] = {v};
        yaml_node_t **items = one;
        size_t n = 1;
        if (v->type == YAML_SEQUENCE_NODE) {
            n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
            items = NULL;
        }
        for (size_t i = 0; i < n; i++) {
            yaml_node_t *x =
                items ? items[i] : yaml_document_get_node(doc, v->data.sequence.items.start[i]);
            if (!x || x->type != YAML_SCALAR_NODE) {
                err_at(L, v->start_mark, "A sample's values are strings.");
                return false;
            }
            if (sr->nval >= FSC_RECORD_MAX_VALUES) {
                err_at(L, x->start_mark, "A sample holds at most %d values.",
                       FSC_RECORD_MAX_VALUES);
                return false;
            }
            if (fsc_rf_is_ip(f)) {
                fsc_addr a;
                if (!fsc_addr_parse(scalar(x), scalar_len(x), &a)) {
                    err_at(L, x->start_mark, "'%s' is not an IP address.", scalar(x));
                    return false;
                }
            }
            if (!grow((void **)&rs->svals, &rs->capsvals, rs->nsvals + 1, sizeof *rs->svals)) {
                oom(L);
                return false;
            }
            fsc_sval *sv = &rs->svals[rs->nsvals++];
            sv->field = f;
            sv->len = (uint32_t)scalar_len(x);
            sv->value = dup_scalar(L, x);
            if (!sv->value)
                return false;
            sr = &rs->srecs[rs->nsrecs - 1];
            sr->nval++;
        }
    }
    return true;
}

static void load_tests(loader *L, yaml_document_t *doc, uint32_t r, yaml_node_t *n)
{
    fsc_ruleset *rs = L->rs;
    if (n->type != YAML_MAPPING_NODE) {
        err_at(L, n->start_mark, "'tests' must be a mapping: {match: [...], nomatch: [...]}.");
        return;
    }
    rs->rules[r].first_sample = (uint32_t)rs->nsamples;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (!k || !v)
            continue;
        bool expect;
        if (scalar_is(k, "match"))
            expect = true;
        else if (scalar_is(k, "nomatch"))
            expect = false;
        else {
            err_at(L, k->start_mark, "Unknown key in 'tests'; it has match and nomatch.");
            continue;
        }
        if (v->type != YAML_SEQUENCE_NODE) {
            err_at(L, v->start_mark, "'%s' must be a list of samples.", expect ? "match" : "nomatch");
            continue;
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top && L->fatal == FSC_OK; it++) {
            yaml_node_t *s = yaml_document_get_node(doc, *it);
            if (!s)
                continue;
            if (rs->rules[r].nsample >= FSC_RULES_MAX_SAMPLES) {
                err_at(L, s->start_mark, "A rule holds at most %d test samples.",
                       FSC_RULES_MAX_SAMPLES);
                return;
            }
            fsc_sample smp = {r, expect, (uint32_t)rs->nsrecs, 0, loc_of(L, s->start_mark)};
            if (s->type == YAML_SEQUENCE_NODE) {
                for (yaml_node_item_t *j = s->data.sequence.items.start;
                     j < s->data.sequence.items.top; j++) {
                    yaml_node_t *m = yaml_document_get_node(doc, *j);
                    if (!m || !load_srec(L, doc, m))
                        return;
                    smp.nrec++;
                }
            } else {
                if (!load_srec(L, doc, s))
                    return;
                smp.nrec = 1;
            }
            if (smp.nrec == 0 || smp.nrec > 16) {
                err_at(L, s->start_mark, "A sample holds 1 to 16 records.");
                return;
            }
            if (!grow((void **)&rs->samples, &rs->capsamples, rs->nsamples + 1,
                      sizeof *rs->samples)) {
                oom(L);
                return;
            }
            rs->samples[rs->nsamples++] = smp;
            rs->rules[r].nsample++;
        }
    }
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
                   "Unknown key '%.*s'; a rule has id, title, status, fraud_type, level, "
                   "weight, author, references, instruction, match, condition, sequence and "
                   "tests (field conditions go under match).",
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
    ri->first_sel = (uint32_t)rs->nsels;
    ri->first_ref = (uint32_t)rs->nrefs;
    ri->first_sample = (uint32_t)rs->nsamples;

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
    n = val[K_AUTHOR];
    if (n && want_scalar(L, n, "author"))
        ri->pub.author = dup_scalar(L, n);
    n = val[K_STATUS];
    if (n && want_scalar(L, n, "status")) {
        bool ok = false;
        for (int i = 0; i < 3; i++)
            if (scalar_is(n, status_names[i])) {
                ri->pub.status = (fsc_rule_status)i;
                ok = true;
            }
        if (!ok)
            err_at(L, n->start_mark, "Unknown status '%.*s'; use active, test or deprecated.",
                   (int)(scalar_len(n) > 100 ? 100 : scalar_len(n)), scalar(n));
    }
    n = val[K_REFERENCES];
    if (n) {
        yaml_node_t *one[1] = {n};
        size_t cnt = 1;
        if (n->type == YAML_SEQUENCE_NODE)
            cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
        for (size_t i = 0; i < cnt && i < 64; i++) {
            yaml_node_t *x = n->type == YAML_SEQUENCE_NODE
                                 ? yaml_document_get_node(doc, n->data.sequence.items.start[i])
                                 : one[0];
            if (!x || !want_scalar(L, x, "references"))
                continue;
            if (!grow((void **)&rs->refs, &rs->caprefs, rs->nrefs + 1, sizeof *rs->refs)) {
                oom(L);
                return;
            }
            rs->refs[rs->nrefs++] = dup_scalar(L, x);
            rs->rules[r].pub.nreferences++;
        }
        ri = &rs->rules[r];
    }
    n = val[K_INSTRUCTION];
    if (n)
        load_instruction(L, doc, ri, n);
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
    /* conditions refer to their rule by index r: ri is re-read after each
     * call that may grow the arrays */
    bool named = false;
    size_t nerr_match = L->nerr;
    n = val[K_MATCH];
    if (n)
        load_match(L, doc, r, n, &named);
    if (L->fatal != FSC_OK)
        return;
    ri = &rs->rules[r];
    if (n && L->nerr == nerr_match && ri->nsel > 0) {
        if (val[K_SEQUENCE] && val[K_CONDITION])
            err_at(L, val[K_CONDITION]->start_mark,
                   "A rule has either a 'condition' or a 'sequence', not both.");
        else if (val[K_SEQUENCE])
            load_sequence(L, doc, r, val[K_SEQUENCE]);
        else
            load_condition(L, r, val[K_CONDITION], named);
    }
    if (L->fatal != FSC_OK)
        return;
    if (val[K_TESTS])
        load_tests(L, doc, r, val[K_TESTS]);
    if (L->fatal != FSC_OK)
        return;
    ri = &rs->rules[r];
    if (L->nerr == nerr0 && !ri->pub.title) {
        warn_at(L, root->start_mark, "The rule has no title; officers will see its id.");
        ri->pub.title = ri->pub.id;
    }
    /* keep even a broken rule with an id, so a duplicate id is still found */
    if (ri->pub.id)
        rs->nrules++;
}


/* ---- one file ---------------------------------------------------------- */

static void load_file(loader *L, const char *path, const char *name)
{
    FILE *f = NULL;
    char *buf = NULL;
    yaml_parser_t parser;
    bool parser_ok = false;

    L->file = fsc_ruleset_strdup(L->rs, path, strlen(path));
    const char *slash = strrchr(path, '/');
    L->dir = slash ? fsc_ruleset_strdup(L->rs, path, (size_t)(slash - path)) : ".";
    if (!L->file || !L->dir) {
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

static void destroy(fsc_ruleset *rs)
{
    for (int f = 0; f < FSC_F_COUNT; f++)
        hs_free_database(rs->db[f]);
    fsc_domainset_free(rs->domains);
    fsc_cidr_free(rs->cidrs);
    fsc_arena_free(&rs->arena);
    free(rs->rules);
    free(rs->sels);
    free(rs->conds);
    free(rs->pats);
    free(rs->aliases);
    free(rs->ops);
    free(rs->steps);
    free(rs->samples);
    free(rs->srecs);
    free(rs->svals);
    free(rs->lists);
    free(rs->refs);
    free(rs);
}

fsc_ruleset *fsc_ruleset_ref(fsc_ruleset *rs)
{
    if (rs)
        atomic_fetch_add_explicit(&rs->refs_held, 1, memory_order_relaxed);
    return rs;
}

void fsc_ruleset_free(fsc_ruleset *rs)
{
    if (!rs)
        return;
    /* release: every use of the set by this holder happens before the
     * last holder's destroy (which acquires) */
    if (atomic_fetch_sub_explicit(&rs->refs_held, 1, memory_order_acq_rel) == 1)
        destroy(rs);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

fsc_status fsc_ruleset_load_cached(const char *path, const char *cache_dir, fsc_diag *diag,
                                   fsc_ruleset **out)
{
    fsc_diag stderr_diag = {0};
    loader L = {0};
    fsc_status st = FSC_OK;
    struct stat sb;
    double t0 = mono_s();

    if (!path || !out)
        return FSC_EINVAL;
    L.diag = diag ? diag : &stderr_diag;
    L.rs = calloc(1, sizeof *L.rs);
    if (!L.rs)
        return FSC_ENOMEM;
    atomic_init(&L.rs->refs_held, 1);
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
        /* the set will not be compiled, so check its regexes here: every
         * error of a file is reported in one run, not just the first kind */
        fsc_rules_check_regexes(L.rs, -1, L.diag);
        st = FSC_ERULE;
        goto fail;
    }
    for (size_t i = 0; i < L.rs->nrules; i++) {
        fsc_rule_int *ri = &L.rs->rules[i];
        ri->pub.references = ri->pub.nreferences ? L.rs->refs + ri->first_ref : NULL;
    }
    snprintf(L.rs->version, sizeof L.rs->version, "%016llx",
             (unsigned long long)L.rs->digest);
    /* the real pats are all known: aliases' ids go right after them */
    for (size_t i = 0; i < L.rs->naliases; i++) {
        fsc_alias *a = &L.rs->aliases[i];
        a->first_virtual += (uint32_t)L.rs->npats;
        L.rs->conds[a->cond].first_pat = a->first_virtual;
    }
    st = fsc_ruleset_compile(L.rs, cache_dir, L.diag);
    if (st != FSC_OK)
        goto fail;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    L.rs->loaded_at = (fsc_time)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    L.rs->load_seconds = mono_s() - t0;
    *out = L.rs;
    return FSC_OK;
fail:
    fsc_ruleset_free(L.rs);
    return st;
}

fsc_status fsc_ruleset_load(const char *path, fsc_diag *diag, fsc_ruleset **out)
{
    return fsc_ruleset_load_cached(path, NULL, diag, out);
}

bool fsc_rules_cache_default(char *buf, size_t cap)
{
    const char *env = getenv("FSC_RULES_CACHE");
    int n;
    if (env && *env)
        n = snprintf(buf, cap, "%s", env);
    else if ((env = getenv("XDG_CACHE_HOME")) && *env)
        n = snprintf(buf, cap, "%s/fraudscan", env);
    else if ((env = getenv("HOME")) && *env)
        n = snprintf(buf, cap, "%s/.cache/fraudscan", env);
    else
        return false;
    return n > 0 && (size_t)n < cap;
}

size_t fsc_ruleset_count(const fsc_ruleset *rs) { return rs->nrules; }

const fsc_rule *fsc_ruleset_rule(const fsc_ruleset *rs, size_t i)
{
    return i < rs->nrules ? &rs->rules[i].pub : NULL;
}

const char *fsc_ruleset_version(const fsc_ruleset *rs) { return rs->version; }

fsc_time fsc_ruleset_loaded_at(const fsc_ruleset *rs) { return rs->loaded_at; }
double fsc_ruleset_load_seconds(const fsc_ruleset *rs) { return rs->load_seconds; }
bool fsc_ruleset_from_cache(const fsc_ruleset *rs) { return rs->from_cache; }

const char *fsc_rule_status_name(fsc_rule_status s)
{
    return (unsigned)s < 3 ? status_names[s] : "?";
}

const char *fsc_rule_instruction(const fsc_rule *r, fsc_group g)
{
    if ((unsigned)g < FSC_GROUP_COUNT && r->group_instruction[g])
        return r->group_instruction[g];
    return r->instruction;
}

bool fsc_ruleset_list(const fsc_ruleset *rs, size_t i, const char **path, size_t *good,
                      size_t *bad)
{
    if (i >= rs->nlists)
        return false;
    *path = rs->lists[i].path;
    *good = rs->lists[i].good;
    *bad = rs->lists[i].bad;
    return true;
}

void fsc_ruleset_get_stats(const fsc_ruleset *rs, fsc_ruleset_stats *st)
{
    memset(st, 0, sizeof *st);
    for (size_t i = 0; i < rs->nrules; i++) {
        st->rules[rs->rules[i].pub.status]++;
        st->sequence_rules += rs->rules[i].nstep > 0;
    }
    st->selections = rs->nsels;
    st->conditions = rs->nconds;
    st->values = fsc_pat_ids(rs); /* an alias's values count as its copies did */
    for (size_t c = 0; c < rs->nconds; c++) {
        const fsc_cond *cd = &rs->conds[c];
        if (cd->kind == FSC_PK_CIDR)
            st->cidr_values += cd->npat;
        else if (cd->kind == FSC_PK_DOMAIN)
            st->hashed_values[cd->field] += cd->npat;
        else
            st->hs_values[cd->field] += cd->npat;
    }
    for (int f = 0; f < FSC_F_COUNT; f++) {
        size_t sz = 0;
        if (rs->db[f] && hs_database_size(rs->db[f], &sz) == HS_SUCCESS)
            st->hs_bytes[f] = sz;
    }
    st->domainset_bytes = fsc_domainset_bytes(rs->domains);
    st->cidr_bytes = fsc_cidr_bytes(rs->cidrs);
    st->lists = rs->nlists;
    for (size_t i = 0; i < rs->nlists; i++) {
        st->list_values += rs->lists[i].good;
        st->list_bad += rs->lists[i].bad;
    }
    st->load_seconds = rs->load_seconds;
    st->compile_seconds = rs->compile_seconds;
    st->from_cache = rs->from_cache;
}

int fsc_rule_is_sequence(const fsc_rule *r) { return r->within > 0; }
