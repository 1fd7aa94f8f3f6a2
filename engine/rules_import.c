/* rules_import.c: STIX 2.1, MISP (event, REST wrapper, feed directory),
 * plain lists and CSV to list files plus one rule (rules_import.h). */
#include "rules_import.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yajl/yajl_tree.h>

#include "arena.h"
#include "cmd.h"
#include "domainset.h"
#include "fraud_type.h"
#include "rules_int.h"

#define IMPORT_MAX_BYTES (256u << 20) /* one input file */
#define JSON_MAX_DEPTH 64             /* yajl_tree_free recurses */

static const char *const kind_file[] = {
#define FSC_X_FILE(e, file, what) file,
    FSC_IOC_LIST(FSC_X_FILE)
#undef FSC_X_FILE
};
static const char *const kind_what[] = {
#define FSC_X_WHAT(e, file, what) what,
    FSC_IOC_LIST(FSC_X_WHAT)
#undef FSC_X_WHAT
};

struct fsc_import {
    fsc_diag *diag;
    fsc_diag own;
    fsc_arena arena;
    fsc_domainset *seen; /* (kind, value): duplicates are kept once */
    char **vals[FSC_IOC_COUNT];
    size_t n[FSC_IOC_COUNT], cap[FSC_IOC_COUNT];
    size_t duplicates, malformed, unsupported;
};

fsc_import *fsc_import_new(fsc_diag *diag)
{
    fsc_import *imp = calloc(1, sizeof *imp);
    if (!imp)
        return NULL;
    imp->diag = diag ? diag : &imp->own;
    imp->seen = fsc_domainset_new(1024);
    if (!imp->seen) {
        free(imp);
        return NULL;
    }
    return imp;
}

void fsc_import_free(fsc_import *imp)
{
    if (!imp)
        return;
    for (int k = 0; k < FSC_IOC_COUNT; k++)
        free(imp->vals[k]);
    fsc_domainset_free(imp->seen);
    fsc_arena_free(&imp->arena);
    free(imp);
}

void fsc_import_get_counts(const fsc_import *imp, fsc_import_counts *c)
{
    memset(c, 0, sizeof *c);
    for (int k = 0; k < FSC_IOC_COUNT; k++)
        c->added[k] = imp->n[k];
    c->duplicates = imp->duplicates;
    c->malformed = imp->malformed;
    c->unsupported = imp->unsupported;
}

static void report(fsc_import *imp, const char *file, unsigned long line, unsigned long col,
                   const char *where, const char *msg)
{
    if (where)
        fsc_diagf(imp->diag, FSC_SEV_WARNING, file, 0, 0, "%s: %s", where, msg);
    else
        fsc_diagf(imp->diag, FSC_SEV_WARNING, file, line, col, "%s", msg);
}

void fsc_import_unsupported(fsc_import *imp, const char *file, unsigned long line,
                            unsigned long col, const char *where, const char *what)
{
    char msg[600];
    snprintf(msg, sizeof msg, "not imported: %s.", what);
    report(imp, file, line, col, where, msg);
    imp->unsupported++;
}

/* The host of a URL: after "scheme://" and any "user@", up to ':', '/',
 * '?' or '#'. Returns its length (0: none) and start in *host. */
static size_t url_host(const char *u, size_t len, const char **host)
{
    const char *sep = NULL;
    for (size_t i = 0; i + 2 < len; i++)
        if (u[i] == ':' && u[i + 1] == '/' && u[i + 2] == '/') {
            sep = u + i + 3;
            break;
        }
    const char *s = sep ? sep : u, *end = u + len;
    const char *e = s;
    while (e < end && *e != '/' && *e != '?' && *e != '#')
        e++;
    const char *at = memchr(s, '@', (size_t)(e - s));
    if (at)
        s = at + 1;
    const char *colon = memchr(s, ':', (size_t)(e - s));
    if (colon && s < e && *s != '[')
        e = colon;
    *host = s;
    return (size_t)(e - s);
}

