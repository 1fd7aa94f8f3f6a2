/* score.c: the per-subscriber score table and the log-odds model
 * (score.h says what it computes, score_int.h how it is stored). */
#include "score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "score_int.h"
#include "state.h"

#define HOUR ((fsc_time)3600 * 1000000)


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

int fsc_disposition_parse(const char *s, size_t len)
{
    static const char *const names[] = {"confirmed_safe", "confirmed_fraud", "false_alarm"};
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return i;
    return -1;
}

/* ---- text table --------------------------------------------------------- */

/* FNV-1a, then a finaliser: FNV's low bits diffuse poorly over ids that
 * differ in their last digits, and the tables index by the low bits. */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t text_hash(const void *p, size_t n)
{
    return mix(fsc_fnv1a(p, n, FSC_FNV_BASIS));
}

static int text_rehash(fsc_scorer *s, size_t ncap)
{
    uint32_t *n = calloc(ncap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < s->texthcap; i++) {
        uint32_t id = s->texthash[i];
        if (!id)
            continue;
        size_t j = text_hash(s->text + id, fsc_score_textlen(s, id)) & (ncap - 1);
        while (n[j])
            j = (j + 1) & (ncap - 1);
        n[j] = id;
    }
    free(s->texthash);
    s->texthash = n;
    s->texthcap = ncap;
    return 0;
}

uint32_t fsc_score_intern(fsc_scorer *s, const void *p, size_t n)
{
    if (n > 0xffff)
        n = 0xffff;
    uint64_t h = text_hash(p, n);
    size_t j = h & (s->texthcap - 1);
    for (uint32_t id; (id = s->texthash[j]); j = (j + 1) & (s->texthcap - 1))
        if (fsc_score_textlen(s, id) == n && memcmp(s->text + id, p, n) == 0)
            return id;
    size_t need = s->textlen + n + 3;
    if (need > s->cfg.max_string_bytes || need > UINT32_MAX) {
        s->ctr->v[FSC_C_SCORE_TEXT_FULL]++;
        return 0;
    }
    if (need > s->textcap) {
        size_t ncap = s->textcap * 2;
        while (ncap < need)
            ncap *= 2;
        if (ncap > s->cfg.max_string_bytes)
            ncap = s->cfg.max_string_bytes;
        char *t = realloc(s->text, ncap);
        if (!t)
            return 0;
        s->text = t;
        s->textcap = ncap;
    }
    uint8_t *w = (uint8_t *)s->text + s->textlen;
    w[0] = (uint8_t)(n & 0xff);
    w[1] = (uint8_t)(n >> 8);
    memcpy(w + 2, p, n);
    w[2 + n] = 0;
    uint32_t id = (uint32_t)(s->textlen + 2);
    s->textlen = need;
    s->texthash[j] = id;
    if (++s->textn * 4 > s->texthcap * 3 && text_rehash(s, s->texthcap * 2) != 0)
        return id; /* still correct, only slower */
    return id;
}

/* ---- rule copies -------------------------------------------------------- */

static uint64_t rule_key(const char *id, const char *title, const char *instr, int ft,
                         fsc_level level, double weight)
{
    uint64_t h = fsc_fnv1a(id, strlen(id) + 1, FSC_FNV_BASIS);
    h = fsc_fnv1a(title ? title : "", strlen(title ? title : "") + 1, h);
    h = fsc_fnv1a(instr ? instr : "", strlen(instr ? instr : "") + 1, h);
    h = fsc_fnv1a(&ft, sizeof ft, h);
    h = fsc_fnv1a(&level, sizeof level, h);
    h = fsc_fnv1a(&weight, sizeof weight, h);
    return h | 1;
}

static int shadow_rehash(fsc_scorer *s, size_t ncap)
{
    uint32_t *bp = calloc(ncap, sizeof *bp), *bk = calloc(ncap, sizeof *bk);
    if (!bp || !bk) {
        free(bp);
        free(bk);
        return -1;
    }
    for (size_t i = 0; i < s->nshadows; i++) {
        shadow *sh = &s->shadows[i];
        size_t j = (size_t)sh->key & (ncap - 1);
        while (bk[j])
            j = (j + 1) & (ncap - 1);
        bk[j] = (uint32_t)i + 1;
        if (sh->orig) {
            j = (size_t)(((uintptr_t)sh->orig >> 4) * 0x9e3779b97f4a7c15ULL) & (ncap - 1);
            while (bp[j])
                j = (j + 1) & (ncap - 1);
            bp[j] = (uint32_t)i + 1;
        }
    }
    free(s->shadow_by_ptr);
    free(s->shadow_by_key);
    s->shadow_by_ptr = bp;
    s->shadow_by_key = bk;
    s->shadowhcap = ncap;
    return 0;
}

