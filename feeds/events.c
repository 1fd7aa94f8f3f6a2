/* events.c: the app-install feed (JSON lines) read with yajl's callback
 * parser. yajl_tree would build a DOM per line; the callbacks let us copy
 * only the keys we know straight into the record, which measured fastest.
 *
 * One line is one event. The parser state below tracks where in the one
 * allowed shape we are:
 *
 *   { "key": scalar, "permissions": [ "S", ... ], "unknown": <anything> }
 *
 * and every deviation stops the parse with a message and the byte column of
 * the token that caused it. Nothing here allocates except yajl itself; all
 * strings go into the caller's bounded store. */
#include "events.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yajl/yajl_parse.h>
#include <zmq.h>

#include "events_fast.h"
#include "events_int.h"
#include "fraud_type.h"
#include "timefmt.h"

/* ---- the keys we know: one row each (types in events_int.h) ---------- */

#define KEY(s) s, sizeof s - 1
const fsc_event_key fsc_event_keys[] = {
    {KEY("ts"), K_TS, KIND_TIME, DEST_NONE, FSC_F_COUNT, false},
    {KEY("subscriber"), K_SUBSCRIBER, KIND_STRING, DEST_NONE, FSC_F_COUNT, false},
    {KEY("device"), K_DEVICE, KIND_STRING, DEST_NONE, FSC_F_COUNT, false},
    {KEY("event"), K_EVENT, KIND_STRING, DEST_NONE, FSC_F_COUNT, false},
    {KEY("package"), K_PACKAGE, KIND_STRING, DEST_VALUE, FSC_F_APP_PACKAGE, false},
    {KEY("label"), K_LABEL, KIND_STRING, DEST_VALUE, FSC_F_APP_LABEL, false},
    {KEY("version"), K_VERSION, KIND_STRING, DEST_NONE, FSC_F_COUNT, false},
    {KEY("cert_sha256"), K_CERT, KIND_STRING, DEST_VALUE, FSC_F_APP_CERT_SHA256, true},
    {KEY("apk_sha256"), K_APK, KIND_STRING, DEST_VALUE, FSC_F_APP_APK_SHA256, true},
    {KEY("installer"), K_INSTALLER, KIND_STRING, DEST_NONE, FSC_F_COUNT, false},
    {KEY("permissions"), K_PERMISSIONS, KIND_STRING_LIST, DEST_VALUE, FSC_F_APP_PERMISSIONS, false},
    {KEY("fraud_type"), K_FRAUD_TYPE, KIND_STRING, DEST_NONE, FSC_F_COUNT, false},
    {KEY("disposition"), K_DISPOSITION, KIND_STRING, DEST_NONE, FSC_F_COUNT, false},
};
_Static_assert(K_FRAUD_TYPE_ROW + 1 == K_FRAUD_TYPE && K_DISPOSITION_ROW + 1 == K_DISPOSITION,
               "fraud_type and disposition are the last two rows");

const char *const fsc_event_names[] = {
    "install", "update", "uninstall", "accessibility_enabled", "screen_share_started",
    "app_opened", "disposition",
};

static const char perm_prefix[] = FSC_EVENT_PERM_PREFIX;

/* ---- parse state ------------------------------------------------------- */

typedef struct pctx {
    yajl_handle h;
    const char *buf;
    size_t len;
    fsc_record *rec;
    fsc_event_meta *meta;
    char *store;
    size_t storecap, used;

    int depth;        /* 0 before the object, 1 inside it, 2 after it */
    int skip;         /* nesting depth inside an unknown key's value */
    bool in_perms;    /* inside the permissions array */
    int key;          /* index into fsc_event_keys[] of the current key, or -1 */
    size_t nperms;    /* permissions kept so far */
    unsigned seen;    /* bit per fsc_event_keys[] row: duplicate detection */
    bool completing;  /* inside yajl_complete_parse: offsets are not ours */
    size_t last_end;  /* offset just past the previous token */
    unsigned long obj_col;

    fsc_status st;
    char *err;
    size_t errcap;
    unsigned long col;
} pctx;

/* 1-based column where the current token starts: yajl only tells us where
 * the token ends, so skip the separators after the previous one. */
static unsigned long tok_col(const pctx *c)
{
    size_t i = c->last_end;
    while (i < c->len && strchr(" \t\r\n:,", c->buf[i]) && c->buf[i] != '\0')
        i++;
    return (unsigned long)i + 1;
}

/* Called at the end of every callback: remember where this token ended. */
static int done(pctx *c)
{
    c->last_end = c->completing ? c->len : yajl_get_bytes_consumed(c->h);
    return 1;
}

__attribute__((format(printf, 4, 5))) static int fail(pctx *c, fsc_status st,
                                                      unsigned long col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->errcap)
        vsnprintf(c->err, c->errcap, fmt, ap);
    va_end(ap);
    c->st = st;
    c->col = col;
    return 0; /* cancels yajl */
}