void fsc_import_add(fsc_import *imp, fsc_ioc_kind kind, const char *value, size_t len,
                    const char *file, unsigned long line, unsigned long col, const char *where)
{
    char low[FSC_RULES_MAX_VALUE + 1];
    if ((unsigned)kind >= FSC_IOC_COUNT)
        return;
    if (kind == FSC_IOC_URL_HOST) {
        const char *h;
        size_t hl = url_host(value, len, &h);
        if (hl == 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "'%.*s' is a URL without a host; skipped.",
                     (int)(len > 100 ? 100 : len), value);
            report(imp, file, line, col, where, msg);
            imp->malformed++;
            return;
        }
        value = h;
        len = hl;
    }
    while (len > 0 && isspace((unsigned char)value[len - 1]))
        len--;
    while (len > 0 && isspace((unsigned char)*value)) {
        value++;
        len--;
    }
    fsc_list_kind lk = kind == FSC_IOC_IP ? FSC_LIST_IP
                       : (kind == FSC_IOC_APK_SHA256 || kind == FSC_IOC_CERT_SHA256)
                           ? FSC_LIST_SHA256
                       : kind == FSC_IOC_PACKAGE ? FSC_LIST_TEXT
                                                 : FSC_LIST_DOMAIN;
    if (lk == FSC_LIST_DOMAIN && len > 1 && value[len - 1] == '.')
        len--;
    const char *why = len > FSC_RULES_MAX_VALUE ? "too long" : fsc_list_check(lk, value, len);
    if (!why && kind == FSC_IOC_PACKAGE)
        for (size_t i = 0; i < len && !why; i++)
            if (isspace((unsigned char)value[i]) || value[i] == '#')
                why = "a package name holds no white space or '#'";
    if (!why && len == 0)
        why = "empty";
    if (why) {
        char msg[400];
        snprintf(msg, sizeof msg, "'%.*s' is not a valid %s (%s); skipped.",
                 (int)(len > 100 ? 100 : len), value, kind_what[kind], why);
        report(imp, file, line, col, where, msg);
        imp->malformed++;
        return;
    }
    /* domains and hashes are compared without case: store them lower-cased */
    bool lower = kind != FSC_IOC_PACKAGE;
    for (size_t i = 0; i < len; i++)
        low[i] = lower ? (char)tolower((unsigned char)value[i]) : value[i];
    if (fsc_domainset_lookup(imp->seen, (unsigned)kind, low, len, false, NULL, NULL) > 0) {
        imp->duplicates++;
        return;
    }
    char *copy = fsc_arena_strndup(&imp->arena, low, len);
    if (!copy)
        return;
    if (imp->n[kind] == imp->cap[kind]) {
        size_t nc = imp->cap[kind] ? imp->cap[kind] * 2 : 256;
        char **nv = realloc(imp->vals[kind], nc * sizeof *nv);
        if (!nv)
            return;
        imp->vals[kind] = nv;
        imp->cap[kind] = nc;
    }
    if (!fsc_domainset_add(imp->seen, (unsigned)kind, copy, (uint32_t)len, false, false, 0))
        return;
    imp->vals[kind][imp->n[kind]++] = copy;
}

/* ---- STIX patterns ------------------------------------------------------ */

typedef struct sp {
    const char *p;
    size_t len, pos;
    fsc_stix_fn fn;
    void *ctx;
    size_t err_off;
    char *msg;
    size_t cap;
} sp;

static void sp_ws(sp *s)
{
    while (s->pos < s->len && isspace((unsigned char)s->p[s->pos]))
        s->pos++;
}

static bool sp_word(sp *s, const char *w)
{
    size_t n = strlen(w);
    if (s->len - s->pos < n || memcmp(s->p + s->pos, w, n) != 0)
        return false;
    if (s->pos + n < s->len && (isalnum((unsigned char)s->p[s->pos + n]) || s->p[s->pos + n] == '_'))
        return false;
    s->pos += n;
    return true;
}

static fsc_status sp_fail(sp *s, fsc_status st, const char *msg)
{
    s->err_off = s->pos;
    snprintf(s->msg, s->cap, "%s", msg);
    return st;
}

