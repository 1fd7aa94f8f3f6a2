/* spool.h: the engine's outbox to dispatch, on disk until dispatch has it.
 *
 * Every alert the engine emits is appended to the spool before anything
 * else is done with it, and stays there until dispatch acknowledges that it
 * stored it durably (wire.h: ["ALERT", ref, json] -> ["ACK", ref, seq]).
 * A kill -9 of the engine loses nothing it emitted (the line is in the
 * kernel's page cache once fsc_spool_append returns; the sender
 * fdatasyncs each batch before sending it), a dispatch that is down or
 * restarting loses nothing either: what is unacknowledged is resent after a
 * timeout, on reconnect and on the engine's next start.
 *
 * Files in the spool directory:
 *   engine-id                  this spool's engine name, made once
 *                              ("<host>-<8 hex>"), so refs stay stable
 *                              across restarts
 *   seg-<first seq, 20 digits>.log
 *                              append-only segments, one line per alert:
 *                              "<seq> <json>\n", seq = 1, 2, 3, ...; a new
 *                              segment past segment_bytes; a segment whose
 *                              every alert is acknowledged is deleted
 *   acked                      "<seq>\n": every alert up to seq is done
 *                              (acknowledged, or refused and moved to the
 *                              dead letters). Rewritten by tmp + rename; a
 *                              stale value only means resends, which
 *                              dispatch deduplicates by alert_id
 *   dead-letter.jsonl          refused alerts (NACK) with dispatch's reason
 *
 * A torn last line (a crash mid-write) is cut on open and counted.
 *
 * One sender thread owns a ZeroMQ DEALER connected to dispatch. It reads
 * the segments back (the page cache makes this cheap) and keeps up to
 * `window` alerts in flight; an unacknowledged alert is resent after
 * resend_ms, doubling up to 4 s, and at once when the connection comes
 * back. ZMQ heartbeats make a cut network look like a disconnect.
 *
 * Threads: fsc_spool_append may be called from one thread (the scorer)
 * while the sender runs; the rest from the thread that opened it. */
#ifndef FSC_SPOOL_H
#define FSC_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "status.h"

typedef struct fsc_spool_config {
    const char *dir;              /* required; created if missing */
    const char *endpoint;         /* dispatch.listen; NULL: spool only */
    const char *curve_server_key; /* file with dispatch's public key (Z85) */
    const char *curve_key;        /* file with this engine's secret key (Z85);
                                     both or neither */
    int window;                   /* alerts in flight (0: 1000) */
    int resend_ms;                /* first resend after (0: 1000) */
    size_t segment_bytes;         /* a new segment past this (0: 64 MiB) */
} fsc_spool_config;

typedef struct fsc_spool fsc_spool;

/* Opens the spool in cfg->dir, cuts a torn tail, and starts the sender,
 * which first resends whatever is unacknowledged. On failure returns
 * FSC_EIO / FSC_EINVAL / FSC_EZMQ with the reason in err. */
fsc_status fsc_spool_open(const fsc_spool_config *cfg, fsc_spool **out, char *err,
                          size_t errcap);

/* Appends one alert (json, len bytes, no newline; copied). Returns once the
 * line is written to the segment (not yet fdatasynced: the sender does that
 * per batch). FSC_EIO when the write failed (said once on stderr, counted):
 * the alert is then not spooled. FSC_ELIMIT when it is larger than
 * dispatch stores: it goes to the dead letters at once (ref "<engine>:0").
 * Never waits for the network. */
fsc_status fsc_spool_append(fsc_spool *s, const char *json, size_t len);

/* Alerts appended but not yet done (acknowledged or dead-lettered). */
uint64_t fsc_spool_pending(fsc_spool *s);

/* Adds the spool's counters (spool.*) into c. */
void fsc_spool_counters(fsc_spool *s, fsc_counters *c);

/* Waits up to wait_ms for every alert to be acknowledged, stops the sender,
 * records the watermark and frees s. Returns how many alerts remain spooled
 * (the next open sends them). s may be NULL (returns 0). */
uint64_t fsc_spool_close(fsc_spool *s, int wait_ms);

#endif
