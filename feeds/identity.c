/* identity.c: who held an address when (identity CSV) and who each person
 * is (profiles CSV).
 *
 * Both files are read one bounded line at a time (from a FILE or from
 * memory) and split by one small CSV splitter. Identity rows are kept in
 * one array; after loading they are sorted by (family, prefix length,
 * network, start) so that all rows of one address or prefix form a run,
 * and an open-addressing hash maps (family, prefix length, network) to its
 * run. A lookup masks the address once per prefix length present in the
 * table (longest first) and binary-searches the run by time. With millions
 * of per-subscriber /64s that stays a handful of hash probes. */
#include "identity.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "identity_int.h"
#include "timefmt.h"

#define FSC_TIME_MAX INT64_MAX /* an empty end: still held */
#define CSV_MAX_FIELDS 32

/* ---- bounded line source: a FILE or a memory buffer --------------------- */

struct fsc_lsrc {
    FILE *f;            /* NULL: read from mem */
    const char *mem;
    size_t memlen, mempos;
    char rbuf[16384];
    size_t rpos, rlen;
    bool eof;
    char line[FSC_CSV_LINE_MAX];
    size_t linelen;
};
typedef struct fsc_lsrc lsrc;

/* Next line into s->line. FSC_OK, FSC_EOF or FSC_EIO; *too_long when the
 * line exceeded the bound (its excess is consumed and dropped). */
static fsc_status lsrc_next(lsrc *s, bool *too_long)
{
    bool any = false;
    s->linelen = 0;
    *too_long = false;
    for (;;) {
        const char *start;
        size_t avail;
        if (s->f) {
            if (s->rpos == s->rlen) {
                if (s->eof)
                    return any ? FSC_OK : FSC_EOF;
                s->rpos = 0;
                s->rlen = fread(s->rbuf, 1, sizeof s->rbuf, s->f);
                if (s->rlen == 0) {
                    if (ferror(s->f))
                        return FSC_EIO;
                    s->eof = true;
                    continue;
                }
            }
            start = s->rbuf + s->rpos;
            avail = s->rlen - s->rpos;
        } else {
            if (s->mempos == s->memlen)
                return any ? FSC_OK : FSC_EOF;
            start = s->mem + s->mempos;
            avail = s->memlen - s->mempos;
        }
        any = true;
        const char *nl = memchr(start, '\n', avail);
        size_t n = nl ? (size_t)(nl - start) : avail;
        size_t room = sizeof s->line - s->linelen;
        if (n > room) {
            *too_long = true;
            n = room;
        }
        memcpy(s->line + s->linelen, start, n);
        s->linelen += n;
        size_t adv = nl ? (size_t)(nl - start) + 1 : avail;
        if (s->f)
            s->rpos += adv;
        else
            s->mempos += adv;
        if (nl)
            return FSC_OK;
    }
}

/* ---- CSV splitting ------------------------------------------------------ */

typedef fsc_csv_field csv_field;

static const char *csv_split(const char *line, size_t len, char *scratch, csv_field *f,
                             size_t max, size_t *nf, unsigned long *errcol);

const char *fsc_csv_split(const char *line, size_t len, char *scratch, csv_field *f,
                          size_t max, size_t *nf, unsigned long *errcol)
{
    return csv_split(line, len, scratch, f, max, nf, errcol);
}

/* Splits line[0..len) into fields. Quoted fields are unescaped into
 * scratch (at least len bytes). Returns NULL, or an error message with
 * *errcol set. Unquoted fields are trimmed of spaces and tabs. */
static const char *csv_split(const char *line, size_t len, char *scratch, csv_field *f,
                             size_t max, size_t *nf, unsigned long *errcol)
{
    size_t i = 0, n = 0, sp = 0;
    for (;;) {
        if (n == max) {
            *errcol = (unsigned long)i + 1;
            return "too many columns";
        }
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        f[n].col = (unsigned long)i + 1;
        if (i < len && line[i] == '"') {
            size_t open = i++;
            char *d = scratch + sp;
            size_t dl = 0;
            bool closed = false;
            while (i < len) {
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        d[dl++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    closed = true;
                    break;
                }
                d[dl++] = line[i++];
            }
            if (!closed) {
                *errcol = (unsigned long)open + 1;
                return "unterminated quoted field";
            }
            sp += dl;
            f[n].p = d;
            f[n].len = dl;
            while (i < len && (line[i] == ' ' || line[i] == '\t'))
                i++;
            if (i < len && line[i] != ',') {
                *errcol = (unsigned long)i + 1;
                return "text after a closing quote";
            }
        } else {
            size_t b = i;
            while (i < len && line[i] != ',') {
                if (line[i] == '"') {
                    *errcol = (unsigned long)i + 1;
                    return "stray quote in an unquoted field";
                }
                i++;
            }
            size_t e = i;
            while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t'))
                e--;
            f[n].p = line + b;
            f[n].len = e - b;
        }
        n++;
        if (i >= len)
            break;
        i++; /* the comma */
    }
    *nf = n;
    return NULL;
}

bool fsc_csv_ieq(const char *p, size_t n, const char *lower)
{
    if (strlen(lower) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)p[i]) != lower[i])
            return false;
    return true;
}

static bool field_eq(const csv_field *f, const char *s)
{
    return fsc_csv_ieq(f->p, f->len, s);
}

static bool has_ctl(const csv_field *f)
{
    for (size_t i = 0; i < f->len; i++)
        if ((unsigned char)f->p[i] < 0x20 || f->p[i] == 0x7f)
            return true;
    return false;
}

/* ---- a generic loader: header, comments, rows --------------------------- */

/* Column names of a file kind; the header maps them to positions. */
typedef struct csv_schema {
    const char *what;          /* "identity" / "profiles" for messages */
    const char *const *cols;   /* required columns first */
    size_t ncols, nrequired;
    fsc_counter_id bad_counter;
} csv_schema;

