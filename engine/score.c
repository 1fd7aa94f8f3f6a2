/* score.c: the per-subscriber score table (see score.h for the model). */
#include "score.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR ((fsc_time)3600 * 1000000)

/* One (subscriber, fraud type) episode. */
typedef struct ft_state {
    double score;            /* as of `last` */
    fsc_time last;           /* time of the last evidence */
    fsc_level alerted;       /* highest level alerted in this episode */
    fsc_level floor;         /* highest rule level seen in this episode */
    bool touched;            /* in the scorer's touched list */
    size_t nev;              /* evidence kept, oldest first */
    fsc_evidence ev[FSC_EVIDENCE_MAX];
} ft_state;

typedef struct subscriber {
    char *id;                /* NULL: empty slot */
    char *precinct;
    fsc_group group;
    uint64_t hash;
    ft_state *ft[FSC_FRAUD_TYPES + 1]; /* allocated on first evidence */
} subscriber;

/* What the current record touched, for fsc_scorer_commit(). One record is
 * about one person, so at most one entry per fraud type. */
typedef struct touched {
    subscriber *sub;
    int ft;
} touched;

struct fsc_scorer {
    fsc_score_config cfg;
    char version[64];
    subscriber *slots;
    size_t cap, used;        /* cap is a power of two, load kept under 1/2 */
    uint64_t record;         /* records committed so far */
    fsc_time record_ts;      /* time of the current record */
    size_t ntouched;
    touched touched[2 * FSC_FRAUD_TYPES];
};

/* The victim-group model, first version: how much more a piece of evidence
 * weighs for the groups a fraud type mostly hits (shared taxonomy, "victims
 * mostly hit"). 1.0 wherever a row says nothing. Issue #5 replaces this
 * table with a versioned model file. */
static const struct {
    int ft;
    fsc_group group;
    double factor;
} group_factors[] = {
    {1, FSC_GROUP_STUDENT, 1.5},        {1, FSC_GROUP_YOUNG_WORKER, 1.2},
    {2, FSC_GROUP_GENERAL, 1.2},        {2, FSC_GROUP_ELDERLY, 1.2},
    {3, FSC_GROUP_STUDENT, 1.2},        {3, FSC_GROUP_YOUNG_WORKER, 1.2},
    {4, FSC_GROUP_YOUNG_WORKER, 1.2},
    {5, FSC_GROUP_GENERAL, 1.2},
    {6, FSC_GROUP_YOUNG_WORKER, 1.5},   {6, FSC_GROUP_STUDENT, 1.3},
    {7, FSC_GROUP_FINANCE_STAFF, 2.0},  {7, FSC_GROUP_PARENT, 1.3},
    {8, FSC_GROUP_ELDERLY, 1.5},        {8, FSC_GROUP_YOUNG_WORKER, 1.2},
    {9, FSC_GROUP_GENERAL, 1.2},        {9, FSC_GROUP_ELDERLY, 1.1},
    {10, FSC_GROUP_STUDENT, 1.5},       {10, FSC_GROUP_PARENT, 1.3},
    {11, FSC_GROUP_ELDERLY, 1.2},
    {12, FSC_GROUP_YOUNG_WORKER, 1.2},  {12, FSC_GROUP_GENERAL, 1.2},
    {13, FSC_GROUP_YOUNG_WORKER, 1.2},  {13, FSC_GROUP_GENERAL, 1.2},
};

double fsc_score_group_factor(int ft, fsc_group g)
{
    for (size_t i = 0; i < sizeof group_factors / sizeof group_factors[0]; i++)
        if (group_factors[i].ft == ft && group_factors[i].group == g)
            return group_factors[i].factor;
    return 1.0;
}

static const char *const level_names[] = {"none", "low", "medium", "high", "critical"};
static const char *const level_actions[] = {
    "none", "warning SMS", "officer phone call", "home visit",
    "immediate intervention; bank liaison notified"};

const char *fsc_level_name(fsc_level l)
{
    return (unsigned)l <= FSC_LEVEL_CRITICAL ? level_names[l] : "?";
}

const char *fsc_level_action(fsc_level l)
{
    return (unsigned)l <= FSC_LEVEL_CRITICAL ? level_actions[l] : "?";
}

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV_BASIS 0xcbf29ce484222325ULL

fsc_scorer *fsc_scorer_new(const fsc_score_config *cfg, const char *ruleset_version)
{
    fsc_scorer *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cfg)
        s->cfg = *cfg;
    if (s->cfg.half_life <= 0)
        s->cfg.half_life = 6 * HOUR;
    if (s->cfg.repeat_window <= 0)
        s->cfg.repeat_window = HOUR;
    static const double defaults[5] = {0, 1.0, 2.0, 3.5, 6.0};
    for (int i = 1; i <= 4; i++)
        if (s->cfg.thresholds[i] <= 0)
            s->cfg.thresholds[i] = defaults[i];
    if (!s->cfg.max_subscribers)
        s->cfg.max_subscribers = 1000000;
    snprintf(s->version, sizeof s->version, "%s", ruleset_version ? ruleset_version : "");
    s->record = 1;
    s->cap = 1024;
    s->slots = calloc(s->cap, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    return s;
}

