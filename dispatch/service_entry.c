/* service_entry.c: the service's entries as JSON (encode, decode) and the
 * one function that folds an entry into the state, used alike by live
 * calls (right after their append) and by the replay at open. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_int.h"

const char *const svc_kind_name[SVC_K_COUNT] = {
    "alert", "claim", "contact", "outcome", "close", "escalate",
    "paystop", "paystop_status", "refused", "reload",
};

/* ---- encode ---- */

static void alert_ref(yajl_gen g, const svc_entry *e, bool *bad)
{
    svc_gk(g, "alert_id", e->alert_id, bad);
    svc_gk(g, "precinct", e->precinct, bad);
    svc_gk(g, "queue", e->queue, bad);
    svc_gint(g, "level", e->level, bad);
}

fsc_status svc_entry_encode(const svc_entry *e, char **out, size_t *len, char *err,
                            size_t errcap)
{
    yajl_gen g = svc_gen_new();
    bool bad = false;
    if (!g)
        return FSC_ENOMEM;
    yajl_gen_map_open(g);
    svc_gk(g, "kind", svc_kind_name[e->kind], &bad);
    svc_gtime(g, "ts", e->ts, &bad);
    switch (e->kind) {
    case SVC_K_ALERT:
        alert_ref(g, e, &bad);
        svc_gbool(g, "fallback", e->fallback, &bad);
        svc_gk(g, "engine", e->engine ? e->engine : "", &bad);
        svc_gs(g, "alert", &bad);
        svc_gtree(g, e->alert, &bad);
        break;
    case SVC_K_CLAIM:
        svc_gk(g, "who", e->who, &bad);
        alert_ref(g, e, &bad);
        break;
    case SVC_K_CONTACT:
        svc_gk(g, "who", e->who, &bad);
        alert_ref(g, e, &bad);
        svc_gk(g, "channel", e->channel, &bad);
        svc_gk(g, "note", e->note ? e->note : "", &bad);
        break;
    case SVC_K_OUTCOME:
        svc_gk(g, "who", e->who, &bad);
        alert_ref(g, e, &bad);
        svc_gk(g, "outcome", fsc_outcome_name(e->outcome), &bad);
        svc_gcents(g, "amount", e->amount, &bad);
        svc_gk(g, "note", e->note ? e->note : "", &bad);
        break;
    case SVC_K_CLOSE:
        svc_gk(g, "who", e->who, &bad);
        alert_ref(g, e, &bad);
        svc_gk(g, "note", e->note ? e->note : "", &bad);
        break;
    case SVC_K_ESCALATE:
        svc_gk(g, "alert_id", e->alert_id, &bad);
        svc_gk(g, "precinct", e->precinct, &bad);
        svc_gk(g, "from", e->from, &bad);
        svc_gk(g, "queue", e->queue, &bad);
        svc_gint(g, "level", e->level, &bad);
        svc_gk(g, "reason", e->reason, &bad);
        break;
    case SVC_K_PAYSTOP:
        svc_gk(g, "who", e->who, &bad);
        svc_gk(g, "paystop_id", e->paystop_id, &bad);
        alert_ref(g, e, &bad);
        svc_gk(g, "bank", e->bank, &bad);
        svc_gk(g, "account", e->account, &bad);
        svc_gcents(g, "amount", e->amount, &bad);
        svc_gk(g, "reason", e->reason ? e->reason : "", &bad);
        break;
    case SVC_K_PAYSTOP_STATUS:
        svc_gk(g, "paystop_id", e->paystop_id, &bad);
        alert_ref(g, e, &bad);
        svc_gk(g, "bank", e->bank, &bad);
        svc_gk(g, "state", fsc_paystop_state_name(e->ps_state), &bad);
        svc_gk(g, "bank_ref", e->bank_ref ? e->bank_ref : "", &bad);
        svc_gk(g, "detail", e->detail ? e->detail : "", &bad);
        break;
    case SVC_K_REFUSED:
        svc_gk(g, "who", e->who, &bad);
        svc_gk(g, "role", e->role, &bad);
        svc_gk(g, "action", e->action, &bad);
        if (e->queue)
            alert_ref(g, e, &bad);
        else
            svc_gk(g, "alert_id", e->alert_id, &bad);
        svc_gk(g, "reason", e->reason, &bad);
        break;
    case SVC_K_RELOAD:
        svc_gk(g, "who", e->who, &bad);
        svc_gk(g, "what", e->what, &bad);
        svc_gk(g, "digest", e->digest, &bad);
        break;
    default:
        bad = true;
    }
    yajl_gen_map_close(g);
    fsc_status st = svc_gen_finish(g, bad, out, len);
    if (st == FSC_EINVAL)
        snprintf(err, errcap, "a text field is not valid UTF-8");
    return st;
}

