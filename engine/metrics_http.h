/* metrics_http.h: Prometheus text exposition of counters over HTTP.
 *
 * `fraudscan run` serves its counters on metrics.listen ("127.0.0.1:9100")
 * at GET /metrics, and dispatch's HTTP API (dispatch/http.h) formats its own
 * request counters with the same functions, so every fraudscan process
 * speaks the same text format (Prometheus exposition format 0.0.4):
 *
 *   # TYPE fsc_engine_capture_packets_total counter
 *   fsc_engine_capture_packets_total 1234
 *
 * A counter "section.name" of counters.h becomes <prefix>_section_name_total
 * (every byte outside [A-Za-z0-9_] turns into '_').
 *
 * The server is libmicrohttpd with its own polling thread; it binds only
 * the address given (loopback in tests), answers GET /metrics and /healthz,
 * 404 otherwise, and holds no lock of the caller's: the collect function
 * takes whatever lock it needs. */
#ifndef FSC_METRICS_HTTP_H
#define FSC_METRICS_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "counters.h"
#include "status.h"

/* A bounded text buffer for exposition output: appends past cap are
 * dropped and remembered in `truncated` (never grown without bound). */
typedef struct fsc_mtext {
    char *buf;
    size_t len, cap;
    int truncated;
} fsc_mtext;

/* printf-style append; keeps buf NUL-terminated. */
void fsc_mtext_printf(fsc_mtext *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends one "# TYPE" line and one sample for every counter of c, named
 * <prefix>_<counter name>_total; all of them when zeros is non-zero,
 * otherwise only the non-zero ones. */
void fsc_metrics_counters(fsc_mtext *t, const char *prefix, const fsc_counters *c, int zeros);

/* Writes into out (cap bytes) the metric name for counter name `name`:
 * prefix + '_' + name with bytes outside [A-Za-z0-9_] as '_' + suffix. */
void fsc_metrics_name(const char *prefix, const char *name, const char *suffix, char *out,
                      size_t cap);

/* Parses "HOST:PORT" ("127.0.0.1:9100", "[::1]:9100", "localhost:9100")
 * into *ss / *sslen. FSC_EINVAL with the reason in err. */
fsc_status fsc_listen_parse(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen,
                            char *err, size_t errcap);

/* Called on the server's thread for each scrape: appends the exposition
 * text to t (fsc_metrics_counters and any gauges). */
typedef void (*fsc_metrics_collect_fn)(void *ctx, fsc_mtext *t);

typedef struct fsc_metrics_http fsc_metrics_http;

/* Starts serving GET /metrics on listen. collect/ctx must stay valid until
 * fsc_metrics_http_stop() returns. FSC_OK and *out, or FSC_EINVAL (a bad
 * address) / FSC_EIO (cannot bind) with the reason in err. */
fsc_status fsc_metrics_http_start(const char *listen, fsc_metrics_collect_fn collect, void *ctx,
                                  fsc_metrics_http **out, char *err, size_t errcap);
/* Stops the server (waits for a scrape in progress) and frees it; NULL ok. */
void fsc_metrics_http_stop(fsc_metrics_http *m);

#endif
