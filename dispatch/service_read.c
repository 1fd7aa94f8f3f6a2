/* service_read.c: what the service answers without changing anything:
 * the alert list, one alert with its history, the per-precinct report and
 * the Prometheus metrics. Every output is generated in a fixed order
 * (alerts by arrival, precincts and queues by name, keys as written here),
 * so the same state always prints the same bytes: a restart is checked
 * against that. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_int.h"

fsc_status svc_report_begin(fsc_svc *s, const fsc_principal *p, const char *action,
                            double from, double to, fsc_time *f, fsc_time *t)
{
    fsc_status st = svc_ready(s);
    if (st != FSC_OK)
        return st;
    if (!svc_role_may(p, FSC_ACT_READ)) {
        char err[64];
        return svc_refuse(s, p, action, NULL, NULL, svc_wallclock(), "no role", err,
                          sizeof err);
    }
    *f = isfinite(from) ? svc_now(from) : INT64_MIN;
    *t = isfinite(to) ? svc_now(to) : INT64_MAX;
    if (isinf(from) && from > 0)
        *f = INT64_MAX;
    if (isinf(to) && to < 0)
        *t = INT64_MIN;
    return FSC_OK;
}

yajl_gen svc_report_gen(double from, double to, fsc_time f, fsc_time t, bool *bad)
{
    yajl_gen g = svc_gen_new();
    if (!g)
        return NULL;
    yajl_gen_map_open(g);
    svc_gtime(g, "from", isfinite(from) ? f : SVC_NO_TIME, bad);
    svc_gtime(g, "to", isfinite(to) ? t : SVC_NO_TIME, bad);
    return g;
}

/* ---- history ---- */

typedef struct hist_ctx {
    yajl_gen g;
    bool *bad;
    const svc_seqs *h;
    uint32_t i;
    char *buf;
} hist_ctx;

static void gen_text(yajl_gen g, char *buf, const char *json, size_t len, bool *bad)
{
    char errbuf[64];
    memcpy(buf, json, len);
    buf[len] = '\0';
    yajl_val v = yajl_tree_parse(buf, errbuf, sizeof errbuf);
    svc_gtree(g, v, bad);
    yajl_tree_free(v);
}

static int hist_one(void *ctx, uint64_t seq, const char *json, size_t len)
{
    hist_ctx *c = ctx;
    while (c->i < c->h->n && c->h->v[c->i] < seq)
        c->i++;
    if (c->i >= c->h->n)
        return 1;
    if (c->h->v[c->i] != seq || len > FSC_STORE_MAX_ENTRY)
        return 0;
    gen_text(c->g, c->buf, json, len, c->bad);
    c->i++;
    return c->i >= c->h->n;
}

fsc_status svc_gen_history(fsc_svc *s, yajl_gen g, const svc_seqs *h, bool *bad)
{
    hist_ctx c = {.g = g, .bad = bad, .h = h};
    uint64_t last = fsc_store_last(s->store);
    fsc_status st = FSC_OK;
    c.buf = malloc(FSC_STORE_MAX_ENTRY + 1);
    if (!c.buf)
        return FSC_ENOMEM;
    yajl_gen_array_open(g);
    /* the committed entries: one scan from the first, stopped after the
     * last (an alert's entries are close together in the log) */
    if (h->n > 0 && h->v[0] <= last)
        st = fsc_store_scan(s->store, h->v[0] - 1, hist_one, &c);
    for (uint32_t i = 0; st == FSC_OK && i < h->n; i++) {
        if (h->v[i] <= last)
            continue;
        for (size_t k = 0; k < s->npending; k++)
            if (s->pending[k].seq == h->v[i])
                gen_text(g, c.buf, s->pending[k].json, s->pending[k].len, bad);
    }
    yajl_gen_array_close(g);
    free(c.buf);
    return st;
}

fsc_status svc_gen_show_end(fsc_svc *s, yajl_gen g, const svc_seqs *h, bool bad, char **out)
{
    svc_gs(g, "history", &bad);
    fsc_status st = svc_gen_history(s, g, h, &bad);
    yajl_gen_map_close(g);
    if (st != FSC_OK) {
        yajl_gen_free(g);
        return st;
    }
    return svc_gen_finish(g, bad, out, NULL);
}

/* ---- list and show ---- */

