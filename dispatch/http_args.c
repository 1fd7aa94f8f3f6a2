/* http_args.c: request bodies, path templates and query values of the HTTP
 * API (see http_args.h). yajl's callback parser reads the bodies: it
 * validates UTF-8 and tells how many bytes it read, which is the "at byte
 * N" of every message. */
#include "http_args.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

typedef struct body_ctx {
    fsc_harg *args;
    size_t nargs;
    fsc_harg *cur;         /* the key just read, NULL before/after a value */
    int depth;
    yajl_handle h;
    char *err;
    size_t errcap;
    bool failed;           /* err holds our own message (not yajl's) */
} body_ctx;

static size_t at(body_ctx *c)
{
    return yajl_get_bytes_consumed(c->h);
}

__attribute__((format(printf, 2, 3))) static int fail(body_ctx *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errcap, "%s at byte %zu", msg, at(c));
    c->failed = true;
    return 0; /* yajl stops: yajl_status_client_canceled */
}

/* A scalar outside the object (the body is "3" or "\"x\"") or a value at
 * depth > 1 never reaches a key: one message for both. */
static fsc_harg *value_slot(body_ctx *c)
{
    if (c->depth != 1) {
        fail(c, c->depth == 0 ? "the body must be a JSON object" : "nested values are not accepted");
        return NULL;
    }
    fsc_harg *a = c->cur;
    c->cur = NULL;
    return a;
}

static int on_null(void *ctx)
{
    body_ctx *c = ctx;
    fsc_harg *a = value_slot(c);
    if (!a)
        return 0;
    a->present = false; /* null = not given; an optional key stays unset */
    a->at = at(c);
    return 1;
}

static int on_bool(void *ctx, int v)
{
    body_ctx *c = ctx;
    fsc_harg *a = value_slot(c);
    if (!a)
        return 0;
    return fail(c, "'%s' must be a %s, not %s", a->key,
                a->type == FSC_HARG_STR ? "string" : "number", v ? "true" : "false");
}

static int on_number(void *ctx, const char *s, size_t len)
{
    body_ctx *c = ctx;
    fsc_harg *a = value_slot(c);
    if (!a)
        return 0;
    if (a->type != FSC_HARG_NUM)
        return fail(c, "'%s' must be a string", a->key);
    char buf[64];
    if (len >= sizeof buf)
        return fail(c, "'%s' has too many digits", a->key);
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end || !isfinite(v))
        return fail(c, "'%s' is not a finite number", a->key);
    a->num = v;
    a->present = true;
    a->at = at(c);
    return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    body_ctx *c = ctx;
    fsc_harg *a = value_slot(c);
    if (!a)
        return 0;
    if (a->type != FSC_HARG_STR)
        return fail(c, "'%s' must be a number", a->key);
    if (memchr(s, '\0', len))
        return fail(c, "'%s' holds a NUL character", a->key);
    if (len >= a->cap)
        return fail(c, "'%s' is longer than %zu bytes", a->key, a->cap - 1);
    memcpy(a->str, s, len);
    a->str[len] = '\0';
    a->present = true;
    a->at = at(c);
    return 1;
}

static int on_start_map(void *ctx)
{
    body_ctx *c = ctx;
    if (c->depth != 0)
        return fail(c, "nested values are not accepted");
    c->depth = 1;
    return 1;
}

static int on_key(void *ctx, const unsigned char *k, size_t len)
{
    body_ctx *c = ctx;
    for (size_t i = 0; i < c->nargs; i++) {
        fsc_harg *a = &c->args[i];
        if (strlen(a->key) == len && memcmp(a->key, k, len) == 0) {
            if (a->at)
                return fail(c, "'%s' is given twice", a->key);
            c->cur = a;
            return 1;
        }
    }
    /* a typo must not be dropped silently: name what is accepted */
    char known[256] = "";
    size_t n = 0;
    for (size_t i = 0; i < c->nargs && n < sizeof known; i++) {
        int w = snprintf(known + n, sizeof known - n, "%s%s", i ? ", " : "", c->args[i].key);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    int shown = len > 40 ? 40 : (int)len;
    return fail(c, "unknown key '%.*s%s' (accepted: %s)", shown, (const char *)k,
                len > 40 ? "..." : "", c->nargs ? known : "none");
}

static int on_end_map(void *ctx)
{
    body_ctx *c = ctx;
    c->depth = 0;
    return 1;
}

static int on_start_array(void *ctx)
{
    body_ctx *c = ctx;
    return fail(c, c->depth == 0 ? "the body must be a JSON object"
                                 : "nested values are not accepted");
}

static const yajl_callbacks body_callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = on_end_map,
    .yajl_start_array = on_start_array,
};

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