typedef struct loader {
    const csv_schema *schema;
    const char *file;
    fsc_diag *diag;
    fsc_counters *counters;
    int pos[8];        /* schema column -> field index, -1 when absent */
    unsigned long line;
    /* one row: a handler fills the table */
    fsc_status (*row)(void *tab, struct loader *ld, const csv_field *f);
    void *tab;
} loader;

__attribute__((format(printf, 4, 5))) static void bad_row(loader *ld, unsigned long col,
                                                          bool count, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, ld->line, col, "%s; row skipped", msg);
    if (count && ld->counters)
        ld->counters->v[ld->schema->bad_counter]++;
}

/* Opens a line source over a file (path) or over memory (buf, len; path is
 * then only its name). Returns NULL after reporting through diag, with *st
 * set. Close with lsrc_close(). */
static lsrc *lsrc_open(const char *path, const char *buf, size_t len, fsc_diag *diag,
                       fsc_status *st)
{
    lsrc *src = calloc(1, sizeof *src);
    if (!src) {
        *st = FSC_ENOMEM;
        return NULL;
    }
    if (buf) {
        src->mem = buf;
        src->memlen = len;
        return src;
    }
    src->f = fopen(path, "rb");
    if (!src->f) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
        free(src);
        *st = FSC_EIO;
        return NULL;
    }
    return src;
}

static void lsrc_close(lsrc *src)
{
    if (src->f)
        fclose(src->f);
    free(src);
}

fsc_lsrc *fsc_lsrc_open(const char *path, const char *buf, size_t len, fsc_diag *diag,
                        fsc_status *st)
{
    return lsrc_open(path, buf, len, diag, st);
}

fsc_status fsc_lsrc_next(fsc_lsrc *src, const char **line, size_t *len, bool *too_long)
{
    fsc_status st = lsrc_next(src, too_long);
    *line = src->line;
    *len = src->linelen;
    return st;
}

void fsc_lsrc_close(fsc_lsrc *src)
{
    if (src)
        lsrc_close(src);
}

/* What loading one kind of table needs beyond its columns: its size (it
 * starts zeroed), a hook before the rows and one after them (either may
 * be NULL) and how to free it. With these, one function loads identity
 * and profiles alike, from a file or from memory. */
typedef struct table_kind {
    const csv_schema *schema;
    fsc_status (*row)(void *tab, loader *ld, const csv_field *f);
    size_t size;
    fsc_status (*start)(void *tab);
    fsc_status (*finish)(void *tab, fsc_diag *diag, const char *name);
    void (*destroy)(void *tab);
} table_kind;

static fsc_status run_loader(loader *ld, lsrc *src)
{
    char *scr = malloc(FSC_CSV_LINE_MAX);
    csv_field f[CSV_MAX_FIELDS];
    bool have_header = false;
    fsc_status ret = FSC_OK;
    if (!scr)
        return FSC_ENOMEM;

    for (;;) {
        bool too_long;
        fsc_status st = lsrc_next(src, &too_long);
        if (st == FSC_EOF)
            break;
        if (st == FSC_EIO) {
            fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, ld->line + 1, 0, "read error: %s",
                      strerror(errno));
            ret = FSC_EIO;
            goto done;
        }
        ld->line++;
        if (too_long) {
            if (!have_header) {
                fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, ld->line, 0,
                          "header row longer than %d bytes", FSC_CSV_LINE_MAX);
                ret = FSC_EMALFORMED;
                goto done;
            }
            bad_row(ld, FSC_CSV_LINE_MAX + 1, true, "row longer than %d bytes",
                    FSC_CSV_LINE_MAX);
            continue;
        }
        const char *p = src->line;
        size_t n = src->linelen;
        size_t off = 0;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (ld->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            off = 3; /* byte-order mark */
        size_t i = off;
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
            i++;
        if (i == n || p[i] == '#')
            continue; /* blank lines and comments */

        size_t nf = 0;
        unsigned long col = 0;
        const char *e = csv_split(p + off, n - off, scr, f, CSV_MAX_FIELDS, &nf, &col);
        if (e) {
            if (!have_header) {
                fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, ld->line, col + off,
                          "header row: %s", e);
                ret = FSC_EMALFORMED;
                goto done;
            }
            bad_row(ld, col + off, true, "%s", e);
            continue;
        }
        for (size_t k = 0; k < nf; k++)
            f[k].col += off;

        if (!have_header) {
            const csv_schema *sc = ld->schema;
            for (size_t c = 0; c < sc->ncols; c++) {
                ld->pos[c] = -1;
                for (size_t k = 0; k < nf; k++)
                    if (field_eq(&f[k], sc->cols[c])) {
                        ld->pos[c] = (int)k;
                        break;
                    }
                if (c < sc->nrequired && ld->pos[c] < 0) {
                    fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, ld->line, 1,
                              "%s header row lacks the \"%s\" column", sc->what,
                              sc->cols[c]);
                    ret = FSC_EMALFORMED;
                    goto done;
                }
            }
            have_header = true;
            continue;
        }

        /* the columns the schema uses, in schema order; absent ones empty */
        csv_field row[8];
        for (size_t c = 0; c < ld->schema->ncols; c++) {
            int k = ld->pos[c];
            if (k >= 0 && (size_t)k < nf) {
                row[c] = f[k];
            } else if (k >= 0 && c < ld->schema->nrequired) {
                bad_row(ld, (unsigned long)(n + 1), true, "missing column \"%s\"",
                        ld->schema->cols[c]);
                goto next_line;
            } else {
                row[c] = (csv_field){"", 0, 0};
            }
            if (has_ctl(&row[c])) {
                bad_row(ld, row[c].col, true, "column \"%s\": control character",
                        ld->schema->cols[c]);
                goto next_line;
            }
        }
        st = ld->row(ld->tab, ld, row);
        if (st == FSC_ENOMEM) {
            ret = FSC_ENOMEM;
            goto done;
        }
    next_line:;
    }
    if (!have_header) {
        fsc_diagf(ld->diag, FSC_SEV_ERROR, ld->file, 0, 0, "%s file has no header row",
                  ld->schema->what);
        ret = FSC_EMALFORMED;
    }
