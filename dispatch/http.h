/* http.h: dispatch's HTTP API, Server-Sent Events and /metrics.
 *
 * The same operations as the ZeroMQ clients transport (wire.h), for
 * browsers, scripts and Prometheus. JSON in and out; every route but
 * /healthz and /metrics needs "Authorization: Bearer TOKEN" (the tokens of
 * auth.h). docs/api.md lists the routes with examples:
 *
 *   GET  /healthz                       GET  /metrics (Prometheus text)
 *   GET  /alerts?queue=&state=&min_level=
 *   GET  /alerts/{id}
 *   POST /alerts/{id}/claim|contact|outcome|close
 *   POST /paystops                      GET  /paystops/{id}
 *   GET  /paystops/stats?from=&to=      GET  /reports?from=&to=
 *   GET  /events?queue=&min_level=      (text/event-stream)
 *   POST /admin/reload
 *
 * Status codes: 400 bad input ({"error":"... at byte N"}), 401 no or unknown
 * token, 403 not allowed (FSC_EDENIED; the service logs the refusal), 404,
 * 405, 409 wrong workflow state (FSC_ESTATE), 413 body over 64 KiB,
 * 503 the store failed (nothing was done), 500 anything else. Refusals
 * (401, 403) are counted in api.denied, other failures in api.errors.
 *
 * Threads: libmicrohttpd runs a thread per connection (bounded in number;
 * idle connections time out, event streams excepted: they send ": ping"
 * every 15 s). Every call into the service is made with d->lock held, and a
 * mutating request commits before it answers, so a 2xx means durable.
 *
 * Event streams: GET /events answers the entries the caller may read
 * (fsc_svc_entry_visible), as "id: <seq>\nevent: <kind>\ndata: <entry>\n\n".
 * With a Last-Event-ID header (an entry's seq) it first replays what came
 * after it from the store, then goes on live, with no gap and no entry
 * twice: the catch-up and the switch to live happen under d->lock, the
 * same lock commits and the listener run under. A stream whose reader
 * falls behind (over 1024 queued entries) goes back to reading the store,
 * so a slow client costs bounded memory and still misses nothing. */
#ifndef FSC_HTTP_H
#define FSC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "dispatchd.h"
#include "status.h"

typedef struct fsc_http fsc_http;

/* Binds listen ("127.0.0.1:8080", "[::1]:8080") and starts serving d (which
 * must outlive it). FSC_OK and *out, or FSC_EINVAL (not HOST:PORT) / FSC_EIO
 * (cannot bind) with the reason in err. */
fsc_status fsc_http_start(fsc_dispatchd *d, const char *listen, fsc_http **out, char *err,
                          size_t errcap);

/* Ends every event stream, waits for the requests in progress and frees h
 * (NULL ok). Call it without d->lock held (a request may be waiting for
 * it). */
void fsc_http_stop(fsc_http *h);

/* A committed entry, from the service's listener (d->lock held): queued
 * for the event streams that select it; never blocks on a client. json is
 * copied. */
void fsc_http_on_entry(fsc_http *h, uint64_t seq, const char *kind, const char *queue, int level,
                       const char *json, size_t len);

#endif
