/* pipeline.c: reader, workers and the scoring side (see pipeline.h). */
#include "pipeline.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "extract.h"
#include "ring.h"
#include "sequence.h"

#define DEFAULT_QUEUE (8u << 20)
#define HIT_QUEUE (1u << 20)
#define PUBLISH_EVERY 4096     /* frames between counter snapshots */
#define PUBLISH_BATCH 32       /* frames handed to a worker in one go; fewer
                                * wait for the next poll, drain or batch */
#define MAX_RECORD_HITS 64
#define PREFETCH_FRAMES 6      /* frames a worker prefetches ahead */     /* hits and steps of one record buffered */

/* What a record produced: a rule hit, or a step of a sequence rule (which
 * only the scoring side, knowing whose record it is, can advance). */
enum { HIT, STEP };

/* A frame on its way to a worker. */
typedef struct frame_msg {
    uint64_t seq;       /* order of dispatch, over all workers */
    fsc_time ts;
    uint64_t frame;
    int32_t linktype;
    uint32_t caplen;
    const uint8_t *ref; /* borrowed bytes (a mapped file), or NULL: in data */
    uint8_t data[];
} frame_msg;

/* A rule hit on its way back: what the scorer needs of the record, and a
 * copy of the evidence value (the frame it points into is gone by then). */
typedef struct hit_msg {
    uint64_t seq;       /* of the frame it came from */
    uint64_t gen;       /* rule-set generation of `rule` */
    const fsc_rule *rule;
    uint32_t step;      /* kind STEP: which step of the sequence rule */
    uint8_t kind;       /* HIT or STEP */
    fsc_time ts;
    uint64_t frame;
    fsc_addr src, dst;
    uint16_t field;
    uint8_t end; /* the last hit of its record: commit after it */
    uint8_t cut; /* value longer than FSC_EVIDENCE_VALUE_MAX: its start only */
    uint32_t len;
    char value[];
} hit_msg;

typedef struct worker {
    struct fsc_pipeline *p;
    int index;
    pthread_t thread;
    bool started;
    fsc_extractor *ex;
    fsc_matcher *matcher;
    const fsc_ruleset *rules;  /* the set matcher was made for */
    uint64_t gen;              /* its generation */
    _Atomic uint64_t acked;    /* generation this worker has moved to */
    fsc_ring frames, hits;     /* reader -> worker, worker -> reader */
    /* Fields the reader writes, then fields the worker writes, a cache line
     * apart (see ring.h): sharing a line made every frame a transfer. */
    char pad0_[64];
    uint64_t queued_local;     /* frames handed over (reader) */
    unsigned unpublished;      /* frames committed, not yet published (reader) */
    char pad1_[64];
    /* sleeping instead of spinning, so N workers on N cores leave the
     * reader its share: a doorbell each way, rung only when the other side
     * says it sleeps (see wait_bell) */
    _Atomic uint32_t work_bell, room_bell;
    atomic_bool worker_sleeps, reader_sleeps;
    char pad2_[64];
    _Atomic uint64_t done;     /* frames finished (worker) */
    _Atomic uint64_t done_seq; /* seq of the last frame finished (worker) */
    uint64_t done_local;       /* the same, the worker's own copy */
    uint64_t cur_seq;          /* seq of the frame being processed (worker) */
    fsc_counters own;          /* records, rule hits (worker thread) */
    fsc_counters published;    /* snapshot for other threads, under p->lock */
    /* hits of the record being matched, sent together so the scorer can
     * commit once per record */
    const fsc_record *cur;
    size_t nhits;
    struct {
        int kind;
        const fsc_rule *rule;
        unsigned step;
        const fsc_value *v;
    } pending[MAX_RECORD_HITS];
    fsc_step steps[MAX_RECORD_HITS];
} worker;

struct fsc_pipeline {
    fsc_pipeline_config cfg;
    int nworkers;               /* 0: inline */
    worker *w;
    worker inline_w;            /* the reader's own extractor and matcher */
    fsc_scorer *scorer;
    bool hit_cut;               /* the hit being scored has a cut value (on_hit) */
    _Atomic bool stop;

    /* rule sets: `rules` is current; `old` waits for every worker to leave */
    pthread_mutex_t lock;
    fsc_ruleset *rules, *old, *pending;
    _Atomic uint64_t gen;
    char version[64];
    fsc_time loaded_at;         /* when the set in use was loaded */