done:
    free(scr);
    return ret;
}

/* Loads a table of kind k from the file `name`, or from buf[0..len) when
 * buf is not NULL (name then only names it in messages). On success
 * returns FSC_OK and stores the table in *out: the caller owns it and
 * frees it with the kind's public free. On failure reports through diag
 * (out of memory included, once the table exists) and leaves *out
 * untouched. */
static fsc_status load_table(const table_kind *k, const char *name, const char *buf, size_t len,
                             fsc_diag *diag, fsc_counters *counters, void **out)
{
    fsc_status st = FSC_OK;
    lsrc *src = lsrc_open(name, buf, len, diag, &st);
    if (!src)
        return st;
    void *tab = calloc(1, k->size);
    if (!tab) {
        st = FSC_ENOMEM;
        goto done;
    }
    if (k->start)
        st = k->start(tab);
    if (st == FSC_OK) {
        loader ld = {.schema = k->schema,
                     .file = name,
                     .diag = diag,
                     .counters = counters,
                     .row = k->row,
                     .tab = tab};
        st = run_loader(&ld, src);
    }
    if (st == FSC_OK && k->finish)
        st = k->finish(tab, diag, name);
    if (st != FSC_OK) {
        if (st == FSC_ENOMEM)
            fsc_diagf(diag, FSC_SEV_ERROR, name, 0, 0, "out of memory");
        k->destroy(tab);
        goto done;
    }
    *out = tab;
done:
    lsrc_close(src);
    return st;
}

/* ---- identity ----------------------------------------------------------- */

typedef struct idrow {
    fsc_addr net;        /* the address, masked to plen */
    uint8_t plen;        /* 32 / 128 for a single address */
    uint16_t nas;        /* 1 + index into id->nas of the NAS that reported
                          * the holding (RADIUS NAS-IP-Address), so its
                          * Accounting-On/Off can end it; 0: unknown. Sits
                          * in what was padding: rows stay 64 bytes */
    fsc_time start, end; /* half-open; end FSC_TIME_MAX when still held */
    unsigned long line;  /* for overlap diagnostics */
    fsc_holder holder;
} idrow;

typedef struct idslot {
    uint32_t first, count; /* a run of rows[]; count 0 = empty slot */
} idslot;

struct fsc_identity {
    idrow *rows;
    size_t n, cap;
    bool full_reported;
    idslot *slots;
    size_t nslots; /* power of two */
    /* prefix lengths present, longest first: lookups try exactly these */
    uint8_t plens4[33], plens6[129];
    size_t nplens4, nplens6;
    uint32_t *subs; /* subscriber -> 1 + its latest-starting row; 0 = empty */
    size_t nsubs;   /* power of two */
    /* (family, prefix length, network) -> 1 + the row still held (end
     * FSC_TIME_MAX) with the latest start; 0 = empty. A slot whose row has
     * since been ended is stale, not free: each key owns at most one slot,
     * so the map never needs deletions. For fsc_identity_open/close. */
    uint32_t *open;
    size_t nopen, open_used; /* nopen: power of two */
    bool dirty;              /* rows added or ended since the last index */
    unsigned long seq;       /* orders holdings opened at run time */
    fsc_addr *nas;           /* NASes seen in accounting, first come; a
                              * network has tens, so a linear search */
    size_t nnas, nascap;     /* at most UINT16_MAX (idrow.nas) */
    fsc_arena strings;
};

enum { I_IP, I_START, I_END, I_SUBSCRIBER, I_PRECINCT };
static const char *const identity_cols[] = {"ip", "start", "end", "subscriber", "precinct"};
static const csv_schema identity_schema = {"identity", identity_cols, 5, 5,
                                           FSC_C_IDENTITY_BAD};

void fsc_identity_mask(fsc_addr *a, unsigned plen)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bits = i * 8;
        if (bits >= plen)
            a->b[i] = 0;
        else if (plen - bits < 8)
            a->b[i] &= (uint8_t)(0xff << (8 - (plen - bits)));
    }
}

/* Parses "addr" or "addr/len". Shorter prefixes than /8 (IPv4) and /32
 * (IPv6) are refused: they would attribute whole networks to one person. */
static const char *parse_ip(const csv_field *f, fsc_addr *a, uint8_t *plen)
{
    const char *slash = memchr(f->p, '/', f->len);
    size_t alen = slash ? (size_t)(slash - f->p) : f->len;
    if (!fsc_addr_parse(f->p, alen, a))
        return "not an IPv4 or IPv6 address";
    unsigned maxlen = a->family == 4 ? 32 : 128, minlen = a->family == 4 ? 8 : 32;
    unsigned v = maxlen;
    if (slash) {
        size_t dl = f->len - alen - 1;
        if (dl == 0 || dl > 3)
            return "bad prefix length";
        v = 0;
        for (size_t i = 0; i < dl; i++) {
            char c = slash[1 + i];
            if (c < '0' || c > '9')
                return "bad prefix length";
            v = v * 10 + (unsigned)(c - '0');
        }
        if (v > maxlen)
            return "prefix length beyond the address size";
        if (v < minlen)
            return "prefix too short to name one subscriber";
    }
    *plen = (uint8_t)v;
    fsc_identity_mask(a, v); /* host bits of "addr/len" are ignored */
    return NULL;
}

/* Room for one more row; id->rows may move (pointers into it go stale). */
static fsc_status rows_reserve(fsc_identity *id)
{
    if (id->n < id->cap)
        return FSC_OK;
    size_t cap = id->cap ? id->cap * 2 : 256;
    idrow *nr = realloc(id->rows, cap * sizeof *nr);
    if (!nr)
        return FSC_ENOMEM;
    id->rows = nr;
    id->cap = cap;
    return FSC_OK;
}

