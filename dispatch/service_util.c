/* service_util.c: the service's tables (interned names, u64 map, deadline
 * heap) and its JSON and number helpers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hash.h"
#include "service_int.h"

const double svc_claim_le[SVC_CLAIM_BUCKETS] = {10, 30, 60, 120, 300, 600, 900, 1800, 3600, 14400};
const double svc_stop_le[SVC_STOP_BUCKETS] = {60, 300, 600, 900, 1800, 3600, 7200, 14400, 86400};

/* ---- interned names ---- */

static uint64_t str_hash(const char *s)
{
    return fsc_fnv1a(s, strlen(s), FSC_FNV_BASIS);
}

const char *svc_intern_find(const svc_names *t, const char *s)
{
    if (!s || t->cap == 0)
        return NULL;
    size_t i = (size_t)str_hash(s) & (t->cap - 1);
    for (; t->slot[i]; i = (i + 1) & (t->cap - 1))
        if (strcmp(t->slot[i]->s, s) == 0)
            return t->slot[i]->s;
    return NULL;
}

static int names_grow(svc_names *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 64;
    svc_name **ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t k = 0; k < t->cap; k++) {
        if (!t->slot[k])
            continue;
        size_t i = (size_t)str_hash(t->slot[k]->s) & (ncap - 1);
        while (ns[i])
            i = (i + 1) & (ncap - 1);
        ns[i] = t->slot[k];
    }
    free(t->slot);
    t->slot = ns;
    t->cap = ncap;
    return 0;
}

const char *svc_intern(svc_names *t, const char *s)
{
    if (!s)
        return NULL;
    const char *f = svc_intern_find(t, s);
    if (f)
        return f;
    if ((t->n + 1) * 2 > t->cap && names_grow(t) != 0)
        return NULL;
    svc_name **na = svc_grow(t->all, &t->capall, t->nall, sizeof *na, 64);
    if (!na)
        return NULL;
    t->all = na;
    size_t len = strlen(s);
    svc_name *n = calloc(1, sizeof *n + len + 1);
    if (!n)
        return NULL;
    memcpy(n->s, s, len + 1);
    size_t i = (size_t)str_hash(s) & (t->cap - 1);
    while (t->slot[i])
        i = (i + 1) & (t->cap - 1);
    t->slot[i] = n;
    t->n++;
    t->all[t->nall++] = n;
    return n->s;
}

