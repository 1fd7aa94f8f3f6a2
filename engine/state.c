/* state.c: a person's record as bytes (for snapshots and the shared
 * store), and snapshot files. The byte layouts are in docs/model.md. */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "score_int.h"

#define BLOB_FORMAT 1
#define SNAP_MAGIC "FSCSTAT1"
#define SNAP_VERSION 1
#define SNAP_HEADER 40
#define BLOB_MAX (1u << 20)

/* ---- writing ------------------------------------------------------------ */

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    bool full;
} wbuf;

static void put(wbuf *w, const void *p, size_t n)
{
    if (w->full || n > w->cap - w->len) {
        w->full = true;
        return;
    }
    memcpy(w->p + w->len, p, n);
    w->len += n;
}

static void put_u(wbuf *w, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, (size_t)bytes);
}

static void put_f32(wbuf *w, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u(w, u, 4);
}

static void put_f64(wbuf *w, double f)
{
    uint64_t u;
    memcpy(&u, &f, 8);
    put_u(w, u, 8);
}

static void put_str(wbuf *w, const char *s, size_t n)
{
    if (n > 0xfffe)
        n = 0xfffe;
    put_u(w, n, 2);
    put(w, s, n);
}

static void put_opt_str(wbuf *w, const char *s)
{
    if (!s)
        put_u(w, 0xffff, 2);
    else
        put_str(w, s, strlen(s));
}