static uint32_t shadow_add(fsc_scorer *s, const fsc_rule *orig, const char *id, const char *title,
                           const char *instr, int ft, fsc_level level, double weight)
{
    uint64_t key = rule_key(id, title, instr, ft, level, weight);
    size_t j = (size_t)key & (s->shadowhcap - 1);
    for (uint32_t k; (k = s->shadow_by_key[j]); j = (j + 1) & (s->shadowhcap - 1)) {
        shadow *sh = &s->shadows[k - 1];
        if (sh->key == key && strcmp(sh->r.id, id) == 0) {
            if (orig && !sh->orig)
                sh->orig = orig; /* restored copy meets its live rule */
            return k - 1;
        }
    }
    if (s->nshadows == s->shadowcap) {
        size_t ncap = s->shadowcap ? s->shadowcap * 2 : 64;
        shadow *n = realloc(s->shadows, ncap * sizeof *n);
        if (!n)
            return UINT32_MAX;
        s->shadows = n;
        s->shadowcap = ncap;
    }
    shadow *sh = &s->shadows[s->nshadows];
    memset(sh, 0, sizeof *sh);
    sh->r.id = fsc_arena_strndup(&s->arena, id, strlen(id));
    sh->r.title = fsc_arena_strndup(&s->arena, title ? title : "", strlen(title ? title : ""));
    sh->r.instruction = instr ? fsc_arena_strndup(&s->arena, instr, strlen(instr)) : NULL;
    sh->r.file = "";
    sh->r.fraud_type = ft;
    sh->r.level = level;
    sh->r.weight = weight;
    if (!sh->r.id || !sh->r.title || (instr && !sh->r.instruction))
        return UINT32_MAX;
    for (int g = 0; orig && g < FSC_GROUP_COUNT; g++) {
        const char *gi = orig->group_instruction[g];
        sh->r.group_instruction[g] = gi ? fsc_arena_strndup(&s->arena, gi, strlen(gi)) : NULL;
    }
    sh->orig = orig;
    sh->key = key;
    s->nshadows++;
    if (s->nshadows * 2 > s->shadowhcap) {
        if (shadow_rehash(s, s->shadowhcap * 2) != 0)
            return UINT32_MAX;
    } else {
        shadow_rehash(s, s->shadowhcap);
    }
    return (uint32_t)(s->nshadows - 1);
}

uint32_t fsc_score_shadow_parts(fsc_scorer *s, const char *id, const char *title,
                                const char *instruction, int ft, fsc_level level, double weight)
{
    return shadow_add(s, NULL, id, title, instruction, ft, level, weight);
}

/* The copy of a live rule: one pointer probe, then a check that the rule at
 * that address is still the one copied (a freed rule set's address may be
 * reused by the next one). */
static uint32_t shadow_of(fsc_scorer *s, const fsc_rule *r)
{
    size_t j = (size_t)(((uintptr_t)r >> 4) * 0x9e3779b97f4a7c15ULL) & (s->shadowhcap - 1);
    for (uint32_t k; (k = s->shadow_by_ptr[j]); j = (j + 1) & (s->shadowhcap - 1)) {
        shadow *sh = &s->shadows[k - 1];
        if (sh->orig == r && sh->r.weight == r->weight && sh->r.level == r->level &&
            sh->r.fraud_type == r->fraud_type && strcmp(sh->r.id, r->id) == 0 &&
            strcmp(sh->r.title, r->title) == 0)
            return k - 1;
    }
    return shadow_add(s, r, r->id, r->title, r->instruction, r->fraud_type, r->level, r->weight);
}

/* The model weight (per unit of kind weight) and tags of a rule copy. */
static const shadow *shadow_weighed(fsc_scorer *s, uint32_t i, fsc_field f)
{
    shadow *sh = &s->shadows[i];
    if (sh->model_gen != s->model_gen) {
        double w = fsc_model_rule_logit(s->model, sh->r.id);
        sh->w = isnan(w) ? sh->r.weight * s->model->rule_scale : w;
        sh->tags = fsc_model_rule_tags(s->model, &sh->r, FSC_F_COUNT);
        sh->model_gen = s->model_gen;
    }
    (void)f;
    return sh;
}

/* ---- the table ---------------------------------------------------------- */

/* Loads the snapshot named in the config, saying on stderr what it got:
 * after an unclean stop, how old the snapshot is, which is what was lost. */
static void restore_snapshot(fsc_scorer *s)
{
    char err[512];
    fsc_state_info info;
    fsc_status st = fsc_state_restore(s, s->cfg.state_path, &info, err, sizeof err);
    if (st == FSC_ENOTFOUND) {
        fprintf(stderr, "fraudscan: no snapshot at %s yet; starting empty\n", s->cfg.state_path);
        return;
    }
    if (st != FSC_OK) {
        fprintf(stderr, "fraudscan: snapshot not restored, starting empty: %s\n", err);
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    double age = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - (double)info.written / 1e6;
    if (info.clean)
        fprintf(stderr, "fraudscan: restored %zu people from %s (clean shutdown, %.0f s ago)\n",
                info.people, s->cfg.state_path, age);
    else
        fprintf(stderr, "fraudscan: restored %zu people from %s after an unclean stop: the "
                        "snapshot is %.1f s old; what the engine learnt between it and the "
                        "stop (at most one snapshot interval) is lost\n",
                info.people, s->cfg.state_path, age);
    if (info.dropped)
        fprintf(stderr, "fraudscan: %zu records in the snapshot were malformed and dropped\n",
                info.dropped);
}

fsc_scorer *fsc_scorer_new(const fsc_score_config *cfg, const char *ruleset_version)
{
    fsc_scorer *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cfg)
        s->cfg = *cfg;
    s->ctr = s->cfg.counters ? s->cfg.counters : &s->own_counters;
    if (!s->cfg.model) {
        s->own_model = fsc_model_builtin();
        if (!s->own_model)
            goto fail;
    }
    s->model = s->cfg.model ? s->cfg.model : s->own_model;
    s->model_gen = 1;
    if (!s->cfg.max_subscribers)
        s->cfg.max_subscribers = 16000000;
    if (!s->cfg.max_string_bytes)
        s->cfg.max_string_bytes = (size_t)1 << 30;
    snprintf(s->version, sizeof s->version, "%s", ruleset_version ? ruleset_version : "");
    s->record = 1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->salt = (uint32_t)fsc_fnv1a(&ts, sizeof ts, FSC_FNV_BASIS) | 1;
    s->cap = 1024;
    s->slots = calloc(s->cap, sizeof *s->slots);
    s->ftcap = 1024;
    s->ftused = 1;
    s->ftpool = calloc(s->ftcap, sizeof *s->ftpool);
    s->obscap = 16;
    s->obsused = 1;
    s->obspool = calloc(s->obscap, sizeof *s->obspool);
    s->textcap = 65536;
    s->textlen = 2; /* id 0 is "none" */
    s->text = calloc(s->textcap, 1);
    s->texthcap = 1024;
    s->texthash = calloc(s->texthcap, sizeof *s->texthash);
    if (!s->slots || !s->ftpool || !s->obspool || !s->text || !s->texthash ||
        shadow_rehash(s, 128) != 0)
        goto fail;
    s->store = s->cfg.store;
    if (s->cfg.state_path)
        restore_snapshot(s);
    if (s->cfg.state_path && s->cfg.snapshot_interval > 0)
        s->next_snapshot = time(NULL) + s->cfg.snapshot_interval;
    if (s->cfg.created)
        *s->cfg.created = s;
    return s;
fail:
    fsc_scorer_free(s);
    return NULL;
}