void svc_names_free(svc_names *t)
{
    for (size_t i = 0; i < t->nall; i++)
        free(t->all[i]);
    free(t->all);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* ---- u64 map ---- */

static uint64_t mix(uint64_t x)
{
    /* splitmix64's finaliser: ids are chosen by engines, so the seed keeps
     * a hostile one from aiming at one probe chain */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static int map_grow(svc_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 1024;
    uint64_t *nk = malloc(ncap * sizeof *nk);
    uint32_t *nv = malloc(ncap * sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return -1;
    }
    memset(nv, 0xff, ncap * sizeof *nv);
    if (m->cap == 0 && m->seed == 0 && getrandom(&m->seed, sizeof m->seed, 0) != sizeof m->seed)
        m->seed = 0x5eed;
    for (size_t k = 0; k < m->cap; k++) {
        if (m->val[k] == SVC_NONE)
            continue;
        size_t i = (size_t)mix(m->key[k] ^ m->seed) & (ncap - 1);
        while (nv[i] != SVC_NONE)
            i = (i + 1) & (ncap - 1);
        nk[i] = m->key[k];
        nv[i] = m->val[k];
    }
    free(m->key);
    free(m->val);
    m->key = nk;
    m->val = nv;
    m->cap = ncap;
    return 0;
}

int svc_map_put(svc_map *m, uint64_t key, uint32_t val)
{
    if ((m->n + 1) * 4 > m->cap * 3 && map_grow(m) != 0)
        return -1;
    size_t i = (size_t)mix(key ^ m->seed) & (m->cap - 1);
    while (m->val[i] != SVC_NONE) {
        if (m->key[i] == key) {
            m->val[i] = val;
            return 0;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->key[i] = key;
    m->val[i] = val;
    m->n++;
    return 0;
}

uint32_t svc_map_get(const svc_map *m, uint64_t key)
{
    if (m->cap == 0)
        return SVC_NONE;
    size_t i = (size_t)mix(key ^ m->seed) & (m->cap - 1);
    for (; m->val[i] != SVC_NONE; i = (i + 1) & (m->cap - 1))
        if (m->key[i] == key)
            return m->val[i];
    return SVC_NONE;
}

void svc_map_free(svc_map *m)
{
    free(m->key);
    free(m->val);
    uint64_t seed = m->seed;
    memset(m, 0, sizeof *m);
    m->seed = seed;
}

/* ---- deadline heap ---- */

static uint32_t *pos_of(fsc_svc *s, const svc_deadline *d)
{
    return d->kind == SVC_DL_ESCALATE ? &s->alerts[d->idx].heap_pos : &s->ps[d->idx].heap_pos;
}

static void heap_set(fsc_svc *s, size_t i, svc_deadline d)
{
    s->heap.h[i] = d;
    *pos_of(s, &s->heap.h[i]) = (uint32_t)i;
}

static void sift_up(fsc_svc *s, size_t i)
{
    svc_deadline d = s->heap.h[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (s->heap.h[p].when <= d.when)
            break;
        heap_set(s, i, s->heap.h[p]);
        i = p;
    }
    heap_set(s, i, d);
}

static void sift_down(fsc_svc *s, size_t i)
{
    svc_deadline d = s->heap.h[i];
    size_t n = s->heap.n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && s->heap.h[c + 1].when < s->heap.h[c].when)
            c++;
        if (d.when <= s->heap.h[c].when)
            break;
        heap_set(s, i, s->heap.h[c]);
        i = c;
    }
    heap_set(s, i, d);
}

int svc_heap_push(fsc_svc *s, fsc_time when, uint32_t idx, uint8_t kind)
{
    svc_deadline *nh = svc_grow(s->heap.h, &s->heap.cap, s->heap.n, sizeof *nh, 1024);
    if (!nh)
        return -1;
    s->heap.h = nh;
    s->heap.h[s->heap.n] = (svc_deadline){.when = when, .idx = idx, .kind = kind};
    s->heap.n++;
    sift_up(s, s->heap.n - 1);
    return 0;
}

void svc_heap_remove(fsc_svc *s, uint32_t pos)
{
    if (pos == SVC_NONE || pos >= s->heap.n)
        return;
    *pos_of(s, &s->heap.h[pos]) = SVC_NONE;
    s->heap.n--;
    if (pos == s->heap.n)
        return;
    svc_deadline moved = s->heap.h[s->heap.n];
    heap_set(s, pos, moved);
    sift_up(s, pos);
    sift_down(s, *pos_of(s, &moved));
}

void *svc_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return v;
    size_t ncap = *cap ? *cap * 2 : first;
    if (ncap < *cap || ncap > SIZE_MAX / elem)
        return NULL;
    void *nv = realloc(v, ncap * elem);
    if (nv)
        *cap = ncap;
    return nv;
}

int svc_seqs_push(svc_seqs *q, uint64_t seq)
{
    if (q->n == q->cap) {
        uint32_t ncap = q->cap ? q->cap * 2 : 4;
        uint64_t *nv = realloc(q->v, ncap * sizeof *nv);
        if (!nv)
            return -1;
        q->v = nv;
        q->cap = ncap;
    }
    q->v[q->n++] = seq;
    return 0;
}

/* ---- small parsers and numbers ---- */

bool svc_hex16(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len != 16)
        return false;
    for (size_t i = 0; i < 16; i++) {
        char c = s[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return false;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return true;
}

/* Precincts, queues and banks become metric labels, file names in Redis
 * keys and parts of ZeroMQ topics: a plain, bounded alphabet keeps every
 * one of those uses free of quoting. */
bool svc_name_ok(const char *s)
{
    size_t n = 0;
    if (!s || !*s)
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= SVC_NAME_MAX)
            return false;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return false;
    }
    return true;
}

fsc_time svc_now(double now)
{
    if (!isfinite(now))
        return 0;
    return (fsc_time)llround(now * 1e6);
}

