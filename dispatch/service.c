/* service.c: the service's life (open, replay, close), its commit and the
 * undo of a failed one, the listener, and who may read which entry.
 *
 * Undo, chosen: every operation applies its entry to memory right after
 * appending it (so the next operation of the same batch sees it: a claim
 * right after the alert's ingest, a duplicate inside one batch), and keeps
 * the entry in s->pending for the listener. When the store's commit fails
 * the store drops the uncommitted entries; the service then throws its
 * whole state away and replays the store, which now holds exactly the
 * committed entries: the same code path as a restart, so the undo is as
 * correct as a restart is, with no inverse of each operation to get wrong.
 * It costs a full replay, paid only on a failed commit (a full disk, a
 * Redis gone), when the daemon is not serving anyway. If that replay fails
 * too (Redis still away) the state is marked stale and every later call
 * retries the replay first and fails while it cannot. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_int.h"

static const char *const wf_names[] = {"queued", "claimed", "contacted", "outcome", "closed"};
static const char *const outcome_names[] = {"none", "dissuaded", "money_sent", "false_alarm",
                                            "unreachable"};
static const char *const ps_names[] = {"requested", "sent",     "acknowledged",
                                       "stopped",   "rejected", "expired"};

const char *fsc_wf_state_name(fsc_wf_state s)
{
    return (unsigned)s < 5 ? wf_names[s] : "?";
}

const char *fsc_outcome_name(fsc_outcome o)
{
    return (unsigned)o < 5 ? outcome_names[o] : "?";
}

int fsc_outcome_parse(const char *s)
{
    for (int i = 1; s && i < 5; i++)
        if (strcmp(s, outcome_names[i]) == 0)
            return i;
    return -1;
}

const char *fsc_paystop_state_name(fsc_paystop_state s)
{
    return (unsigned)s < 6 ? ps_names[s] : "?";
}

int fsc_paystop_state_parse(const char *s)
{
    for (int i = 0; s && i < 6; i++)
        if (strcmp(s, ps_names[i]) == 0)
            return i;
    return -1;
}

/* ---- replay ---- */

typedef struct replay_ctx {
    fsc_svc *s;
    char *buf;           /* the entry NUL-terminated for yajl_tree_parse */
    fsc_diag *diag;
} replay_ctx;

static int replay_one(void *ctx, uint64_t seq, const char *json, size_t len)
{
    replay_ctx *r = ctx;
    char errbuf[128];
    if (len > FSC_STORE_MAX_ENTRY)
        len = FSC_STORE_MAX_ENTRY;
    memcpy(r->buf, json, len);
    r->buf[len] = '\0';
    yajl_val root = yajl_tree_parse(r->buf, errbuf, sizeof errbuf);
    svc_entry e;
    if (!root || !svc_entry_decode(root, &e) || svc_apply(r->s, seq, &e) != 0) {
        /* an entry this version does not understand, or one that does not
         * fit the state before it: skipped, said, counted; the rest of the
         * log still makes the state */
        r->s->replay_skipped++;
        r->s->ctr->v[FSC_C_DSP_REPLAY_SKIPPED]++;
        fsc_diagf(r->diag, FSC_SEV_WARNING, NULL, 0, 0,
                  "dispatch store entry %llu skipped on replay: %s",
                  (unsigned long long)seq, root ? "does not fit the state" : "not JSON");
    }
    yajl_tree_free(root);
    return 0;
}

static fsc_status replay(fsc_svc *s, fsc_diag *diag)
{
    fsc_diag quiet_default = {0};
    replay_ctx r = {.s = s, .diag = diag ? diag : &quiet_default};
    r.buf = malloc(FSC_STORE_MAX_ENTRY + 1);
    if (!r.buf)
        return FSC_ENOMEM;
    fsc_status st = fsc_store_scan(s->store, 0, replay_one, &r);
    free(r.buf);
    return st;
}

static void pending_clear(fsc_svc *s)
{
    for (size_t i = 0; i < s->npending; i++)
        free(s->pending[i].json);
    s->npending = 0;
}

static fsc_status rebuild(fsc_svc *s)
{
    pending_clear(s);
    svc_state_free(s);
    fsc_status st = replay(s, NULL);
    s->stale = st != FSC_OK;
    return st;
}

