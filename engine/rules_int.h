/* rules_int.h: the rule set's private layout, shared by rules_load.c (YAML
 * to rules, validation), rules_list.c (indicator list files), rules_cond.c
 * (condition expressions), rules_compile.c (Hyperscan databases),
 * rules_cache.c (the on-disk cache), domainset.c / cidr.c (hashed literal
 * and prefix structures), match.c (fsc_matcher), sequence.c (cross-signal
 * rules) and rules_selftest.c (embedded samples). Nothing here is part of
 * the public contract (rules.h).
 *
 * Layout. A rule set is flat arrays that index into each other:
 *
 *   rules[r]    one per rule; its selections are sels[first_sel ..
 *               first_sel + nsel), its condition program ops[first_op ..
 *               first_op + nop), its sequence steps steps[first_step ..]
 *   sels[s]     one per named selection (the old single `match:` mapping
 *               is one implicit selection called `selection`); its
 *               conditions are conds[first_cond .. first_cond + ncond)
 *   conds[c]    one per `field|modifier: values` key; its values are
 *               pats[first_pat .. first_pat + npat)
 *   pats[p]     one per value (a list file's line is one value); p is also
 *               the Hyperscan expression id or the domain-set / CIDR entry's
 *               payload, so any match marks bit p and finds its rule in O(1)
 *   aliases[a]  one per alias condition: a later condition naming, alone, a
 *               list file an earlier condition already loaded, on a host
 *               field with a domain-set modifier. It gets no pats of its own
 *               but a run of *virtual* ids after the real ones (ids npats ..
 *               npats + nvirtual), id first_virtual + k standing for the real
 *               pats[first_real + k] (value, length, location) under the
 *               alias's own condition and rule. A million-line list named on
 *               four host fields is then 1M pats, not 4M (160 MB less to
 *               write at load). Ids are turned into pats, conditions and
 *               rules only through fsc_pat_at / fsc_pat_cond / fsc_pat_rule.
 *
 * Where a value is matched (fsc_pat_kind): exact values of every field and
 * label-aware suffixes of host fields go into the domain set (one hash probe
 * per label boundary, independent of near misses); addresses and CIDRs into
 * the prefix table; everything else (prefix, contains, regex, suffix on
 * other fields) into the field's Hyperscan database.
 *
 * Every string lives in the set's arena and is freed with it. After
 * fsc_ruleset_load() returns, the set is never written again (except its
 * reference count): threads share it without locks. */
#ifndef FSC_RULES_INT_H
#define FSC_RULES_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs.h>

#include "arena.h"
#include "cidr.h"
#include "domainset.h"
#include "rules.h"

/* Bounds, fixed here so one hostile file cannot exhaust memory or make
 * compilation take hours. What exceeds a bound is a rule error. */
#define FSC_RULES_MAX_FILE_BYTES (16u << 20)  /* one rule file */
#define FSC_RULES_MAX_LIST_BYTES (256u << 20) /* one indicator list file */
#define FSC_RULES_MAX_LIST_LINES 4000000u     /* lines of one list file */
#define FSC_RULES_MAX_FILES 4096
#define FSC_RULES_MAX_RULES 100000
#define FSC_RULES_MAX_PATTERNS 8000000 /* values over the whole set, lists included */
#define FSC_RULES_MAX_VALUES 10000     /* values written inline in one condition */
#define FSC_RULES_MAX_ID 128           /* bytes of a rule id */
#define FSC_RULES_MAX_VALUE 1024       /* bytes of one value or regex */
#define FSC_RULES_MAX_DEPTH 16         /* directory recursion */
#define FSC_RULES_MAX_WEIGHT 1000.0
#define FSC_RULES_MAX_SELS 64          /* selections in one rule */
#define FSC_RULES_MAX_OPS 1024         /* condition program of one rule */
#define FSC_RULES_MAX_NEST 32          /* parentheses and 'not' nesting */
#define FSC_RULES_MAX_SAMPLES 256      /* embedded test samples of one rule */
#define FSC_SEQ_MAX_STEPS 8            /* steps of one sequence rule */

/* Rule fields: the extracted fields of field.h, then fields of the record's
 * header that only rules know (the innermost IP addresses of traffic). */
#define FSC_RF_IP_SRC ((unsigned)FSC_F_COUNT)
#define FSC_RF_IP_DST ((unsigned)FSC_F_COUNT + 1)
#define FSC_RF_COUNT ((unsigned)FSC_F_COUNT + 2)

const char *fsc_rf_name(unsigned f);
/* Finds a rule field by name; FSC_RF_COUNT when unknown. */
unsigned fsc_rf_lookup(const char *name, size_t len);
bool fsc_rf_is_host(unsigned f);
bool fsc_rf_is_hash(unsigned f);
bool fsc_rf_is_ip(unsigned f);
/* Host and hash fields compare without regard to ASCII case. */
bool fsc_rf_caseless(unsigned f);

