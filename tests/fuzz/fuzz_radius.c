/* fuzz_radius.c: RADIUS accounting records (JSON lines or CSV, whichever
 * the bytes look like) applied to an empty identity table, every address
 * spelled out in the input then looked up; and the first line through the
 * JSON record parser alone, with a store of exactly the documented size.
 * Diagnostics are swallowed (a fuzzer makes millions). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "radius.h"

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
    fsc_identity *id = fsc_identity_new();
    if (!id)
        return 0;
    if (fsc_radius_load_buf("fuzz", (const char *)data, size, id, &diag, &ctr) == FSC_OK) {
        fsc_addr a;
        for (size_t i = 0; i + 7 <= size && i < 4096; i += 5) {
            size_t n = size - i < 40 ? size - i : 40;
            for (size_t k = 7; k <= n; k++)
                if (fsc_addr_parse((const char *)data + i, k, &a)) {
                    const fsc_holder *h = fsc_identity_lookup(id, &a, 1795939200LL * 1000000);
                    if (h && strlen(h->subscriber) == 0)
                        __builtin_trap();
                }
        }
    }
    fsc_identity_free(id);

    const uint8_t *nl = memchr(data, '\n', size);
    size_t len = nl ? (size_t)(nl - data) : size;
    char *line = malloc(len ? len : 1), *store = malloc(2 * len + 32);
    if (line && store) {
        memcpy(line, data, len); /* a heap copy: an over-read faults under ASan */
        fsc_radius_record rec;
        char err[256];
        unsigned long col;
        if (fsc_radius_parse_json(line, len, &rec, store, 2 * len + 32, err, sizeof err, &col) ==
                FSC_OK &&
            (!rec.subscriber || !*rec.subscriber || (!rec.has_ip4 && !rec.has_ip6)))
            __builtin_trap();
    }
    free(line);
    free(store);
    return 0;
}
