/* http_routes.c: one function per route of the HTTP API (see http.h and
 * docs/api.md). Each parses what the client sent (http_args.h), calls the
 * service with d->lock held, commits when it changed something, and fills
 * the answer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_args.h"
#include "http_int.h"
#include "metrics_http.h"
#include "timefmt.h"

#define NOTE_CAP 4097   /* the service's own bound is 4096 bytes */
#define NAME_CAP 65

void http_r_healthz(fsc_http *h, struct MHD_Connection *c, http_req *r, const char *id,
                    http_answer *a)
{
    (void)c;
    (void)r;
    (void)id;
    /* healthy = the service answers: a wedged main loop (a store that
     * hangs) holds the lock, and a probe must say so rather than hang */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    if (pthread_mutex_timedlock(&h->d->lock, &until) != 0) {
        http_error(h, a, MHD_HTTP_SERVICE_UNAVAILABLE, FSC_EIO,
                   "the service did not answer within 2 s");
        return;
    }
    pthread_mutex_unlock(&h->d->lock);
    http_json(a, MHD_HTTP_OK, strdup("{\"status\":\"ok\"}\n"));
}

/* The service's own exposition (it holds every dispatch.* and api.*
 * counter, as fsc_dispatch_events_total{counter=...}), then the answers by
 * route and class and the open event streams. */
void http_r_metrics(fsc_http *h, struct MHD_Connection *c, http_req *r, const char *id,
                    http_answer *a)
{
    (void)c;
    (void)r;
    (void)id;
    char *svc_text = NULL;
    pthread_mutex_lock(&h->d->lock);
    fsc_status st = fsc_svc_metrics(h->d->svc, &svc_text);
    pthread_mutex_unlock(&h->d->lock);
    pthread_mutex_lock(&h->sse_lock);
    int streams = h->nstreams;
    pthread_mutex_unlock(&h->sse_lock);
    if (st != FSC_OK) {
        free(svc_text);
        http_error(h, a, http_code(st), st, "the service's metrics: %s", fsc_strerror(st));
        return;
    }
    size_t cap = strlen(svc_text) + 64 * 1024;
    fsc_mtext t = {.buf = malloc(cap), .cap = cap};
    if (!t.buf) {
        free(svc_text);
        http_error(h, a, MHD_HTTP_INTERNAL_SERVER_ERROR, FSC_ENOMEM, "out of memory");
        return;
    }
    t.buf[0] = '\0';
    fsc_mtext_printf(&t, "%s", svc_text);
    if (t.len && t.buf[t.len - 1] != '\n')
        fsc_mtext_printf(&t, "\n");
    free(svc_text);
    static const char *const cls[4] = {"2xx", "3xx", "4xx", "5xx"};
    fsc_mtext_printf(&t, "# TYPE fsc_api_answers_total counter\n");
    for (int i = 0; i < R_COUNT; i++)
        for (int k = 0; k < 4; k++) {
            unsigned long long v = atomic_load(&h->answers[i][k]);
            if (v || k == 0)
                fsc_mtext_printf(&t, "fsc_api_answers_total{route=\"%s\",class=\"%s\"} %llu\n",
                                 http_route_name[i], cls[k], v);
        }
    fsc_mtext_printf(&t, "# TYPE fsc_api_event_streams gauge\nfsc_api_event_streams %d\n",
                     streams);
    fsc_mtext_printf(&t, "# TYPE fsc_api_event_stream_fallbacks_total counter\n"
                         "fsc_api_event_stream_fallbacks_total %llu\n",
                     (unsigned long long)atomic_load(&h->fallbacks));
    if (t.truncated) {
        free(t.buf);
        http_error(h, a, MHD_HTTP_INTERNAL_SERVER_ERROR, FSC_ELIMIT,
                   "metrics exceed the scrape buffer");
        return;
    }
    a->code = MHD_HTTP_OK;
    a->body = t.buf;
    a->len = t.len;
    a->type = "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- query values ---- */

static bool query_level(fsc_http *h, struct MHD_Connection *c, http_answer *a, int *out)
{
    const char *v = http_query(c, "min_level");
    *out = 0;
    if (!v || !*v)
        return true;
    int lv = fsc_http_parse_level(v, strlen(v));
    if (lv < 0) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL,
                   "query parameter min_level='%.32s' is not 0..4 or low, medium, high, "
                   "critical", v);
        return false;
    }
    *out = lv;
    return true;
}