/* How a value is compared with a field's value. One row per modifier: the
 * name analysts write after '|'. `all` is not a comparison but a quantifier
 * and is kept apart (fsc_cond.all). */
#define FSC_MOD_LIST(X)                                                      \
    X(FSC_MOD_EXACT, "exact")                                                \
    X(FSC_MOD_SUFFIX, "suffix")                                              \
    X(FSC_MOD_CONTAINS, "contains")                                          \
    X(FSC_MOD_PREFIX, "prefix")                                              \
    X(FSC_MOD_REGEX, "regex")                                                \
    X(FSC_MOD_CIDR, "cidr")

typedef enum fsc_mod {
#define FSC_X_ENUM(e, name) e,
    FSC_MOD_LIST(FSC_X_ENUM)
#undef FSC_X_ENUM
    FSC_MOD_COUNT
} fsc_mod;

const char *fsc_mod_name(fsc_mod m);

/* A place in a rule or list file: 1-based line and column (characters, as
 * libyaml counts them). */
typedef struct fsc_loc {
    const char *file; /* in the set's arena */
    uint32_t line, col; /* 16 bytes, not 24: a million-line list keeps one
                         * per value per condition naming it */
} fsc_loc;

typedef enum fsc_pat_kind { FSC_PK_HS, FSC_PK_DOMAIN, FSC_PK_CIDR } fsc_pat_kind;

typedef struct fsc_pat {
    uint32_t cond;     /* owning condition */
    uint32_t rule;     /* owning rule, copied from the condition: the match
                        * callback needs it without a second lookup */
    const char *value; /* NUL-terminated; lower-cased on caseless fields when
                        * it goes to the domain set */
    uint32_t len;
    fsc_loc loc;       /* of the YAML scalar or list line: errors point here */
} fsc_pat;

typedef struct fsc_cond {
    unsigned field;   /* a rule field (FSC_RF_*) */
    fsc_mod mod;
    bool all;         /* every value must match (|all), not just one */
    uint8_t kind;     /* fsc_pat_kind of all its values */
    uint32_t sel;     /* owning selection */
    uint32_t first_pat, npat; /* ids first_pat .. first_pat + npat: real pats,
                               * or an alias's virtual ids (then first_pat
                               * >= rs->npats; during loading, until the
                               * real count is known, the offset among the
                               * virtual ids) */
    fsc_loc loc;      /* of the key */
} fsc_cond;

/* An alias condition's virtual ids (see the layout above). */
typedef struct fsc_alias {
    uint32_t first_virtual; /* its first id: >= rs->npats once loaded */
    uint32_t n;             /* ids, = its condition's npat */
    uint32_t first_real;    /* the pat id first_virtual stands for */
    uint32_t cond, rule;    /* the alias condition and its rule */
} fsc_alias;

typedef struct fsc_sel {
    const char *name;
    uint32_t rule;
    uint32_t first_cond, ncond;
    fsc_loc loc;
} fsc_sel;

/* Condition programs: postfix, one uint32 per op. Values below
 * FSC_OP_NOT push the truth of the rule's selection of that index. */
#define FSC_OP_NOT 0xFFFFFFFDu
#define FSC_OP_AND 0xFFFFFFFEu
#define FSC_OP_OR 0xFFFFFFFFu

/* An embedded test sample: one record, or several in order for a sequence
 * rule (one minute apart, same subscriber). */
typedef struct fsc_sample {
    uint32_t rule;
    bool expect;           /* under tests.match (true) or tests.nomatch */
    uint32_t first_rec, nrec;
    fsc_loc loc;
} fsc_sample;

typedef struct fsc_srec {
    uint32_t first_val, nval;
} fsc_srec;

typedef struct fsc_sval {
    unsigned field;
    const char *value;
    uint32_t len;
} fsc_sval;

typedef struct fsc_rule_int {
    fsc_rule pub;     /* first: fsc_ruleset_rule() hands out &pub */
    uint32_t first_cond, ncond;
    uint32_t first_sel, nsel;
    uint32_t first_op, nop;
    uint32_t first_step, nstep; /* sequence rules: selection indices (rule-relative) */
    uint32_t first_sample, nsample;
    uint32_t first_ref;         /* pub.references is set from rs->refs once
                                 * loading is done (the array moves while
                                 * it grows) */
    fsc_loc id_loc;   /* of the id's value: a duplicate id is reported there */
} fsc_rule_int;

/* One list file as loaded, for `rules stats` and the cache key. */
typedef struct fsc_list_info {
    const char *path;
    uint32_t good, bad;
} fsc_list_info;

