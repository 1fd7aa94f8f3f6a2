/* http.c: the HTTP server of dispatch (see http.h): libmicrohttpd's
 * threads, request bodies, tokens, the route table and the answers. The
 * routes themselves are in http_routes.c, event streams in http_sse.c. */
#include "http.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#include "http_args.h"
#include "http_int.h"
#include "metrics_http.h"

const char *const http_route_name[R_COUNT] = {
    "healthz", "metrics", "alerts", "alert", "claim", "contact", "outcome", "close",
    "paystops", "paystop_stats", "paystop", "reports", "events", "reload", "other",
};

/* The routes, most specific first (the stats of payment stops before one
 * payment stop by id). A new route is one row and one function; routes
 * that differ only in the service call share a function that reads
 * r->route (the workflow's steps, the two shows, the two reports). */
static const struct {
    const char *method, *pattern;
    http_route_id id;
    bool auth;
    http_handler fn;
} routes[] = {
    {"GET", "/healthz", R_HEALTHZ, false, http_r_healthz},
    {"GET", "/metrics", R_METRICS, false, http_r_metrics},
    {"GET", "/alerts", R_ALERTS, true, http_r_alerts},
    {"GET", "/alerts/*", R_ALERT, true, http_r_show},
    {"POST", "/alerts/*/claim", R_CLAIM, true, http_r_work},
    {"POST", "/alerts/*/contact", R_CONTACT, true, http_r_work},
    {"POST", "/alerts/*/outcome", R_OUTCOME, true, http_r_work},
    {"POST", "/alerts/*/close", R_CLOSE, true, http_r_work},
    {"POST", "/paystops", R_PAYSTOPS, true, http_r_paystops},
    {"GET", "/paystops/stats", R_PAYSTOP_STATS, true, http_r_reports},
    {"GET", "/paystops/*", R_PAYSTOP, true, http_r_show},
    {"GET", "/reports", R_REPORTS, true, http_r_reports},
    {"GET", "/events", R_EVENTS, true, http_r_events},
    {"POST", "/admin/reload", R_RELOAD, true, http_r_reload},
};
#define NROUTES (sizeof routes / sizeof routes[0])

double http_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned http_code(fsc_status st)
{
    switch (st) {
    case FSC_OK: return MHD_HTTP_OK;
    case FSC_EINVAL:
    case FSC_EMALFORMED:
    case FSC_ETRUNC: return MHD_HTTP_BAD_REQUEST;
    case FSC_ELIMIT: return MHD_HTTP_CONTENT_TOO_LARGE;
    case FSC_EDENIED: return MHD_HTTP_FORBIDDEN;
    case FSC_ENOTFOUND: return MHD_HTTP_NOT_FOUND;
    case FSC_ESTATE: return MHD_HTTP_CONFLICT;
    case FSC_EIO:
    case FSC_EREDIS: return MHD_HTTP_SERVICE_UNAVAILABLE;
    default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

void http_json(http_answer *a, unsigned code, char *body)
{
    a->code = code;
    a->body = body;
    a->len = body ? strlen(body) : 0;
    a->type = NULL;
}

void http_error(fsc_http *h, http_answer *a, unsigned code, fsc_status st, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&h->d->lock);
    if (h->d->counters)
        h->d->counters->v[code == MHD_HTTP_UNAUTHORIZED || code == MHD_HTTP_FORBIDDEN
                              ? FSC_C_API_DENIED
                              : FSC_C_API_ERRORS]++;
    pthread_mutex_unlock(&h->d->lock);
    /* yajl escapes whatever the message quotes of the client's input */
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    a->code = code;
    a->type = NULL;
    a->body = NULL;
    a->len = 0;
    if (!g)
        return;
    yajl_gen_map_open(g);
    yajl_gen_string(g, (const unsigned char *)"error", 5);
    yajl_gen_string(g, (const unsigned char *)msg, strlen(msg));
    yajl_gen_string(g, (const unsigned char *)"status", 6);
    const char *name = fsc_status_name(st);
    yajl_gen_string(g, (const unsigned char *)name, strlen(name));
    yajl_gen_map_close(g);
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok && (a->body = malloc(len + 2))) {
        memcpy(a->body, buf, len);
        a->body[len] = '\n';
        a->body[len + 1] = '\0';
        a->len = len + 1;
    }
    yajl_gen_free(g);
}