static const char *kind_text(key_kind k)
{
    return k == KIND_TIME ? "a string or a number" : k == KIND_STRING ? "a string"
                                                                      : "an array of strings";
}

/* Copies n bytes into the store; NUL-terminated when nul. NULL when full. */
static char *sdup(pctx *c, const unsigned char *s, size_t n, bool nul, bool hash)
{
    size_t need = n + (nul ? 1 : 0);
    if (need > c->storecap - c->used)
        return NULL;
    char *d = c->store + c->used;
    size_t o = 0;
    if (!hash) {
        memcpy(d, s, n);
        o = n;
    } else {
        for (size_t i = 0; i < n; i++)
            if (s[i] != ':')
                d[o++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    }
    if (nul)
        d[o++] = '\0';
    c->used += o;
    return d;
}

static bool add_value(pctx *c, fsc_field f, const char *p, size_t n)
{
    fsc_record *r = c->rec;
    if (r->nvalues >= FSC_RECORD_MAX_VALUES)
        return false;
    r->values[r->nvalues].field = f;
    r->values[r->nvalues].ptr = p;
    r->values[r->nvalues].len = (uint32_t)n;
    r->nvalues++;
    return true;
}

/* The value slot is taken: whatever comes next at depth 1 must be a key. */
static void value_done(pctx *c)
{
    c->key = -1;
}

/* A scalar or container where the top-level object should be. */
static int not_object(pctx *c)
{
    return fail(c, FSC_EMALFORMED, tok_col(c), "line is not a JSON object");
}

static int wrong_type(pctx *c, const char *got)
{
    const char *name = c->key >= 0 ? fsc_event_keys[c->key].name : "?";
    key_kind k = c->key >= 0 ? fsc_event_keys[c->key].kind : KIND_STRING;
    return fail(c, FSC_EMALFORMED, tok_col(c), "\"%s\" must be %s, not %s", name, kind_text(k),
                got);
}

/* Something other than a string inside the permissions array. */
static int perm_not_string(pctx *c, const char *got)
{
    return fail(c, FSC_EMALFORMED, tok_col(c), "\"permissions\" entries must be strings, not %s",
                got);
}

/* An object or array opens. Inside an unknown key's value it only nests
 * one deeper (true: the token is consumed); false otherwise. */
static bool skip_open(pctx *c)
{
    if (!c->skip)
        return false;
    c->skip++;
    return true;
}

/* An object or array closes. Inside an unknown key's value it leaves one
 * level, and the value is done when its outermost level closes (true: the
 * token is consumed); false otherwise. */
static bool skip_close(pctx *c)
{
    if (!c->skip)
        return false;
    if (--c->skip == 0)
        value_done(c);
    return true;
}

/* A scalar that is not a string (null, boolean, number). */
static int on_other_scalar(pctx *c, const char *what, const char *text, size_t n)
{
    if (c->skip)
        return done(c);
    if (c->depth != 1)
        return not_object(c);
    if (c->in_perms)
        return perm_not_string(c, what);
    if (c->key < 0 || (!text && strcmp(what, "null") == 0 && fsc_event_keys[c->key].id != K_TS &&
                       fsc_event_keys[c->key].id != K_SUBSCRIBER)) {
        /* unknown keys are ignored; null in an optional key means absent */
        value_done(c);
        return done(c);
    }
    if (fsc_event_keys[c->key].id == K_TS && text) {
        fsc_time t;
        if (!fsc_time_parse(text, n, &t))
            return fail(c, FSC_EMALFORMED, tok_col(c), "bad \"ts\" %.*s", (int)(n > 40 ? 40 : n),
                        text);
        c->rec->ts = t;
        value_done(c);
        return done(c);
    }
    return wrong_type(c, what);
}

static int cb_null(void *ctx)
{
    return on_other_scalar(ctx, "null", NULL, 0);
}

static int cb_boolean(void *ctx, int v)
{
    return on_other_scalar(ctx, v ? "true" : "false", NULL, 0);
}

static int cb_number(void *ctx, const char *s, size_t n)
{
    return on_other_scalar(ctx, "a number", s, n);
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    pctx *c = ctx;
    if (c->skip)
        return done(c);
    if (c->depth != 1)
        return not_object(c);
    if (c->key < 0 && !c->in_perms) {
        value_done(c);
        return done(c);
    }
    if (memchr(s, '\0', n))
        return fail(c, FSC_EMALFORMED, tok_col(c), "\"%s\" contains a NUL character",
                    fsc_event_keys[c->key].name);

    fsc_record *r = c->rec;
    if (c->in_perms) {
        if (n > sizeof perm_prefix - 1 && memcmp(s, perm_prefix, sizeof perm_prefix - 1) == 0) {
            s += sizeof perm_prefix - 1;
            n -= sizeof perm_prefix - 1;
        }
        if (n == 0)
            return done(c);
        /* a repeated permission adds nothing; padding with repeats must
         * not push a real one out of the bounded value array */
        for (size_t i = 0; i < r->nvalues; i++)
            if (r->values[i].field == FSC_F_APP_PERMISSIONS && r->values[i].len == n &&
                memcmp(r->values[i].ptr, s, n) == 0) {
                if (c->meta)
                    c->meta->dropped_permissions++;
                return done(c);
            }
        if (c->nperms >= MAX_PERMISSIONS) {
            if (c->meta)
                c->meta->dropped_permissions++;
            return done(c);
        }
        char *p = sdup(c, s, n, false, false);
        if (!p)
            return fail(c, FSC_ELIMIT, tok_col(c), "strings exceed the %zu-byte store",
                        c->storecap);
        add_value(c, FSC_F_APP_PERMISSIONS, p, n);
        c->nperms++;
        return done(c);
    }

    const int k = c->key;
    if (fsc_event_keys[k].kind == KIND_STRING_LIST)
        return wrong_type(c, "a string");
    if (fsc_event_keys[k].id == K_TS) {
        fsc_time t;
        if (!fsc_time_parse((const char *)s, n, &t))
            return fail(c, FSC_EMALFORMED, tok_col(c), "bad \"ts\" \"%.*s\"",
                        (int)(n > 40 ? 40 : n), (const char *)s);
        r->ts = t;
        value_done(c);
        return done(c);
    }
    if (fsc_event_keys[k].id == K_EVENT) {
        const char *ev = NULL;
        for (size_t i = 0; i < FSC_EVENT_NKINDS; i++)
            if (strlen(fsc_event_names[i]) == n && memcmp(fsc_event_names[i], s, n) == 0)
                ev = fsc_event_names[i];
        if (!ev)
            return fail(c, FSC_EMALFORMED, tok_col(c), "unknown \"event\" \"%.*s\"",
                        (int)(n > 40 ? 40 : n), (const char *)s);
        r->event = ev;
        value_done(c);
        return done(c);
    }
    if (fsc_event_keys[k].id == K_SUBSCRIBER && n == 0)
        return fail(c, FSC_EMALFORMED, tok_col(c), "\"subscriber\" is empty");

    bool nul = fsc_event_keys[k].dest == DEST_NONE; /* C strings; record values are not */
    char *p = sdup(c, s, n, nul, fsc_event_keys[k].hash);
    if (!p)
        return fail(c, FSC_ELIMIT, tok_col(c), "strings exceed the %zu-byte store", c->storecap);
    /* what sdup wrote (the hash filter may have dropped ':'), minus the NUL */
    size_t plen = (size_t)(c->store + c->used - p) - (nul ? 1 : 0);
    switch (fsc_event_keys[k].id) {
    case K_SUBSCRIBER: r->subscriber = p; break;
    case K_DEVICE: if (c->meta) c->meta->device = p; break;
    case K_INSTALLER:
        /* a C string for the meta, and a value rules can match ("sideload") */
        if (c->meta)
            c->meta->installer = p;
        if (plen > 0 && !add_value(c, FSC_F_APP_INSTALLER, p, plen))
            return fail(c, FSC_ELIMIT, tok_col(c), "more than %d values", FSC_RECORD_MAX_VALUES);
        break;
    case K_VERSION: if (c->meta) c->meta->version = p; break;
    case K_FRAUD_TYPE: if (c->meta) c->meta->fraud_type = p; break;
    case K_DISPOSITION: if (c->meta) c->meta->disposition = p; break;
    default:
        if (plen > 0 && !add_value(c, fsc_event_keys[k].field, p, plen))
            return fail(c, FSC_ELIMIT, tok_col(c), "more than %d values", FSC_RECORD_MAX_VALUES);
        break;
    }
    value_done(c);
    return done(c);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t n)
{
    pctx *c = ctx;
    if (c->skip)
        return done(c);
    c->key = -1;
    for (size_t i = 0; i < FSC_EVENT_NKEYS; i++)
        if (fsc_event_keys[i].len == n && memcmp(fsc_event_keys[i].name, s, n) == 0) {
            if (c->seen & (1u << i))
                return fail(c, FSC_EMALFORMED, tok_col(c), "duplicate key \"%s\"",
                            fsc_event_keys[i].name);
            c->seen |= 1u << i;
            c->key = (int)i;
            break;
        }
    return done(c);
}

static int cb_start_map(void *ctx)
{
    pctx *c = ctx;
    if (skip_open(c))
        return done(c);
    if (c->depth == 0) {
        c->depth = 1;
        c->obj_col = tok_col(c);
        return done(c);
    }
    if (c->depth == 2) /* a second value: only a reused handle lets it come */
        return fail(c, FSC_EMALFORMED, tok_col(c), "text after the object");
    if (c->in_perms)
        return perm_not_string(c, "an object");
    if (c->key >= 0)
        return wrong_type(c, "an object");
    c->skip = 1;
    return done(c);
}

static int cb_end_map(void *ctx)
{
    pctx *c = ctx;
    if (skip_close(c))
        return done(c);
    c->depth = 2;
    return done(c);
}

static int cb_start_array(void *ctx)
{
    pctx *c = ctx;
    if (skip_open(c))
        return done(c);
    if (c->depth != 1)
        return not_object(c);
    if (c->in_perms)
        return perm_not_string(c, "an array");
    if (c->key < 0) {
        c->skip = 1;
        return done(c);
    }
    if (fsc_event_keys[c->key].kind != KIND_STRING_LIST)
        return wrong_type(c, "an array");
    c->in_perms = true;
    return done(c);
}

static int cb_end_array(void *ctx)
{
    pctx *c = ctx;
    if (skip_close(c))
        return done(c);
    c->in_perms = false;
    value_done(c);
    return done(c);
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number, /* raw text: "ts" epochs keep their fraction */
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end_map,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end_array,
};

/* Copies yajl's own message (minus its trailing newline) into c->err. */
static void yajl_message(pctx *c)
{
    unsigned char *m = yajl_get_error(c->h, 0, (const unsigned char *)c->buf, c->len);
    const char *msg = m ? (const char *)m : "parse error";
    size_t n = strlen(msg);
    while (n > 0 && isspace((unsigned char)msg[n - 1]))
        n--;
    if (c->errcap)
        snprintf(c->err, c->errcap, "not valid JSON: %.*s", (int)n, msg);
    if (m)
        yajl_free_error(c->h, m);
}

/* An officer's disposition needs both keys, with values we know: a wrong
 * one silently ignored would leave a person alerted who was cleared. */
static void check_disposition(pctx *c)
{
    fsc_event_meta m0 = {0};
    const fsc_event_meta *m = c->meta ? c->meta : &m0;
    const char *ft = m->fraud_type, *d = m->disposition;
    if (!c->meta) {
        /* no meta to read them from: the keys' presence is still checked */
        if (!(c->seen & (1u << K_FRAUD_TYPE_ROW)) || !(c->seen & (1u << K_DISPOSITION_ROW)))
            fail(c, FSC_EMALFORMED, c->obj_col,
                 "a disposition needs \"fraud_type\" and \"disposition\"");
        return;
    }
    if (!ft || !d) {
        fail(c, FSC_EMALFORMED, c->obj_col, "a disposition needs \"fraud_type\" and \"disposition\"");
        return;
    }
    if (strcmp(ft, "all") != 0 && !fsc_fraud_type_parse(ft, strlen(ft))) {
        fail(c, FSC_EMALFORMED, c->obj_col, "unknown \"fraud_type\" \"%.20s\" (FT01..FT13 or all)", ft);
        return;
    }
    if (strcmp(d, "confirmed_safe") != 0 && strcmp(d, "confirmed_fraud") != 0 &&
        strcmp(d, "false_alarm") != 0)
        fail(c, FSC_EMALFORMED, c->obj_col,
             "unknown \"disposition\" \"%.30s\" (confirmed_safe, confirmed_fraud, false_alarm)", d);
}

/* The checks after the object has closed: required keys, a disposition's
 * keys. Sets c->st on a problem. */
static void check_object(pctx *c, size_t len)
{
    if (c->depth != 2)
        fail(c, FSC_EMALFORMED, len ? 1 : 0, "line is not a JSON object");
    else if (!(c->seen & (1u << K_TS_ROW)))
        fail(c, FSC_EMALFORMED, c->obj_col, "missing \"ts\"");
    else if (!c->rec->subscriber)
        fail(c, FSC_EMALFORMED, c->obj_col, "missing \"subscriber\"");
    else if (strcmp(c->rec->event, "disposition") == 0)
        check_disposition(c);
}

/* Appends the event kind as a value, so a rule can ask for installs only
 * (fsc_event_names are static: the value may point at them). */
static bool add_event_value(pctx *c)
{
    return add_value(c, FSC_F_APP_EVENT, c->rec->event, strlen(c->rec->event));
}

/* The fast path of the reader: one yajl handle for every line instead of
 * one allocated and freed per line (yajl_alloc/free were ~8 % of a replay
 * in malloc and free). yajl_allow_multiple_values lets the handle parse
 * one object after another; a line is good only when its one object
 * closed within it, and anything else (an error, a line cut short, a
 * second value) drops the handle and returns false without a message: the
 * caller parses the line again with fsc_event_parse_ex, which reports it
 * exactly as before. c is the context the handle was made with. */
static bool parse_reused(pctx *c, yajl_handle *hp, const char *buf, size_t len,
                         fsc_record *rec, fsc_event_meta *meta, char *store, size_t storecap)
{
    yajl_handle h = *hp;
    if (!h) {
        h = yajl_alloc(&callbacks, NULL, c);
        if (!h)
            return false;
        yajl_config(h, yajl_allow_multiple_values, 1);
        *hp = h;
    }
    *c = (pctx){.h = h, .buf = buf, .len = len, .rec = rec, .meta = meta, .store = store,
                .storecap = storecap, .key = -1, .st = FSC_OK};
    memset(rec, 0, sizeof *rec);
    rec->source = FSC_SRC_APP;
    rec->event = fsc_event_names[0];
    memset(meta, 0, sizeof *meta);
    yajl_status ys = yajl_parse(h, (const unsigned char *)buf, len);
    if (ys == yajl_status_ok && c->st == FSC_OK)
        check_object(c, len);
    /* after the '}' only blanks: yajl holds a token still being read (a
     * trailing number) without telling us, and it would start the next line */
    for (size_t i = c->last_end; ys == yajl_status_ok && c->st == FSC_OK && i < len; i++)
        if (buf[i] != ' ' && buf[i] != '\t')
            c->st = FSC_EMALFORMED;
    if (ys != yajl_status_ok || c->st != FSC_OK || !add_event_value(c)) {
        yajl_free(h);
        *hp = NULL;
        return false;
    }
    return true;
}

fsc_status fsc_event_parse_ex(const char *buf, size_t len, fsc_record *rec,
                              fsc_event_meta *meta, char *store, size_t storecap,
                              char *err, size_t errcap, unsigned long *errcol)
{
    pctx c = {
        .buf = buf,
        .len = len,
        .rec = rec,
        .meta = meta,
        .store = store,
        .storecap = storecap,
        .key = -1,
        .st = FSC_OK,
        .err = err,
        .errcap = errcap,
    };
    memset(rec, 0, sizeof *rec);
    rec->source = FSC_SRC_APP;
    rec->event = fsc_event_names[0];
    if (meta)
        memset(meta, 0, sizeof *meta);
    if (errcap)
        err[0] = '\0';
    if (errcol)
        *errcol = 0;

    c.h = yajl_alloc(&callbacks, NULL, &c);
    if (!c.h) {
        if (errcap)
            snprintf(err, errcap, "out of memory");
        return FSC_ENOMEM;
    }
    /* UTF-8 is validated (the default); no comments, one value per line */
    yajl_status ys = yajl_parse(c.h, (const unsigned char *)buf, len);
    if (ys == yajl_status_ok) {
        c.completing = true;
        ys = yajl_complete_parse(c.h);
    }
    if (ys == yajl_status_error) {
        c.st = FSC_EMALFORMED;
        yajl_message(&c);
        /* yajl's offset is just past the byte it choked on, which is
         * therefore at 1-based column == offset; at completion the line
         * simply ended too early: point one past its end */
        size_t off = yajl_get_bytes_consumed(c.h);
        c.col = c.completing ? (unsigned long)len + 1 : (unsigned long)(off ? off : 1);
    } else if (ys == yajl_status_ok && c.st == FSC_OK) {
        check_object(&c, len);
    }
    yajl_free(c.h);

    if (c.st != FSC_OK) {
        if (errcol)
            *errcol = c.col;
        memset(rec, 0, sizeof *rec);
        rec->source = FSC_SRC_APP;
        return c.st;
    }
    if (!add_event_value(&c)) {
        snprintf(err, errcap, "more than %d values", FSC_RECORD_MAX_VALUES);
        if (errcol)
            *errcol = 1;
        memset(rec, 0, sizeof *rec);
        rec->source = FSC_SRC_APP;
        return FSC_ELIMIT;
    }
    return FSC_OK;
}

fsc_status fsc_event_parse(const char *buf, size_t len, fsc_record *rec, char *store,
                           size_t storecap, char *err, size_t errcap)
{
    char msg[256];
    unsigned long col = 0;
    fsc_status st =
        fsc_event_parse_ex(buf, len, rec, NULL, store, storecap, msg, sizeof msg, &col);
    if (st != FSC_OK && errcap)
        snprintf(err, errcap, "column %lu: %s", col, msg);
    return st;
}

/* ---- the reader -------------------------------------------------------- */

#define RBUF_SIZE 65536
#define STORE_SIZE (2 * FSC_EVENTS_LINE_MAX + 64)

struct fsc_event_reader {
    FILE *f;
    bool is_stdin;
    char *path;          /* for diagnostics; "-" shows as "<stdin>" */
    char *open_path;     /* what to reopen after a rotation */
    fsc_diag *diag;
    fsc_counters *counters;
    fsc_events_options opt;
    unsigned long lineno;
    bool eof;
    char *rbuf;          /* RBUF_SIZE bytes read ahead from f */
    size_t rpos, rlen;
    char *line;          /* FSC_EVENTS_LINE_MAX bytes: the current line */
    size_t linelen;
    char *store;         /* STORE_SIZE bytes: strings of the current record */
    fsc_event_meta meta;
    FILE *dead;          /* dead-letter file, or NULL */
    void *zctx, *zsock;  /* zmq: a PULL socket instead of f */
    fsc_time high;       /* latest event time accepted; 0: none yet */
    pctx pc;             /* the context yh was made with (parse_reused) */
    yajl_handle yh;      /* reused from line to line; NULL after an error */
    bool nowait;         /* fsc_events_next_line(wait false): the end of a
                          * followed file ends this call, not the feed */
    bool partial;        /* r->line holds the start of a line whose end has
                          * not been written yet (kept for the next call) */
    bool partial_long;   /* ... and that start was already cut */
    dev_t dev;           /* the file we have open, to notice a rotation */
    ino_t ino;
    off_t offset;
};

static fsc_time wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (fsc_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int open_file(fsc_event_reader *r)
{
    r->f = fopen(r->open_path, "rb");
    if (!r->f)
        return -1;
    struct stat st;
    if (fstat(fileno(r->f), &st) == 0) {
        r->dev = st.st_dev;
        r->ino = st.st_ino;
    }
    r->offset = 0;
    r->eof = false;
    return 0;
}

static int open_zmq(fsc_event_reader *r, const char *endpoint)
{
    r->zctx = zmq_ctx_new();
    r->zsock = r->zctx ? zmq_socket(r->zctx, ZMQ_PULL) : NULL;
    if (!r->zsock)
        return -1;
    int hwm = 1000000;
    zmq_setsockopt(r->zsock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    /* "tcp://0.0.0.0:5557" or an address with a port we own: bind; otherwise the
     * producers bind and we connect ("connect:tcp://host:port") */
    if (strncmp(endpoint, "connect:", 8) == 0)
        return zmq_connect(r->zsock, endpoint + 8);
    return zmq_bind(r->zsock, endpoint);
}

fsc_event_reader *fsc_events_open_ex(const char *path, const fsc_events_options *opt,
                                     fsc_diag *diag, fsc_counters *counters)
{
    fsc_event_reader *r = calloc(1, sizeof *r);
    if (!r)
        goto fail;
    r->diag = diag;
    r->counters = counters;
    if (opt)
        r->opt = *opt;
    r->is_stdin = strcmp(path, "-") == 0;
    bool zmq = strncmp(path, "zmq:", 4) == 0;
    r->path = strdup(r->is_stdin ? "<stdin>" : path);
    r->open_path = strdup(path);
    r->rbuf = malloc(RBUF_SIZE);
    r->line = malloc(FSC_EVENTS_LINE_MAX);
    r->store = malloc(STORE_SIZE);
    if (!r->path || !r->open_path || !r->rbuf || !r->line || !r->store) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "out of memory");
        goto fail;
    }
    if (r->opt.dead_letter) {
        r->dead = fopen(r->opt.dead_letter, "a");
        if (!r->dead) {
            fsc_diagf(diag, FSC_SEV_ERROR, r->opt.dead_letter, 0, 0, "cannot open: %s",
                      strerror(errno));
            goto fail;
        }
    }
    if (zmq) {
        if (open_zmq(r, path + 4) != 0) {
            fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "cannot open a ZeroMQ PULL socket: %s",
                      zmq_strerror(zmq_errno()));
            goto fail;
        }
        return r;
    }
    if (r->is_stdin) {
        r->f = stdin;
        r->opt.follow = false; /* stdin ends when its writer closes it */
    } else if (open_file(r) != 0) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
        goto fail;
    }
    return r;