/* ---- decode ---- */

static fsc_time time_of(const char *s)
{
    fsc_time t;
    if (s && fsc_time_parse(s, strlen(s), &t))
        return t;
    return SVC_NO_TIME;
}

static int64_t cents_of(yajl_val v)
{
    if (!v || v->type != yajl_t_number)
        return 0;
    double d = strtod(v->u.number.r, NULL);
    if (!isfinite(d) || fabs(d) * 100 > (double)SVC_AMOUNT_MAX)
        return 0;
    return llround(d * 100);
}

bool svc_entry_decode(yajl_val root, svc_entry *e)
{
    memset(e, 0, sizeof *e);
    if (!root || root->type != yajl_t_object)
        return false;
    const char *kind = svc_str(root, "kind");
    int k;
    for (k = 0; k < SVC_K_COUNT; k++)
        if (kind && strcmp(kind, svc_kind_name[k]) == 0)
            break;
    if (k == SVC_K_COUNT)
        return false;
    e->kind = (svc_kind)k;
    e->ts = time_of(svc_str(root, "ts"));
    if (e->ts == SVC_NO_TIME)
        return false;
    e->who = svc_str(root, "who");
    e->role = svc_str(root, "role");
    e->action = svc_str(root, "action");
    e->alert_id = svc_str(root, "alert_id");
    e->precinct = svc_str(root, "precinct");
    e->queue = svc_str(root, "queue");
    e->from = svc_str(root, "from");
    yajl_val lv = svc_member(root, "level");
    e->level = lv && YAJL_IS_INTEGER(lv) ? (int)YAJL_GET_INTEGER(lv) : 0;
    yajl_val fb = svc_member(root, "fallback");
    e->fallback = fb && YAJL_IS_TRUE(fb);
    e->engine = svc_str(root, "engine");
    e->channel = svc_str(root, "channel");
    e->note = svc_str(root, "note");
    e->reason = svc_str(root, "reason");
    e->detail = svc_str(root, "detail");
    e->bank_ref = svc_str(root, "bank_ref");
    e->what = svc_str(root, "what");
    e->digest = svc_str(root, "digest");
    e->paystop_id = svc_str(root, "paystop_id");
    e->bank = svc_str(root, "bank");
    e->account = svc_str(root, "account");
    e->amount = cents_of(svc_member(root, "amount"));
    const char *oc = svc_str(root, "outcome");
    int o = oc ? fsc_outcome_parse(oc) : FSC_OUTCOME_NONE;
    e->outcome = o < 0 ? FSC_OUTCOME_NONE : (fsc_outcome)o;
    const char *ps = svc_str(root, "state");
    int p = ps ? fsc_paystop_state_parse(ps) : -1;
    e->ps_state = p < 0 ? FSC_PS_REQUESTED : (fsc_paystop_state)p;
    if (e->kind == SVC_K_PAYSTOP_STATUS && p < 0)
        return false;
    if (e->kind == SVC_K_OUTCOME && o <= 0)
        return false;
    e->alert = svc_member(root, "alert");
    e->alert_ts = SVC_NO_TIME;
    if (e->alert && e->alert->type == yajl_t_object) {
        e->subscriber = svc_str(e->alert, "subscriber");
        e->fraud_type = svc_str(e->alert, "fraud_type");
        e->alert_ts = time_of(svc_str(e->alert, "ts"));
    }
    return true;
}

