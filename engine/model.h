/* model.h: the scoring model, loaded from a versioned YAML file
 * (models/default.yaml; docs/model.md describes every key).
 *
 * The model turns rule hits into a probability that a person is being
 * defrauded right now, in log-odds:
 *
 *   score = sigmoid( prior_logit(fraud type, victim group)
 *                    + sum over evidence of  w * 2^(-age / half_life(kind))
 *                    + boosts for combinations that mark a fraud in progress )
 *
 * where w = (the model's weight for the rule, or the rule's own weight x
 * rule_weight_scale) x the weight of the evidence's signal kind. Every
 * number added is a log-likelihood ratio, so a weight of 2.3 means "this
 * evidence makes fraud ten times likelier", and the score stays in 0..1.
 *
 * A model is immutable once loaded and may be shared by every thread; a
 * reload builds a new one and swaps the pointer (fsc_scorer_set_model). */
#ifndef FSC_MODEL_H
#define FSC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "fraud_type.h"
#include "record.h"
#include "rules.h"
#include "status.h"

/* Signal kinds: what sort of observation a piece of evidence is. Each kind
 * has its own weight and decay half-life. */
#define FSC_SIGNAL_LIST(X)                                                   \
    X(FSC_SIG_DNS, "dns")         /* a DNS query */                          \
    X(FSC_SIG_TLS, "tls")         /* a TLS / QUIC ClientHello */             \
    X(FSC_SIG_HTTP, "http")       /* an HTTP request */                      \
    X(FSC_SIG_APP, "app")         /* install, update, uninstall */           \
    X(FSC_SIG_RUNTIME, "runtime") /* accessibility, screen share, app opened */ \
    X(FSC_SIG_BOOST, "boost")     /* a combination boost (model.boosts) */

typedef enum fsc_signal {
#define FSC_X_ENUM(e, name) e,
    FSC_SIGNAL_LIST(FSC_X_ENUM)
#undef FSC_X_ENUM
    FSC_SIGNAL_COUNT
} fsc_signal;

const char *fsc_signal_name(fsc_signal k);
/* The kind of a rule hit on value field f of a record whose event (app
 * records) is `event` (may be NULL). */
fsc_signal fsc_signal_of(fsc_field f, const char *event);

/* Tags name things a combination boost looks for. Built in: */
#define FSC_TAG_FRAUD_SITE 0     /* any rule hit on a host name */
#define FSC_TAG_BANKING_OPENED 1 /* app_opened of a package in banking_apps */
#define FSC_TAG_SCREEN_SHARE 2   /* screen_share_started event */
#define FSC_TAG_ACCESSIBILITY 3  /* accessibility_enabled event */
#define FSC_TAG_SIDELOAD 4       /* an install whose installer is not a store */
#define FSC_TAG_BUILTIN 5
#define FSC_TAG_MAX 16           /* model tags fill the rest */

#define FSC_BOOST_MAX 16

typedef struct fsc_model_boost {
    char name[64];
    uint32_t fraud_types;    /* bit ft set: applies to FTft */
    uint16_t tags;           /* all of these seen ... */
    fsc_time within;         /* ... within this long of each other */
    double logit;            /* added once per episode */
    fsc_rule rule;           /* how the boost shows in an alert's evidence
                              * (id "boost:NAME"; level is its floor) */
    char title[160];
    char rule_id[72];        /* "boost:NAME" */
} fsc_model_boost;

typedef struct fsc_model {
    char version[96];          /* "VERSION+digest8": shows in every alert */
    double prior_logit[FSC_FRAUD_TYPES + 1][FSC_GROUP_COUNT];
    double kind_weight[FSC_SIGNAL_COUNT];
    fsc_time half_life[FSC_SIGNAL_COUNT];
    double threshold[5];       /* [1..4]: probability for low..critical */
    double threshold_logit[5];
    double rule_scale;         /* default log-odds per unit of rule weight */
    double episode_end;        /* an episode ends below this fraction of low */
    fsc_time repeat_window;
    fsc_time cooldown;         /* an alert at the same level re-fires after */
    fsc_time suppress;         /* how long "confirmed safe" silences */
    fsc_time max_skew;         /* evidence this far from the scorer's clock
                                * is refused (0: no check) */
    size_t nrules;             /* per-rule log-odds, sorted by id */
    struct fsc_model_rule {
        char *id;
        double logit;
    } *rules;
    size_t ntags;              /* FSC_TAG_BUILTIN..ntags-1 are model tags */
    char tag_names[FSC_TAG_MAX][32];
    size_t ntag_rules;         /* rule id (or "prefix*") -> tag */
    struct fsc_model_tag_rule {
        char *pattern;
        int tag;
    } *tag_rules;
    size_t nbanking;
    char **banking_apps;       /* package names; "prefix*" allowed */
    size_t nboosts;
    fsc_model_boost boosts[FSC_BOOST_MAX];
} fsc_model;

/* Loads a model file. On success returns FSC_OK and *out (free with
 * fsc_model_free). On any error (a YAML syntax error, an unknown key, a
 * typo in a group or fraud type, a number out of range) every problem is
 * reported through diag as file:line:col, FSC_EMALFORMED (FSC_EIO when the
 * file cannot be read) is returned and *out is untouched: the caller keeps
 * the model it had. */
fsc_status fsc_model_load(const char *path, fsc_diag *diag, fsc_model **out);
/* The same from memory (buf, len); name is used in diagnostics. */
fsc_status fsc_model_load_buf(const char *name, const char *buf, size_t len, fsc_diag *diag,
                              fsc_model **out);
/* The built-in model used when no model file is found: flat priors of 1 %,
 * rule weight x 1.5, the default thresholds, no boosts. Free with
 * fsc_model_free. NULL when out of memory. */
fsc_model *fsc_model_builtin(void);
void fsc_model_free(fsc_model *m);
/* Writes m as a model file that fsc_model_load reads back (version
 * replaced by `version`, digest recomputed on load). Returns 0 or -1. */
int fsc_model_write(const fsc_model *m, const char *version, FILE *f);

/* The log-odds of one hit of rule r of kind k (before decay). */
double fsc_model_weight(const fsc_model *m, const fsc_rule *r, fsc_signal k);
/* The model's own weight for rule id, or NAN when the rule has none. */
double fsc_model_rule_logit(const fsc_model *m, const char *rule_id);
/* Tags (bit set) that a hit of rule r on field f carries. */
uint16_t fsc_model_rule_tags(const fsc_model *m, const fsc_rule *r, fsc_field f);
/* True when package (len bytes) is in banking_apps. */
bool fsc_model_is_banking(const fsc_model *m, const char *package, size_t len);
/* The level a probability p reaches, by the model's thresholds. */
fsc_level fsc_model_level(const fsc_model *m, double p);

/* Where the model shipped with a rule pack lives: "models/default.yaml"
 * beside the rule directory (RULES/../models/default.yaml). Written to buf;
 * returns buf, or NULL when that file does not exist. */
const char *fsc_model_default_path(const char *rules_path, char *buf, size_t cap);

double fsc_logit(double p);
double fsc_sigmoid(double x);

#endif
