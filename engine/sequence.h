/* sequence.h: cross-signal rules, per subscriber, within a time window.
 *
 * A sequence rule (`sequence: {within: 30m, steps: [sel_a, sel_b]}`) holds
 * when one subscriber's records satisfy its step selections in order, the
 * last no later than `within` after the first: a screen-sharing app
 * installed, then a fake-bank domain looked up. The matcher reports which
 * steps each record reached; the caller, once it knows whose record it was,
 * feeds them here, and a completed sequence is reported through the usual
 * hit callback as a hit of the sequence rule, with the last step's value as
 * evidence.
 *
 * Bounded: a fixed table of subscribers set at creation (least recently
 * seen evicted, counted), and per subscriber at most FSC_SEQ_MAX_PROGRESS
 * rules in progress. One fsc_seq per thread that attributes records, like
 * the matcher; it is tied to the rule set it was made for (after a reload,
 * make a new one: progress does not carry over to other rules). */
#ifndef FSC_SEQUENCE_H
#define FSC_SEQUENCE_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

#define FSC_SEQ_MAX_PROGRESS 8 /* sequence rules in progress per subscriber */
#define FSC_SEQ_SUBSCRIBER_MAX 63 /* bytes of a subscriber id kept */

typedef struct fsc_seq fsc_seq;

/* A tracker for rs's sequence rules, remembering up to max_subscribers
 * subscribers (0: 65536). rs must outlive it. NULL when out of memory. */
fsc_seq *fsc_seq_new(const fsc_ruleset *rs, size_t max_subscribers);
void fsc_seq_free(fsc_seq *s);

/* Call right after fsc_match_record(m, rec, ...) with the subscriber the
 * record belongs to. Advances that subscriber's sequences with the steps
 * the record reached, at time rec->ts, and calls hit once per sequence rule
 * completed (evidence: the value that satisfied the last step). Returns the
 * number of rules completed. Records must come in time order per
 * subscriber; an older one only starts or extends nothing it cannot. */
int fsc_seq_feed(fsc_seq *s, const fsc_matcher *m, const char *subscriber,
                 const fsc_record *rec, fsc_hit_fn hit, void *ctx);

/* The same for one step, for callers that attribute records on another
 * thread than the one that matched them: ship what fsc_match_steps()
 * returned, then call this once per step, in the order it returned them,
 * with the record's subscriber and time. Returns 1 when the step completed
 * the rule's sequence (hit was called), else 0. */
int fsc_seq_step(fsc_seq *s, const fsc_rule *rule, unsigned step, const char *subscriber,
                 fsc_time ts, const fsc_value *v, fsc_hit_fn hit, void *ctx);

/* Subscribers evicted to make room, and progress dropped because one
 * subscriber had FSC_SEQ_MAX_PROGRESS rules in progress already. */
uint64_t fsc_seq_evictions(const fsc_seq *s);
uint64_t fsc_seq_dropped(const fsc_seq *s);

#endif
