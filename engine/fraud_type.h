/* fraud_type.h: the fraud-type taxonomy (FT01..FT13) and victim groups.
 *
 * Codes, names and the officer's default instruction for each type follow
 * the shared taxonomy (MPS "ten high-incidence types" plus FT11..FT13). */
#ifndef FSC_FRAUD_TYPE_H
#define FSC_FRAUD_TYPE_H

#include <stddef.h>

#define FSC_FRAUD_TYPES 13 /* valid codes are 1..FSC_FRAUD_TYPES */

/* Parses "FT01".."FT13" (len bytes). Returns 1..13, or 0 when not a code. */
int fsc_fraud_type_parse(const char *s, size_t len);
/* "FT05"; static storage; "FT??" for an invalid code. */
const char *fsc_fraud_type_code(int ft);
/* English name ("Fake online loan"); static storage. */
const char *fsc_fraud_type_name(int ft);
/* The officer's default instruction for the type; static storage. */
const char *fsc_fraud_type_instruction(int ft);

/* Victim groups the score model is tuned for. */
#define FSC_GROUP_LIST(X)                                                    \
    X(FSC_GROUP_GENERAL, "general")                                          \
    X(FSC_GROUP_STUDENT, "student")                                          \
    X(FSC_GROUP_ELDERLY, "elderly")                                          \
    X(FSC_GROUP_YOUNG_WORKER, "young_worker")                                \
    X(FSC_GROUP_FINANCE_STAFF, "finance_staff")                              \
    X(FSC_GROUP_PARENT, "parent")                                            \
    X(FSC_GROUP_UNKNOWN, "unknown")

typedef enum fsc_group {
#define FSC_X_ENUM(e, name) e,
    FSC_GROUP_LIST(FSC_X_ENUM)
#undef FSC_X_ENUM
    FSC_GROUP_COUNT
} fsc_group;

const char *fsc_group_name(fsc_group g);
/* Finds a group by name (len bytes); FSC_GROUP_COUNT when unknown. */
fsc_group fsc_group_lookup(const char *s, size_t len);

#endif
