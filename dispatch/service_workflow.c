/* service_workflow.c: alerts in (ingest, dedupe, routing), the officer's
 * steps (claim, contact, outcome, close), refusals, the deadline tick
 * (escalations, payment-stop expiry) and reloads. Each validates against
 * the state, then emits one entry (service.c) whose apply makes the
 * change, so a live call and a replay change memory by the same code. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_int.h"

/* ---- refusals ---- */

fsc_status svc_refuse(fsc_svc *s, const fsc_principal *p, const char *action,
                      const char *alert_id, const svc_alert *a, fsc_time now,
                      const char *reason, char *err, size_t errcap)
{
    char idbuf[65];
    snprintf(idbuf, sizeof idbuf, "%s", alert_id ? alert_id : "");
    svc_entry e = {.kind = SVC_K_REFUSED, .ts = now, .action = action, .reason = reason};
    e.who = p ? p->name : "";
    e.role = fsc_role_name(p ? p->role : FSC_ROLE_NONE);
    e.alert_id = a ? a->id : idbuf;
    if (a) {
        e.precinct = a->precinct;
        e.queue = a->queue;
        e.level = a->level;
    }
    char ignored[64];
    if (svc_emit(s, &e, FSC_C_DSP_REFUSALS, FSC_C_COUNT, ignored, sizeof ignored) ==
        FSC_EINVAL) {
        /* what the caller sent was not text: audit the refusal without it */
        e.alert_id = "(not UTF-8)";
        e.who = p && p->name[0] ? "(not UTF-8)" : "";
        svc_emit(s, &e, FSC_C_DSP_REFUSALS, FSC_C_COUNT, ignored, sizeof ignored);
    }
    if (err != reason)
        snprintf(err, errcap, "%s", reason);
    return FSC_EDENIED;
}

/* The checks every step of the workflow makes, in the order callers can
 * tell apart: the role at all, the alert, the alert's precinct or queue. */
static fsc_status workflow_check(fsc_svc *s, const fsc_principal *p, const char *action,
                                 const char *alert_id, fsc_time now, svc_alert **out, char *err,
                                 size_t errcap)
{
    char why[160];
    fsc_status st = svc_ready(s);
    if (st != FSC_OK) {
        snprintf(err, errcap, "the store is unavailable: %s", fsc_strerror(st));
        return st;
    }
    svc_alert *a = svc_alert_find(s, alert_id);
    if (!svc_role_may(p, FSC_ACT_WORK)) {
        snprintf(why, sizeof why, "%s: role %s may not %s alerts", p ? p->name : "?",
                 fsc_role_name(p ? p->role : FSC_ROLE_NONE), action);
        return svc_refuse(s, p, action, alert_id, a, now, why, err, errcap);
    }
    if (!a) {
        snprintf(err, errcap, "no alert %.64s", alert_id ? alert_id : "(none)");
        return FSC_ENOTFOUND;
    }
    if (!svc_alert_allowed(p, FSC_ACT_WORK, a)) {
        snprintf(why, sizeof why, "%s serves neither precinct %s nor queue %s", p->name,
                 a->precinct, a->queue);
        return svc_refuse(s, p, action, alert_id, a, now, why, err, errcap);
    }
    *out = a;
    return FSC_OK;
}

static fsc_status text_check(const char *what, const char *t, char *err, size_t errcap)
{
    if (t && strlen(t) > SVC_NOTE_MAX) {
        snprintf(err, errcap, "%s longer than %d bytes", what, SVC_NOTE_MAX);
        return FSC_ELIMIT;
    }
    return FSC_OK;
}

static fsc_status bad_state(const svc_alert *a, const char *action, const char *needs, char *err,
                            size_t errcap)
{
    snprintf(err, errcap, "alert %s is %s: %s needs %s", a->id, fsc_wf_state_name(a->state),
             action, needs);
    return FSC_ESTATE;
}