static int path_kind(const char *p, size_t n)
{
    static const struct {
        const char *path;
        fsc_ioc_kind kind;
    } paths[] = {
        {"domain-name:value", FSC_IOC_DOMAIN},
        {"url:value", FSC_IOC_URL_HOST},
        {"ipv4-addr:value", FSC_IOC_IP},
        {"ipv6-addr:value", FSC_IOC_IP},
        {"file:hashes.'SHA-256'", FSC_IOC_APK_SHA256},
        {"file:hashes.sha256", FSC_IOC_APK_SHA256},
        {"file:hashes.SHA256", FSC_IOC_APK_SHA256},
        {"file:hashes.'sha256'", FSC_IOC_APK_SHA256},
        {"app:id", FSC_IOC_PACKAGE},
        {"app:cert.sha256", FSC_IOC_CERT_SHA256},
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (strlen(paths[i].path) == n && memcmp(paths[i].path, p, n) == 0)
            return (int)paths[i].kind;
    return -1;
}

/* One comparison: PATH '=' 'string'. */
static fsc_status sp_comparison(sp *s)
{
    sp_ws(s);
    size_t start = s->pos;
    while (s->pos < s->len) {
        char c = s->p[s->pos];
        if (c == '\'') { /* quoted path component: hashes.'SHA-256' */
            s->pos++;
            while (s->pos < s->len && s->p[s->pos] != '\'')
                s->pos++;
            if (s->pos >= s->len)
                return sp_fail(s, FSC_EMALFORMED, "an unterminated quote in an object path");
            s->pos++;
            continue;
        }
        if (!(isalnum((unsigned char)c) || c == ':' || c == '.' || c == '-' || c == '_' ||
              c == '[' || c == ']' || c == '*'))
            break;
        if (c == ']' && s->pos == start)
            break;
        if (c == ']')
            break;
        s->pos++;
    }
    size_t plen = s->pos - start;
    if (plen == 0)
        return sp_fail(s, FSC_EMALFORMED, "an object path was expected");
    int kind = path_kind(s->p + start, plen);
    sp_ws(s);
    if (s->pos < s->len && s->p[s->pos] == '=') {
        s->pos++;
    } else {
        if (s->pos >= s->len)
            return sp_fail(s, FSC_EMALFORMED, "the pattern ends after an object path");
        return sp_fail(s, FSC_EUNSUPPORTED,
                       "only '=' comparisons are imported (not !=, <, >, LIKE, MATCHES, IN, "
                       "ISSUBSET, ISSUPERSET)");
    }
    if (kind < 0) {
        s->pos = start;
        return sp_fail(s, FSC_EUNSUPPORTED,
                       "the object path is not one fraudscan matches (domain-name, url, "
                       "ipv4-addr, ipv6-addr, file:hashes SHA-256, app:id, app:cert.sha256)");
    }
    sp_ws(s);
    if (s->pos >= s->len || s->p[s->pos] != '\'')
        return sp_fail(s, FSC_EMALFORMED, "a quoted string was expected after '='");
    size_t vstart = ++s->pos;
    char val[FSC_RULES_MAX_VALUE];
    size_t vlen = 0;
    bool esc = false;
    for (;;) {
        if (s->pos >= s->len)
            return sp_fail(s, FSC_EMALFORMED, "an unterminated string");
        char c = s->p[s->pos++];
        if (c == '\\' && s->pos < s->len) {
            c = s->p[s->pos++];
            esc = true;
        } else if (c == '\'') {
            break;
        }
        if (vlen >= sizeof val)
            return sp_fail(s, FSC_EMALFORMED, "a value longer than 1024 bytes");
        val[vlen++] = c;
    }
    (void)esc;
    if (s->fn)
        s->fn(s->ctx, (fsc_ioc_kind)kind, val, vlen, vstart);
    return FSC_OK;
}

static fsc_status sp_run(sp *s)
{
    sp_ws(s);
    if (s->pos >= s->len)
        return sp_fail(s, FSC_EMALFORMED, "the pattern is empty");
    for (;;) {
        sp_ws(s);
        if (s->pos >= s->len || s->p[s->pos] != '[')
            return sp_fail(s, FSC_EMALFORMED, "'[' was expected");
        s->pos++;
        for (;;) {
            fsc_status st = sp_comparison(s);
            if (st != FSC_OK)
                return st;
            sp_ws(s);
            if (s->pos < s->len && s->p[s->pos] == ']') {
                s->pos++;
                break;
            }
            if (sp_word(s, "OR"))
                continue;
            if (sp_word(s, "AND"))
                return sp_fail(s, FSC_EUNSUPPORTED,
                               "AND inside an observation is not imported (only OR)");
            return sp_fail(s, FSC_EMALFORMED, "']', 'OR' or 'AND' was expected");
        }
        sp_ws(s);
        if (s->pos >= s->len)
            return FSC_OK;
        if (sp_word(s, "OR"))
            continue;
        if (sp_word(s, "AND") || sp_word(s, "FOLLOWEDBY"))
            return sp_fail(s, FSC_EUNSUPPORTED,
                           "AND and FOLLOWEDBY between observations are not imported "
                           "(only OR)");
        if (sp_word(s, "WITHIN") || sp_word(s, "START") || sp_word(s, "REPEATS"))
            return sp_fail(s, FSC_EUNSUPPORTED, "qualifiers (WITHIN, START, REPEATS) are not "
                                                "imported");
        return sp_fail(s, FSC_EMALFORMED, "'OR' or the end of the pattern was expected");
    }
}

fsc_status fsc_stix_pattern_parse(const char *p, size_t len, fsc_stix_fn fn, void *ctx,
                                  size_t *err_off, char *msg, size_t cap)
{
    /* validate the whole pattern first: a pattern that is only partly
     * supported is not imported in part */
    sp s = {p, len, 0, NULL, NULL, 0, msg, cap};
    if (cap)
        msg[0] = '\0';
    fsc_status st = sp_run(&s);
    if (st != FSC_OK) {
        *err_off = s.err_off;
        return st;
    }
    sp t = {p, len, 0, fn, ctx, 0, msg, cap};
    return sp_run(&t);
}

/* ---- JSON helpers ------------------------------------------------------- */

/* Refuses nesting deeper than JSON_MAX_DEPTH before yajl builds a tree. */
static bool json_depth_ok(const char *buf, size_t len)
{
    int depth = 0;
    bool str = false;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                str = false;
        } else if (c == '"') {
            str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > JSON_MAX_DEPTH)
                return false;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return true;
}

static yajl_val json_parse(fsc_import *imp, const char *buf, size_t len, const char *file)
{
    char err[256];
    if (memchr(buf, '\0', len)) {
        report(imp, file, 0, 0, NULL, "The input holds a NUL byte; it is not JSON.");
        imp->malformed++;
        return NULL;
    }
    if (!json_depth_ok(buf, len)) {
        report(imp, file, 0, 0, NULL, "The JSON nests deeper than 64 levels; refused.");
        imp->malformed++;
        return NULL;
    }
    char *z = malloc(len + 1);
    if (!z)
        return NULL;
    memcpy(z, buf, len);
    z[len] = '\0';
    yajl_val v = yajl_tree_parse(z, err, sizeof err);
    free(z);
    if (!v) {
        for (char *p = err; *p; p++)
            if (*p == '\n')
                *p = ' ';
        char msg[400];
        snprintf(msg, sizeof msg, "The input is not valid JSON: %s", err);
        report(imp, file, 0, 0, NULL, msg);
        imp->malformed++;
    }
    return v;
}

