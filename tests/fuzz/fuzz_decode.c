/* fuzz_decode.c: frames through fsc_extract_frame. The first input byte
 * picks the link type, the rest is split into up to 8 frames at 0xff 0x00
 * 0xff 0x00 markers so one input can build TCP and fragment state across
 * frames. One extractor lives across inputs, as in a capture. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *ctx, const fsc_record *r)
{
    /* touch every value byte so ASan checks the pointers */
    volatile unsigned sum = 0;
    for (size_t i = 0; i < r->nvalues; i++)
        for (uint32_t k = 0; k < r->values[i].len; k++)
            sum += (unsigned char)r->values[i].ptr[k];
    (void)sum;
    (void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int links[] = {1, 113, 276, 101, 12, 0, 108, 14};
    static fsc_extractor *x;
    if (!x)
        x = fsc_extractor_new(&(fsc_extract_config){.max_flows = 16, .max_flow_bytes = 4096});
    if (!x || size < 1)
        return 0;
    int lt = links[data[0] % (sizeof links / sizeof links[0])];
    const uint8_t *p = data + 1, *end = data + size;
    static fsc_time ts;
    static uint64_t frame;
    for (int k = 0; k < 8 && p <= end; k++) {
        const uint8_t *m = NULL;
        for (const uint8_t *q = p; q + 4 <= end; q++)
            if (q[0] == 0xff && q[1] == 0 && q[2] == 0xff && q[3] == 0) {
                m = q;
                break;
            }
        size_t n = (size_t)((m ? m : end) - p);
        /* an exact-size copy so any read past the frame is caught */
        uint8_t *f = malloc(n ? n : 1);
        if (!f)
            return 0;
        memcpy(f, p, n);
        fsc_extract_frame(x, lt, ts += 1000, ++frame, f, n, sink, NULL);
        free(f);
        if (!m)
            break;
        p = m + 4;
    }
    return 0;
}