static void gen_row(yajl_gen g, const svc_alert *a, bool *bad)
{
    yajl_gen_map_open(g);
    svc_gk(g, "alert_id", a->id, bad);
    svc_gint(g, "seq", (long long)a->seq, bad);
    svc_gk(g, "queue", a->queue, bad);
    svc_gk(g, "precinct", a->precinct, bad);
    svc_gint(g, "level", a->level, bad);
    svc_gk(g, "level_name", svc_level_name(a->level), bad);
    svc_gk(g, "state", fsc_wf_state_name(a->state), bad);
    svc_gtime(g, "received", a->received, bad);
    svc_gtime(g, "ts", a->alert_ts, bad);
    svc_gk(g, "subscriber", a->subscriber, bad);
    svc_gk(g, "fraud_type", a->fraud_type, bad);
    svc_gk(g, "engine", a->engine, bad);
    svc_gk(g, "claimed_by", a->claimed_by, bad);
    svc_gtime(g, "claimed_at", a->claimed_at, bad);
    svc_gk(g, "outcome", a->outcome ? fsc_outcome_name(a->outcome) : NULL, bad);
    svc_gcents(g, "amount", a->amount, bad);
    svc_gtime(g, "closed_at", a->closed_at, bad);
    svc_gbool(g, "fallback", a->fallback, bad);
    svc_gbool(g, "escalated", a->escalated, bad);
    svc_gint(g, "paystops", a->npaystops, bad);
    yajl_gen_map_close(g);
}

fsc_status fsc_svc_list(fsc_svc *s, const fsc_principal *p, const fsc_svc_filter *f,
                        const char *state, char **out)
{
    fsc_status st = svc_ready(s);
    if (st != FSC_OK)
        return st;
    int want = -1;
    if (state) {
        for (int i = 0; i <= FSC_WF_CLOSED; i++)
            if (strcmp(state, fsc_wf_state_name((fsc_wf_state)i)) == 0)
                want = i;
        if (want < 0)
            return FSC_EINVAL;
    }
    if (!svc_role_may(p, FSC_ACT_READ)) {
        char err[64];
        return svc_refuse(s, p, "list", NULL, NULL, svc_wallclock(), "no role", err, sizeof err);
    }
    yajl_gen g = svc_gen_new();
    bool bad = false;
    size_t n = 0;
    if (!g)
        return FSC_ENOMEM;
    yajl_gen_map_open(g);
    svc_gs(g, "alerts", &bad);
    yajl_gen_array_open(g);
    size_t i;
    for (i = 0; i < s->nalerts; i++) {
        const svc_alert *a = &s->alerts[i];
        if ((want >= 0 && (int)a->state != want) ||
            (f && f->queue && strcmp(f->queue, a->queue) != 0) ||
            (f && f->min_level > a->level) || !svc_alert_allowed(p, FSC_ACT_READ, a))
            continue;
        if (n == SVC_LIST_MAX)
            break;
        gen_row(g, a, &bad);
        n++;
    }
    yajl_gen_array_close(g);
    svc_gbool(g, "truncated", i < s->nalerts, &bad);
    yajl_gen_map_close(g);
    return svc_gen_finish(g, bad, out, NULL);
}

fsc_status fsc_svc_show(fsc_svc *s, const fsc_principal *p, const char *alert_id, char **out)
{
    char err[160];
    fsc_status st = svc_ready(s);
    if (st != FSC_OK)
        return st;
    svc_alert *a = svc_alert_find(s, alert_id);
    if (!svc_role_may(p, FSC_ACT_READ) || (a && !svc_alert_allowed(p, FSC_ACT_READ, a))) {
        snprintf(err, sizeof err, "%s may not read alert %.32s", p ? p->name : "?",
                 alert_id ? alert_id : "");
        return svc_refuse(s, p, "show", alert_id, a, svc_wallclock(), err, err, sizeof err);
    }
    if (!a)
        return FSC_ENOTFOUND;
    yajl_gen g = svc_gen_new();
    bool bad = false;
    if (!g)
        return FSC_ENOMEM;
    yajl_gen_map_open(g);
    svc_gs(g, "alert", &bad);
    gen_row(g, a, &bad);
    svc_gk(g, "state", fsc_wf_state_name(a->state), &bad);
    return svc_gen_show_end(s, g, &a->hist, bad, out);
}

/* ---- report ---- */

typedef struct rep_row {
    const char *name;
    uint64_t alerts, by_level[5], fallback, escalations, claimed, closed, outcomes[5];
    uint64_t ps_requests, ps_stopped;
    int64_t dissuaded_cents, stopped_cents;
    svc_durs claim;      /* receipt to claim, of the claimed alerts */
} rep_row;

static int rep_alert(rep_row *r, const svc_alert *a)
{
    r->alerts++;
    r->by_level[a->level]++;
    r->fallback += a->fallback;
    r->escalations += a->escalated;
    r->closed += a->state == FSC_WF_CLOSED;
    if (a->outcome != FSC_OUTCOME_NONE)
        r->outcomes[a->outcome]++;
    if (a->outcome == FSC_OUTCOME_DISSUADED)
        r->dissuaded_cents += a->amount;
    if (a->claimed_at == SVC_NO_TIME)
        return 0;
    r->claimed++;
    return svc_durs_push(&r->claim, a->claimed_at - a->received);
}

