/* score.h: per-subscriber evidence, the log-odds model, alerts.
 *
 * Every rule hit is evidence against one subscriber and one fraud type. The
 * scorer keeps, per (subscriber, fraud type), one decayed log-odds sum per
 * signal kind (model.h), and the score is
 *
 *   p = sigmoid( prior_logit(ft, group) + sum_k sum[k] ),   0 < p < 1
 *
 * where each new piece of evidence adds its model weight w (log-odds) to
 * sum[its kind], and sum[k] halves every half_life(k). What counts as *new*:
 *  - one record is one observation: when several rules of a fraud type match
 *    the same record, only the strongest adds (the others are listed as
 *    evidence with contribution 0);
 *  - one site is one signal: hits on host names (dns.query, tls.sni,
 *    http.host) under the same registrable name (its last two labels) within
 *    the model's repeat_window add only what a stronger rule adds beyond the
 *    earlier hit, so a DNS lookup followed by a TLS handshake to the same
 *    fraud site is not counted twice;
 *  - the same rule on the same value within repeat_window is a repeat (a
 *    phone retrying a query) and is not recorded again.
 * Combination boosts (model.boosts) add their log-odds once per episode when
 * all their tags were seen within their window. Each evidence's
 * `contribution` is the log-odds it added when it came.
 *
 * The score crosses four levels (model thresholds, probabilities); a rule's
 * own level is a floor. An alert fires when a higher level is crossed, or
 * again at the same level once the model's cool-down has passed since the
 * last alert and new evidence arrives. The episode ends when p decays below
 * episode_end x the low threshold. "Confirmed safe" (fsc_scorer_dispose)
 * silences a person and fraud type for the model's suppress time.
 *
 * Hits are added with fsc_scorer_add() as a record is matched, and alerts
 * are raised by fsc_scorer_commit() once the whole record has been matched,
 * so one record gives at most one alert per person and fraud type.
 *
 * Records are compact (score_int.h): about 200 bytes for a person with one
 * piece of evidence; evidence values are interned, so a fraud domain seen
 * by a million phones is stored once. With a shared store
 * (fsc_scorer_set_store: Redis, state_redis.h) each person's record lives
 * in Redis and the alert decision is committed atomically there, so several
 * engines raise each alert once between them.
 *
 * Time is the records' time (capture or event time), so a replay gives the
 * same alerts as the live run did. Single-threaded: one scorer per owner. */
#ifndef FSC_SCORE_H
#define FSC_SCORE_H

#include <stddef.h>

#include "counters.h"
#include "fraud_type.h"
#include "model.h"
#include "record.h"
#include "rules.h"

#define FSC_EVIDENCE_MAX 16          /* evidence kept per subscriber and type */
#define FSC_EVIDENCE_VALUE_MAX 256   /* longer values are cut, marked by "..." */

typedef struct fsc_score_config {
    const fsc_model *model;  /* borrowed; NULL: fsc_model_builtin() */
    size_t max_subscribers;  /* bound on tracked people; 0: default 16,000,000 */
    fsc_time expire_after;   /* fsc_scorer_expire forgets people quiet this
                              * long; 0: 8 x the longest half-life */
    size_t max_string_bytes; /* bound on interned text; 0: 1 GiB */
    fsc_counters *counters;  /* score.* and state.* counters; may be NULL */
    struct fsc_state_store *store; /* shared Redis store (state.h), borrowed;
                              * NULL: people live in memory only */
    const char *state_path;  /* snapshot file (state.h): restored by
                              * fsc_scorer_new, written every
                              * snapshot_interval seconds and, marked clean,
                              * by fsc_scorer_free; NULL: none */
    int snapshot_interval;   /* seconds; 0: only at fsc_scorer_free */
    struct fsc_scorer **created; /* when set, fsc_scorer_new also stores the
                              * scorer here, so the owner of a pipeline can
                              * reach the scorer it made (dispositions,
                              * observations, a model reload), on the
                              * scoring thread only */
} fsc_score_config;

typedef struct fsc_evidence {
    const fsc_rule *rule;    /* the scorer's copy of the rule as it was */
    fsc_field field;
    char value[FSC_EVIDENCE_VALUE_MAX];
    fsc_time ts;
    fsc_source source;
    fsc_signal kind;
    fsc_addr src, dst;       /* traffic */
    uint64_t frame;          /* traffic: frame; app: line */
    double weight;           /* the model's log-odds for this hit */
    double contribution;     /* log-odds it added to the score when it came */
} fsc_evidence;