static yajl_val get(yajl_val obj, const char *key)
{
    if (!YAJL_IS_OBJECT(obj))
        return NULL;
    for (size_t i = 0; i < obj->u.object.len; i++)
        if (strcmp(obj->u.object.keys[i], key) == 0)
            return obj->u.object.values[i];
    return NULL;
}

static const char *get_str(yajl_val obj, const char *key)
{
    yajl_val v = get(obj, key);
    return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

/* ---- STIX bundles -------------------------------------------------------- */

typedef struct stix_ctx {
    fsc_import *imp;
    const char *file;
    const char *where;
} stix_ctx;

static void on_stix(void *ctx, fsc_ioc_kind kind, const char *v, size_t len, size_t off)
{
    stix_ctx *c = ctx;
    (void)off;
    fsc_import_add(c->imp, kind, v, len, c->file, 0, 0, c->where);
}

fsc_status fsc_import_stix(fsc_import *imp, const char *buf, size_t len, const char *file)
{
    yajl_val root = json_parse(imp, buf, len, file);
    if (!root)
        return FSC_EMALFORMED;
    yajl_val objs = get(root, "objects");
    fsc_status st = FSC_OK;
    if (!YAJL_IS_ARRAY(objs)) {
        report(imp, file, 0, 0, NULL, "Not a STIX 2.1 bundle: no 'objects' array.");
        imp->malformed++;
        st = FSC_EMALFORMED;
        goto done;
    }
    for (size_t i = 0; i < objs->u.array.len; i++) {
        yajl_val o = objs->u.array.values[i];
        char where[64];
        snprintf(where, sizeof where, "objects[%zu]", i);
        const char *type = get_str(o, "type");
        if (!type || strcmp(type, "indicator") != 0)
            continue; /* malware, relationship, identity: not indicators */
        const char *ptype = get_str(o, "pattern_type");
        if (ptype && strcmp(ptype, "stix") != 0) {
            char what[200];
            snprintf(what, sizeof what, "pattern_type '%.60s' (only stix patterns)", ptype);
            fsc_import_unsupported(imp, file, 0, 0, where, what);
            continue;
        }
        const char *pat = get_str(o, "pattern");
        if (!pat) {
            report(imp, file, 0, 0, where, "An indicator without a pattern; skipped.");
            imp->malformed++;
            continue;
        }
        size_t off = 0;
        char msg[300];
        stix_ctx c = {imp, file, where};
        fsc_status ps = fsc_stix_pattern_parse(pat, strlen(pat), on_stix, &c, &off, msg, sizeof msg);
        if (ps == FSC_EUNSUPPORTED) {
            char what[500];
            snprintf(what, sizeof what, "pattern \"%.120s\" at offset %zu: %s", pat, off, msg);
            fsc_import_unsupported(imp, file, 0, 0, where, what);
        } else if (ps != FSC_OK) {
            char m2[500];
            snprintf(m2, sizeof m2, "The pattern \"%.120s\" is malformed at offset %zu: %s; "
                                    "skipped.", pat, off, msg);
            report(imp, file, 0, 0, where, m2);
            imp->malformed++;
        }
    }
done:
    yajl_tree_free(root);
    return st;
}

/* ---- MISP ------------------------------------------------------------------ */

static void misp_attribute(fsc_import *imp, yajl_val a, const char *file, const char *where,
                           const char *relation)
{
    const char *type = get_str(a, "type");
    const char *value = get_str(a, "value");
    if (!type || !value) {
        report(imp, file, 0, 0, where, "An attribute without type or value; skipped.");
        imp->malformed++;
        return;
    }
    size_t vl = strlen(value);
    if (relation && strcmp(relation, "name") == 0)
        return; /* the app's display name: a label, not an indicator */
    if (relation && strcmp(relation, "appid") == 0) {
        fsc_import_add(imp, FSC_IOC_PACKAGE, value, vl, file, 0, 0, where);
        return;
    }
    if (strcmp(type, "domain") == 0 || strcmp(type, "hostname") == 0) {
        fsc_import_add(imp, FSC_IOC_DOMAIN, value, vl, file, 0, 0, where);
    } else if (strcmp(type, "url") == 0) {
        fsc_import_add(imp, FSC_IOC_URL_HOST, value, vl, file, 0, 0, where);
    } else if (strcmp(type, "ip-dst") == 0) {
        fsc_import_add(imp, FSC_IOC_IP, value, vl, file, 0, 0, where);
    } else if (strcmp(type, "sha256") == 0) {
        bool cert = relation && strcmp(relation, "certificate") == 0;
        fsc_import_add(imp, cert ? FSC_IOC_CERT_SHA256 : FSC_IOC_APK_SHA256, value, vl, file, 0,
                       0, where);
    } else {
        char what[200];
        snprintf(what, sizeof what, "attribute type '%.40s'%s%.40s", type,
                 relation ? " as " : "", relation ? relation : "");
        fsc_import_unsupported(imp, file, 0, 0, where, what);
    }
}

static void misp_event(fsc_import *imp, yajl_val ev, const char *file, const char *prefix)
{
    yajl_val attrs = get(ev, "Attribute");
    char where[160];
    if (YAJL_IS_ARRAY(attrs))
        for (size_t i = 0; i < attrs->u.array.len; i++) {
            snprintf(where, sizeof where, "%sAttribute[%zu]", prefix, i);
            misp_attribute(imp, attrs->u.array.values[i], file, where, NULL);
        }
    yajl_val objs = get(ev, "Object");
    if (!YAJL_IS_ARRAY(objs))
        return;
    for (size_t i = 0; i < objs->u.array.len; i++) {
        yajl_val o = objs->u.array.values[i];
        yajl_val oa = get(o, "Attribute");
        if (!YAJL_IS_ARRAY(oa))
            continue;
        for (size_t j = 0; j < oa->u.array.len; j++) {
            snprintf(where, sizeof where, "%sObject[%zu].Attribute[%zu]", prefix, i, j);
            misp_attribute(imp, oa->u.array.values[j], file, where,
                           get_str(oa->u.array.values[j], "object_relation"));
        }
    }
}

fsc_status fsc_import_misp(fsc_import *imp, const char *buf, size_t len, const char *file)
{
    yajl_val root = json_parse(imp, buf, len, file);
    if (!root)
        return FSC_EMALFORMED;
    fsc_status st = FSC_OK;
    yajl_val resp = get(root, "response");
    yajl_val ev = get(root, "Event");
    if (YAJL_IS_ARRAY(resp)) {
        for (size_t i = 0; i < resp->u.array.len; i++) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "response[%zu].Event.", i);
            yajl_val e = get(resp->u.array.values[i], "Event");
            if (YAJL_IS_OBJECT(e))
                misp_event(imp, e, file, prefix);
            else {
                report(imp, file, 0, 0, prefix, "An entry without an Event; skipped.");
                imp->malformed++;
            }
        }
    } else if (YAJL_IS_OBJECT(ev)) {
        misp_event(imp, ev, file, "Event.");
    } else if (get(root, "Attribute") || get(root, "Object")) {
        misp_event(imp, root, file, "");
    } else {
        report(imp, file, 0, 0, NULL,
               "Not a MISP event: no 'Event', 'response', 'Attribute' or 'Object'.");
        imp->malformed++;
        st = FSC_EMALFORMED;
    }
    yajl_tree_free(root);
    return st;
}