static svc_entry step_entry(svc_kind k, const fsc_principal *p, const svc_alert *a, fsc_time t)
{
    svc_entry e = {.kind = k, .ts = t, .who = p->name, .alert_id = a->id,
                   .precinct = a->precinct, .queue = a->queue, .level = a->level};
    return e;
}

fsc_status fsc_svc_claim(fsc_svc *s, const fsc_principal *p, const char *alert_id, double now,
                         char *err, size_t errcap)
{
    svc_alert *a;
    fsc_time t = svc_now(now);
    fsc_status st = workflow_check(s, p, "claim", alert_id, t, &a, err, errcap);
    if (st != FSC_OK)
        return st;
    if (a->state != FSC_WF_QUEUED) {
        snprintf(err, errcap, "alert %s is %s%s%s: claim needs queued", a->id,
                 fsc_wf_state_name(a->state), a->claimed_by ? " by " : "",
                 a->claimed_by ? a->claimed_by : "");
        return FSC_ESTATE;
    }
    svc_entry e = step_entry(SVC_K_CLAIM, p, a, t);
    return svc_emit(s, &e, FSC_C_COUNT, FSC_C_COUNT, err, errcap);
}

fsc_status fsc_svc_contact(fsc_svc *s, const fsc_principal *p, const char *alert_id,
                           const char *channel, const char *note, double now, char *err,
                           size_t errcap)
{
    svc_alert *a;
    fsc_time t = svc_now(now);
    fsc_status st = workflow_check(s, p, "contact", alert_id, t, &a, err, errcap);
    if (st != FSC_OK)
        return st;
    if (!channel || (strcmp(channel, "phone") != 0 && strcmp(channel, "visit") != 0)) {
        snprintf(err, errcap, "channel must be phone or visit");
        return FSC_EINVAL;
    }
    if ((st = text_check("note", note, err, errcap)) != FSC_OK)
        return st;
    if (a->state != FSC_WF_CLAIMED && a->state != FSC_WF_CONTACTED)
        return bad_state(a, "contact", "claimed or contacted", err, errcap);
    svc_entry e = step_entry(SVC_K_CONTACT, p, a, t);
    e.channel = channel;
    e.note = note;
    return svc_emit(s, &e, FSC_C_COUNT, FSC_C_COUNT, err, errcap);
}

fsc_status fsc_svc_outcome(fsc_svc *s, const fsc_principal *p, const char *alert_id,
                           fsc_outcome o, double amount, const char *note, double now,
                           char *err, size_t errcap)
{
    svc_alert *a;
    fsc_time t = svc_now(now);
    fsc_status st = workflow_check(s, p, "outcome", alert_id, t, &a, err, errcap);
    if (st != FSC_OK)
        return st;
    if (o <= FSC_OUTCOME_NONE || o > FSC_OUTCOME_UNREACHABLE) {
        snprintf(err, errcap, "outcome must be dissuaded, money_sent, false_alarm or unreachable");
        return FSC_EINVAL;
    }
    if (!isfinite(amount) || amount < 0 || amount * 100 > (double)SVC_AMOUNT_MAX) {
        snprintf(err, errcap, "amount must be a number from 0 to 1e12");
        return FSC_EINVAL;
    }
    if ((st = text_check("note", note, err, errcap)) != FSC_OK)
        return st;
    if (!(a->state == FSC_WF_CONTACTED ||
          (a->state == FSC_WF_CLAIMED && o == FSC_OUTCOME_UNREACHABLE)))
        return bad_state(a, "outcome",
                         "contacted (or claimed, for unreachable)", err, errcap);
    svc_entry e = step_entry(SVC_K_OUTCOME, p, a, t);
    e.outcome = o;
    e.amount = llround(amount * 100);
    e.note = note;
    return svc_emit(s, &e, FSC_C_COUNT, FSC_C_COUNT, err, errcap);
}