void fsc_scorer_free(fsc_scorer *s)
{
    if (!s)
        return;
    if (s->cfg.state_path && s->ftpool) {
        char err[512];
        if (fsc_state_save(s, s->cfg.state_path, true, err, sizeof err) != FSC_OK)
            fprintf(stderr, "fraudscan: %s\n", err);
    }
    if (s->cfg.created && *s->cfg.created == s)
        *s->cfg.created = NULL;
    for (size_t i = 1; i < s->ftused; i++)
        free(s->ftpool[i].ev);
    free(s->ftpool);
    free(s->obspool);
    free(s->slots);
    free(s->text);
    free(s->texthash);
    free(s->shadows);
    free(s->shadow_by_ptr);
    free(s->shadow_by_key);
    fsc_arena_free(&s->arena);
    fsc_model_free(s->own_model);
    free(s);
}

void fsc_scorer_set_model(fsc_scorer *s, const fsc_model *m)
{
    if (!m)
        return;
    s->model = m;
    s->model_gen++;
}

const fsc_model *fsc_scorer_model(const fsc_scorer *s)
{
    return s->model;
}

void fsc_scorer_set_ruleset_version(fsc_scorer *s, const char *version)
{
    snprintf(s->version, sizeof s->version, "%s", version ? version : "");
}

fsc_time fsc_scorer_clock(const fsc_scorer *s)
{
    return s->clock;
}

size_t fsc_scorer_count(const fsc_scorer *s)
{
    return s->used;
}

size_t fsc_scorer_memory(const fsc_scorer *s)
{
    return sizeof *s + s->cap * sizeof *s->slots + s->ftcap * sizeof *s->ftpool +
           s->obscap * sizeof *s->obspool + s->textcap + s->texthcap * sizeof *s->texthash +
           s->evbytes + s->shadowcap * sizeof *s->shadows;
}

static uint64_t id_hash(const char *id, size_t n)
{
    return mix(fsc_fnv1a(id, n, FSC_FNV_BASIS)) | 1;
}

static sub *probe(sub *slots, size_t cap, const fsc_scorer *s, const char *id, size_t n,
                  uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].h && (slots[i].h != h || fsc_score_textlen(s, slots[i].id) != n ||
                          memcmp(fsc_score_text(s, slots[i].id), id, n) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(fsc_scorer *s)
{
    size_t ncap = s->cap * 2;
    sub *n = calloc(ncap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].h) {
            size_t j = (size_t)s->slots[i].h & (ncap - 1);
            while (n[j].h)
                j = (j + 1) & (ncap - 1);
            n[j] = s->slots[i];
        }
    free(s->slots);
    s->slots = n;
    s->cap = ncap;
    return 0;
}

sub *fsc_score_find(fsc_scorer *s, const char *id, size_t n, bool add)
{
    uint64_t h = id_hash(id, n);
    sub *sl = probe(s->slots, s->cap, s, id, n, h);
    if (sl->h || !add)
        return sl->h ? sl : NULL;
    if (s->used >= s->cfg.max_subscribers)
        return NULL;
    /* the touched list holds slot indices: only grow between records (a
     * record touches one person, so this is at most one late growth) */
    if ((s->used + 1) * 4 > s->cap * 3) {
        if ((s->ntouched != 0 || s->committing) && (s->used + 2) < s->cap) {
            /* grow at the next record */
        } else if (grow(s) != 0) {
            return NULL;
        } else {
            sl = probe(s->slots, s->cap, s, id, n, h);
        }
    }
    uint32_t tid = fsc_score_intern(s, id, n);
    if (!tid)
        return NULL;
    memset(sl, 0, sizeof *sl);
    sl->h = h;
    sl->id = tid;
    s->used++;
    return sl;
}

uint32_t fsc_score_new_ftrec(fsc_scorer *s, sub *sl, int ft)
{
    uint32_t i = s->ftfree;
    if (i) {
        s->ftfree = s->ftpool[i].next;
    } else {
        if (s->ftused == s->ftcap) {
            size_t ncap = s->ftcap * 2;
            ftrec *n = realloc(s->ftpool, ncap * sizeof *n);
            if (!n || ncap > UINT32_MAX)
                return 0;
            s->ftpool = n;
            s->ftcap = ncap;
        }
        i = (uint32_t)s->ftused++;
    }
    ftrec *fr = &s->ftpool[i];
    memset(fr, 0, sizeof *fr);
    fr->ft = (uint8_t)ft;
    fr->next = sl->ft;
    sl->ft = i;
    return i;
}