static char *slurp(const char *path, size_t *len, const char **why)
{
    FILE *f = fopen(path, "rb");
    *why = NULL;
    if (!f) {
        *why = strerror(errno);
        return NULL;
    }
    struct stat sb;
    char *buf = NULL;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0 ||
        (uint64_t)sb.st_size > IMPORT_MAX_BYTES) {
        *why = "not a regular file of at most 256 MiB";
        goto done;
    }
    buf = malloc((size_t)sb.st_size + 1);
    if (!buf) {
        *why = "out of memory";
        goto done;
    }
    *len = fread(buf, 1, (size_t)sb.st_size, f);
    buf[*len] = '\0';
done:
    fclose(f);
    return buf;
}

fsc_status fsc_import_misp_feed(fsc_import *imp, const char *dir)
{
    char path[4096];
    size_t len = 0;
    const char *why;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *buf = slurp(path, &len, &why);
    if (!buf) {
        char msg[300];
        snprintf(msg, sizeof msg, "Cannot read the feed's manifest: %s.", why);
        report(imp, path, 0, 0, NULL, msg);
        imp->malformed++;
        return FSC_EIO;
    }
    yajl_val man = json_parse(imp, buf, len, path);
    free(buf);
    if (!man)
        return FSC_EMALFORMED;
    if (!YAJL_IS_OBJECT(man)) {
        report(imp, path, 0, 0, NULL, "The manifest is not a JSON object of event uuids.");
        imp->malformed++;
        yajl_tree_free(man);
        return FSC_EMALFORMED;
    }
    for (size_t i = 0; i < man->u.object.len; i++) {
        const char *uuid = man->u.object.keys[i];
        bool ok = *uuid != '\0';
        for (const char *p = uuid; *p; p++)
            if (!(isxdigit((unsigned char)*p) || *p == '-'))
                ok = false;
        char where[128];
        snprintf(where, sizeof where, "manifest entry %zu (%.60s)", i, uuid);
        if (!ok) {
            report(imp, path, 0, 0, where, "Not an event uuid; skipped.");
            imp->malformed++;
            continue;
        }
        char ev[4200];
        snprintf(ev, sizeof ev, "%s/%s.json", dir, uuid);
        size_t elen = 0;
        char *eb = slurp(ev, &elen, &why);
        if (!eb) {
            char msg[4600];
            snprintf(msg, sizeof msg, "The event is listed but %s cannot be read (%s); skipped.",
                     ev, why);
            report(imp, path, 0, 0, where, msg);
            imp->malformed++;
            continue;
        }
        fsc_import_misp(imp, eb, elen, ev);
        free(eb);
    }
    yajl_tree_free(man);
    return FSC_OK;
}

/* ---- plain lists and CSV ----------------------------------------------------- */

