/* counters.c: names and printing for counters.h. */
#include "counters.h"

#include <inttypes.h>

static const char *const names[] = {
#define FSC_X_NAME(e, name) name,
    FSC_COUNTER_LIST(FSC_X_NAME)
#undef FSC_X_NAME
};

const char *fsc_counter_name(fsc_counter_id id)
{
    return (unsigned)id < FSC_C_COUNT ? names[id] : "?";
}

void fsc_counters_add(fsc_counters *dst, const fsc_counters *src)
{
    for (unsigned i = 0; i < FSC_C_COUNT; i++)
        dst->v[i] += src->v[i];
}

void fsc_counters_print(const fsc_counters *c, FILE *f)
{
    for (unsigned i = 0; i < FSC_C_COUNT; i++)
        if (c->v[i])
            fprintf(f, "  %-40s %" PRIu64 "\n", names[i], c->v[i]);
}