static void rep_gen(yajl_gen g, rep_row *r, bool *bad)
{
    yajl_gen_map_open(g);
    svc_gint(g, "alerts", (long long)r->alerts, bad);
    svc_gs(g, "by_level", bad);
    yajl_gen_map_open(g);
    for (int l = 1; l <= 4; l++)
        svc_gint(g, svc_level_name(l), (long long)r->by_level[l], bad);
    yajl_gen_map_close(g);
    svc_gint(g, "routed_to_desk", (long long)r->fallback, bad);
    svc_gint(g, "escalations", (long long)r->escalations, bad);
    svc_gint(g, "claimed", (long long)r->claimed, bad);
    svc_gs(g, "time_to_claim_s", bad);
    yajl_gen_map_open(g);
    svc_gen_percentiles(g, &r->claim, bad);
    yajl_gen_map_close(g);
    svc_gs(g, "outcomes", bad);
    yajl_gen_map_open(g);
    for (int o = 1; o <= FSC_OUTCOME_UNREACHABLE; o++)
        svc_gint(g, fsc_outcome_name((fsc_outcome)o), (long long)r->outcomes[o], bad);
    yajl_gen_map_close(g);
    svc_gint(g, "closed", (long long)r->closed, bad);
    svc_gs(g, "paystops", bad);
    yajl_gen_map_open(g);
    svc_gint(g, "requests", (long long)r->ps_requests, bad);
    svc_gint(g, "stopped", (long long)r->ps_stopped, bad);
    yajl_gen_map_close(g);
    svc_gs(g, "amount_protected", bad);
    yajl_gen_map_open(g);
    svc_gcents(g, "dissuasion", r->dissuaded_cents, bad);
    svc_gcents(g, "stops", r->stopped_cents, bad);
    svc_gcents(g, "total", r->dissuaded_cents + r->stopped_cents, bad);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

static int rep_cmp(const void *a, const void *b)
{
    return strcmp(((const rep_row *)a)->name, ((const rep_row *)b)->name);
}

fsc_status fsc_svc_report(fsc_svc *s, const fsc_principal *p, double from, double to,
                          char **out)
{
    fsc_time f, t;
    fsc_status st = svc_report_begin(s, p, "report", from, to, &f, &t);
    if (st != FSC_OK)
        return st;
    /* one row per precinct: the interned name's slot says which */
    rep_row *rows = NULL, total = {.name = "total"};
    size_t nrows = 0;
    for (size_t i = 0; i < s->names.nall; i++)
        s->names.all[i]->slot = -1;
    st = FSC_ENOMEM;
    for (size_t i = 0; i < s->nalerts; i++) {
        const svc_alert *a = &s->alerts[i];
        if (a->received < f || a->received >= t || !svc_alert_allowed(p, FSC_ACT_READ, a))
            continue;
        svc_name *nm = SVC_NAME_OF(a->precinct);
        if (nm->slot < 0) {
            rep_row *nr = realloc(rows, (nrows + 1) * sizeof *nr);
            if (!nr)
                goto done;
            rows = nr;
            memset(&rows[nrows], 0, sizeof *rows);
            rows[nrows].name = a->precinct;
            nm->slot = (int)nrows++;
        }
        if (rep_alert(&rows[nm->slot], a) != 0 || rep_alert(&total, a) != 0)
            goto done;
    }
    /* payment stops count with their alert's precinct and window */
    for (size_t i = 0; i < s->nps; i++) {
        const svc_paystop *ps = &s->ps[i];
        const svc_alert *a = &s->alerts[ps->alert];
        int slot = SVC_NAME_OF(a->precinct)->slot;
        if (slot < 0 || a->received < f || a->received >= t ||
            !svc_alert_allowed(p, FSC_ACT_READ, a))
            continue;
        rep_row *rs[2] = {&rows[slot], &total};
        for (int k = 0; k < 2; k++) {
            rs[k]->ps_requests++;
            if (ps->state == FSC_PS_STOPPED) {
                rs[k]->ps_stopped++;
                rs[k]->stopped_cents += ps->amount;
            }
        }
    }
    if (nrows > 1)
        qsort(rows, nrows, sizeof *rows, rep_cmp);
    bool bad = false;
    yajl_gen g = svc_report_gen(from, to, f, t, &bad);
    if (!g)
        goto done;
    svc_gs(g, "precincts", &bad);
    yajl_gen_map_open(g);
    for (size_t i = 0; i < nrows; i++) {
        svc_gs(g, rows[i].name, &bad);
        rep_gen(g, &rows[i], &bad);
    }
    yajl_gen_map_close(g);
    svc_gs(g, "total", &bad);
    rep_gen(g, &total, &bad);
    yajl_gen_map_close(g);
    st = svc_gen_finish(g, bad, out, NULL);
done:
    for (size_t i = 0; i < nrows; i++)
        free(rows[i].claim.v);
    free(rows);
    free(total.claim.v);
    return st;
}

/* ---- metrics ---- */

static void label(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void histogram(FILE *f, const char *name, const char *help, const uint64_t *hist,
                      const double *le, int n, int64_t sum_us, uint64_t count)
{
    uint64_t cum = 0;
    family(f, name, "histogram", help);
    for (int i = 0; i < n; i++) {
        cum += hist[i];
        fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, le[i], (unsigned long long)cum);
    }
    fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)count);
    fprintf(f, "%s_sum %lld.%06lld\n", name, (long long)(sum_us / 1000000),
            (long long)(sum_us % 1000000));
    fprintf(f, "%s_count %llu\n", name, (unsigned long long)count);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp((*(svc_name *const *)a)->s, (*(svc_name *const *)b)->s);
}