fsc_status fsc_svc_close_alert(fsc_svc *s, const fsc_principal *p, const char *alert_id,
                               const char *note, double now, char *err, size_t errcap)
{
    svc_alert *a;
    fsc_time t = svc_now(now);
    fsc_status st = workflow_check(s, p, "close", alert_id, t, &a, err, errcap);
    if (st != FSC_OK)
        return st;
    if ((st = text_check("note", note, err, errcap)) != FSC_OK)
        return st;
    if (a->state != FSC_WF_OUTCOME)
        return bad_state(a, "close", "an outcome", err, errcap);
    svc_entry e = step_entry(SVC_K_CLOSE, p, a, t);
    e.note = note;
    return svc_emit(s, &e, FSC_C_COUNT, FSC_C_COUNT, err, errcap);
}

/* ---- ingest ---- */

/* Deepest nesting of the JSON text, strings skipped; stops counting past
 * max. Run before yajl_tree_parse: the tree and every walk over it are
 * recursive, and an engine's bytes are not trusted to be shallow. */
static int json_depth(const char *j, size_t len, int max)
{
    int d = 0, deepest = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = j[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++d > deepest)
                deepest = d;
            if (deepest > max)
                return deepest;
        } else if (c == '}' || c == ']') {
            d--;
        }
    }
    return deepest;
}

static fsc_status malformed(fsc_svc *s, fsc_status st, char *err, size_t errcap,
                            const char *fmt, const char *arg)
{
    s->ctr->v[FSC_C_DSP_MALFORMED]++;
    snprintf(err, errcap, fmt, arg);
    return st;
}

/* An optional string member: absent is fine, anything but a bounded
 * string is not. */
static bool opt_text(yajl_val o, const char *key, const char **out)
{
    yajl_val v = svc_member(o, key);
    *out = NULL;
    if (!v)
        return true;
    if (v->type != yajl_t_string || strlen(v->u.string) > SVC_TEXT_MAX)
        return false;
    *out = v->u.string;
    return true;
}