uint32_t fsc_score_new_obs(fsc_scorer *s, sub *sl)
{
    uint32_t i = s->obsfree;
    if (i) {
        s->obsfree = s->obspool[i].next_free;
    } else {
        if (s->obsused == s->obscap) {
            size_t ncap = s->obscap * 2;
            obsrec *n = realloc(s->obspool, ncap * sizeof *n);
            if (!n)
                return 0;
            s->obspool = n;
            s->obscap = ncap;
        }
        i = (uint32_t)s->obsused++;
    }
    memset(&s->obspool[i], 0, sizeof s->obspool[i]);
    sl->obs = i;
    return i;
}

void fsc_score_clear_sub(fsc_scorer *s, sub *sl)
{
    for (uint32_t i = sl->ft, next; i; i = next) {
        ftrec *fr = &s->ftpool[i];
        next = fr->next;
        s->evbytes -= (size_t)fr->cap * sizeof(cev);
        free(fr->ev);
        memset(fr, 0, sizeof *fr);
        fr->next = s->ftfree;
        s->ftfree = i;
    }
    sl->ft = 0;
    if (sl->obs) {
        s->obspool[sl->obs].next_free = s->obsfree;
        s->obsfree = sl->obs;
        sl->obs = 0;
    }
}

cev *fsc_score_new_evidence(fsc_scorer *s, ftrec *fr)
{
    if (fr->nev == FSC_EVIDENCE_MAX) {
        /* keep the oldest (what started the episode) and the newest */
        memmove(&fr->ev[1], &fr->ev[2], (FSC_EVIDENCE_MAX - 2) * sizeof fr->ev[0]);
        fr->nev--;
    } else if (fr->nev == fr->cap) {
        uint8_t ncap = fr->cap ? (uint8_t)(fr->cap * 2) : 1;
        cev *n = realloc(fr->ev, ncap * sizeof *n);
        if (!n)
            return NULL;
        s->evbytes += (size_t)(ncap - fr->cap) * sizeof *n;
        fr->ev = n;
        fr->cap = ncap;
    }
    cev *e = &fr->ev[fr->nev++];
    memset(e, 0, sizeof *e);
    return e;
}

static ftrec *ftrec_of(fsc_scorer *s, sub *sl, int ft, uint32_t *idx)
{
    for (uint32_t i = sl->ft; i; i = s->ftpool[i].next)
        if (s->ftpool[i].ft == ft) {
            *idx = i;
            return &s->ftpool[i];
        }
    *idx = 0;
    return NULL;
}

/* ---- the model ---------------------------------------------------------- */

static double prior_logit(const fsc_scorer *s, const sub *sl, int ft)
{
    unsigned g = sl->group < FSC_GROUP_COUNT ? sl->group : FSC_GROUP_UNKNOWN;
    return s->model->prior_logit[ft][g];
}

static double evidence_logit(const ftrec *fr)
{
    double x = 0;
    for (int k = 0; k < FSC_SIGNAL_COUNT; k++)
        x += fr->sum[k];
    return x;
}

static double probability(const fsc_scorer *s, const sub *sl, const ftrec *fr)
{
    return fsc_sigmoid(prior_logit(s, sl, fr->ft) + evidence_logit(fr));
}

/* Decays the sums to t; late records do not decay backwards. */
static void decay(const fsc_scorer *s, ftrec *fr, fsc_time t)
{
    fsc_time dt = t - fr->last;
    if (dt <= 0)
        return;
    for (int k = 0; k < FSC_SIGNAL_COUNT; k++)
        if (fr->sum[k] != 0)
            fr->sum[k] *= (float)exp2(-(double)dt / (double)s->model->half_life[k]);
    fr->last = t;
}

/* The episode is over once its evidence has decayed to episode_end (a
 * quarter, by default) of its peak and the score is under the low level:
 * then the floors are forgotten and a new rise alerts again. Measured on
 * the evidence, not on the score, because a floor can hold a level that
 * the score alone never reached. */
static void maybe_end_episode(fsc_scorer *s, const sub *sl, ftrec *fr)
{
    if (fr->alerted == FSC_LEVEL_NONE && fr->floor == FSC_LEVEL_NONE)
        return;
    double x = evidence_logit(fr);
    if (x < s->model->episode_end * fr->peak &&
        probability(s, sl, fr) < s->model->threshold[FSC_LEVEL_LOW]) {
        fr->alerted = FSC_LEVEL_NONE;
        fr->floor = FSC_LEVEL_NONE;
        fr->nev = 0;
        fr->boosted = 0;
        fr->peak = (float)x;
    }
}

static void note_peak(ftrec *fr)
{
    double x = evidence_logit(fr);
    if (x > fr->peak)
        fr->peak = (float)x;
}

/* The registrable name of a host value, as a hash: its last two labels
 * ("m.taskhub-rebate.top" -> "taskhub-rebate.top"), case-folded. Without a
 * public-suffix list, names under a two-label suffix (example.co.uk) fold
 * to the suffix; that only merges evidence, it never loses any. 0 for
 * non-host fields. */
static uint32_t site_of(const fsc_value *v)
{
    if (!fsc_field_is_host(v->field) || v->len == 0)
        return 0;
    size_t end = v->len, start, dots = 0;
    if (v->ptr[end - 1] == '.')
        end--;
    start = end;
    while (start > 0) {
        if (v->ptr[start - 1] == '.' && ++dots == 2)
            break;
        start--;
    }
    uint64_t h = FSC_FNV_BASIS;
    for (size_t i = start; i < end; i++) {
        uint8_t c = (uint8_t)v->ptr[i];
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        h = fsc_fnv1a(&c, 1, h);
    }
    return (uint32_t)(h ^ (h >> 32)) | 1; /* never 0 */
}

/* The bytes of a value as evidence keeps them: long values are cut on a
 * UTF-8 boundary and marked, so the JSON written from them stays valid. */