static fsc_status identity_row(void *tab, loader *ld, const csv_field *f)
{
    fsc_identity *id = tab;
    idrow r = {0};
    const char *e = parse_ip(&f[I_IP], &r.net, &r.plen);
    if (e) {
        bad_row(ld, f[I_IP].col, true, "column \"ip\": %s: \"%.*s\"", e,
                (int)(f[I_IP].len > 60 ? 60 : f[I_IP].len), f[I_IP].p);
        return FSC_OK;
    }
    if (!fsc_time_parse(f[I_START].p, f[I_START].len, &r.start)) {
        bad_row(ld, f[I_START].col, true, "column \"start\": not an RFC 3339 or epoch time: \"%.*s\"",
                (int)(f[I_START].len > 40 ? 40 : f[I_START].len), f[I_START].p);
        return FSC_OK;
    }
    r.end = FSC_TIME_MAX;
    if (f[I_END].len && !fsc_time_parse(f[I_END].p, f[I_END].len, &r.end)) {
        bad_row(ld, f[I_END].col, true, "column \"end\": not an RFC 3339 or epoch time: \"%.*s\"",
                (int)(f[I_END].len > 40 ? 40 : f[I_END].len), f[I_END].p);
        return FSC_OK;
    }
    if (r.end <= r.start) {
        bad_row(ld, f[I_END].col, true, "column \"end\": not after \"start\"");
        return FSC_OK;
    }
    if (f[I_SUBSCRIBER].len == 0) {
        bad_row(ld, f[I_SUBSCRIBER].col, true, "column \"subscriber\": empty");
        return FSC_OK;
    }
    if (f[I_PRECINCT].len == 0) {
        bad_row(ld, f[I_PRECINCT].col ? f[I_PRECINCT].col : 1, true,
                "column \"precinct\": empty");
        return FSC_OK;
    }
    if (id->n >= FSC_IDENTITY_MAX_ROWS) {
        if (!id->full_reported)
            bad_row(ld, 0, false, "more than %u rows; this and later rows are dropped",
                    FSC_IDENTITY_MAX_ROWS);
        id->full_reported = true;
        if (ld->counters)
            ld->counters->v[FSC_C_IDENTITY_BAD]++;
        return FSC_OK;
    }
    if (rows_reserve(id) != FSC_OK)
        return FSC_ENOMEM;
    r.holder.subscriber = fsc_arena_strndup(&id->strings, f[I_SUBSCRIBER].p, f[I_SUBSCRIBER].len);
    r.holder.precinct = fsc_arena_strndup(&id->strings, f[I_PRECINCT].p, f[I_PRECINCT].len);
    if (!r.holder.subscriber || !r.holder.precinct)
        return FSC_ENOMEM;
    r.line = ld->line;
    id->rows[id->n++] = r;
    return FSC_OK;
}

static int key_cmp(const idrow *a, const idrow *b)
{
    if (a->net.family != b->net.family)
        return a->net.family < b->net.family ? -1 : 1;
    if (a->plen != b->plen)
        return a->plen < b->plen ? -1 : 1;
    return memcmp(a->net.b, b->net.b, 16);
}

static int row_cmp(const void *pa, const void *pb)
{
    const idrow *a = pa, *b = pb;
    int c = key_cmp(a, b);
    if (c)
        return c;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line; /* stable order */
}