/* ---- apply ---- */

svc_alert *svc_alert_find(const fsc_svc *s, const char *alert_id)
{
    uint64_t key;
    if (!alert_id || !svc_hex16(alert_id, strlen(alert_id), &key))
        return NULL;
    uint32_t i = svc_map_get(&s->alert_by_id, key);
    return i == SVC_NONE ? NULL : &s->alerts[i];
}

/* The key of a payment stop's id, "PS-" and 16 hex digits. */
static bool paystop_key(const char *paystop_id, uint64_t *key)
{
    return paystop_id && strncmp(paystop_id, "PS-", 3) == 0 &&
           svc_hex16(paystop_id + 3, strlen(paystop_id + 3), key);
}

svc_paystop *svc_paystop_find(const fsc_svc *s, const char *paystop_id)
{
    uint64_t key;
    if (!paystop_key(paystop_id, &key))
        return NULL;
    uint32_t i = svc_map_get(&s->ps_by_id, key);
    return i == SVC_NONE ? NULL : &s->ps[i];
}

/* Counts one duration (microseconds) into a metrics histogram: the bucket
 * of the first bound le[i] (seconds) at or above it, else the n+1th (+Inf);
 * and its sum and count. */
static void observe(uint64_t *hist, const double *le, int n, int64_t *sum, uint64_t *count,
                    int64_t us)
{
    double v = (double)us / 1e6;
    int i = 0;
    while (i < n && v > le[i])
        i++;
    hist[i]++;
    *sum += us;
    (*count)++;
}

static int apply_alert(fsc_svc *s, uint64_t seq, const svc_entry *e)
{
    uint64_t key;
    if (!e->alert_id || !svc_hex16(e->alert_id, strlen(e->alert_id), &key) ||
        !svc_name_ok(e->precinct) || !svc_name_ok(e->queue) || e->level < 1 || e->level > 4)
        return -1;
    if (svc_map_get(&s->alert_by_id, key) != SVC_NONE)
        return -1;
    svc_alert *na = svc_grow(s->alerts, &s->capalerts, s->nalerts, sizeof *na, 1024);
    if (!na)
        return -1;
    s->alerts = na;
    svc_alert *a = &s->alerts[s->nalerts];
    memset(a, 0, sizeof *a);
    a->key = key;
    snprintf(a->id, sizeof a->id, "%016llx", (unsigned long long)key);
    a->seq = seq;
    a->received = e->ts;
    a->alert_ts = e->alert_ts;
    a->claimed_at = a->closed_at = SVC_NO_TIME;
    a->precinct = svc_intern(&s->names, e->precinct);
    a->queue = svc_intern(&s->names, e->queue);
    a->fraud_type = e->fraud_type && strlen(e->fraud_type) <= SVC_TEXT_MAX
                        ? svc_intern(&s->names, e->fraud_type)
                        : NULL;
    a->engine = svc_intern(&s->names, e->engine ? e->engine : "");
    a->subscriber = e->subscriber ? strndup(e->subscriber, SVC_TEXT_MAX) : NULL;
    a->level = e->level;
    a->state = FSC_WF_QUEUED;
    a->fallback = e->fallback;
    a->heap_pos = SVC_NONE;
    if (!a->precinct || !a->queue || !a->engine || (e->subscriber && !a->subscriber) ||
        svc_seqs_push(&a->hist, seq) != 0 ||
        svc_map_put(&s->alert_by_id, key, (uint32_t)s->nalerts) != 0) {
        free(a->subscriber);
        free(a->hist.v);
        return -1;
    }
    s->nalerts++;
    SVC_NAME_OF(a->queue)->is_queue = true;
    SVC_NAME_OF(a->queue)->depth++;
    SVC_NAME_OF(a->precinct)->is_precinct = true;
    s->by_level[a->level]++;
    /* an alert already at the desk has nowhere further to go */
    if (strcmp(a->queue, fsc_roster_desk(s->roster)) != 0) {
        fsc_time due = a->received + (fsc_time)llround(s->cfg.escalate_after[a->level] * 1e6);
        if (svc_heap_push(s, due, (uint32_t)(a - s->alerts), SVC_DL_ESCALATE) != 0)
            return -1;
    }
    return 0;
}