fail:
    fsc_events_close(r);
    return NULL;
}

fsc_event_reader *fsc_events_open(const char *path, fsc_diag *diag, fsc_counters *counters)
{
    return fsc_events_open_ex(path, NULL, diag, counters);
}

void fsc_events_close(fsc_event_reader *r)
{
    if (!r)
        return;
    if (r->f && !r->is_stdin)
        fclose(r->f);
    if (r->dead)
        fclose(r->dead);
    if (r->zsock)
        zmq_close(r->zsock);
    if (r->zctx)
        zmq_ctx_term(r->zctx);
    if (r->yh)
        yajl_free(r->yh);
    free(r->path);
    free(r->open_path);
    free(r->rbuf);
    free(r->line);
    free(r->store);
    free(r);
}

const fsc_event_meta *fsc_events_meta(const fsc_event_reader *r)
{
    return &r->meta;
}

static bool stopping(const fsc_event_reader *r)
{
    return r->opt.stop && *r->opt.stop;
}

/* Follow mode at the end of the file: has it been rotated (a new file under
 * the name) or truncated? Then reopen and read the new one from its start;
 * else wait a little for more. Returns false when asked to stop. */
static bool wait_for_more(fsc_event_reader *r)
{
    struct stat st;
    if (stat(r->open_path, &st) == 0 && (st.st_dev != r->dev || st.st_ino != r->ino)) {
        /* what is still in the old file was read: it was at its end */
        FILE *old = r->f;
        if (open_file(r) == 0) {
            fclose(old);
            r->rpos = r->rlen = 0;
            r->lineno = 0; /* messages name lines of the file now read */
            if (r->counters)
                r->counters->v[FSC_C_EVENTS_ROTATED]++;
            return true;
        }
        r->f = old;
    } else if (stat(r->open_path, &st) == 0 && st.st_size < r->offset) {
        rewind(r->f); /* copytruncate-style rotation */
        r->offset = 0;
        r->lineno = 0;
        r->rpos = r->rlen = 0;
        if (r->counters)
            r->counters->v[FSC_C_EVENTS_ROTATED]++;
        return true;
    }
    struct timespec ts = {0, 20 * 1000000};
    nanosleep(&ts, NULL);
    clearerr(r->f);
    return !stopping(r);
}

