/* http_int.h: what http.c (the server, requests, answers), http_routes.c
 * (one function per route) and http_sse.c (event streams) share. */
#ifndef FSC_HTTP_INT_H
#define FSC_HTTP_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "auth.h"
#include "http.h"
#include "service.h"

#define HTTP_BODY_MAX (64 * 1024)     /* bytes of a request body (413 above) */
#define HTTP_DRAIN_MAX (16 << 20)     /* a larger announced body is not even read */
#define HTTP_CONNECTIONS 64           /* connections at once (one thread each) */
#define HTTP_STREAMS 32               /* of them event streams (503 above) */
#define HTTP_IDLE_TIMEOUT 30          /* seconds an idle connection is kept */
#define HTTP_PING_SECONDS 15          /* ": ping" on a quiet event stream */
#define HTTP_STREAM_QUEUE 1024        /* live entries queued per stream */
#define HTTP_STREAM_CHUNK 256         /* entries one catch-up step reads */

/* Answers by route and class, for /metrics: api.* counters say how many,
 * these say where. */
typedef enum http_route_id {
    R_HEALTHZ, R_METRICS, R_ALERTS, R_ALERT, R_CLAIM, R_CONTACT, R_OUTCOME, R_CLOSE,
    R_PAYSTOPS, R_PAYSTOP_STATS, R_PAYSTOP, R_REPORTS, R_EVENTS, R_RELOAD, R_OTHER,
    R_COUNT
} http_route_id;

extern const char *const http_route_name[R_COUNT];

typedef struct http_stream http_stream;

struct fsc_http {
    fsc_dispatchd *d;
    struct MHD_Daemon *mhd;
    atomic_bool stopping;
    /* code classes 2xx..5xx by route; atomics: no lock on the hot path */
    atomic_ullong answers[R_COUNT][4];
    atomic_ullong fallbacks;          /* streams sent back to the store */

    pthread_mutex_t sse_lock;         /* streams and their queues; taken
                                       * after d->lock, never before it */
    http_stream *streams;             /* a list */
    int nstreams;
};

/* One request in progress (MHD's *con_cls). */
typedef struct http_req {
    char *body;
    size_t len;
    bool too_large;                   /* over HTTP_BODY_MAX: answer 413 */
    uint64_t announced;               /* its Content-Length, when it said */
    uint64_t drained;                 /* bytes of a too large body dropped */
    bool have_principal;
    fsc_principal who;
    http_route_id route;
} http_req;

/* An answer: status code and body (malloc'd; the answer takes it). */
typedef struct http_answer {
    unsigned code;
    char *body;
    size_t len;
    const char *type;                 /* static; NULL: application/json */
    struct MHD_Response *response;    /* set instead of body (event streams) */
    char location[96];                /* a Location header when not empty */
} http_answer;

/* Route handlers fill *a. id is the path's "{id}" ("" when none). */
typedef void (*http_handler)(fsc_http *h, struct MHD_Connection *c, http_req *r,
                             const char *id, http_answer *a);

void http_r_healthz(fsc_http *, struct MHD_Connection *, http_req *, const char *, http_answer *);
void http_r_metrics(fsc_http *, struct MHD_Connection *, http_req *, const char *, http_answer *);
void http_r_alerts(fsc_http *, struct MHD_Connection *, http_req *, const char *, http_answer *);
/* One alert or one payment stop with its history: r->route says which. */
void http_r_show(fsc_http *, struct MHD_Connection *, http_req *, const char *, http_answer *);
/* The workflow's steps (claim, contact, outcome, close): r->route says which. */
void http_r_work(fsc_http *, struct MHD_Connection *, http_req *, const char *, http_answer *);
void http_r_paystops(fsc_http *, struct MHD_Connection *, http_req *, const char *,
                     http_answer *);
/* The reports over a window (the report, payment-stop statistics): r->route
 * says which. */
void http_r_reports(fsc_http *, struct MHD_Connection *, http_req *, const char *, http_answer *);
void http_r_events(fsc_http *, struct MHD_Connection *, http_req *, const char *, http_answer *);
void http_r_reload(fsc_http *, struct MHD_Connection *, http_req *, const char *, http_answer *);

/* {"error": msg, "status": name} with code; counts api.denied for 401/403,
 * api.errors for the rest (takes d->lock: call without it). */
void http_error(fsc_http *h, http_answer *a, unsigned code, fsc_status st, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The code for a service status (FSC_EDENIED 403, FSC_ESTATE 409, ...). */
unsigned http_code(fsc_status st);
/* Takes body (malloc'd JSON text) as a 2xx answer. */
void http_json(http_answer *a, unsigned code, char *body);

/* A query argument (URL-decoded by MHD) or NULL. */
const char *http_query(struct MHD_Connection *c, const char *key);
/* 400 unless every query argument is one of the NULL-terminated names. */
bool http_query_only(fsc_http *h, struct MHD_Connection *c, http_answer *a,
                     const char *const *names);
/* now, as the service wants it: unix seconds, wall clock */
double http_now(void);

/* Event streams (http_sse.c). */
void http_sse_stop_all(fsc_http *h);

#endif