static uint32_t intern_value(fsc_scorer *s, const char *p, size_t n)
{
    if (n < FSC_EVIDENCE_VALUE_MAX)
        return fsc_score_intern(s, p, n);
    char buf[FSC_EVIDENCE_VALUE_MAX];
    size_t k = FSC_EVIDENCE_VALUE_MAX - 4;
    while (k > 0 && ((uint8_t)p[k] & 0xc0) == 0x80)
        k--;
    memcpy(buf, p, k);
    memcpy(buf + k, "...", 3);
    return fsc_score_intern(s, buf, k + 3);
}

static void touch(fsc_scorer *s, sub *sl, uint32_t fri)
{
    ftrec *fr = &s->ftpool[fri];
    if (fr->touched || s->ntouched == sizeof s->touched / sizeof s->touched[0])
        return;
    fr->touched = 1;
    s->touched[s->ntouched].slot = (uint32_t)(sl - s->slots);
    s->touched[s->ntouched].fr = fri;
    s->ntouched++;
}

static sub *subject_slot(fsc_scorer *s, const fsc_subject *subj)
{
    sub *sl = fsc_score_find(s, subj->subscriber, strlen(subj->subscriber), true);
    if (!sl)
        return NULL;
    const char *pre = subj->precinct ? subj->precinct : "unassigned";
    if (!sl->precinct || strcmp(fsc_score_text(s, sl->precinct), pre) != 0)
        sl->precinct = fsc_score_intern(s, pre, strlen(pre));
    /* an unknown person keeps the group the store or a snapshot knew */
    if (subj->group != FSC_GROUP_UNKNOWN || !sl->ft)
        sl->group = (uint8_t)subj->group;
    return sl;
}

static fsc_status add_hit(fsc_scorer *s, const fsc_subject *subject, const fsc_rule *rule,
                          const fsc_value *v, const fsc_record *rec)
{
    int ft = rule->fraud_type;
    sub *sl = subject_slot(s, subject);
    if (!sl) {
        s->ctr->v[FSC_C_SCORE_TABLE_FULL]++;
        return FSC_ELIMIT;
    }
    uint32_t fri;
    ftrec *fr = ftrec_of(s, sl, ft, &fri);
    if (!fr) {
        fri = fsc_score_new_ftrec(s, sl, ft);
        if (!fri)
            return FSC_ENOMEM;
        fr = &s->ftpool[fri];
        fr->last = rec->ts;
    }
    decay(s, fr, rec->ts);
    maybe_end_episode(s, sl, fr);

    uint32_t shi = shadow_of(s, rule);
    if (shi == UINT32_MAX)
        return FSC_ENOMEM;
    const shadow *sh = shadow_weighed(s, shi, v->field);
    fsc_signal kind = fsc_signal_of(v->field, rec->source == FSC_SRC_APP ? rec->event : NULL);
    double w = sh->w * s->model->kind_weight[kind];
    uint16_t tags = sh->tags | (fsc_field_is_host(v->field) ? 1u << FSC_TAG_FRAUD_SITE : 0);

    /* What earlier evidence already covers: the same record, or the same
     * site or rule within the repeat window (see score.h). */
    uint32_t site = site_of(v);
    uint32_t recid = (uint32_t)s->record ^ s->salt;
    double covered = 0;
    for (size_t i = 0; i < fr->nev; i++) {
        const cev *e = &fr->ev[i];
        bool recent = rec->ts - e->ts < s->model->repeat_window && rec->ts >= e->ts;
        if (recent && e->rule == shi && e->field == v->field &&
            fsc_score_textlen(s, e->value) == v->len &&
            memcmp(fsc_score_text(s, e->value), v->ptr, v->len) == 0)
            return FSC_OK; /* a repeat: nothing new to record */
        bool same_key = site ? e->site == site : e->rule == shi;
        if (e->record == recid || (recent && same_key))
            covered = covered > e->weight ? covered : e->weight;
    }
    double add = w > covered ? w - covered : 0.0;
    fr->sum[kind] += (float)add;
    note_peak(fr);
    if (rule->level > fr->floor)
        fr->floor = (uint8_t)rule->level;

    /* intern before taking the entry: interning may not move fr, but keep
     * the order obvious */
    uint32_t val = intern_value(s, v->ptr, v->len);
    uint32_t src = 0, dst = 0;
    if (rec->source == FSC_SRC_TRAFFIC) {
        src = fsc_score_intern(s, &rec->src, sizeof rec->src);
        dst = fsc_score_intern(s, &rec->dst, sizeof rec->dst);
    }
    cev *e = fsc_score_new_evidence(s, fr);
    if (!e)
        return FSC_ENOMEM;
    e->ts = rec->ts;
    e->frame = rec->source == FSC_SRC_TRAFFIC ? rec->frame : rec->line;
    e->weight = (float)w;
    e->contribution = (float)add;
    e->rule = shi;
    e->value = val;
    e->src = src;
    e->dst = dst;
    e->site = site;
    e->record = recid;
    e->tags = tags;
    e->field = (uint8_t)v->field;
    e->source = (uint8_t)rec->source;
    e->kind = (uint8_t)kind;
    touch(s, sl, fri);
    return FSC_OK;
}