fsc_status fsc_svc_ingest(fsc_svc *s, const char *engine, const char *json, size_t len,
                          double now, uint64_t *seq, bool *dup, char *err, size_t errcap)
{
    char errbuf[160], idbuf[17];
    char *buf = NULL;
    yajl_val root = NULL, v;
    svc_entry e = {.kind = SVC_K_ALERT, .ts = svc_now(now), .alert_ts = SVC_NO_TIME};
    uint64_t key;
    fsc_status st;
    *dup = false;
    *seq = 0;
    if ((st = svc_ready(s)) != FSC_OK) {
        snprintf(err, errcap, "the store is unavailable: %s", fsc_strerror(st));
        return st;
    }
    if (len > SVC_ALERT_MAX) {
        snprintf(errbuf, sizeof errbuf, "%zu", len);
        return malformed(s, FSC_ELIMIT, err, errcap, "alert of %s bytes: at most 65536", errbuf);
    }
    if (!json || len == 0 || memchr(json, '\0', len))
        return malformed(s, FSC_EMALFORMED, err, errcap, "%s", "empty alert or a NUL byte in it");
    if (json_depth(json, len, SVC_ALERT_DEPTH) > SVC_ALERT_DEPTH)
        return malformed(s, FSC_EMALFORMED, err, errcap, "%s", "alert nested deeper than 32");
    if (engine && strlen(engine) > 63)
        engine = NULL;
    buf = malloc(len + 1);
    if (!buf)
        return FSC_ENOMEM;
    memcpy(buf, json, len);
    buf[len] = '\0';
    root = yajl_tree_parse(buf, errbuf, sizeof errbuf);
    if (!root) {
        for (char *c = errbuf; *c; c++)
            if (*c == '\n' || *c == '\r')
                *c = ' ';
        st = malformed(s, FSC_EMALFORMED, err, errcap, "not JSON: %s", errbuf);
        goto done;
    }
    if (root->type != yajl_t_object) {
        st = malformed(s, FSC_EMALFORMED, err, errcap, "%s", "not a JSON object");
        goto done;
    }
    v = svc_member(root, "alert_id");
    if (!v || v->type != yajl_t_string || !svc_hex16(v->u.string, strlen(v->u.string), &key)) {
        st = malformed(s, FSC_EMALFORMED, err, errcap, "key '%s': want 16 hex digits",
                       "alert_id");
        goto done;
    }
    v = svc_member(root, "precinct");
    if (!v || v->type != yajl_t_string || !svc_name_ok(v->u.string)) {
        st = malformed(s, FSC_EMALFORMED, err, errcap,
                       "key '%s': want 1 to 31 of A-Z a-z 0-9 - _ . :", "precinct");
        goto done;
    }
    e.precinct = v->u.string;
    v = svc_member(root, "level");
    if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 1 || YAJL_GET_INTEGER(v) > 4) {
        st = malformed(s, FSC_EMALFORMED, err, errcap, "key '%s': want a whole number 1..4",
                       "level");
        goto done;
    }
    e.level = (int)YAJL_GET_INTEGER(v);
    v = svc_member(root, "ts");
    if (v && (v->type != yajl_t_string ||
              !fsc_time_parse(v->u.string, strlen(v->u.string), &e.alert_ts))) {
        st = malformed(s, FSC_EMALFORMED, err, errcap, "key '%s': want an RFC 3339 time", "ts");
        goto done;
    }
    if (!opt_text(root, "subscriber", &e.subscriber)) {
        st = malformed(s, FSC_EMALFORMED, err, errcap, "key '%s': want text of at most 128 bytes",
                       "subscriber");
        goto done;
    }
    if (!opt_text(root, "fraud_type", &e.fraud_type)) {
        st = malformed(s, FSC_EMALFORMED, err, errcap, "key '%s': want text of at most 128 bytes",
                       "fraud_type");
        goto done;
    }
    uint32_t first = svc_map_get(&s->alert_by_id, key);
    if (first != SVC_NONE) {
        /* an engine resending what it has not seen acknowledged */
        s->ctr->v[FSC_C_DSP_DUPLICATES]++;
        *dup = true;
        *seq = s->alerts[first].seq;
        st = FSC_OK;
        goto done;
    }
    snprintf(idbuf, sizeof idbuf, "%016llx", (unsigned long long)key);
    e.alert_id = idbuf;
    e.queue = fsc_roster_route(s->roster, e.precinct, now);
    e.fallback = strcmp(e.queue, e.precinct) != 0;
    e.engine = engine ? engine : "";
    e.alert = root;
    st = svc_emit(s, &e, FSC_C_DSP_ALERTS, e.fallback ? FSC_C_DSP_FALLBACK : FSC_C_COUNT, err,
                  errcap);
    if (st == FSC_EINVAL)
        s->ctr->v[FSC_C_DSP_MALFORMED]++; /* text that is not UTF-8 */
    if (st == FSC_OK)
        *seq = s->pending[s->npending - 1].seq;
done:
    yajl_tree_free(root);
    free(buf);
    return st;
}

/* ---- deadlines ---- */