fsc_status svc_ready(fsc_svc *s)
{
    return s->stale ? rebuild(s) : FSC_OK;
}

/* ---- open / close ---- */

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

fsc_status fsc_svc_open(const fsc_svc_config *cfg, fsc_counters *counters, fsc_diag *diag,
                        fsc_svc **out)
{
    static const double esc_default[5] = {0, 14400, 3600, 900, 300};
    fsc_diag stderr_diag = {0};
    if (!diag)
        diag = &stderr_diag;
    if (!cfg || !out || !cfg->roster_path || !cfg->tokens_path ||
        (!cfg->journal_dir && !cfg->redis))
        return FSC_EINVAL;
    fsc_svc *s = calloc(1, sizeof *s);
    if (!s)
        return FSC_ENOMEM;
    bool oom = false;
    s->cfg = *cfg;
    s->journal_dir = dup_or_null(cfg->journal_dir, &oom);
    s->redis = dup_or_null(cfg->redis, &oom);
    s->redis_prefix = dup_or_null(cfg->redis_prefix, &oom);
    s->roster_path = dup_or_null(cfg->roster_path, &oom);
    s->tokens_path = dup_or_null(cfg->tokens_path, &oom);
    s->cfg.journal_dir = s->journal_dir;
    s->cfg.redis = s->redis;
    s->cfg.redis_prefix = s->redis_prefix;
    s->cfg.roster_path = s->roster_path;
    s->cfg.tokens_path = s->tokens_path;
    for (int l = 1; l <= 4; l++)
        if (!(s->cfg.escalate_after[l] > 0) || !isfinite(s->cfg.escalate_after[l]))
            s->cfg.escalate_after[l] = esc_default[l];
    if (!(s->cfg.paystop_expire_after > 0) || !isfinite(s->cfg.paystop_expire_after))
        s->cfg.paystop_expire_after = 900;
    s->ctr = counters ? counters : &s->own;
    fsc_status st = FSC_ENOMEM;
    if (oom)
        goto fail;
    st = fsc_roster_load(s->roster_path, diag, &s->roster);
    if (st != FSC_OK)
        goto fail;
    st = fsc_auth_load(s->tokens_path, diag, &s->auth);
    if (st != FSC_OK)
        goto fail;
    char err[256] = "";
    if (s->redis)
        st = fsc_store_open_redis(s->redis, s->redis_prefix, s->ctr, &s->store, err, sizeof err);
    else
        st = fsc_store_open_journal(s->journal_dir, s->ctr, &s->store, err, sizeof err);
    if (st != FSC_OK) {
        fsc_diagf(diag, FSC_SEV_ERROR, s->redis ? s->redis : s->journal_dir, 0, 0,
                  "cannot open the dispatch store: %s", err);
        goto fail;
    }
    st = replay(s, diag);
    if (st != FSC_OK) {
        fsc_diagf(diag, FSC_SEV_ERROR, s->redis ? s->redis : s->journal_dir, 0, 0,
                  "cannot replay the dispatch store: %s", fsc_strerror(st));
        goto fail;
    }
    *out = s;
    return FSC_OK;
fail:
    fsc_svc_close(s);
    return st;
}

void fsc_svc_close(fsc_svc *s)
{
    if (!s)
        return;
    pending_clear(s);
    free(s->pending);
    svc_state_free(s);
    fsc_store_close(s->store);
    fsc_roster_free(s->roster);
    fsc_auth_free(s->auth);
    free(s->journal_dir);
    free(s->redis);
    free(s->redis_prefix);
    free(s->roster_path);
    free(s->tokens_path);
    free(s);
}

void fsc_svc_set_listener(fsc_svc *s, fsc_svc_listener fn, void *ctx)
{
    s->listener = fn;
    s->listener_ctx = ctx;
}

const fsc_auth *fsc_svc_auth(const fsc_svc *s)
{
    return s->auth;
}

const fsc_roster *fsc_svc_roster(const fsc_svc *s)
{
    return s->roster;
}

/* ---- append and commit ---- */

