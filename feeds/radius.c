/* radius.c: RADIUS accounting records (JSON lines or CSV) into the
 * identity table.
 *
 * Both formats come down to the same handful of attributes, each with its
 * text and the byte column it started at; one function interprets them
 * (record_from_attrs) and one applies a record to the table (apply). JSON
 * is parsed by yajl's event API so the column of every value is known: the
 * bytes consumed after a key, past the ':' and blanks, is where its value
 * starts. CSV reuses the identity loader's splitter and line source
 * (identity_int.h) so quoting and bounds are the same as for identity. */
#include "radius.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "identity_int.h"
#include "timefmt.h"

enum {
    A_STATUS,
    A_TS,
    A_IP4,
    A_IP6,
    A_USER,
    A_CALLING,
    A_PRECINCT,
    A_SESSION_TIME,
    A_NAS,
    A_COUNT
};
/* lower case: keys and header names compare case-insensitively */
static const char *const attr_names[A_COUNT] = {
    "acct-status-type", "event-timestamp", "framed-ip-address", "framed-ipv6-prefix",
    "user-name",        "calling-station-id", "precinct",       "acct-session-time",
    "nas-ip-address",
};
static const char *const attr_shown[A_COUNT] = {
    "Acct-Status-Type", "Event-Timestamp", "Framed-IP-Address", "Framed-IPv6-Prefix",
    "User-Name",        "Calling-Station-Id", "precinct",       "Acct-Session-Time",
    "NAS-IP-Address",
};

typedef struct attr {
    const char *p;     /* the value's text (decoded, for JSON strings) */
    size_t len;
    unsigned long col; /* 1-based byte column of the value */
    bool set;
} attr;

static int attr_index(const char *k, size_t n)
{
    for (int i = 0; i < A_COUNT; i++)
        if (fsc_csv_ieq(k, n, attr_names[i]))
            return i;
    return -1;
}

static bool text_ieq(const attr *a, const char *s)
{
    return fsc_csv_ieq(a->p, a->len, s);
}

/* Copies p[0..n) NUL-terminated into the store; NULL when it is full. */
static char *store_put(char *store, size_t cap, size_t *used, const char *p, size_t n)
{
    if (cap - *used < n + 1)
        return NULL;
    char *d = store + *used;
    memcpy(d, p, n);
    d[n] = '\0';
    *used += n + 1;
    return d;
}

#define BAD(col_, ...)                                                       \
    do {                                                                     \
        snprintf(err, errcap, __VA_ARGS__);                                  \
        *errcol = (col_);                                                    \
        return FSC_EMALFORMED;                                               \
    } while (0)