static bool query_time(fsc_http *h, struct MHD_Connection *c, http_answer *a, const char *key,
                       double def, double *out)
{
    const char *v = http_query(c, key);
    *out = def;
    if (!v || !*v)
        return true;
    fsc_time t;
    if (!fsc_time_parse(v, strlen(v), &t)) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL,
                   "query parameter %s='%.40s' is not an RFC 3339 time or unix seconds", key, v);
        return false;
    }
    *out = (double)t / 1e6;
    return true;
}

/* After a read (lock held): a refused read appended a "refused" entry,
 * which must be stored like any other; nothing pending costs nothing. */
static void read_commit(fsc_http *h)
{
    fsc_status st = fsc_svc_commit(h->d->svc);
    if (st != FSC_OK)
        fprintf(stderr, "fraudscan dispatch: http: a refused read was not stored: %s\n",
                fsc_strerror(st));
}

/* A service read: the principal's view, in JSON, or its error. */
static void read_answer(fsc_http *h, http_answer *a, fsc_status st, char *out, const char *what)
{
    if (st == FSC_OK && out) {
        http_json(a, MHD_HTTP_OK, out);
        return;
    }
    free(out);
    http_error(h, a, http_code(st), st, "%s: %s", what, fsc_strerror(st));
}

void http_r_alerts(fsc_http *h, struct MHD_Connection *c, http_req *r, const char *id,
                   http_answer *a)
{
    (void)id;
    static const char *const ok[] = {"queue", "state", "min_level", NULL};
    if (!http_query_only(h, c, a, ok))
        return;
    fsc_svc_filter f = {.queue = http_query(c, "queue")};
    if (f.queue && !*f.queue)
        f.queue = NULL;
    if (!query_level(h, c, a, &f.min_level))
        return;
    const char *state = http_query(c, "state");
    if (state && *state) {
        bool known = false;
        for (int s = FSC_WF_QUEUED; s <= FSC_WF_CLOSED; s++)
            known |= strcmp(state, fsc_wf_state_name((fsc_wf_state)s)) == 0;
        if (!known) {
            http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL,
                       "query parameter state='%.32s' is not queued, claimed, contacted, "
                       "outcome or closed", state);
            return;
        }
    } else {
        state = NULL;
    }
    char *out = NULL;
    pthread_mutex_lock(&h->d->lock);
    fsc_status st = fsc_svc_list(h->d->svc, &r->who, &f, state, &out);
    read_commit(h);
    pthread_mutex_unlock(&h->d->lock);
    read_answer(h, a, st, out, "alerts");
}

void http_r_show(fsc_http *h, struct MHD_Connection *c, http_req *r, const char *id,
                 http_answer *a)
{
    static const char *const none[] = {NULL};
    bool ps = r->route == R_PAYSTOP;
    if (!http_query_only(h, c, a, none))
        return;
    char *out = NULL;
    pthread_mutex_lock(&h->d->lock);
    fsc_status st = ps ? fsc_svc_paystop_show(h->d->svc, &r->who, id, &out)
                       : fsc_svc_show(h->d->svc, &r->who, id, &out);
    read_commit(h);
    pthread_mutex_unlock(&h->d->lock);
    if (st == FSC_ENOTFOUND) {
        free(out);
        http_error(h, a, MHD_HTTP_NOT_FOUND, st, "no %s %s", ps ? "payment stop" : "alert", id);
        return;
    }
    read_answer(h, a, st, out, id);
}

/* ---- the workflow: parse, act, commit, answer with the alert ---- */

