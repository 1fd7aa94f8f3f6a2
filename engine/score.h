/* score.h: per-subscriber evidence, decay, victim-group model, alerts.
 *
 * Every rule hit is evidence against one subscriber and one fraud type. The
 * scorer keeps, per (subscriber, fraud type), a score that decays with a
 * half-life and grows by  rule weight x group factor  for each new piece of
 * evidence. What counts as *new*:
 *  - one record is one observation: when several rules of a fraud type match
 *    the same record, only the strongest adds to the score (the others are
 *    listed as evidence with contribution 0);
 *  - one site is one signal: hits on host names (dns.query, tls.sni,
 *    http.host) under the same registrable name (its last two labels) within
 *    `repeat_window` add only what a stronger rule adds beyond the earlier
 *    hit, so a DNS lookup followed by a TLS handshake to the same fraud site
 *    is not counted twice;
 *  - the same rule on the same value within `repeat_window` is a repeat (a
 *    phone retrying a query) and is not recorded again.
 * The score crosses four levels; a rule's own level is a floor. An alert
 * fires once per level crossing: never again while the score stays up, again
 * only after it decays below half the lowest level (the episode is over) and
 * rises anew.
 *
 * Hits are added with fsc_scorer_add() as a record is matched, and alerts
 * are raised by fsc_scorer_commit() once the whole record has been matched,
 * so one record gives at most one alert per person and fraud type.
 *
 * Time is the records' time (capture or event time), so a replay gives the
 * same alerts as the live run did. Single-threaded: one scorer per owner. */
#ifndef FSC_SCORE_H
#define FSC_SCORE_H

#include <stddef.h>

#include "fraud_type.h"
#include "record.h"
#include "rules.h"

#define FSC_EVIDENCE_MAX 16          /* evidence kept per subscriber and type */
#define FSC_EVIDENCE_VALUE_MAX 256   /* longer values are cut, marked by "..." */

typedef struct fsc_score_config {
    fsc_time half_life;      /* 0: default 6 hours */
    fsc_time repeat_window;  /* 0: default 1 hour */
    double thresholds[5];    /* [1..4]: score for low..critical; 0: defaults
                              * 1.0, 2.0, 3.5, 6.0 */
    size_t max_subscribers;  /* bound on tracked people; 0: default 1,000,000 */
} fsc_score_config;

typedef struct fsc_evidence {
    const fsc_rule *rule;
    fsc_field field;
    char value[FSC_EVIDENCE_VALUE_MAX];
    fsc_time ts;
    fsc_source source;
    fsc_addr src, dst;       /* traffic */
    uint64_t frame;          /* traffic: frame; app: line */
    double weight;           /* rule weight x group factor */
    double contribution;     /* what it added to the score when it came */
    uint64_t site;           /* hash of the registrable name; 0: not a host */
    uint64_t record;         /* which record it came from (scorer's count) */
} fsc_evidence;

typedef struct fsc_alert {
    char id[17];             /* 16 hex digits, stable for the same input */
    fsc_time ts;             /* time of the evidence that crossed the level */
    const char *subscriber;
    const char *precinct;
    fsc_group group;
    int fraud_type;
    fsc_level level;
    double score;
    const char *instruction;
    const char *ruleset_version;
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

/* cfg may be NULL for defaults. ruleset_version is copied. NULL when out of
 * memory. Free with fsc_scorer_free(). */
fsc_scorer *fsc_scorer_new(const fsc_score_config *cfg, const char *ruleset_version);
void fsc_scorer_free(fsc_scorer *s);

/* Adds one rule hit (rule matched value v of record rec) against subject.
 * Alerts are not raised here but by fsc_scorer_commit(). Returns FSC_OK, or
 * FSC_ELIMIT when the subscriber table is full (the caller counts it). */
fsc_status fsc_scorer_add(fsc_scorer *s, const fsc_subject *subject, const fsc_rule *rule,
                          const fsc_value *v, const fsc_record *rec);

/* Ends the current record: calls cb for each level it made someone cross. */
void fsc_scorer_commit(fsc_scorer *s, fsc_alert_fn cb, void *ctx);

/* The group factor the model applies to fraud type ft for group g. */
double fsc_score_group_factor(int ft, fsc_group g);
/* Level names: "none", "low", "medium", "high", "critical". */
const char *fsc_level_name(fsc_level l);
/* What the police do at that level ("warning SMS", ...). */
const char *fsc_level_action(fsc_level l);

#endif
