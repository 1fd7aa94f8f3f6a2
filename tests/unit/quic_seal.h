/* quic_seal.h: builds protected QUIC client Initial packets, the inverse of
 * engine/quic.c, for the unit tests and the QUIC fuzzer (a fuzzer cannot
 * guess an AEAD tag, so it hands its bytes over as plaintext and this seals
 * them). Test code only: OpenSSL one-shot contexts, allocation allowed. */
#ifndef FSC_QUIC_SEAL_H
#define FSC_QUIC_SEAL_H

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "quic.h"

/* Writes a v1 or v2 Initial with DCID dcid (dcid_len <= 20), no SCID, no
 * token, a 4-byte packet number pn, and the given plaintext payload, into
 * out (cap bytes). Returns the packet length, 0 when it does not fit or
 * OpenSSL fails. */
static inline size_t quic_seal_initial(fsc_quic *q, uint32_t version, const uint8_t *dcid,
                                       size_t dcid_len, uint32_t pn, const uint8_t *payload,
                                       size_t plen, uint8_t *out, size_t cap)
{
    fsc_quic_keys k;
    if (fsc_quic_client_keys(q, version, dcid, dcid_len, &k) != FSC_OK)
        return 0;
    size_t body = 4 + plen + 16;
    size_t hlen = 1 + 4 + 1 + dcid_len + 1 + 1 + 2;
    if (body > 0x3fff || hlen + body > cap || plen + 4 < 16)
        return 0;
    size_t o = 0;
    out[o++] = version == FSC_QUIC_V2 ? 0xd3 : 0xc3; /* Initial, 4-byte pn */
    out[o++] = (uint8_t)(version >> 24);
    out[o++] = (uint8_t)(version >> 16);
    out[o++] = (uint8_t)(version >> 8);
    out[o++] = (uint8_t)version;
    out[o++] = (uint8_t)dcid_len;
    memcpy(out + o, dcid, dcid_len);
    o += dcid_len;
    out[o++] = 0; /* SCID length */
    out[o++] = 0; /* token length */
    out[o++] = (uint8_t)(0x40 | body >> 8);
    out[o++] = (uint8_t)body;
    size_t pn_off = o;
    for (int i = 3; i >= 0; i--)
        out[o++] = (uint8_t)(pn >> (8 * i));
    uint8_t nonce[12];
    memcpy(nonce, k.iv, 12);
    for (int i = 0; i < 4; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce) == 1 &&
                     EVP_EncryptUpdate(c, NULL, &n, out, (int)o) == 1 &&
                     EVP_EncryptUpdate(c, out + o, &n, payload, (int)plen) == 1 &&
                     EVP_EncryptFinal_ex(c, out + o + n, &n) == 1 &&
                     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + o + plen) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok)
        return 0;
    uint8_t mask[32];
    c = EVP_CIPHER_CTX_new();
    ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL) == 1 &&
         EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
         EVP_EncryptUpdate(c, mask, &n, out + pn_off + 4, 16) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok)
        return 0;
    out[0] ^= mask[0] & 0x0f;
    for (int i = 0; i < 4; i++)
        out[pn_off + (size_t)i] ^= mask[1 + i];
    return o + plen + 16;
}

#endif