fsc_status svc_emit(fsc_svc *s, const svc_entry *e, fsc_counter_id c1, fsc_counter_id c2,
                    char *err, size_t errcap)
{
    char *json = NULL;
    size_t len = 0;
    uint64_t seq;
    svc_pending *np = svc_grow(s->pending, &s->cappending, s->npending, sizeof *np, 64);
    if (!np)
        return FSC_ENOMEM;
    s->pending = np;
    fsc_status st = svc_entry_encode(e, &json, &len, err, errcap);
    if (st != FSC_OK)
        return st;
    st = fsc_store_append(s->store, json, len, &seq);
    if (st != FSC_OK) {
        snprintf(err, errcap, "the store refused the entry: %s", fsc_strerror(st));
        free(json);
        return st;
    }
    if (svc_apply(s, seq, e) != 0) {
        /* the caller checked every condition apply checks, so only memory
         * can fail here; the entry is in the batch already: rebuild from
         * the store after the commit so memory and log agree again */
        s->stale = true;
        snprintf(err, errcap, "out of memory applying the entry");
        free(json);
        return FSC_ENOMEM;
    }
    svc_pending *p = &s->pending[s->npending++];
    memset(p, 0, sizeof *p);
    p->seq = seq;
    p->kind = svc_kind_name[e->kind];
    p->queue = svc_intern_find(&s->names, e->queue);
    p->level = e->level;
    p->json = json;
    p->len = len;
    p->count[0] = c1;
    p->count[1] = c2;
    if (e->alert_id)
        snprintf(p->alert_id, sizeof p->alert_id, "%s", e->alert_id);
    if (e->kind == SVC_K_ALERT || e->kind == SVC_K_ESCALATE)
        p->mirror = 1 + FSC_QMIRROR_QUEUED;
    else if (e->kind == SVC_K_CLAIM)
        p->mirror = 1 + FSC_QMIRROR_CLAIMED;
    else if (e->kind == SVC_K_CLOSE)
        p->mirror = 1 + FSC_QMIRROR_CLOSED;
    p->mirror_who = svc_intern_find(&s->names, e->who);
    return FSC_OK;
}

fsc_status fsc_svc_commit(fsc_svc *s)
{
    if (s->npending == 0)
        return s->stale ? rebuild(s) : FSC_OK;
    fsc_status st = fsc_store_commit(s->store);
    if (st != FSC_OK) {
        if (rebuild(s) != FSC_OK)
            fsc_diagf(&(fsc_diag){0}, FSC_SEV_ERROR, NULL, 0, 0,
                      "dispatch: the store cannot be replayed after a failed commit; "
                      "retrying on the next call");
        return st;
    }
    /* the queue mirror's steps go to the store in one batch (Redis
     * pipelines them: one round trip, not one per step) */
    fsc_mirror_step *steps = NULL; /* made at the first step */
    size_t nsteps = 0;
    bool mirrored = fsc_store_has_mirror(s->store), no_room = false;
    for (size_t i = 0; i < s->npending; i++) {
        svc_pending *p = &s->pending[i];
        for (int k = 0; k < 2; k++)
            if (p->count[k] != FSC_C_COUNT)
                s->ctr->v[p->count[k]]++;
        if (mirrored && p->mirror && p->queue) {
            fsc_mirror_step m = {p->queue, p->alert_id, p->mirror_who, p->seq,
                                 (fsc_qmirror)(p->mirror - 1)};
            if (!steps && !no_room) {
                steps = malloc((s->npending - i) * sizeof *steps);
                no_room = steps == NULL;
            }
            if (steps)
                steps[nsteps++] = m;
            else /* no memory for the batch: one at a time */
                fsc_store_mirror(s->store, m.precinct, m.alert_id, m.seq, m.what, m.officer);
        }
        if (s->listener)
            s->listener(s->listener_ctx, p->seq, p->kind, p->queue, p->level, p->json, p->len);
    }
    if (nsteps)
        fsc_store_mirror_many(s->store, steps, nsteps);
    free(steps);
    pending_clear(s);
    /* an apply that failed for memory marked the state stale */
    return s->stale ? rebuild(s) : FSC_OK;
}

/* ---- who reads what ---- */