static fsc_ioc_kind guess(const char *v, size_t len)
{
    if (!fsc_list_check(FSC_LIST_IP, v, len))
        return FSC_IOC_IP;
    if (!fsc_list_check(FSC_LIST_SHA256, v, len))
        return FSC_IOC_APK_SHA256;
    if (len > 8 && (memcmp(v, "http://", 7) == 0 || memcmp(v, "https://", 8) == 0))
        return FSC_IOC_URL_HOST;
    return FSC_IOC_DOMAIN;
}

typedef struct list_ctx {
    fsc_import *imp;
    const char *file;
    int kind;
} list_ctx;

static void on_line(void *ctx, unsigned long line, unsigned long col, const char *v, size_t len,
                    const char *reason)
{
    list_ctx *c = ctx;
    (void)reason;
    /* defanged indicators (example[.]com) are common in reports */
    char buf[FSC_RULES_MAX_VALUE];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof buf; i++) {
        if (i + 2 < len && v[i] == '[' && v[i + 1] == '.' && v[i + 2] == ']') {
            buf[n++] = '.';
            i += 2;
        } else {
            buf[n++] = v[i];
        }
    }
    fsc_ioc_kind k = c->kind >= 0 ? (fsc_ioc_kind)c->kind : guess(buf, n);
    fsc_import_add(c->imp, k, buf, n, c->file, line, col, NULL);
}

fsc_status fsc_import_list(fsc_import *imp, const char *buf, size_t len, const char *file,
                           int kind)
{
    list_ctx c = {imp, file, kind};
    fsc_list_parse(buf, len, FSC_LIST_TEXT, on_line, &c);
    return FSC_OK;
}

/* The kind a CSV column holds, from its header; -1: not an indicator
 * column, -2: the type column, -3: a value column typed by it or guessed,
 * -4: certificate column (SHA-256 imported, SHA-1 reported). */
static int column_kind(const char *h, size_t n)
{
    char l[64];
    if (n >= sizeof l)
        return -1;
    for (size_t i = 0; i < n; i++)
        l[i] = (char)tolower((unsigned char)h[i]);
    l[n] = '\0';
    if (strcmp(l, "sha256") == 0 || strcmp(l, "apk_sha256") == 0)
        return FSC_IOC_APK_SHA256;
    if (strcmp(l, "package name") == 0 || strcmp(l, "package") == 0 ||
        strcmp(l, "package_name") == 0 || strcmp(l, "app id") == 0)
        return FSC_IOC_PACKAGE;
    if (strcmp(l, "domain") == 0 || strcmp(l, "hostname") == 0 || strcmp(l, "host") == 0)
        return FSC_IOC_DOMAIN;
    if (strcmp(l, "ip") == 0 || strcmp(l, "ip-dst") == 0)
        return FSC_IOC_IP;
    if (strcmp(l, "cert_sha256") == 0 || strcmp(l, "certificate") == 0)
        return -4;
    if (strcmp(l, "type") == 0 || strcmp(l, "indicator_type") == 0)
        return -2;
    if (strcmp(l, "indicator") == 0 || strcmp(l, "indicator_value") == 0 ||
        strcmp(l, "value") == 0)
        return -3;
    return -1;
}

static int type_kind(const char *t, size_t n)
{
    static const struct {
        const char *name;
        int kind;
    } types[] = {
        {"domain", FSC_IOC_DOMAIN},        {"hostname", FSC_IOC_DOMAIN},
        {"ipv4", FSC_IOC_IP},              {"ipv6", FSC_IOC_IP},
        {"ip", FSC_IOC_IP},                {"ip-dst", FSC_IOC_IP},
        {"url", FSC_IOC_URL_HOST},         {"sha256", FSC_IOC_APK_SHA256},
        {"android_package_name", FSC_IOC_PACKAGE}, {"package", FSC_IOC_PACKAGE},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i].name) == n && memcmp(types[i].name, t, n) == 0)
            return types[i].kind;
    return -1;
}

#define CSV_MAX_COLS 64

/* Splits one CSV line (quotes honoured, "" is a quote) into fields that
 * point into line; quoted fields are unescaped in place into scratch. */
static size_t csv_split(const char *line, size_t len, const char **f, size_t *fl, size_t *fc,
                        char *scratch)
{
    size_t n = 0, at = 0, s = 0;
    while (at <= len && n < CSV_MAX_COLS) {
        fc[n] = at + 1;
        if (at < len && line[at] == '"') {
            size_t o = 0;
            at++;
            while (at < len) {
                if (line[at] == '"' && at + 1 < len && line[at + 1] == '"') {
                    scratch[s + o++] = '"';
                    at += 2;
                } else if (line[at] == '"') {
                    at++;
                    break;
                } else {
                    scratch[s + o++] = line[at++];
                }
            }
            f[n] = scratch + s;
            fl[n] = o;
            s += o;
            while (at < len && line[at] != ',')
                at++;
        } else {
            size_t b = at;
            while (at < len && line[at] != ',')
                at++;
            f[n] = line + b;
            fl[n] = at - b;
        }
        n++;
        at++; /* past the comma (or the end) */
    }
    return n;
}

