/* fuzz_roster.c: the duty roster file (YAML) from untrusted bytes; when it
 * loads, routing and on-duty lookups at a spread of times must agree with
 * each other (a routed queue is the precinct only when covered). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                  unsigned long col, const char *msg)
{
    (void)ctx; (void)sev; (void)file; (void)line; (void)col; (void)msg;
}

static void count(void *ctx, const char *officer)
{
    if (!officer || !*officer)
        __builtin_trap();
    (*(int *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fsc_diag diag = {.fn = quiet};
    fsc_roster *r = NULL;
    if (fsc_roster_load_buf("fuzz.yaml", (const char *)data, size, &diag, &r) != FSC_OK)
        return 0;
    static const char *const precincts[] = {"P-EAST", "P-WEST", "DESK", "unassigned", "A"};
    for (int i = 0; i < 5; i++)
        for (double t = 1795939200.0 - 86400 * 8; t < 1795939200.0 + 86400 * 8; t += 3599.5) {
            int n = 0;
            const char *q = fsc_roster_route(r, precincts[i], t);
            fsc_roster_on_duty(r, precincts[i], t, count, &n);
            bool covered = fsc_roster_covered(r, precincts[i], t);
            if (covered != (n > 0) || (covered && strcmp(q, precincts[i]) != 0) ||
                (!covered && strcmp(q, fsc_roster_desk(r)) != 0))
                __builtin_trap();
        }
    fsc_roster_free(r);
    return 0;
}