fsc_status fsc_http_parse_body(const char *body, size_t len, fsc_harg *args, size_t nargs,
                               char *err, size_t errcap)
{
    for (size_t i = 0; i < nargs; i++) {
        args[i].present = false;
        args[i].at = 0;
        args[i].num = 0;
        if (args[i].type == FSC_HARG_STR && args[i].cap)
            args[i].str[0] = '\0';
    }
    fsc_status st = FSC_OK;
    if (!blank(body, len)) {
        body_ctx c = {.args = args, .nargs = nargs, .err = err, .errcap = errcap};
        c.h = yajl_alloc(&body_callbacks, NULL, &c);
        if (!c.h)
            return FSC_ENOMEM;
        yajl_status ys = yajl_parse(c.h, (const unsigned char *)body, len);
        if (ys == yajl_status_ok)
            ys = yajl_complete_parse(c.h);
        if (ys != yajl_status_ok) {
            if (!c.failed) {
                /* yajl's own words, without its trailing newline */
                unsigned char *m = yajl_get_error(c.h, 0, NULL, 0);
                size_t ml = m ? strcspn((const char *)m, "\n") : 0;
                snprintf(err, errcap, "invalid JSON at byte %zu: %.*s", at(&c), (int)ml,
                         m ? (const char *)m : "");
                if (m)
                    yajl_free_error(c.h, m);
            }
            st = FSC_EMALFORMED;
        }
        yajl_free(c.h);
        if (st != FSC_OK)
            return st;
    }
    for (size_t i = 0; i < nargs; i++)
        if (args[i].required && !args[i].present) {
            snprintf(err, errcap, "'%s' is required at byte %zu", args[i].key, len);
            return FSC_EMALFORMED;
        }
    return FSC_OK;
}

static bool id_byte(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == ':' || ch == '-';
}

int fsc_http_route_match(const char *pattern, const char *path, size_t len, char *id,
                         size_t idcap, char *err, size_t errcap)
{
    size_t i = 0;             /* into path */
    const char *p = pattern;
    const char *bad = NULL;   /* first bad "*" segment's reason */
    size_t bad_at = 0;
    while (*p) {
        if (*p == '*') {
            size_t start = i;
            while (i < len && path[i] != '/')
                i++;
            size_t n = i - start;
            if (n == 0)
                return 0;
            if (!bad) {
                if (n > 64 || n >= idcap) {
                    bad = "is longer than 64 bytes";
                    bad_at = start + 64;
                } else {
                    for (size_t k = start; k < i; k++)
                        if (!id_byte(path[k])) {
                            bad = "holds a byte outside [A-Za-z0-9._:-]";
                            bad_at = k;
                            break;
                        }
                    if (!bad) {
                        memcpy(id, path + start, n);
                        id[n] = '\0';
                    }
                }
            }
            p++;
            continue;
        }
        if (i >= len || path[i] != *p)
            return 0;
        i++;
        p++;
    }
    if (i != len)
        return 0;
    if (bad) {
        snprintf(err, errcap, "the id in the path %s at byte %zu", bad, bad_at);
        return -1;
    }
    return 1;
}

int fsc_http_parse_level(const char *s, size_t len)
{
    static const char *const names[] = {"none", "low", "medium", "high", "critical"};
    if (len == 1 && s[0] >= '0' && s[0] <= '4')
        return s[0] - '0';
    for (int i = 1; i <= 4; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return i;
    return -1;
}

bool fsc_http_parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

typedef struct kind_ctx {
    int depth;
    bool at_kind, found;
    char *out;
    size_t cap;
} kind_ctx;

static int k_skip(void *ctx)
{
    ((kind_ctx *)ctx)->at_kind = false;
    return 1;
}
static int k_bool(void *ctx, int v)
{
    (void)v;
    return k_skip(ctx);
}
static int k_num(void *ctx, const char *s, size_t l)
{
    (void)s;
    (void)l;
    return k_skip(ctx);
}
static int k_str(void *ctx, const unsigned char *s, size_t len)
{
    kind_ctx *c = ctx;
    if (c->at_kind && c->depth == 1) {
        if (len >= c->cap || memchr(s, '\0', len))
            return 0;
        memcpy(c->out, s, len);
        c->out[len] = '\0';
        c->found = true;
        return 0; /* found: stop reading */
    }
    c->at_kind = false;
    return 1;
}
static int k_open(void *ctx)
{
    kind_ctx *c = ctx;
    c->at_kind = false;
    c->depth++;
    return 1;
}
static int k_close(void *ctx)
{
    kind_ctx *c = ctx;
    c->depth--;
    return 1;
}
static int k_key(void *ctx, const unsigned char *k, size_t len)
{
    kind_ctx *c = ctx;
    c->at_kind = c->depth == 1 && len == 4 && memcmp(k, "kind", 4) == 0;
    return 1;
}

static const yajl_callbacks kind_callbacks = {
    .yajl_null = k_skip,
    .yajl_boolean = k_bool,
    .yajl_number = k_num,
    .yajl_string = k_str,
    .yajl_start_map = k_open,
    .yajl_map_key = k_key,
    .yajl_end_map = k_close,
    .yajl_start_array = k_open,
    .yajl_end_array = k_close,
};

bool fsc_http_entry_kind(const char *json, size_t len, char *out, size_t cap)
{
    if (cap == 0)
        return false;
    kind_ctx c = {.out = out, .cap = cap};
    yajl_handle h = yajl_alloc(&kind_callbacks, NULL, &c);
    if (!h)
        return false;
    if (yajl_parse(h, (const unsigned char *)json, len) == yajl_status_ok)
        yajl_complete_parse(h);
    yajl_free(h);
    return c.found;
}