void fsc_scorer_free(fsc_scorer *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++) {
        subscriber *sub = &s->slots[i];
        if (!sub->id)
            continue;
        free(sub->id);
        free(sub->precinct);
        for (int ft = 0; ft <= FSC_FRAUD_TYPES; ft++)
            free(sub->ft[ft]);
    }
    free(s->slots);
    free(s);
}

static subscriber *probe(subscriber *slots, size_t cap, const char *id, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].id && (slots[i].hash != h || strcmp(slots[i].id, id) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(fsc_scorer *s)
{
    size_t ncap = s->cap * 2;
    subscriber *n = calloc(ncap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].id)
            *probe(n, ncap, s->slots[i].id, s->slots[i].hash) = s->slots[i];
    free(s->slots);
    s->slots = n;
    s->cap = ncap;
    return 0;
}

static subscriber *find_or_add(fsc_scorer *s, const fsc_subject *subj)
{
    uint64_t h = fnv1a(subj->subscriber, strlen(subj->subscriber), FNV_BASIS);
    subscriber *sub = probe(s->slots, s->cap, subj->subscriber, h);
    if (sub->id)
        return sub;
    if (s->used >= s->cfg.max_subscribers || s->used + 1 >= s->cap)
        return NULL;
    /* the touched list points into the table: only grow between records
     * (a record touches one person, so this is at most one late growth) */
    if ((s->used + 1) * 2 > s->cap && s->ntouched == 0) {
        if (grow(s) != 0)
            return NULL;
        sub = probe(s->slots, s->cap, subj->subscriber, h);
    }
    sub->id = strdup(subj->subscriber);
    sub->precinct = strdup(subj->precinct ? subj->precinct : "unassigned");
    if (!sub->id || !sub->precinct) {
        free(sub->id);
        free(sub->precinct);
        memset(sub, 0, sizeof *sub);
        return NULL;
    }
    sub->hash = h;
    sub->group = subj->group;
    s->used++;
    return sub;
}

static fsc_level level_of(const fsc_scorer *s, double score)
{
    for (int l = FSC_LEVEL_CRITICAL; l >= FSC_LEVEL_LOW; l--)
        if (score >= s->cfg.thresholds[l])
            return (fsc_level)l;
    return FSC_LEVEL_NONE;
}

/* Copies v into e->value, cutting long values on a UTF-8 boundary and
 * marking the cut, so the JSON written from it stays valid text. */
static void copy_value(fsc_evidence *e, const fsc_value *v)
{
    size_t n = v->len;
    if (n < sizeof e->value) {
        memcpy(e->value, v->ptr, n);
        e->value[n] = '\0';
        return;
    }
    n = sizeof e->value - 4;
    while (n > 0 && ((uint8_t)v->ptr[n] & 0xc0) == 0x80)
        n--;
    memcpy(e->value, v->ptr, n);
    memcpy(e->value + n, "...", 4);
}

/* The registrable name of a host value, as a hash: its last two labels
 * ("m.taskhub-rebate.top" -> "taskhub-rebate.top"), case-folded. Without a
 * public-suffix list, names under a two-label suffix (example.co.uk) fold
 * to the suffix; that only merges evidence, it never loses any. 0 for
 * non-host fields. */
static uint64_t site_of(const fsc_value *v)
{
    if (!fsc_field_is_host(v->field) || v->len == 0)
        return 0;
    size_t end = v->len, start = end, dots = 0;
    if (v->ptr[end - 1] == '.')
        end--;
    start = end;
    while (start > 0) {
        if (v->ptr[start - 1] == '.' && ++dots == 2)
            break;
        start--;
    }
    uint64_t h = FNV_BASIS;
    for (size_t i = start; i < end; i++) {
        uint8_t c = (uint8_t)v->ptr[i];
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        h = fnv1a(&c, 1, h);
    }
    return h | 1; /* never 0 */
}

static bool same_value(const fsc_evidence *e, const fsc_value *v)
{
    size_t n = strlen(e->value);
    return e->field == v->field && n == v->len && memcmp(e->value, v->ptr, n) == 0;
}

static fsc_evidence *new_evidence(ft_state *st)
{
    if (st->nev == FSC_EVIDENCE_MAX) {
        /* keep the oldest (what started the episode) and the newest */
        memmove(&st->ev[1], &st->ev[2], (FSC_EVIDENCE_MAX - 2) * sizeof st->ev[0]);
        st->nev--;
    }
    fsc_evidence *e = &st->ev[st->nev++];
    memset(e, 0, sizeof *e);
    return e;
}

/* The instruction of the evidence that weighed most and has one, else the
 * fraud type's default. */