/* One ZeroMQ message is one line (a trailing newline is dropped). */
static fsc_status read_msg(fsc_event_reader *r, bool *too_long)
{
    *too_long = false;
    for (;;) {
        if (stopping(r))
            return FSC_EOF;
        /* a message already queued is taken at once; zmq_poll (which
         * checks the socket's mailbox and its fd again) only when none is:
         * at 100,000 events/s that is a poll saved for nearly every one */
        int got = zmq_recv(r->zsock, r->line, FSC_EVENTS_LINE_MAX, ZMQ_DONTWAIT);
        if (got < 0) {
            if (zmq_errno() != EAGAIN && zmq_errno() != EINTR)
                return FSC_EIO;
            zmq_pollitem_t it = {r->zsock, 0, ZMQ_POLLIN, 0};
            int n = zmq_poll(&it, 1, 100);
            if (n < 0 && zmq_errno() != EINTR)
                return FSC_EIO;
            continue;
        }
        size_t len = (size_t)got;
        if (len > FSC_EVENTS_LINE_MAX) {
            *too_long = true;
            len = FSC_EVENTS_LINE_MAX;
        }
        while (len > 0 && r->line[len - 1] == '\n')
            len--;
        r->linelen = len;
        return FSC_OK;
    }
}

/* Reads one line into r->line. *too_long is set when it did not fit; its
 * bytes beyond the bound are consumed and dropped, never buffered. In
 * follow mode the end of the file is not the end of the feed. */
