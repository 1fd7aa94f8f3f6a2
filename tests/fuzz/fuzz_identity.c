/* fuzz_identity.c: an identity CSV and a profiles CSV from the same bytes,
 * loaded from memory; every loaded row is looked up again. Diagnostics are
 * swallowed (a fuzzer makes millions). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                  unsigned long col, const char *msg)
{
    (void)ctx; (void)sev; (void)file; (void)line; (void)col; (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fsc_diag diag = {.fn = quiet};
    fsc_counters ctr = {0};
    fsc_identity *id = NULL;
    if (fsc_identity_load_buf("fuzz", (const char *)data, size, &diag, &ctr, &id) == FSC_OK) {
        /* probe with addresses spelled out in the input itself */
        fsc_addr a;
        for (size_t i = 0; i + 7 <= size && i < 4096; i += 7) {
            size_t n = size - i < 40 ? size - i : 40;
            for (size_t k = 7; k <= n; k++)
                if (fsc_addr_parse((const char *)data + i, k, &a)) {
                    const fsc_holder *h = fsc_identity_lookup(id, &a, 1795939200LL * 1000000);
                    if (h && (strlen(h->subscriber) == 0 || !h->precinct))
                        __builtin_trap();
                }
        }
        const char *pre = fsc_identity_precinct(id, "S1001");
        if (pre && strlen(pre) == 0)
            __builtin_trap();
        fsc_identity_free(id);
    }
    fsc_profiles *p = NULL;
    if (fsc_profiles_load_buf("fuzz", (const char *)data, size, &diag, &ctr, &p) == FSC_OK) {
        const fsc_profile *r = fsc_profiles_get(p, "S1001");
        if (r && (unsigned)r->group >= FSC_GROUP_COUNT)
            __builtin_trap();
        fsc_profiles_free(p);
    }
    return 0;
}