const char *http_query(struct MHD_Connection *c, const char *key)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

typedef struct only_ctx {
    const char *const *names;
    const char *bad;
} only_ctx;

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    only_ctx *o = cls;
    (void)kind;
    (void)value;
    for (const char *const *n = o->names; *n; n++)
        if (strcmp(*n, key) == 0)
            return MHD_YES;
    o->bad = key;
    return MHD_NO;
}

bool http_query_only(fsc_http *h, struct MHD_Connection *c, http_answer *a,
                     const char *const *names)
{
    only_ctx o = {names, NULL};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg, &o);
    if (!o.bad)
        return true;
    char known[256] = "";
    size_t n = 0;
    for (const char *const *k = names; *k && n < sizeof known; k++) {
        int w = snprintf(known + n, sizeof known - n, "%s%s", k == names ? "" : ", ", *k);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL,
               "unknown query parameter '%.64s' (accepted: %s)", o.bad, names[0] ? known : "none");
    return false;
}

/* "Bearer TOKEN" -> the principal, with the lock (a reload swaps tokens). */
static bool authenticate(fsc_http *h, struct MHD_Connection *c, http_req *r, http_answer *a)
{
    const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!hdr || strncasecmp(hdr, "Bearer ", 7) != 0 || !hdr[7]) {
        http_error(h, a, MHD_HTTP_UNAUTHORIZED, FSC_EDENIED,
                   "an 'Authorization: Bearer TOKEN' header is required");
        return false;
    }
    const char *token = hdr + 7;
    while (*token == ' ')
        token++;
    pthread_mutex_lock(&h->d->lock);
    const fsc_auth *auth = fsc_svc_auth(h->d->svc);
    bool ok = auth && fsc_auth_lookup(auth, token, &r->who);
    pthread_mutex_unlock(&h->d->lock);
    if (!ok) {
        http_error(h, a, MHD_HTTP_UNAUTHORIZED, FSC_EDENIED, "unknown token");
        return false;
    }
    r->have_principal = true;
    return true;
}

static void route(fsc_http *h, struct MHD_Connection *c, const char *method, const char *url,
                  http_req *r, http_answer *a)
{
    size_t len = strlen(url);
    char id[80] = "";
    bool path_known = false;
    char allow[64] = "";
    for (size_t i = 0; i < NROUTES; i++) {
        char err[160];
        int m = fsc_http_route_match(routes[i].pattern, url, len, id, sizeof id, err, sizeof err);
        if (m == 0)
            continue;
        if (strcmp(method, routes[i].method) != 0) {
            path_known = true;
            snprintf(allow, sizeof allow, "%s", routes[i].method);
            continue;
        }
        r->route = routes[i].id;
        if (m < 0) {
            http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL, "%s", err);
            return;
        }
        if (routes[i].auth && !authenticate(h, c, r, a))
            return;
        routes[i].fn(h, c, r, id, a);
        return;
    }
    r->route = R_OTHER;
    if (path_known) {
        http_error(h, a, MHD_HTTP_METHOD_NOT_ALLOWED, FSC_EINVAL, "%s %s: use %s", method, url,
                   allow);
        return;
    }
    http_error(h, a, MHD_HTTP_NOT_FOUND, FSC_ENOTFOUND, "no route %s %.128s (see docs/api.md)",
               method, url);
}