/* Interprets one record's attributes. Strings are copied to store. */
static fsc_status record_from_attrs(const attr *a, unsigned long rowcol, fsc_radius_record *rec,
                                    char *store, size_t cap, size_t *used, char *err,
                                    size_t errcap, unsigned long *errcol)
{
    memset(rec, 0, sizeof *rec);
    rec->session_time = -1;
    if (!a[A_STATUS].set || !a[A_STATUS].len)
        BAD(rowcol, "missing \"Acct-Status-Type\"");
    if (!a[A_TS].set || !a[A_TS].len)
        BAD(rowcol, "missing \"Event-Timestamp\"");
    const attr *s = &a[A_STATUS];
    if (text_ieq(s, "start") || text_ieq(s, "1"))
        rec->status = FSC_RADIUS_START;
    else if (text_ieq(s, "stop") || text_ieq(s, "2"))
        rec->status = FSC_RADIUS_STOP;
    else if (text_ieq(s, "interim-update") || text_ieq(s, "alive") || text_ieq(s, "3"))
        rec->status = FSC_RADIUS_INTERIM;
    else if (text_ieq(s, "accounting-on") || text_ieq(s, "7"))
        rec->status = FSC_RADIUS_ACCT_ON;
    else if (text_ieq(s, "accounting-off") || text_ieq(s, "8"))
        rec->status = FSC_RADIUS_ACCT_OFF;
    else
        BAD(s->col,
            "\"Acct-Status-Type\": not Start, Interim-Update, Stop, Accounting-On or "
            "Accounting-Off: \"%.*s\"",
            (int)(s->len > 40 ? 40 : s->len), s->p);
    if (!fsc_time_parse(a[A_TS].p, a[A_TS].len, &rec->ts))
        BAD(a[A_TS].col, "\"Event-Timestamp\": not an RFC 3339 or epoch time: \"%.*s\"",
            (int)(a[A_TS].len > 40 ? 40 : a[A_TS].len), a[A_TS].p);
    if (a[A_NAS].set && a[A_NAS].len) {
        if (!fsc_addr_parse(a[A_NAS].p, a[A_NAS].len, &rec->nas))
            BAD(a[A_NAS].col, "\"NAS-IP-Address\": not an IP address: \"%.*s\"",
                (int)(a[A_NAS].len > 60 ? 60 : a[A_NAS].len), a[A_NAS].p);
        rec->has_nas = true;
    }
    if (rec->status == FSC_RADIUS_ACCT_ON || rec->status == FSC_RADIUS_ACCT_OFF) {
        /* about the NAS, not a session: what else the record says is moot */
        if (!rec->has_nas)
            BAD(rowcol, "%s without \"NAS-IP-Address\": which sessions it ends is unknown",
                rec->status == FSC_RADIUS_ACCT_ON ? "Accounting-On" : "Accounting-Off");
        return FSC_OK;
    }
    if (a[A_IP4].set && a[A_IP4].len) {
        if (!fsc_addr_parse(a[A_IP4].p, a[A_IP4].len, &rec->ip4) || rec->ip4.family != 4)
            BAD(a[A_IP4].col, "\"Framed-IP-Address\": not an IPv4 address: \"%.*s\"",
                (int)(a[A_IP4].len > 60 ? 60 : a[A_IP4].len), a[A_IP4].p);
        rec->has_ip4 = true;
    }
    if (a[A_IP6].set && a[A_IP6].len) {
        const attr *v = &a[A_IP6];
        const char *slash = memchr(v->p, '/', v->len);
        size_t al = slash ? (size_t)(slash - v->p) : v->len;
        unsigned plen = 128;
        if (!fsc_addr_parse(v->p, al, &rec->ip6) || rec->ip6.family != 6)
            BAD(v->col, "\"Framed-IPv6-Prefix\": not an IPv6 prefix: \"%.*s\"",
                (int)(v->len > 60 ? 60 : v->len), v->p);
        if (slash) {
            size_t dl = v->len - al - 1;
            plen = 0;
            for (size_t i = 0; i < dl; i++) {
                char c = slash[1 + i];
                if (c < '0' || c > '9' || dl > 3)
                    BAD(v->col + al + 1, "\"Framed-IPv6-Prefix\": bad prefix length");
                plen = plen * 10 + (unsigned)(c - '0');
            }
            if (dl == 0 || plen > 128)
                BAD(v->col + al + 1, "\"Framed-IPv6-Prefix\": bad prefix length");
            if (plen < 32)
                BAD(v->col + al + 1,
                    "\"Framed-IPv6-Prefix\": prefix too short to name one subscriber");
        }
        fsc_identity_mask(&rec->ip6, plen);
        rec->plen6 = plen;
        rec->has_ip6 = true;
    }
    if (!rec->has_ip4 && !rec->has_ip6)
        BAD(rowcol, "no \"Framed-IP-Address\" or \"Framed-IPv6-Prefix\"");
    const attr *who = a[A_USER].set && a[A_USER].len ? &a[A_USER] : &a[A_CALLING];
    if (!who->set || !who->len)
        BAD(rowcol, "no \"User-Name\" or \"Calling-Station-Id\"");
    for (int i = A_USER; i <= A_PRECINCT; i++)
        for (size_t k = 0; a[i].set && k < a[i].len; k++)
            if ((unsigned char)a[i].p[k] < 0x20 || a[i].p[k] == 0x7f)
                BAD(a[i].col, "\"%s\": control character", attr_shown[i]);
    if (a[A_SESSION_TIME].set && a[A_SESSION_TIME].len) {
        const attr *v = &a[A_SESSION_TIME];
        long t = 0;
        for (size_t i = 0; i < v->len; i++) {
            if (v->p[i] < '0' || v->p[i] > '9' || i >= 9)
                BAD(v->col, "\"Acct-Session-Time\": not a number of seconds: \"%.*s\"",
                    (int)(v->len > 40 ? 40 : v->len), v->p);
            t = t * 10 + (v->p[i] - '0');
        }
        rec->session_time = t;
    }
    rec->subscriber = store_put(store, cap, used, who->p, who->len);
    if (a[A_PRECINCT].set && a[A_PRECINCT].len)
        rec->precinct = store_put(store, cap, used, a[A_PRECINCT].p, a[A_PRECINCT].len);
    if (!rec->subscriber || (a[A_PRECINCT].set && a[A_PRECINCT].len && !rec->precinct)) {
        snprintf(err, errcap, "record too large for its store");
        *errcol = rowcol;
        return FSC_ELIMIT;
    }
    return FSC_OK;
}

