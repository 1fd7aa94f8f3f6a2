/* fuzz_tls.c: fsc_tls_parse_client_hello over arbitrary record streams,
 * then the JA3 and JA4 fingerprints of whatever it accepts; the same bytes
 * as a bare handshake message (QUIC's framing). */
#include <stdint.h>
#include <string.h>

#include "ja.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fingerprints(const fsc_tls_hello *h)
{
    static fsc_ja *j;
    static char text[FSC_JA3_TEXT_MAX];
    if (!j)
        j = fsc_ja_new();
    if (!j)
        return;
    char ja3[FSC_JA3_HEX_LEN + 1], ja4[FSC_JA4_LEN + 1];
    if (fsc_ja3(j, h, ja3) == FSC_OK && strlen(ja3) != FSC_JA3_HEX_LEN)
        __builtin_trap();
    if (fsc_ja4(j, h, h->ciphers_len % 4 == 2, ja4) == FSC_OK && strlen(ja4) != FSC_JA4_LEN)
        __builtin_trap();
    size_t n = fsc_ja4_raw(j, h, false, text, sizeof text);
    if (n != (size_t)-1 && n != strlen(text))
        __builtin_trap();
}

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
    if (st == FSC_OK)
        fingerprints(&h);
    if (fsc_tls_parse_handshake(data, size, &h) == FSC_OK)
        fingerprints(&h);
    return 0;
}