fsc_status fsc_import_csv(fsc_import *imp, const char *buf, size_t len, const char *file)
{
    int kinds[CSV_MAX_COLS];
    size_t ncols = 0;
    int type_col = -1;
    unsigned long lineno = 0;
    size_t at = 0;
    char *scratch = malloc(len + 1);
    if (!scratch)
        return FSC_ENOMEM;
    while (at < len) {
        const char *nl = memchr(buf + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - buf) : len, e = end;
        lineno++;
        if (e > at && buf[e - 1] == '\r')
            e--;
        const char *f[CSV_MAX_COLS];
        size_t fl[CSV_MAX_COLS], fc[CSV_MAX_COLS];
        size_t n = e > at ? csv_split(buf + at, e - at, f, fl, fc, scratch) : 0;
        if (n == 0) {
            at = end + 1;
            continue;
        }
        if (ncols == 0) { /* the header */
            ncols = n;
            bool any = false;
            for (size_t i = 0; i < n; i++) {
                kinds[i] = column_kind(f[i], fl[i]);
                if (kinds[i] == -2)
                    type_col = (int)i;
                any = any || kinds[i] >= 0 || kinds[i] == -3 || kinds[i] == -4;
            }
            if (!any) {
                report(imp, file, 1, 1, NULL,
                       "No indicator column in the header (sha256, package name, domain, ip, "
                       "certificate, indicator); nothing imported.");
                imp->malformed++;
                break;
            }
            at = end + 1;
            continue;
        }
        for (size_t i = 0; i < n && i < ncols; i++) {
            if (fl[i] == 0 || kinds[i] == -1 || kinds[i] == -2)
                continue;
            int k = kinds[i];
            if (k == -4) {
                if (fl[i] == 40) {
                    fsc_import_unsupported(imp, file, lineno, fc[i], NULL,
                                           "a SHA-1 signing certificate (rules match the "
                                           "certificate's SHA-256)");
                    continue;
                }
                k = FSC_IOC_CERT_SHA256;
            } else if (k == -3) {
                if (type_col >= 0 && (size_t)type_col < n) {
                    k = type_kind(f[type_col], fl[type_col]);
                    if (k < 0) {
                        char what[120];
                        snprintf(what, sizeof what, "indicator type '%.*s'",
                                 (int)(fl[type_col] > 60 ? 60 : fl[type_col]), f[type_col]);
                        fsc_import_unsupported(imp, file, lineno, fc[type_col], NULL, what);
                        continue;
                    }
                } else {
                    k = guess(f[i], fl[i]);
                }
            }
            fsc_import_add(imp, (fsc_ioc_kind)k, f[i], fl[i], file, lineno, fc[i], NULL);
        }
        at = end + 1;
    }
    free(scratch);
    return FSC_OK;
}

/* ---- writing the lists and the rule ------------------------------------------ */

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool write_list(fsc_import *imp, int k, const char *dir, const char *name,
                       const char *sources)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lists/%s-%s.txt", dir, name, kind_file[k]);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "fraudscan rules import: cannot write %s: %s\n", path, strerror(errno));
        return false;
    }
    qsort(imp->vals[k], imp->n[k], sizeof *imp->vals[k], by_str);
    fprintf(f, "# %s, imported by fraudscan rules import from %s\n# %zu values\n",
            kind_what[k], sources, imp->n[k]);
    for (size_t i = 0; i < imp->n[k]; i++)
        fprintf(f, "%s\n", imp->vals[k][i]);
    return fclose(f) == 0;
}

static const struct {
    int kind;
    const char *sel, *key;
    bool app;
} selections[] = {
    {FSC_IOC_DOMAIN, "sel_domain_dns", "dns.query|suffix", false},
    {FSC_IOC_DOMAIN, "sel_domain_tls", "tls.sni|suffix", false},
    {FSC_IOC_DOMAIN, "sel_domain_http", "http.host|suffix", false},
    {FSC_IOC_URL_HOST, "sel_url_host_dns", "dns.query", false},
    {FSC_IOC_URL_HOST, "sel_url_host_tls", "tls.sni", false},
    {FSC_IOC_URL_HOST, "sel_url_host_http", "http.host", false},
    {FSC_IOC_IP, "sel_ip", "ip.dst|cidr", false},
    {FSC_IOC_APK_SHA256, "sel_apk", "app.apk_sha256", true},
    {FSC_IOC_CERT_SHA256, "sel_cert", "app.cert_sha256", true},
    {FSC_IOC_PACKAGE, "sel_package", "app.package", true},
};