static void unqueue(fsc_svc *s, svc_alert *a)
{
    SVC_NAME_OF(a->queue)->depth--;
    svc_heap_remove(s, a->heap_pos);
}

static int apply_workflow(fsc_svc *s, uint64_t seq, const svc_entry *e)
{
    svc_alert *a = svc_alert_find(s, e->alert_id);
    if (!a)
        return -1;
    switch (e->kind) {
    case SVC_K_CLAIM:
        if (a->state != FSC_WF_QUEUED || !e->who)
            return -1;
        a->claimed_by = svc_intern(&s->names, e->who);
        if (!a->claimed_by)
            return -1;
        a->state = FSC_WF_CLAIMED;
        a->claimed_at = e->ts;
        unqueue(s, a);
        observe(s->claim_hist, svc_claim_le, SVC_CLAIM_BUCKETS, &s->claim_sum,
                &s->claim_count, a->claimed_at - a->received);
        break;
    case SVC_K_CONTACT:
        if (a->state != FSC_WF_CLAIMED && a->state != FSC_WF_CONTACTED)
            return -1;
        a->state = FSC_WF_CONTACTED;
        break;
    case SVC_K_OUTCOME:
        if (!(a->state == FSC_WF_CONTACTED ||
              (a->state == FSC_WF_CLAIMED && e->outcome == FSC_OUTCOME_UNREACHABLE)))
            return -1;
        a->state = FSC_WF_OUTCOME;
        a->outcome = e->outcome;
        a->amount = e->amount;
        break;
    case SVC_K_CLOSE:
        if (a->state != FSC_WF_OUTCOME)
            return -1;
        a->state = FSC_WF_CLOSED;
        a->closed_at = e->ts;
        break;
    case SVC_K_ESCALATE: {
        const char *q = svc_name_ok(e->queue) ? svc_intern(&s->names, e->queue) : NULL;
        if (a->state != FSC_WF_QUEUED || a->escalated || !q)
            return -1;
        unqueue(s, a);
        a->queue = q;
        SVC_NAME_OF(q)->is_queue = true;
        SVC_NAME_OF(q)->depth++;
        a->escalated = true;
        s->escalations++;
        break;
    }
    default:
        return -1;
    }
    return svc_seqs_push(&a->hist, seq);
}

static int rank(fsc_paystop_state st)
{
    return st >= FSC_PS_STOPPED ? 3 : (int)st;
}

static int apply_paystop(fsc_svc *s, uint64_t seq, const svc_entry *e)
{
    svc_alert *a = svc_alert_find(s, e->alert_id);
    uint64_t key;
    if (!a || !paystop_key(e->paystop_id, &key) || svc_map_get(&s->ps_by_id, key) != SVC_NONE ||
        !svc_name_ok(e->bank) || !e->account || e->amount <= 0)
        return -1;
    svc_paystop *np = svc_grow(s->ps, &s->capps, s->nps, sizeof *np, 256);
    if (!np)
        return -1;
    s->ps = np;
    svc_paystop *p = &s->ps[s->nps];
    memset(p, 0, sizeof *p);
    p->key = key;
    snprintf(p->id, sizeof p->id, "PS-%016llx", (unsigned long long)key);
    p->alert = (uint32_t)(a - s->alerts);
    p->bank = svc_intern(&s->names, e->bank);
    p->who = svc_intern(&s->names, e->who ? e->who : "");
    p->account = strndup(e->account, SVC_TEXT_MAX);
    p->reason = strndup(e->reason ? e->reason : "", SVC_NOTE_MAX);
    p->amount = e->amount;
    p->state = FSC_PS_REQUESTED;
    p->requested = e->ts;
    p->final_at = SVC_NO_TIME;
    p->to_stop = -1;
    p->heap_pos = SVC_NONE;
    if (!p->bank || !p->who || !p->account || !p->reason || svc_seqs_push(&p->hist, seq) != 0 ||
        svc_seqs_push(&a->hist, seq) != 0 ||
        svc_map_put(&s->ps_by_id, key, (uint32_t)s->nps) != 0) {
        free(p->account);
        free(p->reason);
        free(p->hist.v);
        return -1;
    }
    s->nps++;
    a->npaystops++;
    fsc_time due = p->requested + (fsc_time)llround(s->cfg.paystop_expire_after * 1e6);
    return svc_heap_push(s, due, (uint32_t)(p - s->ps), SVC_DL_EXPIRE);
}