fsc_time svc_wallclock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (fsc_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int seconds_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least p of the values at or
 * below it (no interpolation, so the answer is always a measured time). */
static int64_t percentile(const int64_t *sorted, size_t n, double p)
{
    if (n == 0)
        return -1;
    size_t rank = (size_t)ceil(p * (double)n);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

int svc_durs_push(svc_durs *d, int64_t us)
{
    int64_t *nv = svc_grow(d->v, &d->cap, d->n, sizeof *nv, 64);
    if (!nv)
        return -1;
    d->v = nv;
    d->v[d->n++] = us;
    return 0;
}

void svc_gen_percentiles(yajl_gen g, svc_durs *d, bool *bad)
{
    if (d->n > 1)
        qsort(d->v, d->n, sizeof *d->v, seconds_cmp);
    svc_gdur(g, "p50", percentile(d->v, d->n, 0.5), bad);
    svc_gdur(g, "p90", percentile(d->v, d->n, 0.9), bad);
}

const char *svc_level_name(int level)
{
    static const char *const n[] = {"none", "low", "medium", "high", "critical"};
    return level >= 0 && level <= 4 ? n[level] : "none";
}

/* ---- JSON ---- */

yajl_gen svc_gen_new(void)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (g)
        yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    return g;
}

static void chk(yajl_gen_status st, bool *bad)
{
    if (st != yajl_gen_status_ok)
        *bad = true;
}

void svc_gs(yajl_gen g, const char *s, bool *bad)
{
    if (!s)
        chk(yajl_gen_null(g), bad);
    else
        chk(yajl_gen_string(g, (const unsigned char *)s, strlen(s)), bad);
}

void svc_gk(yajl_gen g, const char *key, const char *val, bool *bad)
{
    svc_gs(g, key, bad);
    svc_gs(g, val, bad);
}

void svc_gint(yajl_gen g, const char *key, long long v, bool *bad)
{
    svc_gs(g, key, bad);
    chk(yajl_gen_integer(g, v), bad);
}

void svc_gbool(yajl_gen g, const char *key, bool v, bool *bad)
{
    svc_gs(g, key, bad);
    chk(yajl_gen_bool(g, v), bad);
}

void svc_gtime(yajl_gen g, const char *key, fsc_time t, bool *bad)
{
    char buf[FSC_TIME_STRLEN];
    svc_gs(g, key, bad);
    svc_gs(g, t == SVC_NO_TIME ? NULL : fsc_time_format(t, buf), bad);
}

/* Amounts are written as decimal text from integer cents ("12.50"), never
 * through a double's %g: sums of money print exactly. */
void svc_gcents(yajl_gen g, const char *key, int64_t cents, bool *bad)
{
    char buf[48];
    int64_t a = cents < 0 ? -cents : cents;
    int n = snprintf(buf, sizeof buf, "%s%lld.%02lld", cents < 0 ? "-" : "", (long long)(a / 100),
                     (long long)(a % 100));
    svc_gs(g, key, bad);
    chk(yajl_gen_number(g, buf, (size_t)n), bad);
}

void svc_gdur(yajl_gen g, const char *key, int64_t us, bool *bad)
{
    svc_gs(g, key, bad);
    if (us < 0) {
        chk(yajl_gen_null(g), bad);
        return;
    }
    char buf[48];
    int n = snprintf(buf, sizeof buf, "%lld.%06lld", (long long)(us / 1000000),
                     (long long)(us % 1000000));
    chk(yajl_gen_number(g, buf, (size_t)n), bad);
}

/* Recursive, but every tree it sees was bounded first: an engine's alert
 * to SVC_ALERT_DEPTH levels before it is parsed, and entries are ours. */
void svc_gtree(yajl_gen g, yajl_val v, bool *bad)
{
    if (!v) {
        chk(yajl_gen_null(g), bad);
        return;
    }
    switch (v->type) {
    case yajl_t_string:
        svc_gs(g, v->u.string, bad);
        break;
    case yajl_t_number:
        chk(yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r)), bad);
        break;
    case yajl_t_object:
        chk(yajl_gen_map_open(g), bad);
        for (size_t i = 0; i < v->u.object.len; i++) {
            svc_gs(g, v->u.object.keys[i], bad);
            svc_gtree(g, v->u.object.values[i], bad);
        }
        chk(yajl_gen_map_close(g), bad);
        break;
    case yajl_t_array:
        chk(yajl_gen_array_open(g), bad);
        for (size_t i = 0; i < v->u.array.len; i++)
            svc_gtree(g, v->u.array.values[i], bad);
        chk(yajl_gen_array_close(g), bad);
        break;
    case yajl_t_true:
        chk(yajl_gen_bool(g, 1), bad);
        break;
    case yajl_t_false:
        chk(yajl_gen_bool(g, 0), bad);
        break;
    default:
        chk(yajl_gen_null(g), bad);
        break;
    }
}

fsc_status svc_gen_finish(yajl_gen g, bool bad, char **out, size_t *len)
{
    const unsigned char *buf;
    size_t n;
    fsc_status st = FSC_OK;
    if (bad) {
        st = FSC_EINVAL;
        goto done;
    }
    if (yajl_gen_get_buf(g, &buf, &n) != yajl_gen_status_ok) {
        st = FSC_EINVAL;
        goto done;
    }
    char *o = malloc(n + 1);
    if (!o) {
        st = FSC_ENOMEM;
        goto done;
    }
    memcpy(o, buf, n);
    o[n] = '\0';
    *out = o;
    if (len)
        *len = n;
done:
    yajl_gen_free(g);
    return st;
}

yajl_val svc_member(yajl_val o, const char *key)
{
    if (!o || o->type != yajl_t_object)
        return NULL;
    for (size_t i = 0; i < o->u.object.len; i++)
        if (strcmp(o->u.object.keys[i], key) == 0)
            return o->u.object.values[i];
    return NULL;
}

const char *svc_str(yajl_val o, const char *key)
{
    yajl_val v = svc_member(o, key);
    return v && v->type == yajl_t_string ? v->u.string : NULL;
}
