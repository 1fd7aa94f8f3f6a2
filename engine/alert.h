/* alert.h: writing alerts out, as JSON lines, to ZeroMQ and to Redis.
 *
 * The JSON form of an alert is one object on one line (docs/alerts.md lists
 * every key). An fsc_alert_sink sends each alert to every output it was
 * opened with: a FILE (stdout or --alerts FILE), a ZeroMQ PUB socket, a
 * Redis stream, dispatch (through the spool, spool.h). A failing output is
 * counted and reported once; it never stops the others or the engine.
 *
 * With dispatch configured, each alert is appended to the spool first,
 * before any other output sees it: an alert anyone saw is one the spool
 * holds, and the scorer never waits for the network (the spool's own
 * thread sends). */
#ifndef FSC_ALERT_H
#define FSC_ALERT_H

#include <stdio.h>

#include "counters.h"
#include "score.h"
#include "status.h"

/* Formats a as one JSON object (no newline) into a newly allocated string
 * stored in *out (*len bytes, NUL-terminated); the caller frees it with
 * free(). Returns FSC_OK or FSC_ENOMEM. */
fsc_status fsc_alert_to_json(const fsc_alert *a, char **out, size_t *len);

typedef struct fsc_alert_sink_config {
    FILE *out;                 /* JSON lines here; NULL: none */
    const char *publish;       /* ZeroMQ endpoint to bind a PUB socket to */
    int wait_subscribers;      /* before the first alert, wait for this many */
    int wait_timeout_ms;       /* ... for at most this long (0: 5000) */
    const char *redis;         /* "host:port" of a Redis server; NULL: none */
    const char *redis_stream;  /* stream key; NULL: "fsc:alerts" */
    const char *dispatch;      /* dispatch's engine endpoint (its dispatch.listen) */
    const char *spool_dir;     /* the spool (spool.h); required with dispatch */
    const char *curve_server_key; /* file: dispatch's public key; NULL: plain */
    const char *curve_key;     /* file: this engine's secret key */
    int dispatch_wait_ms;      /* flush/close wait for ACKs this long (0: 5000) */
} fsc_alert_sink_config;

typedef struct fsc_alert_sink fsc_alert_sink;

/* Opens every output cfg names. On failure returns NULL with the reason in
 * err (errcap bytes). counters (may be NULL) receives alert.* counters and
 * must outlive the sink. Close with fsc_alert_sink_close(), which flushes
 * queued ZeroMQ messages (up to 2 s) before it returns. */
fsc_alert_sink *fsc_alert_sink_open(const fsc_alert_sink_config *cfg, fsc_counters *counters,
                                    char *err, size_t errcap);
void fsc_alert_sink_close(fsc_alert_sink *s);

/* Waits (up to cfg.dispatch_wait_ms) until dispatch acknowledged every
 * spooled alert and brings the spool.* counters up to date; says on stderr
 * how many remain spooled (sent on the next start). Returns that number;
 * 0 without dispatch. fsc_alert_sink_close() does this too. */
unsigned long long fsc_alert_sink_flush(fsc_alert_sink *s);

/* Sends a to every output. Matches fsc_alert_fn, so it can be handed to the
 * scorer directly with the sink as ctx. */
void fsc_alert_sink_emit(void *sink, const fsc_alert *a);

/* ZeroMQ topic of an alert: "alert.<precinct>.<level>", so a subscriber can
 * filter by prefix ("alert.P-NORTH."). */
#define FSC_ALERT_TOPIC_PREFIX "alert."

#endif