int fsc_rules_import_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"fraud-type", required_argument, NULL, 't'},
        {"level", required_argument, NULL, 'l'},  {"weight", required_argument, NULL, 'w'},
        {"out", required_argument, NULL, 'o'},    {"name", required_argument, NULL, 'n'},
        {"kind", required_argument, NULL, 'k'},   {"status", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    const char *format = NULL, *ft = NULL, *level = "medium", *weight = "2.0", *out = NULL;
    const char *name = "import", *kind_s = NULL, *status = "active";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:t:l:w:o:n:k:s:", opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 't': ft = optarg; break;
        case 'l': level = optarg; break;
        case 'w': weight = optarg; break;
        case 'o': out = optarg; break;
        case 'n': name = optarg; break;
        case 'k': kind_s = optarg; break;
        case 's': status = optarg; break;
        default: return 2;
        }
    }
    if (!format || !ft || !out || optind >= argc) {
        fprintf(stderr, "usage: fraudscan rules import --format stix|misp|misp-feed|list|csv "
                        "--fraud-type FTxx [--level L] [--weight W] [--name NAME] "
                        "[--kind domain|ip|sha256|package|cert] --out DIR INPUT...\n");
        return 2;
    }
    if (!fsc_fraud_type_parse(ft, strlen(ft))) {
        fprintf(stderr, "fraudscan rules import: '%s' is not a fraud type (FT01..FT13)\n", ft);
        return 2;
    }
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')) {
            fprintf(stderr, "fraudscan rules import: --name takes a-z, 0-9, '-', '_'\n");
            return 2;
        }
    int kind = -1;
    if (kind_s) {
        static const char *const kn[] = {"domain", "url", "ip", "sha256", "cert", "package"};
        for (int i = 0; i < FSC_IOC_COUNT; i++)
            if (strcmp(kind_s, kn[i]) == 0)
                kind = i;
        if (kind < 0) {
            fprintf(stderr, "fraudscan rules import: unknown --kind '%s'\n", kind_s);
            return 2;
        }
    }
    fsc_import *imp = fsc_import_new(NULL);
    if (!imp)
        return 1;
    int rc = 0;
    char sources[2048] = "";
    size_t sat = 0;
    for (int i = optind; i < argc; i++) {
        const char *in = argv[i];
        if (sat < sizeof sources)
            sat += (size_t)snprintf(sources + sat, sizeof sources - sat, "%s%s",
                                    i > optind ? ", " : "", in);
        if (strcmp(format, "misp-feed") == 0) {
            fsc_import_misp_feed(imp, in);
            continue;
        }
        size_t len = 0;
        const char *why;
        char *buf = slurp(in, &len, &why);
        if (!buf) {
            fprintf(stderr, "fraudscan rules import: %s: %s\n", in, why);
            rc = 1;
            continue;
        }
        if (strcmp(format, "stix") == 0)
            fsc_import_stix(imp, buf, len, in);
        else if (strcmp(format, "misp") == 0)
            fsc_import_misp(imp, buf, len, in);
        else if (strcmp(format, "list") == 0)
            fsc_import_list(imp, buf, len, in, kind);
        else if (strcmp(format, "csv") == 0)
            fsc_import_csv(imp, buf, len, in);
        else {
            fprintf(stderr, "fraudscan rules import: unknown format '%s'\n", format);
            free(buf);
            fsc_import_free(imp);
            return 2;
        }
        free(buf);
    }
    fsc_import_counts cnt;
    fsc_import_get_counts(imp, &cnt);
    size_t total = 0;
    for (int k = 0; k < FSC_IOC_COUNT; k++)
        total += cnt.added[k];
    char path[4096];
    snprintf(path, sizeof path, "%s/lists", out);
    if (total > 0 && ((mkdir(out, 0755) != 0 && errno != EEXIST) ||
                      (mkdir(path, 0755) != 0 && errno != EEXIST))) {
        fprintf(stderr, "fraudscan rules import: cannot create %s: %s\n", path, strerror(errno));
        rc = 1;
        total = 0;
    }
    if (total > 0) {
        for (int k = 0; k < FSC_IOC_COUNT; k++)
            if (cnt.added[k] && !write_list(imp, k, out, name, sources))
                rc = 1;
        snprintf(path, sizeof path, "%s/%s.yaml", out, name);
        FILE *f = fopen(path, "w");
        if (!f) {
            fprintf(stderr, "fraudscan rules import: cannot write %s\n", path);
            rc = 1;
        } else {
            fprintf(f, "# Imported by fraudscan rules import (--format %s) from:\n#   %s\n",
                    format, sources);
            fprintf(f, "id: import-%s\ntitle: Indicators imported from %s\nstatus: %s\n"
                       "fraud_type: %s\nlevel: %s\nweight: %s\nauthor: fraudscan rules import\n",
                    name, name, status, ft, level, weight);
            fprintf(f, "match:\n");
            for (size_t s = 0; s < sizeof selections / sizeof selections[0]; s++) {
                int k = selections[s].kind;
                if (!cnt.added[k])
                    continue;
                fprintf(f, "  %s:\n    %s: '@lists/%s-%s.txt'\n", selections[s].sel,
                        selections[s].key, name, kind_file[k]);
                if (selections[s].app)
                    fprintf(f, "    app.event: [install, update]\n");
            }
            fprintf(f, "condition: 1 of sel_*\n");
            if (fclose(f) != 0)
                rc = 1;
            printf("wrote %s\n", path);
        }
    }
    for (int k = 0; k < FSC_IOC_COUNT; k++)
        if (cnt.added[k])
            printf("  %-28s %zu\n", kind_what[k], cnt.added[k]);
    printf("imported %zu indicators; %zu duplicates merged, %zu malformed and %zu unsupported "
           "entries skipped (each reported above)\n",
           total, cnt.duplicates, cnt.malformed, cnt.unsupported);
    if (total == 0)
        rc = 1;
    fsc_import_free(imp);
    return rc;
}