/* ---- JSON lines ------------------------------------------------------- */

typedef struct jctx {
    yajl_handle h;
    const char *buf;
    size_t len;
    int depth;         /* maps and arrays open */
    int key;           /* known top-level key awaiting its value; -1: none */
    unsigned long vcol;
    attr a[A_COUNT];
    char *store;
    size_t cap, used;
    char msg[200];     /* set when a callback refuses the line */
    unsigned long errcol;
    bool full;
} jctx;

static int refuse(jctx *c, unsigned long col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(jctx *c, unsigned long col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    c->errcol = col;
    return 0;
}

/* Column of the token that ends where yajl has consumed up to. */
static unsigned long here(const jctx *c)
{
    size_t off = yajl_get_bytes_consumed(c->h);
    return (unsigned long)(off < c->len ? off : c->len) + 1;
}

static int value(jctx *c, const char *kind, const char *p, size_t n, bool text)
{
    if (c->depth == 0)
        return refuse(c, 1, "line is not a JSON object");
    if (c->depth != 1 || c->key < 0)
        return 1;
    int k = c->key;
    c->key = -1;
    if (!p) /* null: as if absent */
        return 1;
    if (!text)
        return refuse(c, c->vcol, "\"%s\" must be a string or a number, not %s",
                      attr_shown[k], kind);
    if (memchr(p, '\0', n))
        return refuse(c, c->vcol, "\"%s\" contains a NUL character", attr_shown[k]);
    char *d = store_put(c->store, c->cap, &c->used, p, n);
    if (!d) {
        c->full = true;
        return refuse(c, c->vcol, "record too large for its store");
    }
    c->a[k] = (attr){d, n, c->vcol, true};
    return 1;
}

static int j_null(void *ctx)
{
    return value(ctx, "null", NULL, 0, false);
}

static int j_bool(void *ctx, int b)
{
    (void)b;
    return value(ctx, "a boolean", "", 0, false);
}

static int j_number(void *ctx, const char *s, size_t n)
{
    return value(ctx, "a number", s, n, true);
}

static int j_string(void *ctx, const unsigned char *s, size_t n)
{
    return value(ctx, "a string", (const char *)s, n, true);
}

static int j_start(jctx *c, const char *what, bool array)
{
    if (c->depth == 0 && array)
        return refuse(c, 1, "line is not a JSON object");
    if (c->depth == 1 && c->key >= 0)
        return refuse(c, c->vcol, "\"%s\" must be a string or a number, not %s",
                      attr_shown[c->key], what);
    c->depth++;
    return 1;
}

static int j_start_map(void *ctx)
{
    return j_start(ctx, "an object", false);
}

static int j_start_array(void *ctx)
{
    return j_start(ctx, "an array", true);
}

static int j_end(void *ctx)
{
    jctx *c = ctx;
    c->depth--;
    c->key = -1; /* a nested value under an unknown key has ended */
    return 1;
}

static int j_key(void *ctx, const unsigned char *k, size_t n)
{
    jctx *c = ctx;
    if (c->depth != 1)
        return 1;
    /* the value starts past the key's closing quote, blanks and ':' */
    size_t off = yajl_get_bytes_consumed(c->h);
    while (off < c->len && (c->buf[off] == ' ' || c->buf[off] == '\t' || c->buf[off] == ':'))
        off++;
    c->vcol = (unsigned long)off + 1;
    c->key = attr_index((const char *)k, n);
    if (c->key >= 0 && c->a[c->key].set)
        return refuse(c, c->vcol, "duplicate key \"%.*s\"", (int)(n > 40 ? 40 : n), k);
    return 1;
}

static const yajl_callbacks jcb = {
    .yajl_null = j_null,
    .yajl_boolean = j_bool,
    .yajl_number = j_number,
    .yajl_string = j_string,
    .yajl_start_map = j_start_map,
    .yajl_map_key = j_key,
    .yajl_end_map = j_end,
    .yajl_start_array = j_start_array,
    .yajl_end_array = j_end,
};

fsc_status fsc_radius_parse_json(const char *buf, size_t len, fsc_radius_record *rec,
                                 char *store, size_t storecap, char *err, size_t errcap,
                                 unsigned long *errcol)
{
    jctx c = {.buf = buf, .len = len, .key = -1, .store = store, .cap = storecap};
    fsc_status ret = FSC_OK;
    *errcol = 0;
    c.h = yajl_alloc(&jcb, NULL, &c);
    if (!c.h)
        return FSC_ENOMEM;
    yajl_status ys = yajl_parse(c.h, (const unsigned char *)buf, len);
    if (ys == yajl_status_ok)
        ys = yajl_complete_parse(c.h);
    if (ys == yajl_status_client_canceled) {
        snprintf(err, errcap, "%s", c.msg);
        *errcol = c.errcol;
        ret = c.full ? FSC_ELIMIT : FSC_EMALFORMED;
        goto done;
    }
    if (ys != yajl_status_ok) {
        unsigned char *m = yajl_get_error(c.h, 0, (const unsigned char *)buf, len);
        size_t ml = m ? strlen((const char *)m) : 0;
        while (ml > 0 && (m[ml - 1] == '\n' || m[ml - 1] == ' '))
            ml--;
        snprintf(err, errcap, "not valid JSON: %.*s", (int)ml, m ? (const char *)m : "");
        if (m)
            yajl_free_error(c.h, m);
        *errcol = here(&c);
        ret = FSC_EMALFORMED;
        goto done;
    }
    {
        size_t used = c.used;
        ret = record_from_attrs(c.a, 1, rec, store, storecap, &used, err, errcap, errcol);
    }
done:
    yajl_free(c.h);
    return ret;
}

/* ---- applying records; the line feed; the loader ----------------------- */

struct fsc_radius_feed {
    char *file;
    fsc_identity *id;
    fsc_diag *diag;
    fsc_counters *counters;
    unsigned long line;
    enum { UNKNOWN, JSON, CSV, CSV_NO_HEADER } mode;
    int pos[A_COUNT];  /* CSV: column of each attribute; -1: none */
    char *store;       /* STORE_SIZE: the current record's strings */
    char *scratch;     /* FSC_CSV_LINE_MAX: unquoted CSV fields */
};
typedef struct fsc_radius_feed rload;

static void count(rload *ld, fsc_counter_id c, uint64_t n)
{
    if (ld->counters)
        ld->counters->v[c] += n;
}

static void bad(rload *ld, unsigned long col, const char *msg)
{
    fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, ld->line, col, "%s; record skipped", msg);
    count(ld, FSC_C_RADIUS_BAD, 1);
}