void http_r_work(fsc_http *h, struct MHD_Connection *c, http_req *r, const char *id,
                 http_answer *a)
{
    (void)c;
    http_route_id kind = r->route;
    char channel[NAME_CAP], note[NOTE_CAP], outcome[NAME_CAP], err[512];
    fsc_harg args[3];
    size_t n = 0;
    if (kind == R_CONTACT)
        args[n++] = (fsc_harg){.key = "channel", .type = FSC_HARG_STR, .required = true,
                               .str = channel, .cap = sizeof channel};
    if (kind == R_OUTCOME) {
        args[n++] = (fsc_harg){.key = "outcome", .type = FSC_HARG_STR, .required = true,
                               .str = outcome, .cap = sizeof outcome};
        args[n++] = (fsc_harg){.key = "amount", .type = FSC_HARG_NUM};
    }
    size_t note_i = n;
    if (kind != R_CLAIM)
        args[n++] = (fsc_harg){.key = "note", .type = FSC_HARG_STR, .str = note,
                               .cap = sizeof note};
    fsc_status st = fsc_http_parse_body(r->body ? r->body : "", r->len, args, n, err, sizeof err);
    if (st != FSC_OK) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, st, "%s", err);
        return;
    }
    const char *note_s = kind != R_CLAIM && args[note_i].present ? note : "";
    int oc = 0;
    if (kind == R_CONTACT && strcmp(channel, "phone") != 0 && strcmp(channel, "visit") != 0) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL,
                   "channel '%s' is not phone or visit at byte %zu", channel, args[0].at);
        return;
    }
    if (kind == R_OUTCOME) {
        oc = fsc_outcome_parse(outcome);
        if (oc <= 0) {
            http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL,
                       "outcome '%s' is not dissuaded, money_sent, false_alarm or unreachable "
                       "at byte %zu", outcome, args[0].at);
            return;
        }
        if (args[1].present && args[1].num < 0) {
            http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL,
                       "amount must not be negative at byte %zu", args[1].at);
            return;
        }
    }
    double now = http_now();
    char *out = NULL;
    err[0] = '\0';
    pthread_mutex_lock(&h->d->lock);
    fsc_svc *s = h->d->svc;
    switch (kind) {
    case R_CLAIM: st = fsc_svc_claim(s, &r->who, id, now, err, sizeof err); break;
    case R_CONTACT:
        st = fsc_svc_contact(s, &r->who, id, channel, note_s, now, err, sizeof err);
        break;
    case R_OUTCOME:
        st = fsc_svc_outcome(s, &r->who, id, (fsc_outcome)oc, args[1].present ? args[1].num : 0,
                             note_s, now, err, sizeof err);
        break;
    case R_CLOSE: st = fsc_svc_close_alert(s, &r->who, id, note_s, now, err, sizeof err); break;
    default: st = FSC_EINVAL; break; /* http.c routes only the four steps here */
    }
    /* a refusal appended its entry too: commit whatever happened */
    fsc_status cst = fsc_svc_commit(s);
    if (st == FSC_OK && cst == FSC_OK)
        fsc_svc_show(s, &r->who, id, &out);
    pthread_mutex_unlock(&h->d->lock);
    if (st != FSC_OK) {
        if (cst != FSC_OK)
            fprintf(stderr, "fraudscan dispatch: http: the refusal of %s by %s was not stored: %s\n",
                    id, r->who.name, fsc_strerror(cst));
        http_error(h, a, http_code(st), st, "%s", err[0] ? err : fsc_strerror(st));
        return;
    }
    if (cst != FSC_OK) {
        free(out);
        http_error(h, a, MHD_HTTP_SERVICE_UNAVAILABLE, cst,
                   "not stored (%s): nothing was done, try again", fsc_strerror(cst));
        return;
    }
    if (!out) {
        http_json(a, MHD_HTTP_OK, strdup("{\"ok\":true}\n"));
        return;
    }
    http_json(a, MHD_HTTP_OK, out);
}

/* ---- payment stops ---- */

