/* rules.h: detection rules, compiled once, matched by many.
 *
 * A rule set is loaded from YAML rule files (docs/rules.md), validated, and
 * compiled into one Hyperscan database per field. The compiled set is
 * immutable and may be shared by every thread; each thread matches through
 * its own fsc_matcher, which holds its Hyperscan scratch. Nothing is
 * allocated per record on the matching path. */
#ifndef FSC_RULES_H
#define FSC_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "record.h"
#include "status.h"

typedef enum fsc_level {
    FSC_LEVEL_NONE = 0,
    FSC_LEVEL_LOW = 1,      /* warning SMS */
    FSC_LEVEL_MEDIUM = 2,   /* officer phone call */
    FSC_LEVEL_HIGH = 3,     /* home visit */
    FSC_LEVEL_CRITICAL = 4, /* immediate intervention, bank liaison notified */
} fsc_level;

/* A rule as the analyst wrote it; read-only, owned by its rule set. */
typedef struct fsc_rule {
    const char *id;
    const char *title;
    int fraud_type;          /* 1..13: FT01..FT13 in docs/taxonomy */
    fsc_level level;         /* least level one match of this rule implies */
    double weight;           /* added to the subscriber's score per match */
    const char *instruction; /* officer's instruction; NULL: fraud type's default */
    const char *file;        /* where it was defined */
    unsigned long line;
} fsc_rule;

typedef struct fsc_ruleset fsc_ruleset;

/* Loads every *.yaml / *.yml file under `path` (a file or a directory,
 * recursively, in name order) and compiles them. Each problem is reported
 * through diag as file:line:col. On success returns FSC_OK and stores the set
 * in *out; the caller frees it with fsc_ruleset_free(). When any file has an
 * error the whole set is refused: returns FSC_ERULE and *out is untouched.
 * Other failures (also reported through diag, *out untouched): FSC_EIO when
 * path cannot be read, FSC_ENOMEM, FSC_EHYPERSCAN when Hyperscan fails for a
 * reason no single value explains. diag may be NULL: problems then go to
 * stderr. Messages are complete sentences without the location prefix. */
fsc_status fsc_ruleset_load(const char *path, fsc_diag *diag, fsc_ruleset **out);
void fsc_ruleset_free(fsc_ruleset *rs);

size_t fsc_ruleset_count(const fsc_ruleset *rs);
const fsc_rule *fsc_ruleset_rule(const fsc_ruleset *rs, size_t i);
/* A short hex digest of the rule content (files and their bytes); appears in
 * every alert so an alert says which rule set raised it. Static until free. */
const char *fsc_ruleset_version(const fsc_ruleset *rs);

/* Per-thread matching state. */
typedef struct fsc_matcher fsc_matcher;

/* Creates a matcher for rs (which must outlive it). NULL when out of memory
 * or Hyperscan cannot allocate scratch. Free with fsc_matcher_free(). */
fsc_matcher *fsc_matcher_new(const fsc_ruleset *rs);
void fsc_matcher_free(fsc_matcher *m);

/* Called once per rule that matches a record. `v` is the record's value that
 * satisfied the rule's first condition (the evidence shown to officers). */
typedef void (*fsc_hit_fn)(void *ctx, const fsc_rule *rule, const fsc_value *v);

/* Matches every value of rec against the rule set; calls hit once per rule
 * whose conditions all hold within this record. Returns the number of rules
 * that matched, or -1 on a Hyperscan error (counted by the caller). */
int fsc_match_record(fsc_matcher *m, const fsc_record *rec, fsc_hit_fn hit, void *ctx);

#endif