static uint64_t key_hash(uint8_t family, uint8_t plen, const uint8_t *b)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    h = (h ^ family) * 1099511628211ULL;
    h = (h ^ plen) * 1099511628211ULL;
    for (int i = 0; i < 16; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

/* Slot of subscriber s in id->subs: its entry, or the empty slot for it. */
static size_t sub_slot(const fsc_identity *id, const char *s)
{
    size_t i = (size_t)str_hash(s, strlen(s)) & (id->nsubs - 1);
    while (id->subs[i] && strcmp(id->rows[id->subs[i] - 1].holder.subscriber, s) != 0)
        i = (i + 1) & (id->nsubs - 1);
    return i;
}

static bool key_eq(const idrow *r, const fsc_addr *net, uint8_t plen)
{
    return r->net.family == net->family && r->plen == plen && memcmp(r->net.b, net->b, 16) == 0;
}

/* Slot of the key (net, plen) in id->open: its entry, or the empty slot. */
static size_t open_slot(const fsc_identity *id, const fsc_addr *net, uint8_t plen)
{
    size_t i = (size_t)key_hash(net->family, plen, net->b) & (id->nopen - 1);
    while (id->open[i] && !key_eq(&id->rows[id->open[i] - 1], net, plen))
        i = (i + 1) & (id->nopen - 1);
    return i;
}

/* Makes room in id->open for one more key, at a load under one half. */
static fsc_status open_reserve(fsc_identity *id)
{
    if (id->nopen && (id->open_used + 1) * 2 <= id->nopen)
        return FSC_OK;
    size_t ns = id->nopen ? id->nopen * 2 : 64;
    uint32_t *old = id->open;
    size_t oldn = id->nopen;
    id->open = calloc(ns, sizeof *id->open);
    if (!id->open) {
        id->open = old;
        return FSC_ENOMEM;
    }
    id->nopen = ns;
    for (size_t i = 0; i < oldn; i++)
        if (old[i]) {
            const idrow *r = &id->rows[old[i] - 1];
            id->open[open_slot(id, &r->net, r->plen)] = old[i];
        }
    free(old);
    return FSC_OK;
}

/* Rebuilds id->open from the (sorted) rows: per key, the still-held row
 * with the latest start. */
static fsc_status open_rebuild(fsc_identity *id)
{
    free(id->open);
    id->open = NULL;
    id->nopen = id->open_used = 0;
    for (size_t i = 0; i < id->n; i++) {
        if (id->rows[i].end != FSC_TIME_MAX)
            continue;
        if (open_reserve(id) != FSC_OK)
            return FSC_ENOMEM;
        size_t s = open_slot(id, &id->rows[i].net, id->rows[i].plen);
        if (!id->open[s])
            id->open_used++;
        id->open[s] = (uint32_t)i + 1; /* sorted by start: the later wins */
    }
    return FSC_OK;
}

/* Sorts the rows, warns about overlapping ranges (when diag is given),
 * builds the hashes. May be called again after rows were added. */
static fsc_status identity_index(fsc_identity *id, fsc_diag *diag, const char *file)
{
    free(id->slots);
    free(id->subs);
    id->slots = NULL;
    id->subs = NULL;
    id->nslots = id->nsubs = id->nplens4 = id->nplens6 = 0;
    id->dirty = false;
    if (id->n)
        qsort(id->rows, id->n, sizeof *id->rows, row_cmp);
    size_t ns = 16;
    while (ns < id->n * 2)
        ns *= 2;
    id->slots = calloc(ns, sizeof *id->slots);
    if (!id->slots)
        return FSC_ENOMEM;
    id->nslots = ns;
    bool seen4[33] = {0}, seen6[129] = {0};
    for (size_t i = 0; i < id->n;) {
        size_t j = i + 1;
        while (j < id->n && key_cmp(&id->rows[i], &id->rows[j]) == 0) {
            const idrow *prev = &id->rows[j - 1], *cur = &id->rows[j];
            if (diag && cur->start < prev->end)
                fsc_diagf(diag, FSC_SEV_WARNING, file, cur->line, 0,
                          "time range overlaps the row on line %lu for the same address; "
                          "lookups prefer the later start",
                          prev->line);
            j++;
        }
        const idrow *r = &id->rows[i];
        if (r->net.family == 4)
            seen4[r->plen] = true;
        else
            seen6[r->plen] = true;
        uint64_t h = key_hash(r->net.family, r->plen, r->net.b);
        size_t s = (size_t)h & (ns - 1);
        while (id->slots[s].count)
            s = (s + 1) & (ns - 1);
        id->slots[s].first = (uint32_t)i;
        id->slots[s].count = (uint32_t)(j - i);
        i = j;
    }
    id->nsubs = ns; /* at most n subscribers: load stays under one half */
    id->subs = calloc(ns, sizeof *id->subs);
    if (!id->subs)
        return FSC_ENOMEM;
    for (size_t i = 0; i < id->n; i++) {
        size_t s = sub_slot(id, id->rows[i].holder.subscriber);
        const idrow *cur = id->subs[s] ? &id->rows[id->subs[s] - 1] : NULL;
        if (!cur || id->rows[i].start > cur->start ||
            (id->rows[i].start == cur->start && id->rows[i].line > cur->line))
            id->subs[s] = (uint32_t)i + 1;
    }
    for (int l = 32; l >= 0; l--)
        if (seen4[l])
            id->plens4[id->nplens4++] = (uint8_t)l;
    for (int l = 128; l >= 0; l--)
        if (seen6[l])
            id->plens6[id->nplens6++] = (uint8_t)l;
    return open_rebuild(id);
}

/* after the rows: sort, warn about overlaps, build the hashes */
static fsc_status identity_finish(void *tab, fsc_diag *diag, const char *name)
{
    return identity_index(tab, diag, name);
}

static void identity_destroy(void *tab)
{
    fsc_identity_free(tab);
}

static const table_kind identity_kind = {
    .schema = &identity_schema,
    .row = identity_row,
    .size = sizeof(fsc_identity),
    .finish = identity_finish,
    .destroy = identity_destroy,
};

fsc_status fsc_identity_load(const char *path, fsc_diag *diag, fsc_counters *counters,
                             fsc_identity **out)
{
    void *tab = NULL;
    fsc_status st = load_table(&identity_kind, path, NULL, 0, diag, counters, &tab);
    if (st == FSC_OK)
        *out = tab;
    return st;
}

fsc_status fsc_identity_load_buf(const char *name, const char *buf, size_t len, fsc_diag *diag,
                                 fsc_counters *counters, fsc_identity **out)
{
    void *tab = NULL;
    fsc_status st = load_table(&identity_kind, name, buf ? buf : "", len, diag, counters, &tab);
    if (st == FSC_OK)
        *out = tab;
    return st;
}

void fsc_identity_free(fsc_identity *id)
{
    if (!id)
        return;
    free(id->rows);
    free(id->slots);
    free(id->subs);
    free(id->open);
    free(id->nas);
    fsc_arena_free(&id->strings);
    free(id);
}

/* ---- holdings opened and closed at run time (RADIUS accounting) ------- */

fsc_identity *fsc_identity_new(void)
{
    fsc_identity *id = calloc(1, sizeof *id);
    if (id && identity_index(id, NULL, NULL) != FSC_OK) {
        fsc_identity_free(id);
        return NULL;
    }
    return id;
}

/* Checks and masks (addr, plen) into *net, by the rules of the ip column. */
static fsc_status holding_key(const fsc_addr *addr, unsigned plen, fsc_addr *net)
{
    if (!addr || (addr->family != 4 && addr->family != 6))
        return FSC_EINVAL;
    unsigned maxlen = addr->family == 4 ? 32 : 128, minlen = addr->family == 4 ? 8 : 32;
    if (plen > maxlen || plen < minlen)
        return FSC_EINVAL;
    *net = *addr;
    fsc_identity_mask(net, plen);
    return FSC_OK;
}

/* 1 + the index of nas in id->nas, added when new; 0 for no NAS, and
 * when the table of NASes is full or memory is short (the holding then
 * cannot be ended by its NAS's Accounting-On/Off, only by its Stop). */
static uint16_t nas_index(fsc_identity *id, const fsc_addr *nas, bool add)
{
    if (!nas || (nas->family != 4 && nas->family != 6))
        return 0;
    for (size_t i = 0; i < id->nnas; i++)
        if (id->nas[i].family == nas->family && memcmp(id->nas[i].b, nas->b, 16) == 0)
            return (uint16_t)(i + 1);
    if (!add || id->nnas >= UINT16_MAX)
        return 0;
    if (id->nnas == id->nascap) {
        size_t cap = id->nascap ? id->nascap * 2 : 16;
        fsc_addr *na = realloc(id->nas, cap * sizeof *na);
        if (!na)
            return 0;
        id->nas = na;
        id->nascap = cap;
    }
    id->nas[id->nnas++] = *nas;
    return (uint16_t)id->nnas;
}

fsc_status fsc_identity_open(fsc_identity *id, const fsc_addr *addr, unsigned plen,
                             fsc_time start, const char *subscriber, const char *precinct)
{
    return fsc_identity_open_nas(id, addr, plen, start, subscriber, precinct, NULL);
}

fsc_status fsc_identity_open_nas(fsc_identity *id, const fsc_addr *addr, unsigned plen,
                                 fsc_time start, const char *subscriber, const char *precinct,
                                 const fsc_addr *nas)
{
    fsc_addr net;
    if (!id || !subscriber || !*subscriber || holding_key(addr, plen, &net) != FSC_OK)
        return FSC_EINVAL;
    if (open_reserve(id) != FSC_OK)
        return FSC_ENOMEM;
    uint16_t ni = nas_index(id, nas, true);
    size_t s = open_slot(id, &net, (uint8_t)plen);
    idrow *cur = id->open[s] ? &id->rows[id->open[s] - 1] : NULL;
    if (cur && cur->end == FSC_TIME_MAX) {
        if (start < cur->start)
            return FSC_EINVAL; /* older than what the table already holds */
        if (strcmp(cur->holder.subscriber, subscriber) == 0) {
            if (ni) /* an Interim-Update may name the NAS a Start did not */
                cur->nas = ni;
            return FSC_OK; /* still theirs (an Interim-Update) */
        }
    }
    if (id->n >= FSC_IDENTITY_MAX_ROWS)
        return FSC_ELIMIT;
    if (rows_reserve(id) != FSC_OK)
        return FSC_ENOMEM;
    cur = id->open[s] ? &id->rows[id->open[s] - 1] : NULL; /* the rows may have moved */
    idrow r = {.net = net, .plen = (uint8_t)plen, .nas = ni, .start = start,
               .end = FSC_TIME_MAX};
    r.holder.subscriber = fsc_arena_strndup(&id->strings, subscriber, strlen(subscriber));
    if (!precinct) /* RADIUS rarely knows it: keep the one the person had */
        precinct = fsc_identity_precinct(id, subscriber);
    r.holder.precinct = precinct ? fsc_arena_strndup(&id->strings, precinct, strlen(precinct))
                                 : NULL;
    if (!r.holder.subscriber || (precinct && !r.holder.precinct))
        return FSC_ENOMEM;
    /* after every loaded row with the same start (rows sort by line then) */
    r.line = (1UL << 31) + id->seq++;
    if (cur && cur->end == FSC_TIME_MAX)
        cur->end = start; /* the previous holder's Stop was missed */
    if (!id->open[s])
        id->open_used++;
    id->rows[id->n++] = r;
    id->open[s] = (uint32_t)id->n;
    id->dirty = true;
    return FSC_OK;
}

fsc_status fsc_identity_close(fsc_identity *id, const fsc_addr *addr, unsigned plen,
                              fsc_time end, const char *subscriber)
{
    fsc_addr net;
    if (!id || holding_key(addr, plen, &net) != FSC_OK)
        return FSC_EINVAL;
    if (!id->nopen)
        return FSC_ENOTFOUND;
    size_t s = open_slot(id, &net, (uint8_t)plen);
    idrow *cur = id->open[s] ? &id->rows[id->open[s] - 1] : NULL;
    if (!cur || cur->end != FSC_TIME_MAX ||
        (subscriber && strcmp(cur->holder.subscriber, subscriber) != 0))
        return FSC_ENOTFOUND;
    if (end < cur->start)
        return FSC_EINVAL;
    cur->end = end;
    return FSC_OK;
}

size_t fsc_identity_close_nas(fsc_identity *id, const fsc_addr *nas, fsc_time end)
{
    uint16_t ni = id ? nas_index(id, nas, false) : 0;
    if (!ni)
        return 0;
    size_t closed = 0;
    /* every open holding is the target of one slot of id->open */
    for (size_t i = 0; i < id->nopen; i++) {
        if (!id->open[i])
            continue;
        idrow *r = &id->rows[id->open[i] - 1];
        if (r->end == FSC_TIME_MAX && r->nas == ni && r->start <= end) {
            r->end = end;
            closed++;
        }
    }
    return closed;
}

fsc_status fsc_identity_commit(fsc_identity *id)
{
    if (!id || !id->dirty)
        return FSC_OK;
    return identity_index(id, NULL, NULL);
}

const char *fsc_identity_precinct(const fsc_identity *id, const char *subscriber)
{
    if (!id || !subscriber || !id->nsubs)
        return NULL;
    size_t s = sub_slot(id, subscriber);
    return id->subs[s] ? id->rows[id->subs[s] - 1].holder.precinct : NULL;
}

size_t fsc_identity_count(const fsc_identity *id)
{
    return id ? id->n : 0;
}

/* The row of the run rows[first..first+count) whose range holds ts. */
static const idrow *run_find(const fsc_identity *id, const idslot *s, fsc_time ts)
{
    const idrow *r = id->rows + s->first;
    size_t lo = 0, hi = s->count; /* find the last row with start <= ts */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].start <= ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* ranges may overlap (warned at load): walk back to one that holds ts */
    while (lo > 0) {
        if (ts < r[lo - 1].end)
            return &r[lo - 1];
        lo--;
    }
    return NULL;
}