static int apply_paystop_status(fsc_svc *s, uint64_t seq, const svc_entry *e)
{
    svc_paystop *p = svc_paystop_find(s, e->paystop_id);
    if (!p || rank(p->state) == 3 || rank(e->ps_state) <= rank(p->state))
        return -1;
    svc_alert *a = &s->alerts[p->alert];
    if (e->bank_ref && *e->bank_ref) {
        char *r = strndup(e->bank_ref, SVC_TEXT_MAX);
        if (!r)
            return -1;
        free(p->bank_ref);
        p->bank_ref = r;
    }
    p->state = e->ps_state;
    if (rank(p->state) == 3) {
        p->final_at = e->ts;
        svc_heap_remove(s, p->heap_pos);
    }
    if (p->state == FSC_PS_STOPPED) {
        fsc_time from = a->alert_ts != SVC_NO_TIME ? a->alert_ts : a->received;
        p->to_stop = e->ts > from ? e->ts - from : 0;
        observe(s->stop_hist, svc_stop_le, SVC_STOP_BUCKETS, &s->stop_sum, &s->stop_count,
                p->to_stop);
    }
    if (svc_seqs_push(&p->hist, seq) != 0)
        return -1;
    return svc_seqs_push(&a->hist, seq);
}

int svc_apply(fsc_svc *s, uint64_t seq, const svc_entry *e)
{
    switch (e->kind) {
    case SVC_K_ALERT:
        return apply_alert(s, seq, e);
    case SVC_K_CLAIM:
    case SVC_K_CONTACT:
    case SVC_K_OUTCOME:
    case SVC_K_CLOSE:
    case SVC_K_ESCALATE:
        return apply_workflow(s, seq, e);
    case SVC_K_PAYSTOP:
        return apply_paystop(s, seq, e);
    case SVC_K_PAYSTOP_STATUS:
        return apply_paystop_status(s, seq, e);
    case SVC_K_REFUSED: {
        s->refusals++;
        svc_alert *a = svc_alert_find(s, e->alert_id);
        return a ? svc_seqs_push(&a->hist, seq) : 0;
    }
    case SVC_K_RELOAD:
        return 0;
    default:
        return -1;
    }
}

void svc_state_free(fsc_svc *s)
{
    for (size_t i = 0; i < s->nalerts; i++) {
        free(s->alerts[i].subscriber);
        free(s->alerts[i].hist.v);
    }
    for (size_t i = 0; i < s->nps; i++) {
        free(s->ps[i].account);
        free(s->ps[i].bank_ref);
        free(s->ps[i].reason);
        free(s->ps[i].hist.v);
    }
    free(s->alerts);
    free(s->ps);
    free(s->heap.h);
    s->alerts = NULL;
    s->ps = NULL;
    s->nalerts = s->capalerts = s->nps = s->capps = 0;
    memset(&s->heap, 0, sizeof s->heap);
    svc_map_free(&s->alert_by_id);
    svc_map_free(&s->ps_by_id);
    svc_names_free(&s->names);
    memset(s->by_level, 0, sizeof s->by_level);
    s->escalations = s->refusals = 0;
    memset(s->claim_hist, 0, sizeof s->claim_hist);
    memset(s->stop_hist, 0, sizeof s->stop_hist);
    s->claim_sum = s->stop_sum = 0;
    s->claim_count = s->stop_count = 0;
}