static const char *choose_instruction(const ft_state *st, int ft)
{
    const char *best = NULL;
    double w = -1;
    for (size_t i = 0; i < st->nev; i++)
        if (st->ev[i].rule->instruction && st->ev[i].weight > w) {
            best = st->ev[i].rule->instruction;
            w = st->ev[i].weight;
        }
    return best ? best : fsc_fraud_type_instruction(ft);
}

fsc_status fsc_scorer_add(fsc_scorer *s, const fsc_subject *subject, const fsc_rule *rule,
                          const fsc_value *v, const fsc_record *rec)
{
    int ft = rule->fraud_type;
    if (ft < 1 || ft > FSC_FRAUD_TYPES)
        return FSC_EINVAL;
    subscriber *sub = find_or_add(s, subject);
    if (!sub)
        return FSC_ELIMIT;
    ft_state *st = sub->ft[ft];
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return FSC_ENOMEM;
        sub->ft[ft] = st;
        st->last = rec->ts;
    }
    s->record_ts = rec->ts;

    /* decay to now; records slightly out of order (a late event) do not
     * decay backwards */
    fsc_time dt = rec->ts - st->last;
    if (dt > 0) {
        st->score *= exp2(-(double)dt / (double)s->cfg.half_life);
        st->last = rec->ts;
    }
    /* The episode is over once the score has decayed well below the lowest
     * level: half of it, so that a score hovering at the threshold does not
     * end and restart an episode (and re-alert) with every small decay. */
    if (st->score < s->cfg.thresholds[FSC_LEVEL_LOW] / 2 && st->alerted != FSC_LEVEL_NONE) {
        st->alerted = FSC_LEVEL_NONE;
        st->floor = FSC_LEVEL_NONE;
        st->nev = 0;
    }

    /* What earlier evidence already covers: the same record, or the same
     * site or rule within the repeat window (see score.h). */
    double w = rule->weight * fsc_score_group_factor(ft, sub->group);
    uint64_t site = site_of(v);
    double covered = 0;
    for (size_t i = 0; i < st->nev; i++) {
        const fsc_evidence *e = &st->ev[i];
        bool recent = rec->ts - e->ts < s->cfg.repeat_window && rec->ts >= e->ts;
        if (recent && e->rule == rule && same_value(e, v))
            return FSC_OK; /* a repeat: nothing new to record */
        bool same_key = site ? e->site == site : e->rule == rule;
        if (e->record == s->record || (recent && same_key))
            covered = covered > e->weight ? covered : e->weight;
    }
    double add = w > covered ? w - covered : 0.0;
    st->score += add;
    if (rule->level > st->floor)
        st->floor = rule->level;

    fsc_evidence *e = new_evidence(st);
    e->rule = rule;
    e->field = v->field;
    copy_value(e, v);
    e->ts = rec->ts;
    e->source = rec->source;
    e->src = rec->src;
    e->dst = rec->dst;
    e->frame = rec->source == FSC_SRC_TRAFFIC ? rec->frame : rec->line;
    e->weight = w;
    e->contribution = add;
    e->site = site;
    e->record = s->record;

    if (!st->touched && s->ntouched < sizeof s->touched / sizeof s->touched[0]) {
        st->touched = true;
        s->touched[s->ntouched].sub = sub;
        s->touched[s->ntouched].ft = ft;
        s->ntouched++;
    }
    return FSC_OK;
}

static void raise_alert(fsc_scorer *s, subscriber *sub, int ft, ft_state *st, fsc_level lvl,
                        fsc_alert_fn cb, void *ctx)
{
    fsc_alert a;
    memset(&a, 0, sizeof a);
    uint64_t h = fnv1a(sub->id, strlen(sub->id), FNV_BASIS);
    h = fnv1a(&ft, sizeof ft, h);
    h = fnv1a(&lvl, sizeof lvl, h);
    h = fnv1a(&s->record_ts, sizeof s->record_ts, h);
    snprintf(a.id, sizeof a.id, "%016llx", (unsigned long long)h);
    a.ts = s->record_ts;
    a.subscriber = sub->id;
    a.precinct = sub->precinct;
    a.group = sub->group;
    a.fraud_type = ft;
    a.level = lvl;
    a.score = st->score;
    a.instruction = choose_instruction(st, ft);
    a.ruleset_version = s->version;
    a.nevidence = st->nev;
    a.evidence = st->ev;
    cb(ctx, &a);
}

void fsc_scorer_commit(fsc_scorer *s, fsc_alert_fn cb, void *ctx)
{
    for (size_t i = 0; i < s->ntouched; i++) {
        subscriber *sub = s->touched[i].sub;
        int ft = s->touched[i].ft;
        ft_state *st = sub->ft[ft];
        st->touched = false;
        fsc_level lvl = level_of(s, st->score);
        if (st->floor > lvl)
            lvl = st->floor;
        if (lvl > st->alerted) {
            st->alerted = lvl;
            raise_alert(s, sub, ft, st, lvl, cb, ctx);
        }
    }
    s->ntouched = 0;
    s->record++;
}