fsc_status fsc_svc_metrics(fsc_svc *s, char **out)
{
    char *buf = NULL;
    size_t len = 0;
    fsc_status st = svc_ready(s);
    if (st != FSC_OK)
        return st;
    svc_name **queues = malloc((s->names.nall + 1) * sizeof *queues);
    size_t nq = 0;
    FILE *f = queues ? open_memstream(&buf, &len) : NULL;
    if (!f) {
        free(queues);
        return FSC_ENOMEM;
    }
    family(f, "fsc_dispatch_alerts_total", "counter", "Alerts stored, by level.");
    for (int l = 1; l <= 4; l++)
        fprintf(f, "fsc_dispatch_alerts_total{level=\"%s\"} %llu\n", svc_level_name(l),
                (unsigned long long)s->by_level[l]);
    family(f, "fsc_dispatch_queue_depth", "gauge", "Unclaimed alerts in each queue.");
    for (size_t i = 0; i < s->names.nall; i++)
        if (s->names.all[i]->is_queue)
            queues[nq++] = s->names.all[i];
    if (nq > 1)
        qsort(queues, nq, sizeof *queues, name_cmp);
    for (size_t i = 0; i < nq; i++) {
        fputs("fsc_dispatch_queue_depth{queue=\"", f);
        label(f, queues[i]->s);
        fprintf(f, "\"} %lld\n", (long long)queues[i]->depth);
    }
    histogram(f, "fsc_dispatch_time_to_claim_seconds",
              "From dispatch's receipt of an alert to its claim.", s->claim_hist, svc_claim_le,
              SVC_CLAIM_BUCKETS, s->claim_sum, s->claim_count);
    histogram(f, "fsc_dispatch_time_to_stop_seconds",
              "From the alert's evidence (engine ts) to the bank's stop.", s->stop_hist,
              svc_stop_le, SVC_STOP_BUCKETS, s->stop_sum, s->stop_count);
    family(f, "fsc_dispatch_escalations_total", "counter",
           "Alerts moved to the desk for want of a claim.");
    fprintf(f, "fsc_dispatch_escalations_total %llu\n", (unsigned long long)s->escalations);
    family(f, "fsc_dispatch_refusals_total", "counter", "Requests refused (audited entries).");
    fprintf(f, "fsc_dispatch_refusals_total %llu\n", (unsigned long long)s->refusals);
    uint64_t by_state[6] = {0};
    for (size_t i = 0; i < s->nps; i++)
        by_state[s->ps[i].state]++;
    family(f, "fsc_dispatch_paystops", "gauge", "Payment stops by current state.");
    for (int i = 0; i < 6; i++)
        fprintf(f, "fsc_dispatch_paystops{state=\"%s\"} %llu\n",
                fsc_paystop_state_name((fsc_paystop_state)i), (unsigned long long)by_state[i]);
    /* the process's own counters: they start at 0 with the process, unlike
     * everything above, which is folded from the store */
    family(f, "fsc_dispatch_store_errors_total", "counter",
           "Commits the store failed (this process).");
    fprintf(f, "fsc_dispatch_store_errors_total %llu\n",
            (unsigned long long)s->ctr->v[FSC_C_STORE_ERRORS]);
    family(f, "fsc_dispatch_events_total", "counter",
           "This process's dispatch counters by name (docs/dispatch.md).");
    for (int i = 0; i < FSC_C_COUNT; i++) {
        const char *n = fsc_counter_name((fsc_counter_id)i);
        if (strncmp(n, "dispatch.", 9) != 0 && strncmp(n, "api.", 4) != 0)
            continue;
        fprintf(f, "fsc_dispatch_events_total{counter=\"%s\"} %llu\n", n,
                (unsigned long long)s->ctr->v[i]);
    }
    bool err = ferror(f) != 0;
    fclose(f);
    free(queues);
    if (err) {
        free(buf);
        return FSC_ENOMEM;
    }
    *out = buf;
    return FSC_OK;
}