static const char *addr_text(const fsc_addr *a, unsigned plen, char *buf, size_t cap)
{
    char t[FSC_ADDR_STRLEN];
    fsc_addr_format(a, t);
    if (plen == (a->family == 4 ? 32u : 128u))
        snprintf(buf, cap, "%s", t);
    else
        snprintf(buf, cap, "%s/%u", t, plen);
    return buf;
}

/* One holding of one record. FSC_OK, or FSC_ENOMEM; problems reported. */
static fsc_status apply_key(rload *ld, fsc_identity *id, const fsc_radius_record *r,
                            const fsc_addr *a, unsigned plen, unsigned long col, bool *ok)
{
    char at[80], msg[256];
    fsc_status st;
    const fsc_addr *nas = r->has_nas ? &r->nas : NULL;
    if (r->status != FSC_RADIUS_STOP) {
        st = fsc_identity_open_nas(id, a, plen, r->ts, r->subscriber, r->precinct, nas);
    } else {
        st = fsc_identity_close(id, a, plen, r->ts, r->subscriber);
        if (st == FSC_ENOTFOUND && r->session_time >= 0) {
            /* the Start was missed, but the Stop says how long it lasted */
            st = fsc_identity_open_nas(id, a, plen,
                                       r->ts - (fsc_time)r->session_time * 1000000,
                                       r->subscriber, r->precinct, nas);
            if (st == FSC_OK)
                st = fsc_identity_close(id, a, plen, r->ts, r->subscriber);
        } else if (st == FSC_ENOTFOUND) {
            fsc_diagf(ld->diag, FSC_SEV_WARNING, ld->file, ld->line, col,
                      "Stop for %s, which %s does not hold; record ignored",
                      addr_text(a, plen, at, sizeof at), r->subscriber);
            *ok = false; /* not applied, so not counted as a record */
            return FSC_OK;
        }
    }
    switch (st) {
    case FSC_OK:
        return FSC_OK;
    case FSC_ENOMEM:
        return FSC_ENOMEM;
    case FSC_ELIMIT:
        snprintf(msg, sizeof msg, "identity table full (%u rows)", FSC_IDENTITY_MAX_ROWS);
        break;
    default:
        snprintf(msg, sizeof msg, "out of order: %s has a holding that began after this record",
                 addr_text(a, plen, at, sizeof at));
        break;
    }
    bad(ld, col, msg);
    *ok = false;
    return FSC_OK;
}