const fsc_holder *fsc_identity_lookup(const fsc_identity *id, const fsc_addr *a, fsc_time ts)
{
    if (!id || !a || !id->nslots || (a->family != 4 && a->family != 6))
        return NULL;
    const uint8_t *pl = a->family == 4 ? id->plens4 : id->plens6;
    size_t npl = a->family == 4 ? id->nplens4 : id->nplens6;
    for (size_t k = 0; k < npl; k++) {
        fsc_addr m = *a;
        fsc_identity_mask(&m, pl[k]);
        uint64_t h = key_hash(m.family, pl[k], m.b);
        for (size_t s = (size_t)h & (id->nslots - 1); id->slots[s].count;
             s = (s + 1) & (id->nslots - 1)) {
            const idslot *sl = &id->slots[s];
            const idrow *r0 = &id->rows[sl->first];
            if (r0->net.family != m.family || r0->plen != pl[k] ||
                memcmp(r0->net.b, m.b, 16) != 0)
                continue;
            const idrow *r = run_find(id, sl, ts);
            if (r)
                return &r->holder;
            break; /* this prefix has no holder then: try a shorter one */
        }
    }
    return NULL;
}

/* ---- profiles and groups ------------------------------------------------ */

struct fsc_profiles {
    fsc_profile *rows;
    size_t n, cap;
    uint32_t *slots; /* 1 + index into rows; 0 = empty */
    size_t nslots;
    fsc_arena strings;
};

