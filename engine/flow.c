/* flow.c: the TCP flow table of flow.h. */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
/* The two LRU lists (flow.h): eviction takes the least recently used entry
 * of IDLE, and of BUFFERED only when IDLE is empty. */
enum { IDLE, BUFFERED };
/* PDU starts remembered to recognise a retransmitted PDU (flow.h). */
#define RECENT_SLOTS 1024

typedef struct range {
    uint32_t s, e; /* [s, e) relative to base_seq */
} range;

typedef struct flow {
    bool used;
    fsc_addr src, dst;        /* the direction being buffered */
    uint16_t sport, dport;
    uint32_t base_seq;        /* sequence number of buf[0] */
    unsigned nranges;
    range r[FSC_FLOW_MAX_RANGES]; /* sorted, disjoint, not adjacent */
    fsc_time last_seen;
    uint32_t hnext;           /* hash chain */
    uint32_t prev, next;      /* LRU list `list`: head is the most recent */
    uint8_t list;             /* IDLE (nranges == 0) or BUFFERED, as filed
                               * by lru_push: nranges may change before the
                               * entry is filed again, `list` says where it is */
    uint8_t *buf;
} flow;

struct fsc_flow_table {
    fsc_counters *c;
    size_t max_flows, max_bytes;
    fsc_time timeout;
    size_t count;
    flow *flows;
    uint8_t *slab;
    uint32_t *buckets;
    uint32_t nbuckets;        /* a power of two */
    uint32_t free_head;       /* free entries, chained through hnext */
    /* One LRU list per class, each ordered by last_seen (every push sets
     * it to now), so the timeout looks at both tails only. IDLE holds the
     * entries with nothing buffered: a SYN's, or one whose PDU was read up
     * to a boundary. BUFFERED holds part of a PDU or an out-of-order
     * segment, and losing one is a value never read. */
    uint32_t lru_head[2], lru_tail[2];
    /* No entry times out before this (at most the earliest last_seen plus
     * the timeout), so a segment costs one comparison until one may: the
     * check of two tails is a tenth of the table's work per segment. */
    fsc_time expire_at;
    /* Where PDUs that were read began: hash of direction and sequence
     * number, direct-mapped. A segment starting at one of them within the
     * timeout is a retransmission of a PDU already read. */
    struct {
        uint64_t key;
        fsc_time ts;
    } recent[RECENT_SLOTS];
};

fsc_flow_table *fsc_flow_table_new(size_t max_flows, size_t max_bytes, fsc_time timeout,
                                   fsc_counters *counters)
{
    fsc_flow_table *ft = NULL;
    if (max_flows == 0 || max_flows >= NONE || max_bytes == 0 || max_bytes > UINT32_MAX / 2 ||
        timeout < 0)
        goto fail;
    ft = calloc(1, sizeof *ft);
    if (!ft)
        goto fail;
    ft->c = counters;
    ft->max_flows = max_flows;
    ft->max_bytes = max_bytes;
    ft->timeout = timeout;
    ft->nbuckets = 1;
    while (ft->nbuckets < max_flows * 2)
        ft->nbuckets <<= 1;
    ft->flows = calloc(max_flows, sizeof *ft->flows);
    ft->slab = malloc(max_flows * max_bytes);
    ft->buckets = malloc(ft->nbuckets * sizeof *ft->buckets);
    if (!ft->flows || !ft->slab || !ft->buckets)
        goto fail;
    for (uint32_t i = 0; i < ft->nbuckets; i++)
        ft->buckets[i] = NONE;
    for (size_t i = 0; i < max_flows; i++) {
        ft->flows[i].buf = ft->slab + i * max_bytes;
        ft->flows[i].hnext = i + 1 < max_flows ? (uint32_t)(i + 1) : NONE;
    }
    ft->free_head = 0;
    ft->lru_head[IDLE] = ft->lru_tail[IDLE] = NONE;
    ft->lru_head[BUFFERED] = ft->lru_tail[BUFFERED] = NONE;
    ft->expire_at = INT64_MAX;
    return ft;
fail:
    fsc_flow_table_free(ft);
    return NULL;
}

void fsc_flow_table_free(fsc_flow_table *ft)
{
    if (!ft)
        return;
    free(ft->buckets);
    free(ft->slab);
    free(ft->flows);
    free(ft);
}