static fsc_status apply(rload *ld, fsc_identity *id, const fsc_radius_record *r,
                        unsigned long col4, unsigned long col6)
{
    bool ok = true;
    fsc_status st = FSC_OK;
    if (r->status == FSC_RADIUS_ACCT_ON || r->status == FSC_RADIUS_ACCT_OFF) {
        size_t n = fsc_identity_close_nas(id, &r->nas, r->ts);
        count(ld, FSC_C_RADIUS_NAS_RESETS, 1);
        count(ld, FSC_C_RADIUS_NAS_ENDED, n);
        count(ld, FSC_C_RADIUS_RECORDS, 1);
        return FSC_OK;
    }
    if (r->has_ip4)
        st = apply_key(ld, id, r, &r->ip4, 32, col4, &ok);
    if (st == FSC_OK && ok && r->has_ip6)
        st = apply_key(ld, id, r, &r->ip6, r->plen6, col6, &ok);
    if (st == FSC_OK && ok)
        count(ld, FSC_C_RADIUS_RECORDS, 1);
    return st;
}

#define STORE_SIZE (2 * FSC_CSV_LINE_MAX + 64)

fsc_radius_feed *fsc_radius_feed_new(const char *name, fsc_identity *id, fsc_diag *diag,
                                     fsc_counters *counters)
{
    rload *ld = calloc(1, sizeof *ld);
    if (!ld)
        return NULL;
    ld->file = strdup(name ? name : "-");
    ld->store = malloc(STORE_SIZE);
    ld->scratch = malloc(FSC_CSV_LINE_MAX);
    if (!ld->file || !ld->store || !ld->scratch) {
        fsc_radius_feed_free(ld);
        return NULL;
    }
    ld->id = id;
    ld->diag = diag;
    ld->counters = counters;
    ld->mode = UNKNOWN;
    return ld;
}

void fsc_radius_feed_free(fsc_radius_feed *ld)
{
    if (!ld)
        return;
    free(ld->file);
    free(ld->store);
    free(ld->scratch);
    free(ld);
}

/* A CSV header row p[0..n) (columns from off + 1): the attributes'
 * columns, or FSC_EMALFORMED (reported) without the two required ones. */
static fsc_status csv_header(rload *ld, const char *p, size_t n, size_t off)
{
    fsc_csv_field f[32];
    size_t nf = 0;
    unsigned long col = 0;
    ld->mode = CSV_NO_HEADER;
    const char *e = fsc_csv_split(p, n, ld->scratch, f, 32, &nf, &col);
    if (e) {
        fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, ld->line, col + off, "header row: %s", e);
        return FSC_EMALFORMED;
    }
    for (int c = 0; c < A_COUNT; c++) {
        ld->pos[c] = -1;
        for (size_t k = 0; k < nf && ld->pos[c] < 0; k++)
            if (attr_index(f[k].p, f[k].len) == c)
                ld->pos[c] = (int)k;
    }
    for (int c = A_STATUS; c <= A_TS; c++)
        if (ld->pos[c] < 0) {
            fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, ld->line, 1,
                      "RADIUS CSV header row lacks the \"%s\" column", attr_shown[c]);
            return FSC_EMALFORMED;
        }
    ld->mode = CSV;
    return FSC_OK;
}