static enum MHD_Result send_answer(fsc_http *h, struct MHD_Connection *c, http_req *r,
                                   http_answer *a)
{
    struct MHD_Response *resp = a->response;
    if (!resp) {
        const char *empty = "";
        resp = a->body ? MHD_create_response_from_buffer(a->len, a->body, MHD_RESPMEM_MUST_FREE)
                       : MHD_create_response_from_buffer(0, (void *)empty, MHD_RESPMEM_PERSISTENT);
        if (!resp) {
            free(a->body);
            return MHD_NO;
        }
        MHD_add_response_header(resp, "Content-Type",
                                a->type ? a->type : "application/json; charset=utf-8");
        MHD_add_response_header(resp, "Cache-Control", "no-store");
        if (a->location[0])
            MHD_add_response_header(resp, "Location", a->location);
        if (a->code == MHD_HTTP_UNAUTHORIZED)
            MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    }
    unsigned cls = a->code / 100;
    if (cls >= 2 && cls <= 5)
        atomic_fetch_add(&h->answers[r->route][cls - 2], 1);
    enum MHD_Result ret = MHD_queue_response(c, a->code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    fsc_http *h = cls;
    http_req *r = *con_cls;
    (void)version;
    if (!r) { /* the headers: look at the announced size before any body */
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->route = R_OTHER;
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        uint64_t n;
        if (cl && fsc_http_parse_u64(cl, strlen(cl), &n) && n > HTTP_BODY_MAX) {
            r->too_large = true;
            r->announced = n;
            if (n > HTTP_DRAIN_MAX) {
                /* not worth reading: answered now, MHD closes the
                 * connection (a client still sending may see a reset) */
                http_answer a = {0};
                pthread_mutex_lock(&h->d->lock);
                if (h->d->counters)
                    h->d->counters->v[FSC_C_API_REQUESTS]++;
                pthread_mutex_unlock(&h->d->lock);
                http_error(h, &a, MHD_HTTP_CONTENT_TOO_LARGE, FSC_ELIMIT,
                           "the body is %llu bytes; at most %d are accepted",
                           (unsigned long long)n, HTTP_BODY_MAX);
                return send_answer(h, c, r, &a);
            }
            /* else read and drop it, then answer: a client that sends its
             * whole body before reading gets the 413, not a broken pipe */
        }
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->too_large || r->len + n > HTTP_BODY_MAX) {
            /* dropped as it comes, then 413; a body that never ends is
             * cut off (the connection closed) past HTTP_DRAIN_MAX */
            r->too_large = true;
            r->drained += n;
            return r->drained > HTTP_DRAIN_MAX ? MHD_NO : MHD_YES;
        }
        char *nb = realloc(r->body, r->len + n + 1);
        if (!nb)
            return MHD_NO;
        memcpy(nb + r->len, upload, n);
        r->body = nb;
        r->len += n;
        r->body[r->len] = '\0';
        return MHD_YES;
    }
    http_answer a = {0};
    pthread_mutex_lock(&h->d->lock);
    if (h->d->counters)
        h->d->counters->v[FSC_C_API_REQUESTS]++;
    pthread_mutex_unlock(&h->d->lock);
    if (r->too_large && r->announced)
        http_error(h, &a, MHD_HTTP_CONTENT_TOO_LARGE, FSC_ELIMIT,
                   "the body is %llu bytes; at most %d are accepted",
                   (unsigned long long)r->announced, HTTP_BODY_MAX);
    else if (r->too_large)
        http_error(h, &a, MHD_HTTP_CONTENT_TOO_LARGE, FSC_ELIMIT,
                   "the body is over %d bytes", HTTP_BODY_MAX);
    else
        route(h, c, method, url, r, &a);
    return send_answer(h, c, r, &a);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_req *r = *con_cls;
    (void)cls;
    (void)c;
    (void)toe;
    if (r) {
        free(r->body);
        free(r);
        *con_cls = NULL;
    }
}

/* libmicrohttpd's own messages (a client gone mid-answer, a refused
 * connection), on stderr under our name like every other line. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    fprintf(stderr, "fraudscan dispatch: http: %s\n", msg);
}

fsc_status fsc_http_start(fsc_dispatchd *d, const char *listen, fsc_http **out, char *err,
                          size_t errcap)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    fsc_status st = fsc_listen_parse(listen, &ss, &sslen, err, errcap);
    if (st != FSC_OK)
        return st;
    fsc_http *h = calloc(1, sizeof *h);
    if (!h)
        return FSC_ENOMEM;
    h->d = d;
    atomic_init(&h->stopping, false);
    pthread_mutex_init(&h->sse_lock, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    uint16_t port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                             : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    h->mhd = MHD_start_daemon(flags, port, NULL, NULL, on_request, h,
                              MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_END);
    if (!h->mhd) {
        snprintf(err, errcap, "cannot serve HTTP on %s (address in use or not local?)", listen);
        pthread_mutex_destroy(&h->sse_lock);
        free(h);
        return FSC_EIO;
    }
    *out = h;
    return FSC_OK;
}

void fsc_http_stop(fsc_http *h)
{
    if (!h)
        return;
    atomic_store(&h->stopping, true);
    http_sse_stop_all(h);  /* wakes every stream so its thread can end */
    MHD_stop_daemon(h->mhd);
    pthread_mutex_destroy(&h->sse_lock);
    free(h);
}
