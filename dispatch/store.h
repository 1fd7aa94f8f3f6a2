/* store.h: dispatch's durable log, the one place its state lives.
 *
 * Dispatch is event-sourced: every change (an alert stored, a claim, a
 * contact, an outcome, an escalation, a payment-stop step, a refusal) is one
 * entry appended here, and the in-memory state (service.h) is the fold of
 * all entries in order. A restart replays the log; nothing else is saved.
 *
 * An entry is one JSON object of at most FSC_STORE_MAX_ENTRY bytes, with no
 * newline in it. The store gives each a sequence number, 1, 2, 3, ...
 * without gaps, in append order.
 *
 * Two backends behind this one API:
 *   journal  (default)  files in a directory: "journal.log", one line per
 *                       entry: "<seq> <crc32c hex8> <json>\n". A torn or
 *                       corrupt tail (a kill -9 mid-write) is cut at the last
 *                       good line on open, and the loss is reported (at
 *                       most entries never committed, so never acknowledged).
 *   redis    dispatch.redis = "host:port": the stream <prefix>:log holds the
 *                       entries (XADD with explicit id "<seq>-1", field
 *                       "e"); per precinct streams <prefix>:q:<precinct> with
 *                       the consumer group "duty" mirror the queues (see
 *                       store_redis.c) so XPENDING shows what is claimed.
 *
 * Appends are buffered; fsc_store_commit() makes every appended entry
 * durable (journal: write + fdatasync; Redis: the pipelined replies read
 * back, appendfsync is the server's own setting) and only then may anyone
 * be told an entry is stored (an engine's ACK, an officer's reply).
 * Not thread-safe: one owner (the service) calls it. */
#ifndef FSC_STORE_H
#define FSC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "status.h"

#define FSC_STORE_MAX_ENTRY (256 * 1024)

typedef struct fsc_store fsc_store;

/* Opens (creating if needed) the journal in directory dir. On failure
 * returns FSC_EIO / FSC_EMALFORMED with the reason in err. A cut tail is
 * not a failure: it is said in err's place on stderr and counted. */
fsc_status fsc_store_open_journal(const char *dir, fsc_counters *counters, fsc_store **out,
                                  char *err, size_t errcap);
/* Connects to the Redis server at "host:port" (prefix NULL: "fsc:dispatch").
 * FSC_EREDIS with the reason in err when it cannot. A lost connection later
 * is retried on the next call (counted); appends fail meanwhile. */
fsc_status fsc_store_open_redis(const char *hostport, const char *prefix,
                                fsc_counters *counters, fsc_store **out, char *err,
                                size_t errcap);
void fsc_store_close(fsc_store *s);

/* Appends one entry (json, len bytes, no newline; copied). *seq receives its
 * number. FSC_ELIMIT when longer than FSC_STORE_MAX_ENTRY (or when the
 * uncommitted batch already holds 64 MB: commit first), FSC_EINVAL when it
 * holds a newline or is empty. Not durable until fsc_store_commit(). */
fsc_status fsc_store_append(fsc_store *s, const char *json, size_t len, uint64_t *seq);
/* Makes every appended entry durable. On failure (FSC_EIO, FSC_EREDIS) the
 * uncommitted entries are dropped and their numbers reused: callers must
 * not have acknowledged them, and retry. */
fsc_status fsc_store_commit(fsc_store *s);

/* The number of the last committed entry (0: empty). */
uint64_t fsc_store_last(const fsc_store *s);

/* Calls fn for each committed entry with seq > after, in order; stops early
 * when fn returns non-zero (that value is not an error). json is valid
 * only during the call. */
typedef int (*fsc_store_fn)(void *ctx, uint64_t seq, const char *json, size_t len);
fsc_status fsc_store_scan(fsc_store *s, uint64_t after, fsc_store_fn fn, void *ctx);

/* Redis only (a no-op for the journal): mirror the queue of precinct:
 * alert `alert_id` queued, claimed by `officer`, or closed. The alert is
 * found by its id (seq, the entry that caused the step, is recorded with
 * it); QUEUED in another precinct's queue (an escalation) moves it there,
 * QUEUED again in the same one (a requeue) puts it back on the consumer
 * "dispatch". Failures are counted (dispatch.store_mirror_errors) and
 * returned (FSC_EREDIS, FSC_ENOTFOUND), never fatal: the log is the truth.
 * The Redis backend writes to sockets: the process must ignore SIGPIPE. */
typedef enum { FSC_QMIRROR_QUEUED, FSC_QMIRROR_CLAIMED, FSC_QMIRROR_CLOSED } fsc_qmirror;
fsc_status fsc_store_mirror(fsc_store *s, const char *precinct, const char *alert_id,
                            uint64_t seq, fsc_qmirror what, const char *officer);

/* Many mirror steps at once, in order: the Redis backend pipelines them (one
 * round trip for the batch, where fsc_store_mirror waits for each answer).
 * Each failure is counted and reported as fsc_store_mirror's are; returns
 * how many failed. */
typedef struct fsc_mirror_step {
    const char *precinct, *alert_id, *officer;
    uint64_t seq;
    fsc_qmirror what;
} fsc_mirror_step;
size_t fsc_store_mirror_many(fsc_store *s, const fsc_mirror_step *steps, size_t n);
/* Does this backend keep a queue mirror at all (false for the journal,
 * whose mirror calls do nothing)? Lets callers skip gathering steps. */
bool fsc_store_has_mirror(const fsc_store *s);

#endif
