/* score.h: per-subscriber evidence, decay, victim-group model, alerts.
 *
 * Every rule hit is evidence against one subscriber and one fraud type. The
 * scorer keeps, per (subscriber, fraud type), a score that decays with a
 * half-life and grows by  rule weight x group factor  for each new piece of
 * evidence (the same rule again within `repeat_window` refreshes it instead
 * of adding to the score: a phone retrying a DNS query is one signal). The
 * score crosses four levels; a rule's own level is a floor. An alert fires
 * once per level crossing: never again while the score stays up, again only
 * after it decays below half the lowest level (the episode is over) and
 * rises anew.
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
    double thresholds[5];    /* [1..4]: score for low..critical; 0: defaults */
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
    double contribution;     /* what it added to the score when it came */
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

/* Adds one rule hit (rule matched value v of record rec) against subject,
 * and calls cb for each alert it raises. Returns FSC_OK, or FSC_ELIMIT when
 * the subscriber table is full (the hit is counted by the caller, dropped). */
fsc_status fsc_scorer_add(fsc_scorer *s, const fsc_subject *subject, const fsc_rule *rule,
                          const fsc_value *v, const fsc_record *rec, fsc_alert_fn cb,
                          void *ctx);

/* The group factor the model applies to fraud type ft for group g. */
double fsc_score_group_factor(int ft, fsc_group g);
/* Level names: "none", "low", "medium", "high", "critical". */
const char *fsc_level_name(fsc_level l);
/* What the police do at that level ("warning SMS", ...). */
const char *fsc_level_action(fsc_level l);

#endif
