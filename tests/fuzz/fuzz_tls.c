/* fuzz_tls.c: fsc_tls_parse_client_hello over arbitrary record streams. */
#include <stdint.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t scratch[8192];
    fsc_tls_hello h;
    fsc_status st = fsc_tls_parse_client_hello(data, size, scratch, sizeof scratch, &h);
    if (st == FSC_OK && h.sni) {
        /* the name points into the input or the scratch, never elsewhere */
        const uint8_t *s = (const uint8_t *)h.sni;
        int in_data = s >= data && s + h.sni_len <= data + size;
        int in_scratch = s >= scratch && s + h.sni_len <= scratch + sizeof scratch;
        if (!in_data && !in_scratch)
            __builtin_trap();
    }
    return 0;
}