enum { P_SUBSCRIBER, P_AGE_BAND, P_OCCUPATION, P_GROUP };
static const char *const profile_cols[] = {"subscriber", "age_band", "occupation", "group"};
static const csv_schema profile_schema = {"profiles", profile_cols, 4, 3, FSC_C_PROFILES_BAD};

/* Slot of subscriber s (len n): its row, or the empty slot to fill. */
static size_t prof_slot(const fsc_profiles *p, const char *s, size_t n)
{
    size_t i = (size_t)str_hash(s, n) & (p->nslots - 1);
    while (p->slots[i]) {
        const char *t = p->rows[p->slots[i] - 1].subscriber;
        if (strlen(t) == n && memcmp(t, s, n) == 0)
            break;
        i = (i + 1) & (p->nslots - 1);
    }
    return i;
}

static fsc_status prof_grow(fsc_profiles *p)
{
    size_t ns = p->nslots ? p->nslots * 2 : 64;
    uint32_t *old = p->slots;
    size_t oldn = p->nslots;
    p->slots = calloc(ns, sizeof *p->slots);
    if (!p->slots) {
        p->slots = old;
        return FSC_ENOMEM;
    }
    p->nslots = ns;
    for (size_t i = 0; i < oldn; i++)
        if (old[i]) {
            const char *t = p->rows[old[i] - 1].subscriber;
            p->slots[prof_slot(p, t, strlen(t))] = old[i];
        }
    free(old);
    return FSC_OK;
}

static bool in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (fsc_csv_ieq(s, n, *list))
            return true;
    return false;
}

/* Reads "18-24" / "65+" / "60": lower bound, and upper bound when given. */
static bool age_bounds(const char *s, int *lo, int *hi, bool *has_hi)
{
    size_t i = 0, n = strlen(s);
    int v = 0, d = 0;
    while (i < n && s[i] == ' ')
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9' && d < 3; i++, d++)
        v = v * 10 + (s[i] - '0');
    if (!d)
        return false;
    *lo = v;
    *has_hi = false;
    if (i < n && s[i] == '-') {
        int w = 0, e = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9' && e < 3; i++, e++)
            w = w * 10 + (s[i] - '0');
        if (e) {
            *hi = w;
            *has_hi = true;
        }
    }
    return true;
}

fsc_group fsc_group_derive(const char *age_band, const char *occupation)
{
    static const char *const students[] = {"student", "pupil", NULL};
    static const char *const finance[] = {"accountant", "cashier", "finance", "bookkeeper",
                                          NULL};
    static const char *const parents[] = {"parent", "homemaker", NULL};
    const char *occ = occupation ? occupation : "";
    size_t on = strlen(occ);
    while (on > 0 && isspace((unsigned char)occ[on - 1]))
        on--;
    while (on > 0 && isspace((unsigned char)*occ)) {
        occ++;
        on--;
    }
    int lo = -1, hi = -1;
    bool has_hi = false, has_age = age_band && age_bounds(age_band, &lo, &hi, &has_hi);

    if (in_list(occ, on, students))
        return FSC_GROUP_STUDENT;
    if (has_age && lo >= 60)
        return FSC_GROUP_ELDERLY;
    if (in_list(occ, on, finance))
        return FSC_GROUP_FINANCE_STAFF;
    if (has_age && lo >= 18 && has_hi && hi <= 34)
        return FSC_GROUP_YOUNG_WORKER;
    if (in_list(occ, on, parents))
        return FSC_GROUP_PARENT;
    return FSC_GROUP_GENERAL;
}

/* Adds the profile of sub[0..sublen) with group g (FSC_GROUP_COUNT: derived
 * from age band and occupation). The strings are copied into p's arena;
 * precinct may be NULL. Returns FSC_OK; FSC_EMALFORMED when the subscriber
 * already has a profile (the first is kept), FSC_ELIMIT past
 * FSC_IDENTITY_MAX_ROWS, FSC_ENOMEM: the caller words the message, the
 * CSV loader and fsc_profiles_put report differently. */