static fsc_status read_line(fsc_event_reader *r, bool *too_long)
{
    if (r->zsock)
        return read_msg(r, too_long);
    bool any = r->partial;
    if (!r->partial)
        r->linelen = 0;
    *too_long = r->partial && r->partial_long;
    r->partial = false;
    for (;;) {
        if (r->rpos == r->rlen) {
            if (r->eof && !r->opt.follow)
                return any ? FSC_OK : FSC_EOF;
            r->rpos = 0;
            r->rlen = fread(r->rbuf, 1, RBUF_SIZE, r->f);
            r->offset += (off_t)r->rlen;
            if (r->rlen == 0) {
                if (ferror(r->f))
                    return FSC_EIO;
                r->eof = true;
                if (r->opt.follow && r->nowait) {
                    /* keep a partial last line for the next call */
                    r->partial = any;
                    r->partial_long = *too_long;
                    return FSC_EOF;
                }
                if (r->opt.follow) {
                    /* a partial last line waits for the rest of it */
                    if (!wait_for_more(r))
                        return any ? FSC_OK : FSC_EOF;
                }
                continue;
            }
        }
        any = true;
        const char *start = r->rbuf + r->rpos;
        size_t avail = r->rlen - r->rpos;
        const char *nl = memchr(start, '\n', avail);
        size_t n = nl ? (size_t)(nl - start) : avail;
        size_t room = FSC_EVENTS_LINE_MAX - r->linelen;
        if (n > room) {
            *too_long = true;
            n = room;
        }
        memcpy(r->line + r->linelen, start, n);
        r->linelen += n;
        r->rpos += nl ? (size_t)(nl - start) + 1 : avail;
        if (nl)
            return FSC_OK;
    }
}