bool fsc_svc_may_read(const fsc_svc *s, const fsc_principal *p, const char *queue)
{
    (void)s;
    if (!p)
        return false;
    if (p->role == FSC_ROLE_ANALYST || p->role == FSC_ROLE_LIAISON || p->role == FSC_ROLE_ADMIN)
        return true;
    return queue && p->role == FSC_ROLE_OFFICER && fsc_auth_allows(p, FSC_ACT_READ, queue);
}

fsc_status fsc_svc_check_read(fsc_svc *s, const fsc_principal *p, const char *queue,
                              const char *action, double now, char *err, size_t errcap)
{
    if (fsc_svc_may_read(s, p, queue))
        return FSC_OK;
    char why[200];
    snprintf(why, sizeof why, "%s may not read queue %s", p ? p->name : "(nobody)",
             queue ? queue : "(all)");
    return svc_refuse(s, p, action, NULL, NULL, svc_now(now), why, err, errcap);
}

bool fsc_svc_entry_visible(const fsc_svc *s, const fsc_principal *p, const fsc_svc_filter *f,
                           const char *kind, const char *queue, int level)
{
    if (f) {
        if (f->queue && (!queue || strcmp(f->queue, queue) != 0))
            return false;
        if (f->min_level > 0 && level < f->min_level)
            return false;
        if (f->alerts_only &&
            (!kind || (strcmp(kind, "alert") != 0 && strcmp(kind, "escalate") != 0)))
            return false;
    }
    return fsc_svc_may_read(s, p, queue);
}

bool svc_role_may(const fsc_principal *p, fsc_action act)
{
    if (!p)
        return false;
    switch (act) {
    case FSC_ACT_READ:
        return p->role != FSC_ROLE_NONE;
    case FSC_ACT_WORK:
        return p->role == FSC_ROLE_OFFICER || p->role == FSC_ROLE_ADMIN;
    case FSC_ACT_PAYSTOP:
        return p->role == FSC_ROLE_LIAISON || p->role == FSC_ROLE_ADMIN;
    case FSC_ACT_ADMIN:
        return p->role == FSC_ROLE_ADMIN;
    }
    return false;
}

bool svc_alert_allowed(const fsc_principal *p, fsc_action act, const svc_alert *a)
{
    return fsc_auth_allows(p, act, a->precinct) || fsc_auth_allows(p, act, a->queue);
}

typedef struct feed_ctx {
    fsc_svc *s;
    const fsc_principal *p;
    const fsc_svc_filter *f;
    fsc_svc_entry_fn fn;
    void *ctx;
    char *buf;
} feed_ctx;

static int feed_one(void *ctx, uint64_t seq, const char *json, size_t len)
{
    feed_ctx *c = ctx;
    char errbuf[64];
    if (len > FSC_STORE_MAX_ENTRY)
        return 0;
    memcpy(c->buf, json, len);
    c->buf[len] = '\0';
    yajl_val root = yajl_tree_parse(c->buf, errbuf, sizeof errbuf);
    if (!root)
        return 0;
    const char *kind = svc_str(root, "kind"), *queue = svc_str(root, "queue");
    int level = 0;
    for (size_t i = 0; root->type == yajl_t_object && i < root->u.object.len; i++)
        if (strcmp(root->u.object.keys[i], "level") == 0 &&
            YAJL_IS_INTEGER(root->u.object.values[i]))
            level = (int)YAJL_GET_INTEGER(root->u.object.values[i]);
    bool vis = fsc_svc_entry_visible(c->s, c->p, c->f, kind, queue, level);
    yajl_tree_free(root);
    return vis ? c->fn(c->ctx, seq, json, len) : 0;
}

fsc_status fsc_svc_feed(fsc_svc *s, const fsc_principal *p, uint64_t after,
                        const fsc_svc_filter *f, fsc_svc_entry_fn fn, void *ctx)
{
    fsc_status st = svc_ready(s);
    if (st != FSC_OK)
        return st;
    feed_ctx c = {.s = s, .p = p, .f = f, .fn = fn, .ctx = ctx};
    c.buf = malloc(FSC_STORE_MAX_ENTRY + 1);
    if (!c.buf)
        return FSC_ENOMEM;
    st = fsc_store_scan(s->store, after, feed_one, &c);
    free(c.buf);
    return st;
}
