/* fuzz_model.c: the model file parser and the state-record decoder (a
 * snapshot's or Redis's bytes) on the same input. Diagnostics are
 * swallowed (a fuzzer makes millions). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model.h"
#include "score.h"
#include "score_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                  unsigned long col, const char *msg)
{
    (void)ctx; (void)sev; (void)file; (void)line; (void)col; (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fsc_diag diag = {.fn = quiet};
    fsc_model *m = NULL;
    if (fsc_model_load_buf("fuzz", (const char *)data, size, &diag, &m) == FSC_OK) {
        for (int l = 2; l <= 4; l++)
            if (m->threshold[l] <= m->threshold[l - 1])
                __builtin_trap();
        fsc_model_free(m);
    }
    fsc_scorer *s = fsc_scorer_new(NULL, "fuzz");
    if (s) {
        sub *out = NULL;
        if (fsc_state_decode(s, data, size, &out) == FSC_OK) {
            uint8_t buf[1 << 16];
            if (out && fsc_state_encode(s, out, buf, sizeof buf) == 0 && size < 4096)
                __builtin_trap(); /* what decoded must encode again */
        }
        fsc_scorer_free(s);
    }
    return 0;
}