/* Keeps a copy of the hit for a replay after a store conflict. */
static void keep_pending(fsc_scorer *s, const fsc_subject *subj, const fsc_rule *rule,
                         const fsc_value *v, const fsc_record *rec)
{
    if (!s->store)
        return;
    size_t idl = strlen(subj->subscriber) + 1;
    size_t prl = subj->precinct ? strlen(subj->precinct) + 1 : 0;
    if (s->npending == PENDING_MAX || s->pendused + idl + prl + v->len > PENDING_BUF) {
        s->pending_overflow = true;
        return;
    }
    pending *p = &s->pend[s->npending++];
    p->rule = rule;
    p->rec.source = rec->source;
    p->rec.ts = rec->ts;
    p->rec.frame = rec->frame;
    p->rec.src = rec->src;
    p->rec.dst = rec->dst;
    p->rec.line = rec->line;
    p->rec.nvalues = 0;
    snprintf(p->event, sizeof p->event, "%s", rec->event ? rec->event : "");
    p->rec.event = rec->event ? p->event : NULL;
    char *b = s->pendbuf + s->pendused;
    memcpy(b, subj->subscriber, idl);
    p->subj.subscriber = b;
    b += idl;
    p->subj.precinct = NULL;
    if (prl) {
        memcpy(b, subj->precinct, prl);
        p->subj.precinct = b;
        b += prl;
    }
    p->subj.group = subj->group;
    memcpy(b, v->ptr, v->len);
    p->v.field = v->field;
    p->v.len = v->len;
    p->v.ptr = b;
    s->pendused += idl + prl + v->len;
}

fsc_status fsc_scorer_add(fsc_scorer *s, const fsc_subject *subject, const fsc_rule *rule,
                          const fsc_value *v, const fsc_record *rec)
{
    int ft = rule->fraud_type;
    if (ft < 1 || ft > FSC_FRAUD_TYPES)
        return FSC_EINVAL;
    fsc_time skew = s->model->max_skew;
    if (skew && s->clock && (rec->ts > s->clock + skew || rec->ts < s->clock - skew)) {
        s->ctr->v[FSC_C_SCORE_CLOCK_SKEW]++;
        return FSC_EINVAL;
    }
    if (rec->ts > s->clock)
        s->clock = rec->ts;
    s->record_ts = rec->ts;
    keep_pending(s, subject, rule, v, rec);
    return add_hit(s, subject, rule, v, rec);
}

/* ---- observations and dispositions -------------------------------------- */

void fsc_scorer_observe(fsc_scorer *s, const fsc_subject *subject, const fsc_record *rec,
                        const char *installer)
{
    if (rec->source != FSC_SRC_APP || !rec->event || !s->model->nboosts)
        return;
    int tag = -1;
    if (strcmp(rec->event, "screen_share_started") == 0)
        tag = FSC_TAG_SCREEN_SHARE;
    else if (strcmp(rec->event, "accessibility_enabled") == 0)
        tag = FSC_TAG_ACCESSIBILITY;
    else if (strcmp(rec->event, "app_opened") == 0) {
        for (size_t i = 0; i < rec->nvalues; i++)
            if (rec->values[i].field == FSC_F_APP_PACKAGE &&
                fsc_model_is_banking(s->model, rec->values[i].ptr, rec->values[i].len))
                tag = FSC_TAG_BANKING_OPENED;
    } else if (strcmp(rec->event, "install") == 0 && installer &&
               strcmp(installer, "sideload") == 0)
        tag = FSC_TAG_SIDELOAD;
    if (tag < 0)
        return;
    /* only worth a record when some boost looks for the tag */
    bool wanted = false;
    for (size_t b = 0; b < s->model->nboosts; b++)
        wanted |= (s->model->boosts[b].tags >> tag) & 1;
    if (!wanted)
        return;
    sub *sl = subject_slot(s, subject);
    if (!sl || (!sl->obs && !fsc_score_new_obs(s, sl)))
        return;
    obsrec *o = &s->obspool[sl->obs];
    if (rec->ts > o->seen[tag])
        o->seen[tag] = rec->ts;
    if (rec->ts > s->clock)
        s->clock = rec->ts;
}

fsc_status fsc_scorer_dispose(fsc_scorer *s, const fsc_subject *subject, int ft,
                              fsc_disposition d, fsc_time ts)
{
    if (ft < 0 || ft > FSC_FRAUD_TYPES)
        return FSC_EINVAL;
    sub *sl = subject_slot(s, subject);
    if (!sl)
        return FSC_ELIMIT;
    for (int t = ft ? ft : 1; t <= (ft ? ft : FSC_FRAUD_TYPES); t++) {
        uint32_t fri;
        ftrec *fr = ftrec_of(s, sl, t, &fri);
        if (!fr && d != FSC_DISPOSITION_CONFIRMED_SAFE)
            continue;
        if (!fr) {
            fri = fsc_score_new_ftrec(s, sl, t);
            if (!fri)
                return FSC_ENOMEM;
            fr = &s->ftpool[fri];
            fr->last = ts;
        }
        if (d == FSC_DISPOSITION_CONFIRMED_SAFE) {
            fr->quiet_until = ts + s->model->suppress;
        } else if (d == FSC_DISPOSITION_FALSE_ALARM) {
            /* the evidence was wrong: the episode ends with no trace */
            memset(fr->sum, 0, sizeof fr->sum);
            fr->alerted = fr->floor = FSC_LEVEL_NONE;
            fr->nev = 0;
            fr->boosted = 0;
        }
    }
    return FSC_OK;
}

/* ---- boosts, decisions, alerts ------------------------------------------ */

/* When the person last showed `tag`: their evidence of every fraud type and
 * their observations. 0: never. */
static fsc_time tag_seen(const fsc_scorer *s, const sub *sl, int tag)
{
    fsc_time t = 0;
    if (tag < FSC_TAG_BUILTIN && sl->obs && s->obspool[sl->obs].seen[tag] > t)
        t = s->obspool[sl->obs].seen[tag];
    for (uint32_t i = sl->ft; i; i = s->ftpool[i].next) {
        const ftrec *fr = &s->ftpool[i];
        for (size_t k = 0; k < fr->nev; k++)
            if ((fr->ev[k].tags >> tag) & 1 && fr->ev[k].ts > t)
                t = fr->ev[k].ts;
    }
    return t;
}