struct fsc_ruleset {
    fsc_rule_int *rules;
    size_t nrules, caprules;
    fsc_sel *sels;
    size_t nsels, capsels;
    fsc_cond *conds;
    size_t nconds, capconds;
    fsc_pat *pats;
    size_t npats, cappats;    /* real pats; ids npats .. npats + nvirtual are
                               * aliases' virtual ids */
    fsc_alias *aliases;       /* by first_virtual, ascending */
    size_t naliases, capaliases, nvirtual;
    uint32_t *ops;
    size_t nops, capops;
    uint32_t *steps;
    size_t nsteps, capsteps;
    fsc_sample *samples;
    size_t nsamples, capsamples;
    fsc_srec *srecs;
    size_t nsrecs, capsrecs;
    fsc_sval *svals;
    size_t nsvals, capsvals;
    fsc_list_info *lists;
    size_t nlists, caplists;
    const char **refs;        /* every rule's references, back to back */
    size_t nrefs, caprefs;
    size_t nseq;              /* sequence rules */

    /* One database per field, NULL when no Hyperscan value names the field;
     * a record's value of that field is then not scanned at all. */
    hs_database_t *db[FSC_F_COUNT];
    fsc_domainset *domains;   /* exact values and host suffixes, NULL if none */
    fsc_cidr *cidrs;          /* ip.src / ip.dst values, NULL if none */

    fsc_arena arena;
    uint64_t digest;          /* FNV-1a 64 over file names and bytes, load order */
    char version[17];
    atomic_long refs_held;    /* fsc_ruleset_ref / fsc_ruleset_free */
    fsc_time loaded_at;       /* wall clock, when the load finished */
    double load_seconds, compile_seconds;
    bool from_cache;
    size_t db_bytes;          /* Hyperscan databases, all fields */
};

/* Pattern ids, real or virtual, to what they stand for. Every id a
 * matcher or the domain set hands out is < fsc_pat_ids(rs); nothing else
 * is checked. The real-id branch is the common one and costs what
 * rs->pats[id] cost before; a virtual id costs a binary search over the
 * aliases (a handful: one per extra condition naming a shared list). */
static inline size_t fsc_pat_ids(const struct fsc_ruleset *rs)
{
    return rs->npats + rs->nvirtual;
}

static inline const fsc_alias *fsc_pat_alias(const struct fsc_ruleset *rs, uint32_t id)
{
    size_t lo = 0, hi = rs->naliases; /* the last alias whose first_virtual <= id */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (rs->aliases[mid].first_virtual <= id)
            lo = mid;
        else
            hi = mid;
    }
    return &rs->aliases[lo];
}

/* The real pat behind id: its value, length and location. */
static inline const fsc_pat *fsc_pat_at(const struct fsc_ruleset *rs, uint32_t id)
{
    if (id < rs->npats)
        return &rs->pats[id];
    const fsc_alias *a = fsc_pat_alias(rs, id);
    return &rs->pats[a->first_real + (id - a->first_virtual)];
}

/* The condition id belongs to (an alias's own, not its list's first). */
static inline uint32_t fsc_pat_cond(const struct fsc_ruleset *rs, uint32_t id)
{
    return id < rs->npats ? rs->pats[id].cond : fsc_pat_alias(rs, id)->cond;
}

static inline uint32_t fsc_pat_rule(const struct fsc_ruleset *rs, uint32_t id)
{
    return id < rs->npats ? rs->pats[id].rule : fsc_pat_alias(rs, id)->rule;
}

/* Copies len bytes (plus a NUL) into the set's arena; NULL when out of
 * memory. The copy lives until the set is freed. */
char *fsc_ruleset_strdup(fsc_ruleset *rs, const char *s, size_t len);

/* Builds the Hyperscan expression for one value of a condition into buf
 * (cap bytes): literals escaped byte by byte, anchored as the modifier says.
 * Returns false when it does not fit. */
bool fsc_pat_expression(const fsc_cond *c, const char *value, size_t len, char *buf,
                        size_t cap);
/* Hyperscan flags for a condition's expressions. */
unsigned fsc_cond_hs_flags(const fsc_cond *c);
/* Where the values of a condition with this field and modifier go. */
fsc_pat_kind fsc_cond_kind(unsigned field, fsc_mod mod);

/* Checks one regex on its own: that Hyperscan accepts it and that it does
 * not match every value. On a problem writes a complete sentence into msg
 * (cap bytes) and returns false. */
bool fsc_regex_check(const fsc_cond *c, const char *value, char *msg, size_t cap);