size_t fsc_flow_count(const fsc_flow_table *ft)
{
    return ft->count;
}

static uint64_t mix(uint64_t h)
{
    /* splitmix64 finaliser */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

static uint64_t end_hash(const fsc_addr *a, uint16_t port)
{
    uint64_t w0, w1;
    memcpy(&w0, a->b, 8);
    memcpy(&w1, a->b + 8, 8);
    return mix(w0 ^ mix(w1 ^ ((uint64_t)port << 8 | a->family)));
}

/* The hashes of a segment's two ends (source, destination). The bucket
 * and the PDU key are both made from them, so a segment hashes its ends
 * once (they were four end_hash calls per segment, a tenth of a frame's
 * instructions on bulk TCP). */
typedef struct ends {
    uint64_t src, dst;
} ends;

static ends ends_of(const fsc_packet *p)
{
    ends e = {end_hash(&p->src, p->sport), end_hash(&p->dst, p->dport)};
    return e;
}

/* Symmetric: both directions of a connection land in the same bucket. */
static uint32_t bucket_at(const fsc_flow_table *ft, ends e)
{
    return (uint32_t)(mix(e.src + e.dst) & (ft->nbuckets - 1));
}

static uint32_t bucket_of(const fsc_flow_table *ft, const fsc_packet *p)
{
    return bucket_at(ft, ends_of(p));
}

static uint64_t pdu_key(ends e, uint32_t seq)
{
    return mix((e.src * 31 + e.dst) ^ seq) | 1; /* never 0, the empty slot */
}

static void recent_add(fsc_flow_table *ft, ends e, uint32_t seq, fsc_time now)
{
    uint64_t k = pdu_key(e, seq);
    ft->recent[k % RECENT_SLOTS].key = k;
    ft->recent[k % RECENT_SLOTS].ts = now;
}

static bool recent_has(const fsc_flow_table *ft, ends e, uint32_t seq, fsc_time now)
{
    uint64_t k = pdu_key(e, seq);
    return ft->recent[k % RECENT_SLOTS].key == k &&
           now - ft->recent[k % RECENT_SLOTS].ts <= ft->timeout;
}

/* fsc_addr_equal, inlined: it runs for every entry a lookup meets. */
static bool addr_eq(const fsc_addr *a, const fsc_addr *b)
{
    return a->family == b->family && memcmp(a->b, b->b, sizeof a->b) == 0;
}

/* When an entry last seen at `seen` may time out: capture timestamps are
 * untrusted, the sum must not overflow (timeout >= 0: fsc_flow_table_new). */
static fsc_time expiry(const fsc_flow_table *ft, fsc_time seen)
{
    return seen > INT64_MAX - ft->timeout ? INT64_MAX : seen + ft->timeout;
}

static void lru_unlink(fsc_flow_table *ft, uint32_t i)
{
    flow *f = &ft->flows[i];
    if (f->prev != NONE)
        ft->flows[f->prev].next = f->next;
    else
        ft->lru_head[f->list] = f->next;
    if (f->next != NONE)
        ft->flows[f->next].prev = f->prev;
    else
        ft->lru_tail[f->list] = f->prev;
}

/* Files entry i as the most recent of the list its nranges says; its
 * last_seen must be now (the lists stay ordered by it). */
static void lru_push(fsc_flow_table *ft, uint32_t i)
{
    flow *f = &ft->flows[i];
    uint8_t l = f->nranges ? BUFFERED : IDLE;
    f->list = l;
    f->prev = NONE;
    f->next = ft->lru_head[l];
    if (ft->lru_head[l] != NONE)
        ft->flows[ft->lru_head[l]].prev = i;
    ft->lru_head[l] = i;
    if (ft->lru_tail[l] == NONE)
        ft->lru_tail[l] = i;
    if (expiry(ft, f->last_seen) < ft->expire_at)
        ft->expire_at = expiry(ft, f->last_seen);
}

/* Entry i was just seen (last_seen is now) and may have changed class. */
static void lru_touch(fsc_flow_table *ft, uint32_t i)
{
    lru_unlink(ft, i);
    lru_push(ft, i);
}

static void flow_release(fsc_flow_table *ft, uint32_t i)
{
    flow *f = &ft->flows[i];
    fsc_packet k;
    k.src = f->src;
    k.dst = f->dst;
    k.sport = f->sport;
    k.dport = f->dport;
    uint32_t *pp = &ft->buckets[bucket_of(ft, &k)];
    while (*pp != NONE && *pp != i)
        pp = &ft->flows[*pp].hnext;
    if (*pp == i)
        *pp = f->hnext;
    lru_unlink(ft, i);
    f->used = false;
    f->hnext = ft->free_head;
    ft->free_head = i;
    ft->count--;
}

/* Finds the flow of p (whose bucket is b) in either direction; *same says
 * whether p travels the buffered direction. */
static uint32_t flow_find(const fsc_flow_table *ft, const fsc_packet *p, uint32_t b, bool *same)
{
    for (uint32_t i = ft->buckets[b]; i != NONE; i = ft->flows[i].hnext) {
        const flow *f = &ft->flows[i];
        if (f->sport == p->sport && f->dport == p->dport && addr_eq(&f->src, &p->src) &&
            addr_eq(&f->dst, &p->dst)) {
            *same = true;
            return i;
        }
        if (f->sport == p->dport && f->dport == p->sport && addr_eq(&f->src, &p->dst) &&
            addr_eq(&f->dst, &p->src)) {
            *same = false;
            return i;
        }
    }
    return NONE;
}

static void expire(fsc_flow_table *ft, fsc_time now)
{
    if (now <= ft->expire_at)
        return;
    ft->expire_at = INT64_MAX;
    for (int l = IDLE; l <= BUFFERED; l++) {
        while (ft->lru_tail[l] != NONE &&
               now - ft->flows[ft->lru_tail[l]].last_seen > ft->timeout) {
            ft->c->v[FSC_C_FLOWS_TIMED_OUT]++;
            flow_release(ft, ft->lru_tail[l]);
        }
        if (ft->lru_tail[l] != NONE &&
            expiry(ft, ft->flows[ft->lru_tail[l]].last_seen) < ft->expire_at)
            ft->expire_at = expiry(ft, ft->flows[ft->lru_tail[l]].last_seen);
    }
}

/* A new entry for p, whose bucket is b. */
static uint32_t flow_new(fsc_flow_table *ft, const fsc_packet *p, uint32_t b, fsc_time now)
{
    if (ft->free_head == NONE) {
        /* full: the least recently used entry with nothing buffered gives
         * way, and we say so. Losing one costs no value: a connection's
         * first segment that comes in order finds no entry and is read in
         * place, exactly as when the entry is there (fsc_flow_segment
         * releases a SYN's entry at that segment and reads it statelessly),
         * and so is the start of a later PDU. What is lost is only the wait
         * for a segment that comes before the one filling its gap; and
         * without the entry the peer's own cut PDU may take one, as on a
         * connection whose SYN was not seen. Only when every entry holds
         * bytes does the oldest of those go: a value never read, so it has
         * a counter of its own. */
        uint32_t victim = ft->lru_tail[IDLE];
        if (victim == NONE) {
            victim = ft->lru_tail[BUFFERED];
            ft->c->v[FSC_C_FLOWS_EVICTED_BUFFERED]++;
        }
        ft->c->v[FSC_C_FLOW_TABLE_FULL]++;
        ft->c->v[FSC_C_FLOWS_EVICTED]++;
        flow_release(ft, victim);
    }
    uint32_t i = ft->free_head;
    flow *f = &ft->flows[i];
    ft->free_head = f->hnext;
    f->used = true;
    f->src = p->src;
    f->dst = p->dst;
    f->sport = p->sport;
    f->dport = p->dport;
    f->nranges = 0;
    f->last_seen = now;
    f->hnext = ft->buckets[b];
    ft->buckets[b] = i;
    lru_push(ft, i);
    ft->count++;
    ft->c->v[FSC_C_FLOWS_CREATED]++;
    return i;
}

/* Adds [s, e) to the received ranges. Returns false when it would need
 * more than FSC_FLOW_MAX_RANGES ranges (nothing is changed then). */
static bool ranges_add(flow *f, uint32_t s, uint32_t e)
{
    range out[FSC_FLOW_MAX_RANGES + 1];
    unsigned n = 0, i = 0;
    while (i < f->nranges && f->r[i].e < s)
        out[n++] = f->r[i++];
    range m = {s, e};
    while (i < f->nranges && f->r[i].s <= e) {
        if (f->r[i].s < m.s)
            m.s = f->r[i].s;
        if (f->r[i].e > m.e)
            m.e = f->r[i].e;
        i++;
    }
    out[n++] = m;
    while (i < f->nranges) {
        if (n == FSC_FLOW_MAX_RANGES)
            return false;
        out[n++] = f->r[i++];
    }
    memcpy(f->r, out, n * sizeof out[0]);
    f->nranges = n;
    return true;
}

static bool ranges_cover(const flow *f, uint32_t s, uint32_t e)
{
    for (unsigned i = 0; i < f->nranges; i++)
        if (f->r[i].s <= s && e <= f->r[i].e)
            return true;
    return false;
}

static uint32_t contiguous(const flow *f)
{
    return f->nranges && f->r[0].s == 0 ? f->r[0].e : 0;
}

/* Drops the first `used` bytes (all received in order), so the buffer
 * again starts at a PDU boundary. */
static void flow_shift(flow *f, uint32_t used)
{
    uint32_t top = f->r[f->nranges - 1].e;
    memmove(f->buf, f->buf + used, top - used);
    f->base_seq += used;
    unsigned n = 0;
    for (unsigned i = 0; i < f->nranges; i++) {
        if (f->r[i].e <= used)
            continue;
        range r = {f->r[i].s > used ? f->r[i].s - used : 0, f->r[i].e - used};
        f->r[n++] = r;
    }
    f->nranges = n;
}

/* Offers the in-order prefix to fn; releases the flow when fn is done. */
static void deliver(fsc_flow_table *ft, uint32_t i, const fsc_packet *pkt, fsc_stream_fn fn,
                    void *ctx, fsc_time now)
{
    flow *f = &ft->flows[i];
    uint32_t have = contiguous(f);
    size_t used = 0;
    fsc_packet dir = *pkt; /* the buffered direction, for the PDU's key */
    dir.src = f->src;
    dir.dst = f->dst;
    dir.sport = f->sport;
    dir.dport = f->dport;
    bool more = fn(ctx, pkt, f->buf, have, &used);
    if (used)
        recent_add(ft, ends_of(&dir), f->base_seq, now);
    if (!more) {
        ft->c->v[FSC_C_REASM_COMPLETED]++;
        flow_release(ft, i);
        return;
    }
    if (used > have)
        used = have;
    if (used)
        flow_shift(f, (uint32_t)used);
    else if (have == ft->max_bytes) {
        /* the PDU is larger than we agreed to hold */
        ft->c->v[FSC_C_REASM_OVERFLOW]++;
        flow_release(ft, i);
    }
}

void fsc_flow_segment(fsc_flow_table *ft, const fsc_packet *pkt, fsc_time now, fsc_stream_fn fn,
                      void *ctx)
{
    expire(ft, now);
    bool closing = (pkt->tcp_flags & (FSC_TCP_FIN | FSC_TCP_RST)) != 0;
    const uint8_t *data = pkt->payload;
    size_t n = pkt->payload_len;
    /* a SYN takes one sequence number before the data (TCP Fast Open) */
    uint32_t seq = pkt->seq + ((pkt->tcp_flags & FSC_TCP_SYN) ? 1u : 0u);

    bool same = false, may_keep = true;
    ends ends_pkt = ends_of(pkt);
    uint32_t b = bucket_at(ft, ends_pkt);
    uint32_t i = flow_find(ft, pkt, b, &same);
    if ((pkt->tcp_flags & (FSC_TCP_SYN | FSC_TCP_ACK)) == FSC_TCP_SYN && !closing) {
        /* a client opens the connection: its first PDU starts at seq, so
         * a later segment that arrives first can wait for it */
        if (i != NONE && !same)
            flow_release(ft, i);
        if ((i == NONE || !same) && ft->free_head == NONE && ft->lru_tail[IDLE] == NONE) {
            /* every entry holds part of a PDU: a SYN's entry is worth less
             * than any of them (flow_new says why), so none is made */
            ft->c->v[FSC_C_FLOWS_SYN_NOT_KEPT]++;
            i = NONE;
        } else {
            if (i == NONE || !same) {
                i = flow_new(ft, pkt, b, now);
                ft->c->v[FSC_C_FLOWS_FROM_SYN]++;
            }
            ft->flows[i].base_seq = seq;
            if (ft->flows[i].nranges) {
                /* a new connection on the same ports: what was buffered is
                 * not its stream, and the entry is IDLE again */
                ft->flows[i].nranges = 0;
                ft->flows[i].last_seen = now;
                lru_touch(ft, i);
            }
        }
        same = true;
    }
    if (i != NONE && same && ft->flows[i].nranges == 0 && n &&
        (int32_t)(seq - ft->flows[i].base_seq) <= 0 &&
        (int64_t)(int32_t)(seq - ft->flows[i].base_seq) + (int64_t)n > 0) {
        /* the first data of a flow opened at its SYN, in order: read it in
         * place, as any segment that starts a PDU */
        flow_release(ft, i);
        i = NONE;
    }
    if (i != NONE && !same) {
        /* the peer's bytes do not complete the buffered PDU; a reset from
         * it ends the connection, a FIN only its half. One entry per
         * connection: the peer's own PDUs are read but not buffered. */
        if (pkt->tcp_flags & FSC_TCP_RST)
            flow_release(ft, i);
        else
            may_keep = false;
        i = NONE;
        goto stateless;
    }
    if (i != NONE) {
        flow *f = &ft->flows[i];
        int64_t rel = (int32_t)(seq - f->base_seq);
        if (rel < 0) {
            if ((uint64_t)-rel >= n) {
                if (n)
                    ft->c->v[FSC_C_REASM_RETRANSMIT]++;
                if (closing)
                    flow_release(ft, i);
                return;
            }
            data += -rel;
            n -= (size_t)-rel;
            rel = 0;
        }
        if ((uint64_t)rel >= ft->max_bytes) {
            /* beyond what the buffer can hold: the PDU will not complete
             * within the bound; start over from this segment */
            ft->c->v[FSC_C_REASM_OVERFLOW]++;
            flow_release(ft, i);
            goto stateless;
        }
        if (n == 0) {
            if (closing)
                flow_release(ft, i);
            return;
        }
        if (rel + n > ft->max_bytes) {
            ft->c->v[FSC_C_REASM_OVERFLOW]++;
            n = ft->max_bytes - (size_t)rel;
        }
        uint32_t s = (uint32_t)rel, e = (uint32_t)(rel + (int64_t)n);
        uint32_t before = contiguous(f);
        f->last_seen = now;
        if (ranges_cover(f, s, e)) {
            ft->c->v[FSC_C_REASM_RETRANSMIT]++;
        } else {
            if (s > before)
                ft->c->v[FSC_C_REASM_OUT_OF_ORDER]++;
            if (!ranges_add(f, s, e)) {
                ft->c->v[FSC_C_REASM_GAPS_EXCEEDED]++;
            } else {
                /* last copy wins where segments overlap */
                memcpy(f->buf + s, data, n);
                if (contiguous(f) > before)
                    deliver(ft, i, pkt, fn, ctx, now);
            }
        }
        if (!ft->flows[i].used)
            return; /* released by deliver */
        if (closing)
            flow_release(ft, i);
        else
            lru_touch(ft, i); /* filed after the bytes changed its class */
        return;
    }

stateless:
    if (n == 0)
        return;
    if (recent_has(ft, ends_pkt, seq, now)) {
        /* the PDU starting here was read: a retransmission, read once */
        ft->c->v[FSC_C_REASM_PDU_REPEATED]++;
        return;
    }
    size_t used = 0;
    bool more = fn(ctx, pkt, data, n, &used);
    if (used)
        recent_add(ft, ends_pkt, seq, now);
    if (!more || closing || !may_keep)
        return;
    if (used > n)
        used = n;
    if (n - used > ft->max_bytes) {
        ft->c->v[FSC_C_REASM_OVERFLOW]++;
        return;
    }
    i = flow_new(ft, pkt, b, now);
    flow *f = &ft->flows[i];
    f->base_seq = seq + (uint32_t)used;
    memcpy(f->buf, data + used, n - used);
    f->r[0].s = 0;
    f->r[0].e = (uint32_t)(n - used);
    f->nranges = n - used ? 1 : 0;
    if (f->nranges)
        lru_touch(ft, i); /* flow_new filed it IDLE */
}