int fsc_svc_tick(fsc_svc *s, double now)
{
    char err[128], reason[128];
    fsc_time t = svc_now(now);
    int n = 0;
    if (svc_ready(s) != FSC_OK)
        return 0;
    while (s->heap.n > 0 && s->heap.h[0].when <= t && n < SVC_TICK_MAX) {
        svc_deadline d = s->heap.h[0];
        svc_entry e = {.ts = t};
        fsc_counter_id c = FSC_C_COUNT;
        if (d.kind == SVC_DL_ESCALATE) {
            svc_alert *a = &s->alerts[d.idx];
            const char *desk = fsc_roster_desk(s->roster);
            if (strcmp(a->queue, desk) == 0 || a->state != FSC_WF_QUEUED || a->escalated) {
                svc_heap_remove(s, 0); /* a reload made its queue the desk */
                continue;
            }
            snprintf(reason, sizeof reason, "unclaimed %.0f s after receipt (level %s)",
                     s->cfg.escalate_after[a->level], svc_level_name(a->level));
            e.kind = SVC_K_ESCALATE;
            e.alert_id = a->id;
            e.precinct = a->precinct;
            e.from = a->queue;
            e.queue = desk;
            e.level = a->level;
            e.reason = reason;
            c = FSC_C_DSP_ESCALATIONS;
        } else {
            svc_paystop *p = &s->ps[d.idx];
            svc_alert *a = &s->alerts[p->alert];
            snprintf(reason, sizeof reason, "no final answer from the bank after %.0f s",
                     s->cfg.paystop_expire_after);
            e.kind = SVC_K_PAYSTOP_STATUS;
            e.paystop_id = p->id;
            e.alert_id = a->id;
            e.precinct = a->precinct;
            e.queue = a->queue;
            e.level = a->level;
            e.bank = p->bank;
            e.ps_state = FSC_PS_EXPIRED;
            e.bank_ref = p->bank_ref;
            e.detail = reason;
            c = FSC_C_DSP_PAYSTOPS_EXPIRED;
        }
        /* the apply removes the deadline; a failed append leaves it for
         * the next tick */
        if (svc_emit(s, &e, c, FSC_C_COUNT, err, sizeof err) != FSC_OK)
            break;
        n++;
    }
    return n;
}

double fsc_svc_next_deadline(const fsc_svc *s)
{
    if (s->heap.n == 0)
        return INFINITY;
    return (double)s->heap.h[0].when / 1e6;
}

/* ---- reloads ---- */

/* Records how one file's reload went (st): a "reload" entry e naming what
 * with the new file's digest, or a counted failure (the old file stays in
 * use). Returns st. */
static fsc_status reloaded(fsc_svc *s, svc_entry *e, const char *what, const char *digest,
                           fsc_status st)
{
    char err[160];
    if (st != FSC_OK) {
        s->ctr->v[FSC_C_DSP_RELOAD_FAILURES]++;
        return st;
    }
    e->what = what;
    e->digest = digest;
    svc_emit(s, e, FSC_C_COUNT, FSC_C_COUNT, err, sizeof err);
    return st;
}

fsc_status fsc_svc_reload(fsc_svc *s, const fsc_principal *p, fsc_diag *diag, double now)
{
    char err[160];
    fsc_diag stderr_diag = {0};
    fsc_time t = svc_now(now);
    fsc_status st = svc_ready(s), result = FSC_OK;
    if (st != FSC_OK)
        return st;
    if (!diag)
        diag = &stderr_diag;
    if (p && !svc_role_may(p, FSC_ACT_ADMIN)) {
        snprintf(err, sizeof err, "%s: role %s may not reload", p->name, fsc_role_name(p->role));
        return svc_refuse(s, p, "reload", NULL, NULL, t, err, err, sizeof err);
    }
    svc_entry e = {.kind = SVC_K_RELOAD, .ts = t, .who = p ? p->name : "system"};
    fsc_roster *r = NULL;
    st = fsc_roster_load(s->roster_path, diag, &r);
    if (st == FSC_OK) {
        fsc_roster_free(s->roster);
        s->roster = r;
    }
    result = reloaded(s, &e, "roster", st == FSC_OK ? fsc_roster_digest(r) : NULL, st);
    fsc_auth *a = NULL;
    st = fsc_auth_load(s->tokens_path, diag, &a);
    if (st == FSC_OK) {
        fsc_auth_free(s->auth);
        s->auth = a;
    }
    st = reloaded(s, &e, "tokens", st == FSC_OK ? fsc_auth_digest(a) : NULL, st);
    return result != FSC_OK ? result : st;
}