/* Runs fsc_regex_check on every |regex value of field (all fields when
 * field < 0) and reports each problem through diag at the value's location.
 * The slow path: one Hyperscan compile per regex, only taken when a set
 * already failed. Returns how many were refused. */
size_t fsc_rules_check_regexes(const fsc_ruleset *rs, int field, fsc_diag *diag);

/* Compiles rs->pats into rs->db[] (or takes them from the cache under
 * cache_dir, when not NULL, and stores them there after compiling), and
 * builds the domain set and the CIDR table. Problems are reported through
 * diag at the failing value's location. Returns FSC_OK, FSC_ERULE when an
 * expression is refused, FSC_EHYPERSCAN for other Hyperscan failures,
 * FSC_ENOMEM. */
fsc_status fsc_ruleset_compile(fsc_ruleset *rs, const char *cache_dir, fsc_diag *diag);

/* The on-disk cache of Hyperscan databases (rules_cache.c). The key covers
 * the rule content (rs->digest), the Hyperscan version and the platform.
 * fsc_rules_cache_get fills rs->db[] and returns true only when a valid
 * entry exists (magic, format version, key, checksum and every database
 * deserialise); anything else, a corrupt file included, returns false and
 * leaves rs->db[] all NULL. fsc_rules_cache_put writes atomically (a
 * temporary file renamed into place); failures are only a warning. */
bool fsc_rules_cache_get(fsc_ruleset *rs, const char *dir);
void fsc_rules_cache_put(const fsc_ruleset *rs, const char *dir, fsc_diag *diag);
/* The file the entry of rs lives in; false when it does not fit. */
bool fsc_rules_cache_path(const fsc_ruleset *rs, const char *dir, char *buf, size_t cap);

/* Condition expressions (rules_cond.c). Parses expr (len bytes) over the
 * selection names names[0..nsel) into a postfix program in ops (cap
 * entries). Supports and, or, not, parentheses, `1 of PATTERN`,
 * `all of PATTERN` (PATTERN: a selection name, `them`, or a name with `*`
 * wildcards). On success returns FSC_OK with *nops set. On error returns
 * FSC_ERULE, sets *err_off to the byte offset of the problem in expr and
 * writes a complete sentence into msg. Pure: no allocation. */
fsc_status fsc_cond_parse(const char *expr, size_t len, const char *const *names, size_t nsel,
                          uint32_t *ops, size_t cap, size_t *nops, size_t *err_off, char *msg,
                          size_t msgcap);
/* Evaluates a program over sel[] (the selections' truth). A malformed
 * program (as fsc_cond_parse never builds) evaluates to false. */
bool fsc_cond_eval(const uint32_t *ops, size_t nops, const bool *sel, size_t nsel);

/* List files (rules_list.c): one value per line, '#' starts a comment
 * (at the start of a line or after white space), blank lines are skipped,
 * surrounding white space is trimmed. Calls fn for every value with its
 * 1-based line and column, and a NULL reason when the value is valid for
 * `kind`, else a short reason. Pure over (buf, len). Returns the number of
 * lines seen. */
typedef enum fsc_list_kind {
    FSC_LIST_TEXT,   /* any non-empty value */
    FSC_LIST_DOMAIN, /* a host name (a trailing dot is dropped) */
    FSC_LIST_IP,     /* an IPv4 / IPv6 address or CIDR */
    FSC_LIST_SHA256, /* 64 hex digits */
} fsc_list_kind;
typedef void (*fsc_list_fn)(void *ctx, unsigned long line, unsigned long col,
                            const char *value, size_t len, const char *reason);
size_t fsc_list_parse(const char *buf, size_t len, fsc_list_kind kind, fsc_list_fn fn,
                      void *ctx);
/* Validates one value; NULL when valid, else the reason (static). */
const char *fsc_list_check(fsc_list_kind kind, const char *s, size_t len);
/* The list kind a condition's values must have. */
fsc_list_kind fsc_list_kind_for(unsigned field, fsc_mod mod);

/* The matcher's per-record results that sequence.c consumes: each step of
 * a sequence rule whose selection held in the last record matched. */
typedef struct fsc_step_hit {
    uint32_t rule;   /* index in rs->rules */
    uint32_t step;   /* 0-based index into the rule's steps */
    uint32_t value;  /* index of the evidence value in the record */
} fsc_step_hit;
const fsc_step_hit *fsc_matcher_steps(const fsc_matcher *m, size_t *n);
const fsc_ruleset *fsc_matcher_ruleset(const fsc_matcher *m);
/* The value a step hit's index names: rec->values[i], or the matcher's
 * formatted ip.src / ip.dst (valid until the next fsc_match_record). */
const fsc_value *fsc_matcher_value(const fsc_matcher *m, const fsc_record *rec, uint32_t i);

#endif