static fsc_status prof_add(fsc_profiles *p, const char *sub, size_t sublen, const char *age_band,
                           size_t ablen, const char *occupation, size_t occlen,
                           const char *precinct, fsc_group g)
{
    if ((p->n + 1) * 2 > p->nslots && prof_grow(p) != FSC_OK)
        return FSC_ENOMEM;
    size_t s = prof_slot(p, sub, sublen);
    if (p->slots[s])
        return FSC_EMALFORMED;
    if (p->n >= FSC_IDENTITY_MAX_ROWS)
        return FSC_ELIMIT;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        fsc_profile *nr = realloc(p->rows, cap * sizeof *nr);
        if (!nr)
            return FSC_ENOMEM;
        p->rows = nr;
        p->cap = cap;
    }
    fsc_profile r = {.precinct = NULL};
    r.subscriber = fsc_arena_strndup(&p->strings, sub, sublen);
    r.age_band = fsc_arena_strndup(&p->strings, age_band, ablen);
    r.occupation = fsc_arena_strndup(&p->strings, occupation, occlen);
    if (precinct)
        r.precinct = fsc_arena_strndup(&p->strings, precinct, strlen(precinct));
    if (!r.subscriber || !r.age_band || !r.occupation || (precinct && !r.precinct))
        return FSC_ENOMEM;
    r.group = g != FSC_GROUP_COUNT ? g : fsc_group_derive(r.age_band, r.occupation);
    p->rows[p->n++] = r;
    p->slots[s] = (uint32_t)p->n;
    return FSC_OK;
}

static fsc_status profile_row(void *tab, loader *ld, const csv_field *f)
{
    fsc_profiles *p = tab;
    const csv_field *sub = &f[P_SUBSCRIBER];
    if (sub->len == 0) {
        bad_row(ld, sub->col ? sub->col : 1, true, "column \"subscriber\": empty");
        return FSC_OK;
    }
    fsc_group g = FSC_GROUP_COUNT;
    if (f[P_GROUP].len) {
        g = fsc_group_lookup(f[P_GROUP].p, f[P_GROUP].len);
        if (g == FSC_GROUP_COUNT) {
            bad_row(ld, f[P_GROUP].col, true, "column \"group\": unknown group \"%.*s\"",
                    (int)(f[P_GROUP].len > 40 ? 40 : f[P_GROUP].len), f[P_GROUP].p);
            return FSC_OK;
        }
    }
    fsc_status st = prof_add(p, sub->p, sub->len, f[P_AGE_BAND].p, f[P_AGE_BAND].len,
                             f[P_OCCUPATION].p, f[P_OCCUPATION].len, NULL, g);
    if (st == FSC_EMALFORMED)
        bad_row(ld, sub->col, true, "column \"subscriber\": \"%.*s\" already has a profile",
                (int)(sub->len > 40 ? 40 : sub->len), sub->p);
    else if (st == FSC_ELIMIT)
        bad_row(ld, 0, true, "more than %u profiles", FSC_IDENTITY_MAX_ROWS);
    return st == FSC_ENOMEM ? FSC_ENOMEM : FSC_OK; /* a bad row is skipped, not fatal */
}

/* before the rows: the hash starts with slots, so lookups need no check */
static fsc_status profiles_start(void *tab)
{
    return prof_grow(tab);
}

static void profiles_destroy(void *tab)
{
    fsc_profiles_free(tab);
}

static const table_kind profiles_kind = {
    .schema = &profile_schema,
    .row = profile_row,
    .size = sizeof(fsc_profiles),
    .start = profiles_start,
    .destroy = profiles_destroy,
};

fsc_status fsc_profiles_load(const char *path, fsc_diag *diag, fsc_counters *counters,
                             fsc_profiles **out)
{
    void *tab = NULL;
    fsc_status st = load_table(&profiles_kind, path, NULL, 0, diag, counters, &tab);
    if (st == FSC_OK)
        *out = tab;
    return st;
}

fsc_status fsc_profiles_load_buf(const char *name, const char *buf, size_t len, fsc_diag *diag,
                                 fsc_counters *counters, fsc_profiles **out)
{
    void *tab = NULL;
    fsc_status st = load_table(&profiles_kind, name, buf ? buf : "", len, diag, counters, &tab);
    if (st == FSC_OK)
        *out = tab;
    return st;
}

fsc_profiles *fsc_profiles_new(void)
{
    fsc_profiles *p = calloc(1, sizeof *p);
    if (p && prof_grow(p) != FSC_OK) {
        fsc_profiles_free(p);
        return NULL;
    }
    return p;
}

fsc_status fsc_profiles_put(fsc_profiles *p, const char *subscriber, size_t sublen,
                            const char *age_band, const char *occupation, const char *group,
                            const char *precinct, char *err, size_t errcap)
{
    if (sublen == 0) {
        snprintf(err, errcap, "empty subscriber");
        return FSC_EMALFORMED;
    }
    fsc_group g = FSC_GROUP_COUNT;
    if (group && *group) {
        g = fsc_group_lookup(group, strlen(group));
        if (g == FSC_GROUP_COUNT) {
            snprintf(err, errcap, "field \"group\": unknown group \"%.40s\"", group);
            return FSC_EMALFORMED;
        }
    }
    const char *ab = age_band ? age_band : "", *oc = occupation ? occupation : "";
    fsc_status st = prof_add(p, subscriber, sublen, ab, strlen(ab), oc, strlen(oc),
                             precinct && *precinct ? precinct : NULL, g);
    if (st == FSC_EMALFORMED)
        snprintf(err, errcap, "\"%.*s\" already has a profile", (int)(sublen > 40 ? 40 : sublen),
                 subscriber);
    else if (st == FSC_ELIMIT)
        snprintf(err, errcap, "more than %u profiles", FSC_IDENTITY_MAX_ROWS);
    return st;
}

void fsc_profiles_free(fsc_profiles *p)
{
    if (!p)
        return;
    free(p->rows);
    free(p->slots);
    fsc_arena_free(&p->strings);
    free(p);
}

size_t fsc_profiles_count(const fsc_profiles *p)
{
    return p ? p->n : 0;
}

const fsc_profile *fsc_profiles_get(const fsc_profiles *p, const char *subscriber)
{
    if (!p || !subscriber || !p->nslots)
        return NULL;
    size_t s = prof_slot(p, subscriber, strlen(subscriber));
    return p->slots[s] ? &p->rows[p->slots[s] - 1] : NULL;
}
