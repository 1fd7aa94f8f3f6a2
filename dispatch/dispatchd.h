/* dispatchd.h: the dispatch daemon's parts and how its main loop runs them.
 *
 * `fraudscan dispatch -c dispatch.yaml` runs one main thread that owns the
 * ZeroMQ sockets and the service (service.h), plus libmicrohttpd's threads
 * for the HTTP API (http.h). Every call into the service is made with
 * d->lock held; the service's listener (called on commit, lock held) hands
 * each new entry to every part, which queues what it must send and sends it
 * from the main thread (ZeroMQ sockets are not thread-safe).
 *
 * A part is a small vtable so the main loop stays one zmq_poll():
 *   ingest   dispatchd.c  engines' ALERT/ACK (wire.h)
 *   clients  clients.c    officers' and liaisons' REQ/REP/PUSH (wire.h)
 *   banks    banks.c      one DEALER per bank gateway (wire.h)
 * Each part adds its sockets to the poll set, handles their readiness, and
 * sees every committed entry. */
#ifndef FSC_DISPATCHD_H
#define FSC_DISPATCHD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "counters.h"
#include "service.h"

/* CURVE material, all Z85 text (40 chars) or empty when not configured. */
typedef struct fsc_curve {
    char public_key[41];
    char secret_key[41];
    char server_key[41];          /* clients: the server's public key */
} fsc_curve;

typedef struct fsc_dispatchd {
    void *zctx;                   /* the ZeroMQ context */
    fsc_svc *svc;
    pthread_mutex_t lock;         /* held around every svc call */
    fsc_counters *counters;       /* guarded by lock */
    fsc_curve curve;              /* this server's keys; empty: plain */
    volatile int stop;            /* set by signals */
} fsc_dispatchd;

typedef struct fsc_part {
    const char *name;
    void *state;
    /* adds up to cap poll items; returns how many */
    int (*pollitems)(void *state, zmq_pollitem_t *items, int cap);
    /* items are the ones this part added, after zmq_poll; now = unix time */
    void (*handle)(void *state, zmq_pollitem_t *items, int n, double now);
    /* a committed entry (lock held): queue what must be sent */
    void (*on_entry)(void *state, uint64_t seq, const char *kind, const char *queue, int level,
                     const char *json, size_t len);
    /* sends what on_entry queued (lock not held), retries, timeouts */
    void (*flush)(void *state, double now);
    void (*close)(void *state);
} fsc_part;

/* clients.c: officers' and liaisons' connections. endpoint is bound. */
fsc_status fsc_clients_open(fsc_dispatchd *d, const char *endpoint, fsc_part *out, char *err,
                            size_t errcap);
/* banks.c: one gateway per "name=endpoint" in banks (nbanks of them). */
fsc_status fsc_banks_open(fsc_dispatchd *d, const char *const *names,
                          const char *const *endpoints, int nbanks, fsc_part *out, char *err,
                          size_t errcap);

/* Runs the daemon configured by c (dconfig.h) until SIGTERM or SIGINT;
 * returns the exit status (0, or 1 when it could not start). */
struct fsc_dconfig;
int fsc_dispatchd_run(const struct fsc_dconfig *c);

/* Applies curve (server side when as_server) to socket s; a no-op when no
 * keys are configured. Returns 0 or -1 (zmq_errno()). */
int fsc_curve_apply(void *s, const fsc_curve *curve, bool as_server);

#endif