static void apply_boosts(fsc_scorer *s, sub *sl, uint32_t fri, fsc_time now)
{
    const fsc_model *m = s->model;
    for (size_t b = 0; b < m->nboosts; b++) {
        const fsc_model_boost *bo = &m->boosts[b];
        ftrec *fr = &s->ftpool[fri];
        if (!((bo->fraud_types >> fr->ft) & 1) || ((fr->boosted >> b) & 1))
            continue;
        fsc_time oldest = now;
        char names[FSC_EVIDENCE_VALUE_MAX] = "";
        size_t nl = 0;
        bool all = true;
        for (int t = 0; t < FSC_TAG_MAX && all; t++) {
            if (!((bo->tags >> t) & 1))
                continue;
            fsc_time seen = tag_seen(s, sl, t);
            if (!seen || now - seen > bo->within)
                all = false;
            else if (seen < oldest)
                oldest = seen;
            int k = snprintf(names + nl, sizeof names - nl, "%s%s", nl ? " + " : "",
                             m->tag_names[t]);
            if (k > 0 && (size_t)k < sizeof names - nl)
                nl += (size_t)k;
        }
        if (!all)
            continue;
        uint32_t shi = shadow_add(s, NULL, bo->rule.id, bo->rule.title, NULL, fr->ft,
                                  bo->rule.level, bo->logit);
        uint32_t val = fsc_score_intern(s, names, nl);
        fr = &s->ftpool[fri];
        cev *e = shi == UINT32_MAX ? NULL : fsc_score_new_evidence(s, fr);
        if (!e)
            return;
        double w = bo->logit * m->kind_weight[FSC_SIG_BOOST];
        fr->sum[FSC_SIG_BOOST] += (float)w;
        note_peak(fr);
        fr->boosted |= (uint16_t)(1u << b);
        if (bo->rule.level > fr->floor)
            fr->floor = (uint8_t)bo->rule.level;
        e->ts = now;
        e->weight = e->contribution = (float)w;
        e->rule = shi;
        e->value = val;
        e->record = (uint32_t)s->record ^ s->salt;
        e->field = FSC_F_APP_EVENT;
        e->source = FSC_SRC_APP;
        e->kind = FSC_SIG_BOOST;
        s->ctr->v[FSC_C_SCORE_BOOSTS]++;
    }
}

/* The instruction for this fraud type and victim group: that of the
 * evidence that weighed most and has one (the rule's text for the person's
 * group, else its default), else the fraud type's default. */
static const char *choose_instruction(const fsc_scorer *s, const ftrec *fr, fsc_group g)
{
    const char *best = NULL;
    double w = -1e9;
    for (size_t i = 0; i < fr->nev; i++) {
        const shadow *sh = &s->shadows[fr->ev[i].rule];
        const char *in = (unsigned)g < FSC_GROUP_COUNT && sh->r.group_instruction[g]
                             ? sh->r.group_instruction[g]
                             : sh->r.instruction;
        if (in && fr->ev[i].weight > w) {
            best = in;
            w = fr->ev[i].weight;
        }
    }
    return best ? best : fsc_fraud_type_instruction(fr->ft);
}

static void raise_alert(fsc_scorer *s, const sub *sl, const ftrec *fr, fsc_level lvl,
                        fsc_alert_fn cb, void *ctx)
{
    fsc_alert a;
    memset(&a, 0, sizeof a);
    const char *id = fsc_score_text(s, sl->id);
    int ft = fr->ft;
    uint64_t h = fsc_fnv1a(id, strlen(id), FSC_FNV_BASIS);
    h = fsc_fnv1a(&ft, sizeof ft, h);
    h = fsc_fnv1a(&lvl, sizeof lvl, h);
    h = fsc_fnv1a(&s->record_ts, sizeof s->record_ts, h);
    snprintf(a.id, sizeof a.id, "%016llx", (unsigned long long)h);
    a.ts = s->record_ts;
    a.subscriber = id;
    a.precinct = sl->precinct ? fsc_score_text(s, sl->precinct) : "unassigned";
    a.group = (fsc_group)sl->group;
    a.fraud_type = ft;
    a.level = lvl;
    a.score = probability(s, sl, fr);
    a.prior = fsc_sigmoid(prior_logit(s, sl, ft));
    a.instruction = choose_instruction(s, fr, (fsc_group)sl->group);
    a.ruleset_version = s->version;
    a.model_version = s->model->version;
    for (size_t i = 0; i < fr->nev; i++) {
        const cev *e = &fr->ev[i];
        fsc_evidence *x = &s->scratch[i];
        x->rule = &s->shadows[e->rule].r;
        x->field = (fsc_field)e->field;
        size_t n = fsc_score_textlen(s, e->value);
        if (n >= sizeof x->value)
            n = sizeof x->value - 1;
        memcpy(x->value, fsc_score_text(s, e->value), n);
        x->value[n] = '\0';
        x->ts = e->ts;
        x->source = (fsc_source)e->source;
        x->kind = (fsc_signal)e->kind;
        memset(&x->src, 0, sizeof x->src);
        memset(&x->dst, 0, sizeof x->dst);
        if (e->src && fsc_score_textlen(s, e->src) == sizeof x->src)
            memcpy(&x->src, fsc_score_text(s, e->src), sizeof x->src);
        if (e->dst && fsc_score_textlen(s, e->dst) == sizeof x->dst)
            memcpy(&x->dst, fsc_score_text(s, e->dst), sizeof x->dst);
        x->frame = e->frame;
        x->weight = e->weight;
        x->contribution = e->contribution;
    }
    a.nevidence = fr->nev;
    a.evidence = s->scratch;
    cb(ctx, &a);
}

typedef struct decision {
    uint32_t slot, fr;
    fsc_level lvl;
} decision;

