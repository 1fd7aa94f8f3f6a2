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
#include "fraud_type.h"
#include "record.h"
#include "status.h"

typedef enum fsc_level {
    FSC_LEVEL_NONE = 0,
    FSC_LEVEL_LOW = 1,      /* warning SMS */
    FSC_LEVEL_MEDIUM = 2,   /* officer phone call */
    FSC_LEVEL_HIGH = 3,     /* home visit */
    FSC_LEVEL_CRITICAL = 4, /* immediate intervention, bank liaison notified */
} fsc_level;

/* A rule's status. Test rules match and are reported with their status so
 * the caller logs and counts them but never scores them; deprecated rules
 * are loaded and checked but never reported. */
typedef enum fsc_rule_status {
    FSC_RULE_ACTIVE = 0,
    FSC_RULE_TEST = 1,
    FSC_RULE_DEPRECATED = 2,
} fsc_rule_status;

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
    fsc_rule_status status;
    const char *author;      /* NULL when not given */
    const char *const *references; /* nreferences strings */
    size_t nreferences;
    /* per victim group, from `instruction: {default: ..., elderly: ...}`;
     * NULL where not given. Use fsc_rule_instruction(). */
    const char *group_instruction[FSC_GROUP_COUNT];
    fsc_time within;         /* sequence rules: the window, else 0 */
} fsc_rule;

/* The instruction for an officer dealing with group g: the group's own,
 * else the rule's default (`instruction`), else NULL (the caller then uses
 * the fraud type's default). Static until the set is freed. */
const char *fsc_rule_instruction(const fsc_rule *r, fsc_group g);
/* "active", "test", "deprecated". */
const char *fsc_rule_status_name(fsc_rule_status s);

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

/* As fsc_ruleset_load, with the compiled Hyperscan databases cached in
 * cache_dir (created if missing; NULL: no cache). The entry's key is a hash
 * of the rule and list content, the Hyperscan version and the platform; an
 * entry that fails validation (magic, version, key, checksum) is ignored
 * and rewritten, never trusted. A restart with unchanged rules then skips
 * compilation. Safe to call from any thread while matchers use another set. */
fsc_status fsc_ruleset_load_cached(const char *path, const char *cache_dir, fsc_diag *diag,
                                   fsc_ruleset **out);
/* The default cache directory: $FSC_RULES_CACHE, else
 * $XDG_CACHE_HOME/fraudscan, else $HOME/.cache/fraudscan. Writes it into
 * buf (cap bytes); false when none can be formed (no HOME) or it does not
 * fit. */
bool fsc_rules_cache_default(char *buf, size_t cap);

/* Reference counting, so a reload can swap sets without a pause: the
 * loader's reference is the one *out holds; every fsc_matcher holds one
 * more. fsc_ruleset_ref adds a reference and returns rs; fsc_ruleset_free
 * drops one, and frees the set when it was the last. Both are thread-safe;
 * the set itself is immutable. */
fsc_ruleset *fsc_ruleset_ref(fsc_ruleset *rs);
void fsc_ruleset_free(fsc_ruleset *rs);

size_t fsc_ruleset_count(const fsc_ruleset *rs);
const fsc_rule *fsc_ruleset_rule(const fsc_ruleset *rs, size_t i);
/* A short hex digest of the rule content (files and their bytes); appears in
 * every alert so an alert says which rule set raised it. Static until free. */
const char *fsc_ruleset_version(const fsc_ruleset *rs);
/* When the load finished (wall clock, microseconds since the epoch), how
 * long it took, and whether the databases came from the cache. */
fsc_time fsc_ruleset_loaded_at(const fsc_ruleset *rs);
double fsc_ruleset_load_seconds(const fsc_ruleset *rs);
bool fsc_ruleset_from_cache(const fsc_ruleset *rs);

/* Figures for `fraudscan rules stats`. */
typedef struct fsc_ruleset_stats {
    size_t rules[3];                 /* by fsc_rule_status */
    size_t sequence_rules;
    size_t selections, conditions;
    size_t values;                   /* inline values and list lines */
    size_t hs_values[FSC_F_COUNT];   /* per field, in Hyperscan */
    size_t hashed_values[FSC_F_COUNT]; /* per field, in the domain set */
    size_t cidr_values;              /* ip.src / ip.dst */
    size_t hs_bytes[FSC_F_COUNT];    /* database size per field */
    size_t domainset_bytes, cidr_bytes;
    size_t lists, list_values, list_bad;
    double load_seconds, compile_seconds;
    int from_cache;
} fsc_ruleset_stats;
void fsc_ruleset_get_stats(const fsc_ruleset *rs, fsc_ruleset_stats *st);
/* The i-th list file loaded (path, good and bad lines); false past the end. */
bool fsc_ruleset_list(const fsc_ruleset *rs, size_t i, const char **path, size_t *good,
                      size_t *bad);

/* Runs every rule's embedded samples (tests: {match: [...], nomatch: [...]})
 * and reports each failure through diag at the sample's location. Adds to
 * *passed and *failed. Returns FSC_OK, or FSC_ENOMEM. */
fsc_status fsc_ruleset_selftest(const fsc_ruleset *rs, fsc_diag *diag, size_t *passed,
                                size_t *failed);

/* Per-thread matching state. */
typedef struct fsc_matcher fsc_matcher;

/* Creates a matcher for rs; it holds a reference to rs (fsc_ruleset_ref),
 * so rs stays valid until the matcher is freed even if the loader's
 * reference is dropped first. NULL when out of memory or Hyperscan cannot
 * allocate scratch. Free with fsc_matcher_free(). */
fsc_matcher *fsc_matcher_new(const fsc_ruleset *rs);
void fsc_matcher_free(fsc_matcher *m);

/* Called once per rule that matches a record. `v` is the record's value that
 * satisfied the first condition of the rule's first true selection (the
 * evidence shown to officers). rule->status says whether it is a test rule:
 * the caller logs and counts those and never scores them. */
typedef void (*fsc_hit_fn)(void *ctx, const fsc_rule *rule, const fsc_value *v);

/* Matches every value of rec against the rule set; calls hit once per rule
 * whose condition holds within this record (test rules included, deprecated
 * ones never). Sequence rules are not reported here: the steps this record
 * reached are kept in the matcher until the next call, for fsc_seq_feed()
 * (sequence.h). Returns the number of rules reported, or -1 on a Hyperscan
 * error (counted by the caller). */
int fsc_match_record(fsc_matcher *m, const fsc_record *rec, fsc_hit_fn hit, void *ctx);

/* The sequence-rule steps the last record matched by m reached (sequence.h),
 * for a caller that ships them to the thread that attributes records:
 * stores up to cap of them in out (per rule, the last step first, which is
 * the order fsc_seq_step() wants) and returns how many there are. v points
 * into rec (or into m for ip.src / ip.dst) and is valid as long as the
 * record and until the next fsc_match_record. */
typedef struct fsc_step {
    const fsc_rule *rule;
    unsigned step;
    const fsc_value *v;
} fsc_step;
size_t fsc_match_steps(const fsc_matcher *m, const fsc_record *rec, fsc_step *out, size_t cap);
/* True when r is a sequence rule (reported only through sequence.h). */
int fsc_rule_is_sequence(const fsc_rule *r);

#endif