    uint64_t seq;               /* frames handed to workers (reader thread) */
    fsc_seq *seqs;              /* sequence progress for the current set */
    uint64_t seq_gen;           /* the generation seqs was made for */
    uint64_t test_hits_logged;
    double reader_cpu0;         /* the reader's CPU time when made */
    fsc_counters reader;        /* reader thread */
    fsc_counters reader_pub;    /* its snapshot, under lock */
};

/* ---- small helpers ---------------------------------------------------- */

static void pause_briefly(unsigned *spins)
{
    if (++*spins < 64) {
        sched_yield();
        return;
    }
    struct timespec ts = {0, *spins < 1024 ? 20000 : 200000};
    nanosleep(&ts, NULL);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Sleeps until *bell changes from `seen` or timeout_us passes. The caller
 * has announced that it sleeps (a flag the other side reads after its own
 * store, both with seq_cst fences) and re-checked its condition after the
 * announcement, so a ring between the check and the sleep is not lost: the
 * bell's value differs and FUTEX_WAIT returns at once. */
static void wait_bell(_Atomic uint32_t *bell, uint32_t seen, long timeout_us)
{
    struct timespec ts = {timeout_us / 1000000, (timeout_us % 1000000) * 1000};
    syscall(SYS_futex, (uint32_t *)bell, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
}

static void ring_bell(_Atomic uint32_t *bell, atomic_bool *sleeps)
{
    atomic_thread_fence(memory_order_seq_cst);
    /* one wake per sleep: the flag is taken down by whoever rings first,
     * so a burst of frames costs one system call, not one each */
    if (atomic_load_explicit(sleeps, memory_order_relaxed) &&
        atomic_exchange_explicit(sleeps, false, memory_order_acq_rel)) {
        atomic_fetch_add_explicit(bell, 1, memory_order_release);
        syscall(SYS_futex, (uint32_t *)bell, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* A flow-symmetric hash of the outer addresses (and ports, unless the
 * packet is a fragment): both directions give the same value. Frames it
 * cannot read hash to 0, which only costs balance, never correctness of
 * a stateless parse. */
static uint64_t flow_hash(int linktype, const uint8_t *d, size_t n)
{
    size_t off;
    unsigned proto;
    switch (linktype) {
    case 1: /* Ethernet */
        if (n < 14)
            return 0;
        off = 12;
        proto = (unsigned)be(d + off, 2);
        while ((proto == 0x8100 || proto == 0x88a8 || proto == 0x9100) && off + 6 <= n) {
            off += 4;
            proto = (unsigned)be(d + off, 2);
        }
        off += 2;
        break;
    case 113: /* Linux cooked v1 */
        if (n < 16)
            return 0;
        proto = (unsigned)be(d + 14, 2);
        off = 16;
        break;
    case 276: /* Linux cooked v2 */
        if (n < 20)
            return 0;
        proto = (unsigned)be(d, 2);
        off = 20;
        break;
    case 12: case 14: case 101: /* raw IP */
        if (n < 1)
            return 0;
        proto = (d[0] >> 4) == 6 ? 0x86dd : 0x0800;
        off = 0;
        break;
    case 0: case 108: /* BSD null / loopback */
        if (n < 5)
            return 0;
        proto = (d[4] >> 4) == 6 ? 0x86dd : 0x0800;
        off = 4;
        break;
    default:
        return 0;
    }
    uint64_t a = 0, b = 0, pa = 0, pb = 0;
    unsigned l4 = 0;
    size_t l4off = 0;
    bool frag = false;
    if (proto == 0x0800 && off + 20 <= n) {
        const uint8_t *ip = d + off;
        a = be(ip + 12, 4);
        b = be(ip + 16, 4);
        frag = (be(ip + 6, 2) & 0x3fff) != 0;
        l4 = ip[9];
        l4off = off + (size_t)(ip[0] & 15) * 4;
    } else if (proto == 0x86dd && off + 40 <= n) {
        const uint8_t *ip = d + off;
        a = be(ip + 8, 8) ^ mix(be(ip + 16, 8));
        b = be(ip + 24, 8) ^ mix(be(ip + 32, 8));
        l4 = ip[6];
        frag = l4 == 44;
        l4off = off + 40;
    } else {
        return 0;
    }
    if (!frag && (l4 == 6 || l4 == 17) && l4off + 4 <= n) {
        pa = be(d + l4off, 2);
        pb = be(d + l4off + 2, 2);
    }
    /* order-independent: the same for a->b and b->a */
    uint64_t x = mix(a ^ (pa << 48)), y = mix(b ^ (pb << 48));
    return mix((x ^ y) + (x < y ? x : y));
}

/* ---- the scoring side (reader thread) --------------------------------- */

/* Who a record is about: see docs/architecture.md. Traffic from an address
 * nobody holds is kept under "ip:<address>" in precinct "unassigned". */
static void subject_of(fsc_pipeline *p, const fsc_record *rec, fsc_subject *s, char *buf,
                       size_t cap)
{
    s->precinct = NULL;
    s->group = FSC_GROUP_UNKNOWN;
    if (rec->source == FSC_SRC_APP) {
        s->subscriber = rec->subscriber;
        if (p->cfg.identity)
            s->precinct = fsc_identity_precinct(p->cfg.identity, rec->subscriber);
    } else {
        const fsc_holder *h = NULL;
        if (p->cfg.identity) {
            h = fsc_identity_lookup(p->cfg.identity, &rec->src, rec->ts);
            if (!h)
                h = fsc_identity_lookup(p->cfg.identity, &rec->dst, rec->ts);
        }
        if (!h) {
            char a[FSC_ADDR_STRLEN];
            snprintf(buf, cap, "ip:%s", fsc_addr_format(&rec->src, a));
            s->subscriber = buf;
            p->reader.v[FSC_C_UNATTRIBUTED]++;
            return;
        }
        s->subscriber = h->subscriber;
        s->precinct = h->precinct;
    }
    const fsc_profile *pr =
        p->cfg.profiles ? fsc_profiles_get(p->cfg.profiles, s->subscriber) : NULL;
    s->group = pr ? pr->group : FSC_GROUP_UNKNOWN;
}

static void score_subject(fsc_pipeline *p, const fsc_subject *subj, const fsc_rule *rule,
                          const fsc_value *v, const fsc_record *rec)
{
    p->reader.v[FSC_C_RULE_HITS]++;
    if (p->cfg.on_hit) /* every hit, a completed sequence's too */
        p->cfg.on_hit(p->cfg.hit_ctx, rule, v, p->hit_cut, rec);
    if (rule->status == FSC_RULE_TEST) {
        /* test rules are seen, never scored: their analysts read this */
        p->reader.v[FSC_C_TEST_RULE_HITS]++;
        if (p->test_hits_logged++ < 100)
            fprintf(stderr, "fraudscan: test rule %s matched %s %.*s (%s)\n", rule->id,
                    fsc_field_name(v->field), (int)(v->len < 200 ? v->len : 200), v->ptr,
                    subj->subscriber);
        return;
    }
    if (fsc_scorer_add(p->scorer, subj, rule, v, rec) == FSC_ELIMIT)
        fprintf(stderr, "fraudscan: subscriber table full; evidence for %s dropped\n",
                subj->subscriber);
}

typedef struct seq_ctx {
    fsc_pipeline *p;
    const fsc_subject *subj;
    const fsc_record *rec;
} seq_ctx;

/* A sequence rule completed: scored like any hit. */
static void seq_hit(void *ctx, const fsc_rule *rule, const fsc_value *v)
{
    seq_ctx *c = ctx;
    c->p->reader.v[FSC_C_SEQUENCE_HITS]++;
    score_subject(c->p, c->subj, rule, v, c->rec);
}

/* One hit or step of record rec, on the scoring side. gen is the rule-set
 * generation the matcher that found it was on: steps of another
 * generation than the sequence tracker's cannot be followed (a reload
 * restarts sequences) and are counted. */
static void score_item(fsc_pipeline *p, int kind, const fsc_rule *rule, unsigned step,
                       uint64_t gen, const fsc_value *v, const fsc_record *rec)
{
    char buf[64];
    fsc_subject subj;
    subject_of(p, rec, &subj, buf, sizeof buf);
    if (kind == HIT) {
        score_subject(p, &subj, rule, v, rec);
        return;
    }
    if (gen != p->seq_gen || !p->seqs) {
        p->reader.v[FSC_C_SEQUENCE_STEPS_DROPPED]++;
        return;
    }
    seq_ctx c = {p, &subj, rec};
    fsc_seq_step(p->seqs, rule, step, subj.subscriber, rec->ts, v, seq_hit, &c);
}

/* Alerts carry the version of the rule set in use now (the scorer was made
 * with the first one and outlives reloads). */
static void emit_alert(void *ctx, const fsc_alert *a)
{
    fsc_pipeline *p = ctx;
    fsc_alert copy = *a;
    copy.ruleset_version = p->version;
    copy.ruleset_loaded = p->loaded_at;
    fsc_alert_sink_emit(p->cfg.sink, &copy);
}

static void commit(fsc_pipeline *p)
{
    fsc_scorer_commit(p->scorer, emit_alert, p);
}

/* Scores the hits the workers have queued, in the order of the frames they
 * came from, so that N workers score exactly as one would: a hit is taken
 * only when every frame dispatched before it is finished (its seq is at or
 * under the watermark), and the rings are merged by seq. */
static void drain_hits(fsc_pipeline *p)
{
    uint64_t watermark = UINT64_MAX;
    for (int i = 0; i < p->nworkers; i++) {
        worker *w = &p->w[i];
        uint64_t done = atomic_load_explicit(&w->done, memory_order_acquire);
        if (done != w->queued_local) {
            uint64_t ds = atomic_load_explicit(&w->done_seq, memory_order_acquire);
            if (ds < watermark)
                watermark = ds;
        }
    }
    for (;;) {
        worker *best = NULL;
        const hit_msg *bh = NULL;
        for (int i = 0; i < p->nworkers; i++) {
            size_t len;
            const hit_msg *h = fsc_ring_peek(&p->w[i].hits, &len);
            if (h && h->seq <= watermark && (!bh || h->seq < bh->seq)) {
                bh = h;
                best = &p->w[i];
            }
        }
        if (!bh) {
            for (int i = 0; i < p->nworkers; i++)
                fsc_ring_release_publish(&p->w[i].hits);
            return;
        }
        fsc_record rec;
        memset(&rec, 0, sizeof rec);
        rec.source = FSC_SRC_TRAFFIC;
        rec.ts = bh->ts;
        rec.frame = bh->frame;
        rec.src = bh->src;
        rec.dst = bh->dst;
        fsc_value v = {(fsc_field)bh->field, bh->len, bh->value};
        p->hit_cut = bh->cut;
        score_item(p, bh->kind, bh->rule, bh->step, bh->gen, &v, &rec);
        p->hit_cut = false;
        if (bh->end)
            commit(p);
        fsc_ring_release(&best->hits);
    }
}

/* ---- matching (worker threads, or the reader when inline) ------------- */

static void collect_hit(void *ctx, const fsc_rule *rule, const fsc_value *v)
{
    worker *w = ctx;
    if (w->nhits < MAX_RECORD_HITS) {
        w->pending[w->nhits].kind = HIT;
        w->pending[w->nhits].rule = rule;
        w->pending[w->nhits].step = 0;
        w->pending[w->nhits].v = v;
        w->nhits++;
    }
}

/* Sends the hits and steps of one record to the scoring side: directly
 * from the reader's own matcher (inline mode, install events), else
 * through the worker's hit ring (waiting for room: the reader drains it
 * even while it waits for frame-ring room, so this cannot deadlock). */
static void flush_hits(worker *w, const fsc_record *rec)
{
    fsc_pipeline *p = w->p;
    bool direct = w->index < 0;
    for (size_t i = 0; i < w->nhits; i++) {
        const fsc_value *v = w->pending[i].v;
        if (direct) {
            score_item(p, w->pending[i].kind, w->pending[i].rule, w->pending[i].step, w->gen,
                       v, rec);
            continue;
        }
        uint32_t len = v->len < FSC_EVIDENCE_VALUE_MAX ? v->len : FSC_EVIDENCE_VALUE_MAX;
        hit_msg *h;
        unsigned spins = 0;
        while ((h = fsc_ring_reserve(&w->hits, sizeof *h + len)) == NULL)
            pause_briefly(&spins);
        h->seq = w->cur_seq;
        h->gen = w->gen;
        h->kind = (uint8_t)w->pending[i].kind;
        h->step = w->pending[i].step;
        h->rule = w->pending[i].rule;
        h->ts = rec->ts;
        h->frame = rec->frame;
        h->src = rec->src;
        h->dst = rec->dst;
        h->field = (uint16_t)v->field;
        h->end = i + 1 == w->nhits;
        h->cut = v->len > len;
        h->len = len;
        memcpy(h->value, v->ptr, len);
        fsc_ring_commit(&w->hits);
    }
    if (!direct)
        fsc_ring_publish(&w->hits); /* the record's hits, together */
    if (direct && w->nhits)
        commit(p);
    w->nhits = 0;
}

static void on_record(void *ctx, const fsc_record *rec)
{
    worker *w = ctx;
    w->own.v[FSC_C_RECORDS]++;
    w->nhits = 0;
    fsc_match_record(w->matcher, rec, collect_hit, w);
    size_t n = fsc_match_steps(w->matcher, rec, w->steps, MAX_RECORD_HITS);
    for (size_t i = 0; i < n && i < MAX_RECORD_HITS && w->nhits < MAX_RECORD_HITS; i++) {
        w->pending[w->nhits].kind = STEP;
        w->pending[w->nhits].rule = w->steps[i].rule;
        w->pending[w->nhits].step = w->steps[i].step;
        w->pending[w->nhits].v = w->steps[i].v;
        w->nhits++;
    }
    if (w->nhits)
        flush_hits(w, rec);
}

/* Moves w to the current rule set if it is not on it yet. */
static bool follow_rules(worker *w)
{
    fsc_pipeline *p = w->p;
    uint64_t g = atomic_load_explicit(&p->gen, memory_order_acquire);
    if (g == w->gen)
        return true;
    pthread_mutex_lock(&p->lock);
    const fsc_ruleset *rs = p->rules;
    g = atomic_load_explicit(&p->gen, memory_order_relaxed);
    pthread_mutex_unlock(&p->lock);
    fsc_matcher *m = fsc_matcher_new(rs);
    if (!m)
        return false; /* keep the old one; try again on the next frame */
    fsc_matcher_free(w->matcher);
    w->matcher = m;
    w->rules = rs;
    w->gen = g;
    atomic_store_explicit(&w->acked, g, memory_order_release);
    return true;
}

static void publish_counters(fsc_pipeline *p, worker *w)
{
    pthread_mutex_lock(&p->lock);
    w->published = *fsc_extractor_counters(w->ex);
    fsc_counters_add(&w->published, &w->own);
    pthread_mutex_unlock(&p->lock);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    fsc_pipeline *p = w->p;
    unsigned spins = 0;
    uint64_t since = 0;
    size_t ahead = 0;      /* ring cursor of the next frame to prefetch */
    unsigned ahead_n = 0;  /* frames prefetched and not yet processed */
    for (;;) {
        size_t len;
        const frame_msg *f = fsc_ring_peek(&w->frames, &len);
        if (!f) {
            if (since) {
                publish_counters(p, w);
                since = 0;
            }
            if (atomic_load(&p->stop))
                break;
            follow_rules(w);
            if (++spins < 256) {
                cpu_relax();
                continue;
            }
            uint32_t seen = atomic_load_explicit(&w->work_bell, memory_order_acquire);
            atomic_store(&w->worker_sleeps, true);
            atomic_thread_fence(memory_order_seq_cst);
            if (fsc_ring_drained(&w->frames) && !atomic_load(&p->stop))
                wait_bell(&w->work_bell, seen, 20000); /* 20 ms: reloads, stop */
            atomic_store(&w->worker_sleeps, false);
            continue;
        }
        spins = 0;
        /* the reader only read these frames' headers: bring the bytes of
         * the next few into this core's cache while this one is decoded */
        const frame_msg *a;
        size_t alen;
        while (ahead_n < PREFETCH_FRAMES &&
               (a = fsc_ring_peek_ahead(&w->frames, &ahead, &alen)) != NULL) {
            const uint8_t *d = a->ref ? a->ref : a->data;
            __builtin_prefetch(d);
            __builtin_prefetch(d + 64);
            if (a->caplen > 128)
                __builtin_prefetch(d + 128);
            ahead_n++;
        }
        if (ahead_n)
            ahead_n--; /* f itself, taken below */
        follow_rules(w);
        w->cur_seq = f->seq;
        fsc_extract_frame(w->ex, f->linktype, f->ts, f->frame, f->ref ? f->ref : f->data,
                          f->caplen, on_record, w);
        fsc_ring_release(&w->frames);
        bool drained = fsc_ring_drained(&w->frames);
        /* publish before `done` says so: once the reader sees every frame
         * done, the counters it reads include them */
        if (++since == PUBLISH_EVERY || drained) {
            publish_counters(p, w);
            since = 0;
        }
        atomic_store_explicit(&w->done_seq, w->cur_seq, memory_order_release);
        atomic_store_explicit(&w->done, ++w->done_local, memory_order_release);
        if (drained || (w->done_local & 63) == 0) {
            /* room for a waiting reader: handed back in batches */
            fsc_ring_release_publish(&w->frames);
            ring_bell(&w->room_bell, &w->reader_sleeps);
        }
    }
    publish_counters(p, w);
    return NULL;
}

/* ---- rule-set swaps (reader thread completes them) -------------------- */

static void swap_rules(fsc_pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    /* an earlier swap: free the old set once every worker has left it and
     * every hit that may point into it has been scored */
    if (p->old) {
        uint64_t g = atomic_load(&p->gen);
        bool all = true;
        for (int i = 0; i < p->nworkers; i++)
            all = all && atomic_load_explicit(&p->w[i].acked, memory_order_acquire) == g;
        if (all) {
            pthread_mutex_unlock(&p->lock);
            drain_hits(p);
            pthread_mutex_lock(&p->lock);
            fsc_ruleset_free(p->old);
            p->old = NULL;
        }
    }
    if (p->pending && !p->old) {
        p->old = p->rules;
        p->rules = p->pending;
        p->pending = NULL;
        snprintf(p->version, sizeof p->version, "%s", fsc_ruleset_version(p->rules));
        p->loaded_at = fsc_ruleset_loaded_at(p->rules);
        uint64_t g = atomic_fetch_add_explicit(&p->gen, 1, memory_order_release) + 1;
        pthread_mutex_unlock(&p->lock);
        /* the reader's own matcher (install events, inline traffic) and the
         * sequence tracker move now; sequences restart with the new set */
        follow_rules(&p->inline_w);
        fsc_seq *seqs = fsc_seq_new(p->rules, 0);
        if (seqs) {
            fsc_seq_free(p->seqs);
            p->seqs = seqs;
            p->seq_gen = g;
        }
        pthread_mutex_lock(&p->lock);
        if (p->nworkers == 0) {
            /* inline: nothing else holds the old set */
            fsc_ruleset_free(p->old);
            p->old = NULL;
        }
    }
    pthread_mutex_unlock(&p->lock);
}

fsc_status fsc_pipeline_reload(fsc_pipeline *p, fsc_ruleset *next)
{
    pthread_mutex_lock(&p->lock);
    if (p->pending || p->old) {
        pthread_mutex_unlock(&p->lock);
        return FSC_ELIMIT;
    }
    p->pending = next;
    pthread_mutex_unlock(&p->lock);
    return FSC_OK;
}

void fsc_pipeline_ruleset_version(fsc_pipeline *p, char *buf, size_t cap)
{
    pthread_mutex_lock(&p->lock);
    snprintf(buf, cap, "%s", p->version);
    pthread_mutex_unlock(&p->lock);
}

/* ---- the reader's side ------------------------------------------------ */

/* Makes the frames handed to w visible to it, and wakes it if it sleeps. */
static void publish_frames(worker *w)
{
    if (!w->unpublished)
        return;
    w->unpublished = 0;
    fsc_ring_publish(&w->frames);
    ring_bell(&w->work_bell, &w->worker_sleeps);
}

static void publish_all(fsc_pipeline *p)
{
    for (int i = 0; i < p->nworkers; i++)
        publish_frames(&p->w[i]);
}

static void dispatch(fsc_pipeline *p, int linktype, fsc_time ts, uint64_t frame,
                     const uint8_t *data, size_t caplen, bool borrowed)
{
    if (p->nworkers == 0) {
        fsc_extract_frame(p->inline_w.ex, linktype, ts, frame, data, caplen, on_record,
                          &p->inline_w);
        return;
    }
    worker *w = &p->w[flow_hash(linktype, data, caplen) % (uint64_t)p->nworkers];
    if (w->index == 0) {
        /* worker 0 is the reader itself: N workers are N threads, so on N
         * cores none of them waits for a core. Its hits go through its own
         * ring like the others', so scoring stays in frame order. */
        w->cur_seq = ++p->seq;
        follow_rules(w);
        fsc_extract_frame(w->ex, linktype, ts, frame, data, caplen, on_record, w);
        w->done_local++;
        w->queued_local++;
        atomic_store_explicit(&w->done_seq, w->cur_seq, memory_order_release);
        atomic_store_explicit(&w->done, w->done_local, memory_order_release);
        if ((p->seq & 1023) == 0)
            fsc_pipeline_poll(p);
        return;
    }
    size_t copy = borrowed ? 0 : caplen;
    frame_msg *f;
    unsigned spins = 0;
    while ((f = fsc_ring_reserve(&w->frames, sizeof *f + copy)) == NULL) {
        publish_frames(w);
        drain_hits(p); /* a worker waiting on its hit ring must be able to go on */
        if (++spins < 64) {
            cpu_relax();
            continue;
        }
        uint32_t seen = atomic_load_explicit(&w->room_bell, memory_order_acquire);
        atomic_store(&w->reader_sleeps, true);
        atomic_thread_fence(memory_order_seq_cst);
        f = fsc_ring_reserve(&w->frames, sizeof *f + copy);
        if (f) {
            atomic_store(&w->reader_sleeps, false);
            break;
        }
        wait_bell(&w->room_bell, seen, 1000); /* 1 ms: hits to drain */
        atomic_store(&w->reader_sleeps, false);
    }
    f->seq = ++p->seq;
    f->ts = ts;
    f->frame = frame;
    f->linktype = linktype;
    f->caplen = (uint32_t)caplen;
    f->ref = borrowed ? data : NULL;
    if (copy)
        memcpy(f->data, data, copy);
    fsc_ring_commit(&w->frames);
    w->queued_local++;
    if (++w->unpublished >= PUBLISH_BATCH)
        publish_frames(w);
    if ((p->seq & 1023) == 0)
        fsc_pipeline_poll(p);
}

void fsc_pipeline_frame(fsc_pipeline *p, int linktype, fsc_time ts, uint64_t frame,
                        const uint8_t *data, size_t caplen)
{
    dispatch(p, linktype, ts, frame, data, caplen, false);
}

void fsc_pipeline_frame_borrowed(fsc_pipeline *p, int linktype, fsc_time ts, uint64_t frame,
                                 const uint8_t *data, size_t caplen)
{
    dispatch(p, linktype, ts, frame, data, caplen, true);
}

void fsc_pipeline_event(fsc_pipeline *p, const fsc_record *rec, const fsc_event_meta *m)
{
    if (m) {
        if (p->nworkers)
            fsc_pipeline_drain(p); /* what was captured before it, first */
        char buf[64];
        fsc_subject subj;
        subject_of(p, rec, &subj, buf, sizeof buf);
        if (strcmp(rec->event, "disposition") == 0) {
            /* an officer's outcome: not matched, it changes the scorer */
            const char *fts = m->fraud_type ? m->fraud_type : "all";
            int ft = strcmp(fts, "all") == 0 ? 0 : fsc_fraud_type_parse(fts, strlen(fts));
            const char *ds = m->disposition ? m->disposition : "";
            int d = fsc_disposition_parse(ds, strlen(ds));
            if (d >= 0)
                fsc_scorer_dispose(p->scorer, &subj, ft, (fsc_disposition)d, rec->ts);
            return;
        }
        /* runtime signals the model's combination boosts look for */
        fsc_scorer_observe(p->scorer, &subj, rec, m->installer);
    }
    fsc_pipeline_record(p, rec);
}

void fsc_pipeline_record(fsc_pipeline *p, const fsc_record *rec)
{
    /* everything captured before this event is scored before it, as it
     * would be inline; events are rare next to frames, the wait is short */
    if (p->nworkers)
        fsc_pipeline_drain(p);
    /* install events are matched here, with the reader's own matcher */
    on_record(&p->inline_w, rec);
}

void fsc_pipeline_poll(fsc_pipeline *p)
{
    publish_all(p);
    if (p->nworkers)
        publish_counters(p, &p->w[0]); /* the reader's own share */
    drain_hits(p);
    if (p->pending || p->old)
        swap_rules(p);
    p->reader.v[FSC_C_SEQUENCE_EVICTIONS] = fsc_seq_evictions(p->seqs);
    p->reader.v[FSC_C_SEQUENCE_PROGRESS_DROPPED] = fsc_seq_dropped(p->seqs);
    pthread_mutex_lock(&p->lock);
    p->reader_pub = p->reader;
    fsc_counters_add(&p->reader_pub, &p->inline_w.own);
    if (p->nworkers == 0)
        fsc_counters_add(&p->reader_pub, fsc_extractor_counters(p->inline_w.ex));
    pthread_mutex_unlock(&p->lock);
}

void fsc_pipeline_drain(fsc_pipeline *p)
{
    unsigned spins = 0;
    publish_all(p);
    for (;;) {
        drain_hits(p);
        bool idle = true;
        for (int i = 0; i < p->nworkers; i++)
            idle = idle && atomic_load_explicit(&p->w[i].done, memory_order_acquire) ==
                               p->w[i].queued_local;
        if (idle)
            break;
        pause_briefly(&spins);
    }
    drain_hits(p);
    fsc_pipeline_poll(p);
}

void fsc_pipeline_counters(fsc_pipeline *p, fsc_counters *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->reader_pub;
    for (int i = 0; i < p->nworkers; i++)
        fsc_counters_add(out, &p->w[i].published);
    pthread_mutex_unlock(&p->lock);
}

static double clock_s(clockid_t c)
{
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int fsc_pipeline_cpu(fsc_pipeline *p, double *out, int max)
{
    int n = 0;
    if (n < max)
        out[n++] = clock_s(CLOCK_THREAD_CPUTIME_ID) - p->reader_cpu0;
    for (int i = 1; i < p->nworkers && n < max; i++) {
        clockid_t c;
        out[n++] = p->w[i].started && pthread_getcpuclockid(p->w[i].thread, &c) == 0
                       ? clock_s(c)
                       : 0.0;
    }
    return n;
}

/* ---- life cycle ------------------------------------------------------- */

/* qbytes 0: no rings (the reader's own matcher); with_ex false: no
 * extractor (the reader's matcher when workers decode: it only ever sees
 * install events, and an extractor's preallocated tables are ~18 MB) */
static bool worker_init(fsc_pipeline *p, worker *w, int index, size_t qbytes, bool with_ex)
{
    w->p = p;
    w->index = index;
    w->ex = with_ex ? fsc_extractor_new(NULL) : NULL;
    w->matcher = fsc_matcher_new(p->rules);
    w->rules = p->rules;
    w->gen = 0;
    atomic_init(&w->acked, 0);
    atomic_init(&w->done, 0);
    atomic_init(&w->done_seq, 0);
    atomic_init(&w->work_bell, 0);
    atomic_init(&w->room_bell, 0);
    atomic_init(&w->worker_sleeps, false);
    atomic_init(&w->reader_sleeps, false);
    if ((with_ex && !w->ex) || !w->matcher)
        return false;
    if (qbytes && (!fsc_ring_init(&w->frames, qbytes) || !fsc_ring_init(&w->hits, HIT_QUEUE)))
        return false;
    return true;
}

static void worker_destroy(worker *w)
{
    fsc_extractor_free(w->ex);
    fsc_matcher_free(w->matcher);
    fsc_ring_destroy(&w->frames);
    fsc_ring_destroy(&w->hits);
}

fsc_status fsc_pipeline_new(const fsc_pipeline_config *cfg, fsc_ruleset *rules,
                            fsc_pipeline **out)
{
    fsc_pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        fsc_ruleset_free(rules);
        return FSC_ENOMEM;
    }
    p->cfg = *cfg;
    p->reader_cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    p->nworkers = cfg->workers > 1 ? cfg->workers : 0;
    p->rules = rules;
    snprintf(p->version, sizeof p->version, "%s", fsc_ruleset_version(rules));
    p->loaded_at = fsc_ruleset_loaded_at(rules);
    pthread_mutex_init(&p->lock, NULL);
    atomic_init(&p->gen, 0);
    atomic_init(&p->stop, false);
    p->scorer = fsc_scorer_new(cfg->score, fsc_ruleset_version(rules));
    p->seqs = fsc_seq_new(rules, 0);
    if (!p->scorer || !p->seqs || !worker_init(p, &p->inline_w, -1, 0, p->nworkers == 0))
        goto fail;
    if (p->nworkers) {
        size_t q = cfg->queue_bytes ? cfg->queue_bytes : DEFAULT_QUEUE;
        p->w = calloc((size_t)p->nworkers, sizeof *p->w);
        if (!p->w)
            goto fail;
        for (int i = 0; i < p->nworkers; i++)
            if (!worker_init(p, &p->w[i], i, q, true))
                goto fail;
        for (int i = 1; i < p->nworkers; i++) { /* worker 0 is the reader */
            if (pthread_create(&p->w[i].thread, NULL, worker_main, &p->w[i]) != 0)
                goto fail;
            p->w[i].started = true;
        }
    }
    *out = p;
    return FSC_OK;
fail:
    fsc_pipeline_free(p);
    return FSC_ENOMEM;
}

void fsc_pipeline_free(fsc_pipeline *p)
{
    if (!p)
        return;
    if (p->w) {
        fsc_pipeline_drain(p);
        atomic_store(&p->stop, true);
        for (int i = 0; i < p->nworkers; i++) {
            atomic_store(&p->w[i].worker_sleeps, true); /* ring regardless */
            ring_bell(&p->w[i].work_bell, &p->w[i].worker_sleeps);
        }
        for (int i = 0; i < p->nworkers; i++)
            if (p->w[i].started)
                pthread_join(p->w[i].thread, NULL);
        drain_hits(p);
        for (int i = 0; i < p->nworkers; i++)
            worker_destroy(&p->w[i]);
        free(p->w);
    }
    worker_destroy(&p->inline_w);
    fsc_seq_free(p->seqs);
    fsc_scorer_free(p->scorer);
    fsc_ruleset_free(p->rules);
    fsc_ruleset_free(p->old);
    fsc_ruleset_free(p->pending);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