typedef struct fsc_alert {
    char id[17];             /* 16 hex digits, stable for the same input */
    fsc_time ts;             /* time of the evidence that crossed the level */
    const char *subscriber;
    const char *precinct;
    fsc_group group;
    int fraud_type;
    fsc_level level;
    double score;            /* probability, 0..1 */
    double prior;            /* the prior probability for ft and group */
    const char *instruction;
    const char *ruleset_version;
    fsc_time ruleset_loaded;     /* when that rule set was loaded; 0: unknown */
    const char *model_version;
    size_t nevidence;
    const fsc_evidence *evidence; /* oldest first */
} fsc_alert;

/* Receives an alert; it and everything it points to is valid only during
 * the call. */
typedef void (*fsc_alert_fn)(void *ctx, const fsc_alert *a);

/* Who the evidence is about. precinct may be NULL ("unassigned"). */
typedef struct fsc_subject {
    const char *subscriber;
    const char *precinct;
    fsc_group group;
} fsc_subject;

typedef struct fsc_scorer fsc_scorer;

/* cfg may be NULL for defaults. ruleset_version is copied; cfg->model is
 * borrowed and must outlive the scorer (or be replaced first). NULL when
 * out of memory. Free with fsc_scorer_free(). */
fsc_scorer *fsc_scorer_new(const fsc_score_config *cfg, const char *ruleset_version);
void fsc_scorer_free(fsc_scorer *s);

/* Swaps the model (a reload): evidence already held keeps the log-odds it
 * added, new evidence is weighed by m. m is borrowed. */
void fsc_scorer_set_model(fsc_scorer *s, const fsc_model *m);
const fsc_model *fsc_scorer_model(const fsc_scorer *s);
/* Sets the rule set version alerts carry (after a rules reload). */
void fsc_scorer_set_ruleset_version(fsc_scorer *s, const char *version);

/* Adds one rule hit (rule matched value v of record rec) against subject.
 * Alerts are not raised here but by fsc_scorer_commit(). Returns FSC_OK,
 * FSC_ELIMIT when the subscriber table is full (counted in
 * score.table_full), FSC_EINVAL when the record's time is further than the
 * model's max_clock_skew from the scorer's clock (counted in
 * score.clock_skew_refused) or the rule's fraud type is not 1..13. */
fsc_status fsc_scorer_add(fsc_scorer *s, const fsc_subject *subject, const fsc_rule *rule,
                          const fsc_value *v, const fsc_record *rec);

/* Ends the current record: calls cb for each level it made someone cross. */
void fsc_scorer_commit(fsc_scorer *s, fsc_alert_fn cb, void *ctx);

/* An app event that is no rule hit but may complete a combination
 * (app_opened of a banking app, screen_share_started, accessibility_enabled,
 * a sideloaded install). installer may be NULL. Call it for every app
 * event, before matching it; cheap when the event carries no tag. */
void fsc_scorer_observe(fsc_scorer *s, const fsc_subject *subject, const fsc_record *rec,
                        const char *installer);

typedef enum fsc_disposition {
    FSC_DISPOSITION_CONFIRMED_SAFE, /* silence (subscriber, ft) for model.suppress */
    FSC_DISPOSITION_CONFIRMED_FRAUD,
    FSC_DISPOSITION_FALSE_ALARM,    /* ends the episode, no suppression */
} fsc_disposition;
/* Parses "confirmed_safe", "confirmed_fraud", "false_alarm" (len bytes);
 * -1 when none of them. */
int fsc_disposition_parse(const char *s, size_t len);
/* An officer's disposition of (subscriber, ft) at time ts. ft 0: every
 * fraud type. */
fsc_status fsc_scorer_dispose(fsc_scorer *s, const fsc_subject *subject, int ft,
                              fsc_disposition d, fsc_time ts);

/* Forgets every person whose last evidence is older than expire_after
 * before `now` and who is not being silenced. Returns how many. */
size_t fsc_scorer_expire(fsc_scorer *s, fsc_time now);
/* People tracked, and the bytes the scorer holds (tables, records,
 * evidence, interned text). */
size_t fsc_scorer_count(const fsc_scorer *s);
size_t fsc_scorer_memory(const fsc_scorer *s);
/* The latest record time the scorer has seen (its clock); 0 before any. */
fsc_time fsc_scorer_clock(const fsc_scorer *s);

/* Level names: "none", "low", "medium", "high", "critical". */
const char *fsc_level_name(fsc_level l);
/* What the police do at that level ("warning SMS", ...). */
const char *fsc_level_action(fsc_level l);

#endif
