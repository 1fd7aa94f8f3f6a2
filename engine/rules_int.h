/* rules_int.h: the rule set's private layout, shared by rules_load.c (YAML
 * to rules, validation), rules_compile.c (Hyperscan databases) and match.c
 * (fsc_matcher). Nothing here is part of the public contract (rules.h).
 *
 * Layout. A rule set is three flat arrays that index into each other:
 *
 *   rules[r]    one per rule; its conditions are conds[first_cond ..
 *               first_cond + ncond)
 *   conds[c]    one per `field|modifier: values` key; its values are
 *               pats[first_pat .. first_pat + npat)
 *   pats[p]     one per value; p is also the Hyperscan expression id, so a
 *               match callback marks bit p and finds its rule in O(1)
 *
 * Every string (ids, titles, values, file names) lives in the set's arena and
 * is freed with it. After fsc_ruleset_load() returns, the set is never
 * written again: threads share it without locks. */
#ifndef FSC_RULES_INT_H
#define FSC_RULES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs.h>

#include "arena.h"
#include "rules.h"

/* Bounds, fixed here so one hostile file cannot exhaust memory or make
 * compilation take hours. What exceeds a bound is a rule error. */
#define FSC_RULES_MAX_FILE_BYTES (16u << 20) /* one rule file */
#define FSC_RULES_MAX_FILES 4096
#define FSC_RULES_MAX_RULES 100000
#define FSC_RULES_MAX_PATTERNS 1000000 /* values over the whole set */
#define FSC_RULES_MAX_VALUES 10000     /* values in one condition */
#define FSC_RULES_MAX_ID 128           /* bytes of a rule id */
#define FSC_RULES_MAX_VALUE 1024       /* bytes of one value or regex */
#define FSC_RULES_MAX_DEPTH 16         /* directory recursion */
#define FSC_RULES_MAX_WEIGHT 1000.0

/* How a value is compared with a field's value. One row per modifier: the
 * name analysts write after '|'. `all` is not a comparison but a quantifier
 * and is kept apart (fsc_cond.all). */
#define FSC_MOD_LIST(X)                                                      \
    X(FSC_MOD_EXACT, "exact")                                                \
    X(FSC_MOD_SUFFIX, "suffix")                                              \
    X(FSC_MOD_CONTAINS, "contains")                                          \
    X(FSC_MOD_PREFIX, "prefix")                                              \
    X(FSC_MOD_REGEX, "regex")

typedef enum fsc_mod {
#define FSC_X_ENUM(e, name) e,
    FSC_MOD_LIST(FSC_X_ENUM)
#undef FSC_X_ENUM
    FSC_MOD_COUNT
} fsc_mod;

const char *fsc_mod_name(fsc_mod m);

/* A place in a rule file: 1-based line and column (characters, as libyaml
 * counts them). */
typedef struct fsc_loc {
    const char *file; /* in the set's arena */
    unsigned long line, col;
} fsc_loc;

typedef struct fsc_pat {
    uint32_t cond;    /* owning condition */
    uint32_t rule;    /* owning rule, copied from the condition: the match
                       * callback needs it without a second lookup */
    const char *value; /* as written (NUL-terminated, may hold NULs) */
    uint32_t len;
    fsc_loc loc;      /* of the value's YAML scalar: compile errors point here */
} fsc_pat;

typedef struct fsc_cond {
    fsc_field field;
    fsc_mod mod;
    bool all;         /* every value must match (|all), not just one */
    uint32_t first_pat, npat;
    fsc_loc loc;      /* of the key */
} fsc_cond;

typedef struct fsc_rule_int {
    fsc_rule pub;     /* first: fsc_ruleset_rule() hands out &pub */
    uint32_t first_cond, ncond;
    fsc_loc id_loc;   /* of the id's value: a duplicate id is reported there */
} fsc_rule_int;

/* Blocks of strings that live as long as the set. */

struct fsc_ruleset {
    fsc_rule_int *rules;
    size_t nrules, caprules;
    fsc_cond *conds;
    size_t nconds, capconds;
    fsc_pat *pats;
    size_t npats, cappats;

    /* One database per field, NULL when no rule names the field; a record's
     * value of that field is then not scanned at all. */
    hs_database_t *db[FSC_F_COUNT];

    fsc_arena arena;
    uint64_t digest;  /* FNV-1a 64 over file names and bytes, load order */
    char version[17];
};

/* Copies len bytes (plus a NUL) into the set's arena; NULL when out of
 * memory. The copy lives until fsc_ruleset_free(). */
char *fsc_ruleset_strdup(fsc_ruleset *rs, const char *s, size_t len);

/* Builds the Hyperscan expression for one value of a condition into buf
 * (cap bytes): literals escaped byte by byte, anchored as the modifier says.
 * Returns false when it does not fit. */
bool fsc_pat_expression(const fsc_cond *c, const char *value, size_t len, char *buf,
                        size_t cap);
/* Hyperscan flags for a condition's expressions. */
unsigned fsc_cond_hs_flags(const fsc_cond *c);

/* Checks one regex on its own: that Hyperscan accepts it and that it does
 * not match every value. On a problem writes a complete sentence into msg
 * (cap bytes) and returns false. */
bool fsc_regex_check(const fsc_cond *c, const char *value, char *msg, size_t cap);

/* Compiles rs->pats into rs->db[]. Problems are reported through diag at the
 * failing value's location. Returns FSC_OK, FSC_ERULE when an expression is
 * refused, FSC_EHYPERSCAN for other Hyperscan failures. */
fsc_status fsc_ruleset_compile(fsc_ruleset *rs, fsc_diag *diag);

#endif
