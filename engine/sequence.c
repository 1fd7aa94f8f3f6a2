/* sequence.c: per-subscriber progress through sequence rules (sequence.h).
 *
 * For each (subscriber, rule) in progress we keep, per step i, the start
 * time of the most recent chain that reached step i. A record reaching
 * step i extends a chain at step i-1 if that chain started no more than
 * `within` ago; keeping the latest start gives every later step the widest
 * window. Steps are applied from the last to the first, so one record never
 * advances a chain by two steps. */
#include "sequence.h"

#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

#define NONE INT64_MIN

typedef struct progress {
    uint32_t rule;      /* UINT32_MAX: free */
    fsc_time start[FSC_SEQ_MAX_STEPS];
} progress;

typedef struct slot {
    uint64_t hash;      /* 0: empty */
    char sub[FSC_SEQ_SUBSCRIBER_MAX + 1];
    fsc_time last;      /* last record seen, for eviction */
    progress prog[FSC_SEQ_MAX_PROGRESS];
} slot;

struct fsc_seq {
    const fsc_ruleset *rs;
    slot *slots;
    size_t cap, n, max;
    uint64_t evictions, dropped;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    h ^= h >> 29;
    return h ? h : 1;
}

fsc_seq *fsc_seq_new(const fsc_ruleset *rs, size_t max_subscribers)
{
    fsc_seq *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->rs = rs;
    s->max = max_subscribers ? max_subscribers : 65536;
    size_t cap = 16;
    while (cap < s->max * 2)
        cap *= 2;
    /* no sequence rules: nothing to track, and no memory spent on it */
    if (rs->nseq == 0)
        cap = 1;
    s->slots = calloc(cap, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    s->cap = cap;
    return s;
}

void fsc_seq_free(fsc_seq *s)
{
    if (!s)
        return;
    free(s->slots);
    free(s);
}

uint64_t fsc_seq_evictions(const fsc_seq *s) { return s->evictions; }
uint64_t fsc_seq_dropped(const fsc_seq *s) { return s->dropped; }

static void clear_slot(slot *sl)
{
    for (int i = 0; i < FSC_SEQ_MAX_PROGRESS; i++)
        sl->prog[i].rule = UINT32_MAX;
}

/* Removes slot i and re-places the run after it (linear probing). */
static void remove_at(fsc_seq *s, size_t i)
{
    s->slots[i].hash = 0;
    s->n--;
    for (size_t j = (i + 1) & (s->cap - 1); s->slots[j].hash; j = (j + 1) & (s->cap - 1)) {
        slot tmp = s->slots[j];
        s->slots[j].hash = 0;
        size_t k = (size_t)tmp.hash & (s->cap - 1);
        while (s->slots[k].hash)
            k = (k + 1) & (s->cap - 1);
        s->slots[k] = tmp;
    }
}

static slot *find(fsc_seq *s, const char *sub, bool create, fsc_time now)
{
    uint64_t h = hash_str(sub);
    size_t i = (size_t)h & (s->cap - 1);
    for (; s->slots[i].hash; i = (i + 1) & (s->cap - 1))
        if (s->slots[i].hash == h && strncmp(s->slots[i].sub, sub, FSC_SEQ_SUBSCRIBER_MAX) == 0)
            return &s->slots[i];
    if (!create)
        return NULL;
    if (s->n >= s->max) {
        /* evict the least recently seen among a bounded sample: exact LRU
         * would need a list; a sample of 64 keeps this O(1) */
        size_t victim = SIZE_MAX;
        fsc_time oldest = INT64_MAX;
        size_t start = (size_t)h & (s->cap - 1), seen = 0;
        for (size_t k = 0; k < s->cap && seen < 64; k++) {
            size_t j = (start + k * 7919) & (s->cap - 1);
            if (!s->slots[j].hash)
                continue;
            seen++;
            if (s->slots[j].last < oldest) {
                oldest = s->slots[j].last;
                victim = j;
            }
        }
        if (victim == SIZE_MAX)
            return NULL;
        remove_at(s, victim);
        s->evictions++;
        i = (size_t)h & (s->cap - 1);
        while (s->slots[i].hash)
            i = (i + 1) & (s->cap - 1);
    }
    slot *sl = &s->slots[i];
    memset(sl, 0, sizeof *sl);
    sl->hash = h;
    strncpy(sl->sub, sub, FSC_SEQ_SUBSCRIBER_MAX);
    sl->sub[FSC_SEQ_SUBSCRIBER_MAX] = '\0';
    sl->last = now;
    clear_slot(sl);
    s->n++;
    return sl;
}

static progress *progress_for(fsc_seq *s, slot *sl, uint32_t rule, fsc_time now, bool create)
{
    progress *free_p = NULL, *stale = NULL;
    for (int i = 0; i < FSC_SEQ_MAX_PROGRESS; i++) {
        progress *p = &sl->prog[i];
        if (p->rule == rule)
            return p;
        if (p->rule == UINT32_MAX && !free_p)
            free_p = p;
        else if (p->rule != UINT32_MAX && !stale) {
            /* a chain whose every start is older than its window is dead */
            const fsc_rule_int *r = &s->rs->rules[p->rule];
            bool alive = false;
            for (uint32_t k = 0; k + 1 < r->nstep; k++)
                if (p->start[k] != NONE && now - p->start[k] <= r->pub.within)
                    alive = true;
            if (!alive)
                stale = p;
        }
    }
    if (!create)
        return NULL;
    progress *p = free_p ? free_p : stale;
    if (!p) {
        s->dropped++;
        return NULL;
    }
    p->rule = rule;
    for (int k = 0; k < FSC_SEQ_MAX_STEPS; k++)
        p->start[k] = NONE;
    return p;
}

int fsc_seq_step(fsc_seq *s, const fsc_rule *rule, unsigned step, const char *subscriber,
                 fsc_time now, const fsc_value *v, fsc_hit_fn hit, void *ctx)
{
    const fsc_rule_int *r = (const fsc_rule_int *)rule;
    if (!subscriber || r < s->rs->rules || r >= s->rs->rules + s->rs->nrules ||
        step >= r->nstep)
        return 0; /* a rule of another set: the caller reloaded */
    uint32_t ri = (uint32_t)(r - s->rs->rules);
    slot *sl = find(s, subscriber, step == 0, now);
    if (!sl)
        return 0;
    if (now > sl->last)
        sl->last = now;
    fsc_time w = r->pub.within;
    progress *p = progress_for(s, sl, ri, now, step == 0);
    if (!p)
        return 0;
    if (step == 0) {
        p->start[0] = now;
        return 0;
    }
    fsc_time prev = p->start[step - 1];
    if (prev == NONE || now < prev || now - prev > w)
        return 0;
    if (step + 1 < r->nstep) {
        if (p->start[step] == NONE || prev > p->start[step])
            p->start[step] = prev;
        return 0;
    }
    /* the last step: the sequence holds; start over, one alert per chain */
    p->rule = UINT32_MAX;
    if (hit)
        hit(ctx, &r->pub, v);
    return 1;
}

int fsc_seq_feed(fsc_seq *s, const fsc_matcher *m, const char *subscriber,
                 const fsc_record *rec, fsc_hit_fn hit, void *ctx)
{
    fsc_step steps[64];
    if (fsc_matcher_ruleset(m) != s->rs)
        return 0;
    size_t n = fsc_match_steps(m, rec, steps, 64);
    int done = 0;
    for (size_t i = 0; i < n && i < 64; i++)
        done += fsc_seq_step(s, steps[i].rule, steps[i].step, subscriber, rec->ts, steps[i].v,
                             hit, ctx);
    return done;
}