fsc_status fsc_radius_feed_line(fsc_radius_feed *ld, const char *p, size_t n,
                                unsigned long lineno, bool too_long)
{
    ld->line = lineno;
    if (too_long) {
        char m[80];
        snprintf(m, sizeof m, "record longer than %d bytes", FSC_CSV_LINE_MAX);
        bad(ld, FSC_CSV_LINE_MAX + 1, m);
        return FSC_OK;
    }
    size_t off = 0;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        off = 3; /* a byte-order mark, where a file (or a rotated one) starts */
    size_t i = off;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i == n || p[i] == '#')
        return FSC_OK;

    char err[256];
    unsigned long col = 0;
    fsc_radius_record rec;
    attr a[A_COUNT] = {{0}};
    fsc_status st;
    if (ld->mode == UNKNOWN && p[i] != '{')
        return csv_header(ld, p + off, n - off, off);
    if (ld->mode == UNKNOWN)
        ld->mode = JSON;
    if (ld->mode == JSON) {
        st = fsc_radius_parse_json(p + off, n - off, &rec, ld->store, STORE_SIZE, err,
                                   sizeof err, &col);
        if (st == FSC_ENOMEM)
            return st;
        if (st != FSC_OK) {
            bad(ld, col ? col + off : 0, err);
            return FSC_OK;
        }
        /* columns of the addresses, for problems applying them */
        a[A_IP4].col = a[A_IP6].col = 1 + off;
    } else {
        fsc_csv_field f[32];
        size_t nf = 0, used = 0;
        const char *e = fsc_csv_split(p + off, n - off, ld->scratch, f, 32, &nf, &col);
        if (e) {
            bad(ld, col + off, e);
            return FSC_OK;
        }
        bool header = ld->mode == CSV_NO_HEADER;
        for (size_t k = 0; k < nf && !header; k++) /* a header again (rotated) */
            header = attr_index(f[k].p, f[k].len) == A_STATUS;
        if (header)
            return csv_header(ld, p + off, n - off, off);
        for (int c = 0; c < A_COUNT; c++)
            if (ld->pos[c] >= 0 && (size_t)ld->pos[c] < nf)
                a[c] = (attr){f[ld->pos[c]].p, f[ld->pos[c]].len, f[ld->pos[c]].col + off, true};
        st = record_from_attrs(a, 1 + off, &rec, ld->store, STORE_SIZE, &used, err, sizeof err,
                               &col);
        if (st != FSC_OK) {
            bad(ld, col, err);
            return FSC_OK;
        }
    }
    return apply(ld, ld->id, &rec, a[A_IP4].col ? a[A_IP4].col : 1 + off,
                 a[A_IP6].col ? a[A_IP6].col : 1 + off);
}

static fsc_status load_src(rload *ld, fsc_lsrc *src)
{
    fsc_status ret = FSC_OK;
    for (unsigned long line = 1;; line++) {
        const char *p;
        size_t n;
        bool too_long;
        fsc_status st = fsc_lsrc_next(src, &p, &n, &too_long);
        if (st == FSC_EOF)
            break;
        if (st != FSC_OK) {
            fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, line, 0, "read error");
            ret = FSC_EIO;
            break;
        }
        st = fsc_radius_feed_line(ld, p, n, line, too_long);
        if (st != FSC_OK) {
            ret = st;
            break;
        }
    }
    if (ret == FSC_ENOMEM)
        fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, ld->line, 0, "out of memory");
    if (fsc_identity_commit(ld->id) != FSC_OK && ret == FSC_OK) {
        fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, 0, 0, "out of memory");
        ret = FSC_ENOMEM;
    }
    return ret;
}

/* Applies the records of the file `name`, or of buf[0..len) when buf is
 * not NULL (name then only names it in messages), to id. */
static fsc_status load_named(const char *name, const char *buf, size_t len, fsc_identity *id,
                             fsc_diag *diag, fsc_counters *counters)
{
    fsc_status st = FSC_OK;
    fsc_lsrc *src = fsc_lsrc_open(name, buf, len, diag, &st);
    if (!src)
        return st;
    rload *ld = fsc_radius_feed_new(name, id, diag, counters);
    if (!ld) {
        fsc_lsrc_close(src);
        fsc_diagf(diag, FSC_SEV_ERROR, name, 0, 0, "out of memory");
        return FSC_ENOMEM;
    }
    st = load_src(ld, src);
    fsc_radius_feed_free(ld);
    fsc_lsrc_close(src);
    return st;
}

fsc_status fsc_radius_load(const char *path, fsc_identity *id, fsc_diag *diag,
                           fsc_counters *counters)
{
    return load_named(path, NULL, 0, id, diag, counters);
}

fsc_status fsc_radius_load_buf(const char *name, const char *buf, size_t len, fsc_identity *id,
                               fsc_diag *diag, fsc_counters *counters)
{
    return load_named(name, buf ? buf : "", len, id, diag, counters);
}