size_t fsc_state_encode(const fsc_scorer *s, const sub *sl, uint8_t *buf, size_t cap)
{
    wbuf w = {buf, 0, cap, false};
    put_u(&w, BLOB_FORMAT, 1);
    put_str(&w, fsc_score_text(s, sl->id), fsc_score_textlen(s, sl->id));
    if (sl->precinct)
        put_str(&w, fsc_score_text(s, sl->precinct), fsc_score_textlen(s, sl->precinct));
    else
        put_str(&w, "", 0);
    put_u(&w, sl->group, 1);
    put_u(&w, sl->obs ? 1 : 0, 1);
    if (sl->obs)
        for (int t = 0; t < FSC_TAG_BUILTIN; t++)
            put_u(&w, (uint64_t)s->obspool[sl->obs].seen[t], 8);
    size_t nft = 0;
    for (uint32_t i = sl->ft; i; i = s->ftpool[i].next)
        nft++;
    put_u(&w, nft, 1);
    for (uint32_t i = sl->ft; i; i = s->ftpool[i].next) {
        const ftrec *fr = &s->ftpool[i];
        put_u(&w, fr->ft, 1);
        put_u(&w, fr->alerted, 1);
        put_u(&w, fr->floor, 1);
        put_u(&w, fr->boosted, 2);
        put_u(&w, (uint64_t)fr->last, 8);
        put_u(&w, (uint64_t)fr->alert_ts, 8);
        put_u(&w, (uint64_t)fr->quiet_until, 8);
        put_u(&w, FSC_SIGNAL_COUNT, 1);
        for (int k = 0; k < FSC_SIGNAL_COUNT; k++)
            put_f32(&w, fr->sum[k]);
        put_f32(&w, fr->peak);
        put_u(&w, fr->nev, 1);
        for (size_t k = 0; k < fr->nev; k++) {
            const cev *e = &fr->ev[k];
            const fsc_rule *r = &s->shadows[e->rule].r;
            put_opt_str(&w, r->id);
            put_opt_str(&w, r->title);
            put_opt_str(&w, r->instruction);
            put_u(&w, (uint64_t)r->level, 1);
            put_f64(&w, r->weight);
            put_u(&w, (uint64_t)e->ts, 8);
            put_u(&w, e->frame, 8);
            put_f32(&w, e->weight);
            put_f32(&w, e->contribution);
            put_str(&w, fsc_score_text(s, e->value), fsc_score_textlen(s, e->value));
            put_u(&w, e->src && e->dst ? 1 : 0, 1);
            if (e->src && e->dst) {
                put(&w, fsc_score_text(s, e->src), sizeof(fsc_addr));
                put(&w, fsc_score_text(s, e->dst), sizeof(fsc_addr));
            }
            put_u(&w, e->site, 4);
            put_u(&w, e->tags, 2);
            const char *fname = fsc_field_name((fsc_field)e->field);
            put_str(&w, fname, strlen(fname));
            put_u(&w, e->source, 1);
            put_u(&w, e->kind, 1);
        }
    }
    return w.full ? 0 : w.len;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct rbuf {
    const uint8_t *p, *end;
    bool bad;
} rbuf;

static const uint8_t *take(rbuf *r, size_t n)
{
    if (r->bad || n > (size_t)(r->end - r->p)) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

static uint64_t get_u(rbuf *r, int bytes)
{
    const uint8_t *b = take(r, (size_t)bytes);
    uint64_t v = 0;
    if (b)
        for (int i = 0; i < bytes; i++)
            v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static float get_f32(rbuf *r)
{
    uint32_t u = (uint32_t)get_u(r, 4);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static double get_f64(rbuf *r)
{
    uint64_t u = get_u(r, 8);
    double f;
    memcpy(&f, &u, 8);
    return f;
}

/* A string: returns its bytes (not NUL-terminated) and length; NULL for an
 * absent optional string. */
static const char *get_str(rbuf *r, size_t *n, bool optional)
{
    size_t len = (size_t)get_u(r, 2);
    if (len == 0xffff) {
        if (!optional)
            r->bad = true;
        *n = 0;
        return NULL;
    }
    *n = len;
    const char *p = (const char *)take(r, len);
    return p ? p : "";
}

static bool has_nul(const char *p, size_t n)
{
    return p && memchr(p, '\0', n) != NULL;
}

/* A bounded NUL-terminated copy for the rule strings (ids, titles,
 * instructions are short). */
static char *cstr(char *buf, size_t cap, const char *p, size_t n)
{
    if (!p)
        return NULL;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

/* One pass over a blob: checks it (apply == false), or writes it into s. */
static fsc_status decode(fsc_scorer *s, rbuf *r, bool apply, sub **out)
{
    if (get_u(r, 1) != BLOB_FORMAT)
        return FSC_EMALFORMED;
    size_t idn, pren;
    const char *id = get_str(r, &idn, false);
    const char *pre = get_str(r, &pren, false);
    unsigned group = (unsigned)get_u(r, 1);
    if (r->bad || idn == 0 || has_nul(id, idn) || has_nul(pre, pren) || group >= FSC_GROUP_COUNT)
        return FSC_EMALFORMED;
    sub *sl = NULL;
    if (apply) {
        sl = fsc_score_find(s, id, idn, true);
        if (!sl)
            return FSC_ELIMIT;
        fsc_score_clear_sub(s, sl);
        sl->precinct = pren ? fsc_score_intern(s, pre, pren) : 0;
        sl->group = (uint8_t)group;
    }
    unsigned hasobs = (unsigned)get_u(r, 1);
    if (hasobs > 1)
        return FSC_EMALFORMED;
    if (hasobs) {
        fsc_time seen[FSC_TAG_BUILTIN];
        for (int t = 0; t < FSC_TAG_BUILTIN; t++)
            seen[t] = (fsc_time)get_u(r, 8);
        if (apply && !r->bad && fsc_score_new_obs(s, sl))
            memcpy(s->obspool[sl->obs].seen, seen, sizeof seen);
    }
    unsigned nft = (unsigned)get_u(r, 1);
    if (nft > FSC_FRAUD_TYPES)
        return FSC_EMALFORMED;
    unsigned seen_ft = 0;
    for (unsigned f = 0; f < nft && !r->bad; f++) {
        unsigned ft = (unsigned)get_u(r, 1), alerted = (unsigned)get_u(r, 1),
                 floor = (unsigned)get_u(r, 1), boosted = (unsigned)get_u(r, 2);
        fsc_time last = (fsc_time)get_u(r, 8), ats = (fsc_time)get_u(r, 8),
                 quiet = (fsc_time)get_u(r, 8);
        unsigned nk = (unsigned)get_u(r, 1);
        if (ft < 1 || ft > FSC_FRAUD_TYPES || (seen_ft >> ft) & 1 || alerted > 4 || floor > 4 ||
            nk > 32)
            return FSC_EMALFORMED;
        seen_ft |= 1u << ft;
        float sums[32];
        for (unsigned k = 0; k < nk; k++)
            sums[k] = get_f32(r);
        float peak = get_f32(r);
        unsigned nev = (unsigned)get_u(r, 1);
        if (nev > FSC_EVIDENCE_MAX || r->bad)
            return FSC_EMALFORMED;
        uint32_t fri = 0;
        if (apply) {
            fri = fsc_score_new_ftrec(s, sl, (int)ft);
            if (!fri)
                return FSC_ENOMEM;
            ftrec *fr = &s->ftpool[fri];
            fr->alerted = (uint8_t)alerted;
            fr->floor = (uint8_t)floor;
            fr->boosted = (uint16_t)boosted;
            fr->last = last;
            fr->alert_ts = ats;
            fr->quiet_until = quiet;
            fr->peak = peak;
            /* a newer engine's extra kinds fold into the last one we know */
            for (unsigned k = 0; k < nk; k++)
                fr->sum[k < FSC_SIGNAL_COUNT ? k : FSC_SIGNAL_COUNT - 1] += sums[k];
        }
        for (unsigned k = 0; k < nev; k++) {
            size_t rn, tn, in, vn, fnn;
            const char *rid = get_str(r, &rn, false);
            const char *title = get_str(r, &tn, true);
            const char *instr = get_str(r, &in, true);
            unsigned level = (unsigned)get_u(r, 1);
            double rw = get_f64(r);
            fsc_time ts = (fsc_time)get_u(r, 8);
            uint64_t frame = get_u(r, 8);
            float w = get_f32(r), contrib = get_f32(r);
            const char *val = get_str(r, &vn, false);
            unsigned hasaddr = (unsigned)get_u(r, 1);
            const uint8_t *src = NULL, *dst = NULL;
            if (hasaddr == 1) {
                src = take(r, sizeof(fsc_addr));
                dst = take(r, sizeof(fsc_addr));
            }
            uint32_t site = (uint32_t)get_u(r, 4);
            uint16_t tags = (uint16_t)get_u(r, 2);
            const char *fname = get_str(r, &fnn, false);
            unsigned source = (unsigned)get_u(r, 1), kind = (unsigned)get_u(r, 1);
            if (r->bad || rn == 0 || has_nul(rid, rn) || has_nul(title, tn) ||
                has_nul(instr, in) || level > 4 || hasaddr > 1 || source > FSC_SRC_APP ||
                kind >= FSC_SIGNAL_COUNT || vn >= FSC_EVIDENCE_VALUE_MAX)
                return FSC_EMALFORMED;
            fsc_field field = fsc_field_lookup(fname, fnn);
            if (!apply || field == FSC_F_COUNT)
                continue; /* a field this engine does not know: drop the entry */
            char idb[256], tb[512], ib[1024];
            uint32_t shi = fsc_score_shadow_parts(s, cstr(idb, sizeof idb, rid, rn),
                                                  title ? cstr(tb, sizeof tb, title, tn) : "",
                                                  cstr(ib, sizeof ib, instr, in), (int)ft,
                                                  (fsc_level)level, rw);
            if (shi == UINT32_MAX)
                return FSC_ENOMEM;
            uint32_t vid = fsc_score_intern(s, val, vn);
            uint32_t sid = src ? fsc_score_intern(s, src, sizeof(fsc_addr)) : 0;
            uint32_t did = dst ? fsc_score_intern(s, dst, sizeof(fsc_addr)) : 0;
            cev *e = fsc_score_new_evidence(s, &s->ftpool[fri]);
            if (!e)
                return FSC_ENOMEM;
            e->ts = ts;
            e->frame = frame;
            e->weight = w;
            e->contribution = contrib;
            e->rule = shi;
            e->value = vid;
            e->src = sid;
            e->dst = did;
            e->site = site;
            e->record = 0;
            e->tags = tags;
            e->field = (uint8_t)field;
            e->source = (uint8_t)source;
            e->kind = (uint8_t)kind;
        }
    }
    if (r->bad || r->p != r->end)
        return FSC_EMALFORMED;
    if (out)
        *out = sl;
    return FSC_OK;
}

fsc_status fsc_state_decode(fsc_scorer *s, const uint8_t *buf, size_t len, sub **out)
{
    rbuf r = {buf, buf + len, false};
    fsc_status st = decode(s, &r, false, NULL);
    if (st != FSC_OK)
        return st;
    r.p = buf;
    r.bad = false;
    return decode(s, &r, true, out);
}

/* ---- snapshots ---------------------------------------------------------- */


static fsc_time wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (fsc_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int hashed_write(FILE *f, const void *p, size_t n, uint64_t *h)
{
    *h = fsc_fnv1a(p, n, *h);
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

fsc_status fsc_state_save(const fsc_scorer *s, const char *path, bool clean, char *err,
                          size_t errcap)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        snprintf(err, errcap, "%s: path too long", path);
        return FSC_EINVAL;
    }
    uint8_t *blob = malloc(BLOB_MAX);
    FILE *f = blob ? fopen(tmp, "wb") : NULL;
    if (!f) {
        snprintf(err, errcap, "%s: %s", tmp, blob ? strerror(errno) : "out of memory");
        free(blob);
        return FSC_EIO;
    }
    uint64_t h = FSC_FNV_BASIS;
    uint8_t hdr[SNAP_HEADER];
    wbuf w = {hdr, 0, sizeof hdr, false};
    put(&w, SNAP_MAGIC, 8);
    put_u(&w, SNAP_VERSION, 4);
    put_u(&w, clean ? 1 : 0, 4);
    put_u(&w, (uint64_t)wall_now(), 8);
    put_u(&w, (uint64_t)s->clock, 8);
    put_u(&w, s->used, 8);
    int bad = hashed_write(f, hdr, sizeof hdr, &h);
    size_t n = 0;
    for (size_t i = 0; i < s->cap && !bad; i++) {
        const sub *sl = &s->slots[i];
        if (!sl->h)
            continue;
        size_t len = fsc_state_encode(s, sl, blob, BLOB_MAX);
        uint8_t lb[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                         (uint8_t)(len >> 24)};
        bad |= hashed_write(f, lb, 4, &h);
        bad |= hashed_write(f, blob, len, &h);
        n++;
    }
    uint8_t tail[8];
    for (int i = 0; i < 8; i++)
        tail[i] = (uint8_t)(h >> (8 * i));
    if (!bad)
        bad = fwrite(tail, 1, 8, f) != 8;
    free(blob);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        bad = 1;
    if (fclose(f) != 0)
        bad = 1;
    if (bad || n != s->used || rename(tmp, path) != 0) {
        snprintf(err, errcap, "%s: cannot write the snapshot: %s", path, strerror(errno));
        unlink(tmp);
        return FSC_EIO;
    }
    if (s->ctr)
        s->ctr->v[FSC_C_STATE_SNAPSHOTS]++;
    return FSC_OK;
}

fsc_status fsc_state_restore(fsc_scorer *s, const char *path, fsc_state_info *info, char *err,
                             size_t errcap)
{
    memset(info, 0, sizeof *info);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? FSC_ENOTFOUND : FSC_EIO;
    }
    fsc_status st = FSC_EMALFORMED;
    uint8_t *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 20;
            uint8_t *n = realloc(data, ncap);
            if (!n) {
                st = FSC_ENOMEM;
                snprintf(err, errcap, "%s: out of memory", path);
                goto done;
            }
            data = n;
            cap = ncap;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        st = FSC_EIO;
        snprintf(err, errcap, "%s: read error", path);
        goto done;
    }
    if (len < SNAP_HEADER + 8 || memcmp(data, SNAP_MAGIC, 8) != 0) {
        snprintf(err, errcap, "%s: not a fraudscan snapshot (bad magic or too short)", path);
        goto done;
    }
    uint64_t h = fsc_fnv1a(data, len - 8, FSC_FNV_BASIS), want = 0;
    for (int i = 0; i < 8; i++)
        want |= (uint64_t)data[len - 8 + i] << (8 * i);
    if (h != want) {
        snprintf(err, errcap, "%s: checksum mismatch (a torn or damaged file)", path);
        goto done;
    }
    rbuf r = {data + 8, data + len - 8, false};
    uint32_t ver = (uint32_t)get_u(&r, 4);
    if (ver != SNAP_VERSION) {
        snprintf(err, errcap, "%s: snapshot format %u, this engine reads %u", path, ver,
                 SNAP_VERSION);
        goto done;
    }
    info->clean = get_u(&r, 4) & 1;
    info->written = (fsc_time)get_u(&r, 8);
    info->clock = (fsc_time)get_u(&r, 8);
    uint64_t n = get_u(&r, 8);
    for (uint64_t i = 0; i < n && !r.bad; i++) {
        uint32_t bl = (uint32_t)get_u(&r, 4);
        const uint8_t *b = take(&r, bl);
        if (!b)
            break;
        fsc_status bs = fsc_state_decode(s, b, bl, NULL);
        if (bs == FSC_OK)
            info->people++;
        else
            info->dropped++;
    }
    if (r.bad || r.p != r.end) {
        snprintf(err, errcap, "%s: records end early or run past the declared count", path);
        goto done;
    }
    if (info->clock > s->clock)
        s->clock = info->clock;
    if (s->ctr) {
        s->ctr->v[FSC_C_STATE_RESTORED] += info->people;
        s->ctr->v[FSC_C_STATE_DROPPED] += info->dropped;
    }
    st = FSC_OK;
done:
    free(data);
    fclose(f);
    return st;
}