fsc_status fsc_events_next_line(fsc_event_reader *r, bool wait, const char **line, size_t *len,
                                unsigned long *lineno, bool *too_long)
{
    r->nowait = !wait;
    fsc_status st = read_line(r, too_long);
    r->nowait = false;
    if (st == FSC_EIO)
        fsc_diagf(r->diag, FSC_SEV_ERROR, r->path, r->lineno + 1, 0, "read error: %s",
                  strerror(errno));
    if (st != FSC_OK)
        return st;
    r->lineno++;
    size_t n = r->linelen;
    if (n > 0 && r->line[n - 1] == '\r')
        n--;
    *line = r->line;
    *len = n;
    *lineno = r->lineno;
    return FSC_OK;
}

static void count(fsc_event_reader *r, fsc_counter_id id)
{
    if (r->counters)
        r->counters->v[id]++;
}

/* The bad line as JSON, so a person or a script can fix and resend it:
 * {"feed":..,"line":N,"column":C,"reason":..,"text":..}. Bytes that are
 * not printable ASCII are written as \u00XX (the text is evidence of what
 * arrived, not a faithful re-encoding). */
static void dead_letter(fsc_event_reader *r, unsigned long col, const char *reason,
                        const char *p, size_t n)
{
    if (!r->dead)
        return;
    FILE *f = r->dead;
    fputs("{\"feed\":\"", f);
    for (const char *q = r->path; *q; q++)
        fprintf(f, (*q == '"' || *q == '\\') ? "\\%c" : "%c", *q);
    fprintf(f, "\",\"line\":%lu,\"column\":%lu,\"reason\":\"", r->lineno, col);
    for (const char *q = reason; *q; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputs("\",\"text\":\"", f);
    if (n > 4096)
        n = 4096;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputs("\"}\n", f);
    fflush(f);
    count(r, FSC_C_EVENTS_DEAD_LETTER);
}

/* Reports a bad line: where, why, counted, dead-lettered. */
static void bad_line(fsc_event_reader *r, unsigned long col, const char *msg, const char *p,
                     size_t n)
{
    fsc_diagf(r->diag, FSC_SEV_ERROR, r->path, r->lineno, col, "%s; line skipped", msg);
    count(r, FSC_C_EVENTS_BAD);
    dead_letter(r, col, msg, p, n);
}

/* Time sanity: an event far ahead of the feed (or, live, of the wall
 * clock) or far behind what the feed has already delivered is refused: a
 * phone with a wrong clock must not decay or age out everyone's evidence.
 * The first event of a file is trusted (a replay of old data is old). */
static const char *time_problem(fsc_event_reader *r, fsc_time ts, fsc_counter_id *which)
{
    fsc_time skew = r->opt.max_skew;
    if (skew <= 0)
        return NULL;
    bool live = r->opt.follow || r->zsock;
    if (live && ts > wall_now() + skew) {
        *which = FSC_C_EVENTS_FUTURE;
        return "\"ts\" is more than max skew ahead of this machine's clock";
    }
    if (r->high && ts > r->high + skew) {
        *which = FSC_C_EVENTS_FUTURE;
        return "\"ts\" is more than max skew ahead of the feed's latest event";
    }
    if (r->high && ts < r->high - skew) {
        *which = FSC_C_EVENTS_PAST;
        return "\"ts\" is more than max skew behind the feed's latest event";
    }
    return NULL;
}

fsc_status fsc_events_next(fsc_event_reader *r, fsc_record *rec)
{
    for (;;) {
        bool too_long;
        fsc_status st = read_line(r, &too_long);
        if (st == FSC_EIO) {
            fsc_diagf(r->diag, FSC_SEV_ERROR, r->path, r->lineno + 1, 0, "read error: %s",
                      strerror(errno));
            return FSC_EIO;
        }
        if (st != FSC_OK)
            return st;
        r->lineno++;
        if (too_long) {
            char msg[64];
            snprintf(msg, sizeof msg, "line longer than %d bytes", FSC_EVENTS_LINE_MAX);
            bad_line(r, FSC_EVENTS_LINE_MAX + 1, msg, r->line, r->linelen);
            continue;
        }
        const char *p = r->line;
        size_t n = r->linelen;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        size_t skipped = 0;
        if (r->lineno == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3; /* a UTF-8 byte-order mark some editors write */
            n -= 3;
            skipped = 3;
        }
        size_t i = 0;
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
            i++;
        if (i == n)
            continue; /* empty lines are allowed and silent */

        char msg[256];
        unsigned long col = 0;
        /* the scanner of the common shape first; what it declines goes to
         * yajl (the reused handle, then a fresh one that reports where) */
        if (fsc_event_parse_fast(p, n, rec, &r->meta, r->store, STORE_SIZE) ||
            parse_reused(&r->pc, &r->yh, p, n, rec, &r->meta, r->store, STORE_SIZE))
            st = FSC_OK;
        else
            st = fsc_event_parse_ex(p, n, rec, &r->meta, r->store, STORE_SIZE, msg, sizeof msg,
                                    &col);
        if (st == FSC_ENOMEM) {
            fsc_diagf(r->diag, FSC_SEV_ERROR, r->path, r->lineno, 0, "out of memory");
            return FSC_ENOMEM;
        }
        if (st != FSC_OK) {
            bad_line(r, col ? col + skipped : 0, msg, p, n);
            continue;
        }
        fsc_counter_id which;
        const char *tp = time_problem(r, rec->ts, &which);
        if (tp) {
            count(r, which);
            bad_line(r, 0, tp, p, n);
            continue;
        }
        if (rec->ts > r->high)
            r->high = rec->ts;
        if (r->meta.dropped_permissions)
            fsc_diagf(r->diag, FSC_SEV_WARNING, r->path, r->lineno, 0,
                      "%zu repeated or excess permissions not kept (at most %d per event)",
                      r->meta.dropped_permissions, MAX_PERMISSIONS);
        rec->line = r->lineno;
        count(r, FSC_C_EVENTS);
        if (strcmp(rec->event, "disposition") == 0)
            count(r, FSC_C_EVENTS_DISPOSITIONS);
        return FSC_OK;
    }
}
