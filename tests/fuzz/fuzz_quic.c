/* fuzz_quic.c: fsc_quic_datagram. The first byte picks the mode: even, the
 * rest is split at 0xff 0x00 0xff 0x00 markers into up to 4 raw UDP
 * payloads (header parsing, coalescing, failed decryption); odd, each piece
 * is the *plaintext* of a client Initial sealed here with the right keys
 * (bit 1: QUIC v2), so the frame walk and CRYPTO reassembly see fuzzed
 * bytes. A finished ClientHello goes through the TLS parser and JA4. One
 * decoder lives across inputs; each input has its own connection ID. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/quic_seal.h"
#include "ja.h"
#include "parse.h"
#include "quic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fsc_counters c;
    static fsc_quic *q;
    static fsc_ja *j;
    static uint64_t input;
    static uint8_t pkt[4096];
    if (!q)
        q = fsc_quic_new(4, 0, &c);
    if (!j)
        j = fsc_ja_new();
    if (!q || !j || size < 1)
        return 0;
    bool sealed = data[0] & 1;
    uint32_t version = (data[0] & 2) ? FSC_QUIC_V2 : FSC_QUIC_V1;
    uint8_t dcid[8];
    input++;
    memcpy(dcid, &input, sizeof dcid);
    const uint8_t *p = data + 1, *end = data + size;
    for (uint32_t k = 0; k < 4 && p <= end; k++) {
        const uint8_t *m = NULL;
        for (const uint8_t *s = p; s + 4 <= end; s++)
            if (s[0] == 0xff && s[1] == 0 && s[2] == 0xff && s[3] == 0) {
                m = s;
                break;
            }
        size_t n = (size_t)((m ? m : end) - p);
        const uint8_t *dg = p;
        size_t dglen = n;
        if (sealed) {
            uint8_t plain[2048];
            size_t pl = n > sizeof plain ? sizeof plain : n;
            memcpy(plain, p, pl);
            if (pl < 16) {
                memset(plain + pl, 0, 16 - pl); /* PADDING up to the sample */
                pl = 16;
            }
            dglen = quic_seal_initial(q, version, dcid, sizeof dcid, k, plain, pl, pkt, sizeof pkt);
            dg = pkt;
        }
        /* an exact-size copy so any read past the datagram is caught */
        uint8_t *f = malloc(dglen ? dglen : 1);
        if (!f)
            return 0;
        memcpy(f, dg, dglen);
        const uint8_t *hello;
        size_t hlen;
        uint32_t v;
        if (fsc_quic_datagram(q, f, dglen, (fsc_time)input * 1000, &hello, &hlen, &v) == FSC_OK) {
            fsc_tls_hello h;
            char ja4[FSC_JA4_LEN + 1];
            if (fsc_tls_parse_handshake(hello, hlen, &h) == FSC_OK)
                fsc_ja4(j, &h, true, ja4);
        }
        free(f);
        if (!m)
            break;
        p = m + 4;
    }
    return 0;
}
