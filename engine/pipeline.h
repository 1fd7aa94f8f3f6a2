/* pipeline.h: frames and events in, alerts out, on one or more threads.
 *
 *   reader thread (the caller)            worker threads (capture.workers - 1:
 *   fsc_pipeline_frame() --hash-->  ring -> decode, extract, match   the reader
 *                                                                      is worker 0)
 *        ^                                        |
 *        | drains hits, attributes them to        | rule hits (with a copy of
 *        | people, scores, raises alerts  <- ring-+  the evidence value)
 *   fsc_pipeline_record() (install events: matched and scored here)
 *
 * Frames are spread over workers by a flow-symmetric hash of the outer
 * addresses and ports, so both directions of a flow meet the same worker's
 * TCP state. With workers <= 1 everything runs inline in the caller's
 * thread, in input order (replays are then exactly reproducible).
 *
 * Scoring stays on one thread: hits are rare next to packets, and one
 * thread owning the per-subscriber table needs no locks.
 *
 * Rule sets are swapped without a pause: fsc_pipeline_reload() may be called
 * from any thread with a set compiled beside the running one; each worker
 * moves to it between two frames, and the old set is freed once no worker
 * and no queued hit refers to it. */
#ifndef FSC_PIPELINE_H
#define FSC_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "counters.h"
#include "events.h"
#include "identity.h"
#include "record.h"
#include "rules.h"
#include "score.h"
#include "status.h"

typedef struct fsc_pipeline_config {
    int workers;               /* <= 1: inline */
    size_t queue_bytes;        /* per worker frame ring; 0: 8 MiB */
    fsc_identity *identity;    /* borrowed, may be NULL; outlives the pipeline */
    fsc_profiles *profiles;    /* borrowed, may be NULL */
    fsc_alert_sink *sink;      /* borrowed */
    const fsc_score_config *score; /* NULL: defaults */
    /* Optional, borrowed: called on the reader thread for every rule hit
     * (a sequence rule when it completes, not its steps), in input order
     * whatever the number of workers, before it is scored. v and rec are
     * valid during the call only; cut says v holds only the first
     * FSC_EVIDENCE_VALUE_MAX bytes of a longer value (values cross a
     * worker's ring so). `replay --hits` writes them out for analysts and
     * for bench/run's comparison with Suricata. */
    void (*on_hit)(void *ctx, const fsc_rule *rule, const fsc_value *v, bool cut,
                   const fsc_record *rec);
    void *hit_ctx;
} fsc_pipeline_config;

typedef struct fsc_pipeline fsc_pipeline;

/* Creates the pipeline and starts its workers. Takes ownership of rules
 * (freed with the pipeline or when replaced). Returns FSC_OK and *out, or
 * FSC_ENOMEM / FSC_EHYPERSCAN (rules is then freed too). */
fsc_status fsc_pipeline_new(const fsc_pipeline_config *cfg, fsc_ruleset *rules,
                            fsc_pipeline **out);

/* Reader thread only. One captured frame; data is copied before return. */
void fsc_pipeline_frame(fsc_pipeline *p, int linktype, fsc_time ts, uint64_t frame,
                        const uint8_t *data, size_t caplen);
/* Reader thread only. The same without the copy: data must stay valid and
 * unchanged until fsc_pipeline_drain() has returned (a mapped file). */
void fsc_pipeline_frame_borrowed(fsc_pipeline *p, int linktype, fsc_time ts, uint64_t frame,
                                 const uint8_t *data, size_t caplen);
/* Reader thread only. One app event from the events feed, with its meta
 * keys (events.h): an officer's disposition changes the scorer and is not
 * matched; any other event is shown to the scorer's combination tracking,
 * then matched and scored as fsc_pipeline_record() does. meta may be NULL. */
void fsc_pipeline_event(fsc_pipeline *p, const fsc_record *rec, const fsc_event_meta *meta);
/* Reader thread only. One record from another feed (install events). */
void fsc_pipeline_record(fsc_pipeline *p, const fsc_record *rec);
/* Reader thread only. Scores the hits the workers have queued so far and
 * completes a pending rule-set swap; call it when the input is idle. */
void fsc_pipeline_poll(fsc_pipeline *p);
/* Reader thread only. Waits until every queued frame has been processed and
 * every hit scored. */
void fsc_pipeline_drain(fsc_pipeline *p);

/* Any thread. Replaces the rule set with `next` (ownership passes); returns
 * FSC_OK, or FSC_ELIMIT while an earlier swap is still in progress (next
 * is then not taken: the caller frees it). */
fsc_status fsc_pipeline_reload(fsc_pipeline *p, fsc_ruleset *next);
/* Any thread. The version of the rule set in use. Copied into buf. */
void fsc_pipeline_ruleset_version(fsc_pipeline *p, char *buf, size_t cap);

/* Any thread. Sums every thread's counters into *out (a snapshot: workers
 * publish theirs every few thousand frames and when drained). */
void fsc_pipeline_counters(fsc_pipeline *p, fsc_counters *out);

/* Reader thread only. CPU seconds each thread has used since the pipeline
 * was made: out[0] the reader (the caller's thread), out[i] worker i.
 * Returns how many it wrote (at most max). On a shared machine wall time
 * hides how the work is split between threads; CPU time shows it
 * (bench/traffic reports both). */
int fsc_pipeline_cpu(fsc_pipeline *p, double *out, int max);

/* Stops the workers (after draining) and frees everything it owns. */
void fsc_pipeline_free(fsc_pipeline *p);

#endif