void http_r_paystops(fsc_http *h, struct MHD_Connection *c, http_req *r, const char *id,
                     http_answer *a)
{
    (void)c;
    (void)id;
    char alert_id[NAME_CAP], bank[NAME_CAP], account[129], reason[NOTE_CAP], err[512];
    fsc_harg args[] = {
        {.key = "alert_id", .type = FSC_HARG_STR, .required = true, .str = alert_id,
         .cap = sizeof alert_id},
        {.key = "bank", .type = FSC_HARG_STR, .required = true, .str = bank, .cap = sizeof bank},
        {.key = "account", .type = FSC_HARG_STR, .required = true, .str = account,
         .cap = sizeof account},
        {.key = "amount", .type = FSC_HARG_NUM, .required = true},
        {.key = "reason", .type = FSC_HARG_STR, .str = reason, .cap = sizeof reason},
    };
    fsc_status st = fsc_http_parse_body(r->body ? r->body : "", r->len, args,
                                        sizeof args / sizeof args[0], err, sizeof err);
    if (st != FSC_OK) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, st, "%s", err);
        return;
    }
    if (args[3].num <= 0) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL, "amount must be positive at byte %zu",
                   args[3].at);
        return;
    }
    char psid[64] = "";
    bool existing = false;
    err[0] = '\0';
    pthread_mutex_lock(&h->d->lock);
    st = fsc_svc_paystop_request(h->d->svc, &r->who, alert_id, bank, account, args[3].num,
                                 args[4].present ? reason : "", http_now(), psid, sizeof psid,
                                 &existing, err, sizeof err);
    fsc_status cst = fsc_svc_commit(h->d->svc);
    pthread_mutex_unlock(&h->d->lock);
    if (st != FSC_OK) {
        http_error(h, a, http_code(st), st, "%s", err[0] ? err : fsc_strerror(st));
        return;
    }
    if (cst != FSC_OK) {
        http_error(h, a, MHD_HTTP_SERVICE_UNAVAILABLE, cst,
                   "not stored (%s): nothing was done, try again", fsc_strerror(cst));
        return;
    }
    char *body = malloc(128);
    if (body)
        snprintf(body, 128, "{\"paystop_id\":\"%s\",\"existing\":%s}\n", psid,
                 existing ? "true" : "false");
    http_json(a, existing ? MHD_HTTP_OK : MHD_HTTP_CREATED, body);
    snprintf(a->location, sizeof a->location, "/paystops/%s", psid);
}

/* from/to of a report: [from, to), by default everything up to now. */
static bool report_span(fsc_http *h, struct MHD_Connection *c, http_answer *a, double *from,
                        double *to)
{
    static const char *const ok[] = {"from", "to", NULL};
    if (!http_query_only(h, c, a, ok))
        return false;
    if (!query_time(h, c, a, "from", 0, from) || !query_time(h, c, a, "to", http_now() + 1, to))
        return false;
    if (*to < *from) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL, "'to' is before 'from'");
        return false;
    }
    return true;
}

void http_r_reports(fsc_http *h, struct MHD_Connection *c, http_req *r, const char *id,
                    http_answer *a)
{
    (void)id;
    bool stats = r->route == R_PAYSTOP_STATS;
    double from, to;
    if (!report_span(h, c, a, &from, &to))
        return;
    char *out = NULL;
    pthread_mutex_lock(&h->d->lock);
    fsc_status st = stats ? fsc_svc_paystop_stats(h->d->svc, &r->who, from, to, &out)
                          : fsc_svc_report(h->d->svc, &r->who, from, to, &out);
    read_commit(h);
    pthread_mutex_unlock(&h->d->lock);
    read_answer(h, a, st, out, stats ? "payment-stop statistics" : "report");
}

/* ---- admin ---- */

void http_r_reload(fsc_http *h, struct MHD_Connection *c, http_req *r, const char *id,
                   http_answer *a)
{
    (void)c;
    (void)id;
    char err[256];
    fsc_status st = fsc_http_parse_body(r->body ? r->body : "", r->len, NULL, 0, err, sizeof err);
    if (st != FSC_OK) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, st, "%s", err);
        return;
    }
    fsc_diag_text text = {.sep = "; "}; /* one line: it goes into a JSON error */
    fsc_diag diag = {.fn = fsc_diag_to_text, .ctx = &text};
    pthread_mutex_lock(&h->d->lock);
    st = fsc_svc_reload(h->d->svc, &r->who, &diag, http_now());
    fsc_status cst = fsc_svc_commit(h->d->svc);
    pthread_mutex_unlock(&h->d->lock);
    if (st == FSC_EDENIED) {
        http_error(h, a, MHD_HTTP_FORBIDDEN, st, "only admins reload roster and tokens");
        return;
    }
    if (st != FSC_OK) {
        /* the file on the server is broken, not the request: the old one
         * stays in use, and the admin reads where the problem is */
        http_error(h, a, MHD_HTTP_INTERNAL_SERVER_ERROR, st, "reload refused, the files in use "
                   "are kept: %s", text.len ? text.buf : fsc_strerror(st));
        return;
    }
    if (cst != FSC_OK) {
        http_error(h, a, MHD_HTTP_SERVICE_UNAVAILABLE, cst, "reloaded, but the record of it "
                   "was not stored (%s)", fsc_strerror(cst));
        return;
    }
    http_json(a, MHD_HTTP_OK, strdup("{\"reloaded\":true}\n"));
}