/* Decides, for one touched record, whether it alerts now; applies the
 * decision to the record (so that it is committed with it). */
static bool decide(fsc_scorer *s, sub *sl, uint32_t fri, fsc_level *out)
{
    apply_boosts(s, sl, fri, s->record_ts);
    ftrec *fr = &s->ftpool[fri];
    fr->touched = 0;
    fsc_level lvl = fsc_model_level(s->model, probability(s, sl, fr));
    if (fr->floor > lvl)
        lvl = (fsc_level)fr->floor;
    if (lvl == FSC_LEVEL_NONE)
        return false;
    bool fire = false;
    if (lvl > fr->alerted)
        fire = true;
    else if (fr->alert_ts && s->record_ts - fr->alert_ts >= s->model->cooldown) {
        fire = true;
        s->ctr->v[FSC_C_SCORE_COOLDOWN]++;
    }
    if (!fire)
        return false;
    if (fr->quiet_until > s->record_ts) {
        /* confirmed safe: remember the level silently, so the end of the
         * silence does not bring an alert about evidence already judged */
        if (lvl > fr->alerted)
            fr->alerted = (uint8_t)lvl;
        s->ctr->v[FSC_C_SCORE_SUPPRESSED]++;
        return false;
    }
    fr->alerted = (uint8_t)lvl;
    fr->alert_ts = s->record_ts;
    *out = lvl;
    return true;
}

static void replay_pending(fsc_scorer *s, const sub *sl)
{
    const char *id = fsc_score_text(s, sl->id);
    s->replaying = true;
    for (size_t i = 0; i < s->npending; i++) {
        pending *p = &s->pend[i];
        if (strcmp(p->subj.subscriber, id) == 0)
            add_hit(s, &p->subj, p->rule, &p->v, &p->rec);
    }
    s->replaying = false;
}

void fsc_scorer_commit(fsc_scorer *s, fsc_alert_fn cb, void *ctx)
{
    decision dec[sizeof s->touched / sizeof s->touched[0]];
    s->committing = true;
    while (s->ntouched) {
        uint32_t slot = s->touched[0].slot;
        sub *sl = &s->slots[slot];
        size_t ndec = 0;
        for (int attempt = 0;; attempt++) {
            ndec = 0;
            size_t keep = 0;
            for (size_t i = 0; i < s->ntouched; i++) {
                if (s->touched[i].slot != slot) {
                    s->touched[keep++] = s->touched[i];
                    continue;
                }
                fsc_level lvl;
                if (decide(s, sl, s->touched[i].fr, &lvl)) {
                    dec[ndec].slot = slot;
                    dec[ndec].fr = s->touched[i].fr;
                    dec[ndec].lvl = lvl;
                    ndec++;
                }
            }
            s->ntouched = keep;
            if (!s->store)
                break;
            fsc_status st = fsc_state_store_commit(s->store, s, sl);
            if (st != FSC_EPARTIAL || attempt == 8)
                break;
            /* somebody else wrote this person first: sl now holds their
             * copy; our hits go on top of it and we decide again */
            s->ctr->v[FSC_C_STATE_REDIS_CONFLICTS]++;
            replay_pending(s, sl);
        }
        for (size_t i = 0; i < ndec; i++)
            raise_alert(s, sl, &s->ftpool[dec[i].fr], dec[i].lvl, cb, ctx);
    }
    s->committing = false;
    s->dirty = true;
    if (s->next_snapshot && time(NULL) >= s->next_snapshot) {
        char err[512];
        if (fsc_state_save(s, s->cfg.state_path, false, err, sizeof err) != FSC_OK)
            fprintf(stderr, "fraudscan: %s\n", err);
        s->next_snapshot = time(NULL) + s->cfg.snapshot_interval;
        s->dirty = false;
    }
    s->ntouched = 0;
    s->npending = 0;
    s->pendused = 0;
    s->pending_overflow = false;
    s->record++;
    if ((s->used + 1) * 4 > s->cap * 3)
        grow(s);
}

/* ---- expiry ------------------------------------------------------------- */

size_t fsc_scorer_expire(fsc_scorer *s, fsc_time now)
{
    if (s->ntouched)
        return 0; /* only between records: the touched list holds slots */
    fsc_time after = s->cfg.expire_after;
    if (after <= 0) {
        fsc_time hl = 0;
        for (int k = 0; k < FSC_SIGNAL_COUNT; k++)
            if (s->model->half_life[k] > hl)
                hl = s->model->half_life[k];
        after = 8 * hl;
    }
    size_t gone = 0;
    sub *n = calloc(s->cap, sizeof *n);
    if (!n)
        return 0;
    for (size_t i = 0; i < s->cap; i++) {
        sub *sl = &s->slots[i];
        if (!sl->h)
            continue;
        fsc_time last = 0, quiet = 0;
        for (uint32_t k = sl->ft; k; k = s->ftpool[k].next) {
            if (s->ftpool[k].last > last)
                last = s->ftpool[k].last;
            if (s->ftpool[k].quiet_until > quiet)
                quiet = s->ftpool[k].quiet_until;
        }
        if (sl->obs)
            for (int t = 0; t < FSC_TAG_BUILTIN; t++)
                if (s->obspool[sl->obs].seen[t] > last)
                    last = s->obspool[sl->obs].seen[t];
        if (now - last > after && quiet <= now) {
            fsc_score_clear_sub(s, sl);
            gone++;
            continue;
        }
        size_t j = (size_t)sl->h & (s->cap - 1);
        while (n[j].h)
            j = (j + 1) & (s->cap - 1);
        n[j] = *sl;
    }
    free(s->slots);
    s->slots = n;
    s->used -= gone;
    s->ctr->v[FSC_C_SCORE_EXPIRED] += gone;
    return gone;
}
