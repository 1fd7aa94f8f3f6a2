/* quic.h: the ClientHello inside QUIC v1 (RFC 9000/9001) and v2 (RFC 9369)
 * client Initial packets.
 *
 * Initial packets are encrypted with keys anyone can derive from the
 * client's first Destination Connection ID: HKDF-Extract with the version's
 * salt, HKDF-Expand-Label "client in", then "quic key"/"quic iv"/"quic hp"
 * ("quicv2 ..." for v2); AES-128-ECB removes header protection, AES-128-GCM
 * opens the payload. The ClientHello travels in CRYPTO frames that may be
 * split, reordered and spread over several Initial packets (post-quantum key
 * shares make it larger than one datagram); they are reassembled by offset
 * per connection, keyed by that first DCID, in a table of fixed size.
 *
 * Every buffer and OpenSSL context is made by fsc_quic_new(); nothing is
 * allocated per packet. One fsc_quic per thread. */
#ifndef FSC_QUIC_H
#define FSC_QUIC_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "record.h"
#include "status.h"

#define FSC_QUIC_V1 0x00000001u
#define FSC_QUIC_V2 0x6b3343cfu
/* CRYPTO stream bytes held per connection: a ClientHello with an ML-KEM
 * key share is about 1.9 KB; one beyond this is counted, not read. */
#define FSC_QUIC_CRYPTO_MAX 8192
#define FSC_QUIC_CID_MAX 20

typedef struct fsc_quic fsc_quic;

typedef struct fsc_quic_keys {
    uint8_t key[16], iv[12], hp[16];
} fsc_quic_keys;

/* Creates the decoder with room for max_conns connections whose
 * ClientHello is incomplete (0: 64), forgotten after `timeout` idle (0:
 * 30 s), counting into counters (which must outlive it). Returns NULL when
 * out of memory or when OpenSSL lacks AES-128-GCM/ECB or HMAC-SHA256. */
fsc_quic *fsc_quic_new(size_t max_conns, fsc_time timeout, fsc_counters *counters);
void fsc_quic_free(fsc_quic *q);

/* Derives the client Initial keys of `version` for the DCID dcid/dcid_len.
 * FSC_EUNSUPPORTED for a version other than v1 and v2. */
fsc_status fsc_quic_client_keys(fsc_quic *q, uint32_t version, const uint8_t *dcid,
                                size_t dcid_len, fsc_quic_keys *out);

/* Reads one UDP payload. Returns FSC_OK when a client Initial in it made
 * its connection's ClientHello complete: *hello and *hello_len then point at
 * the handshake message (type 1, 3-byte length, body) inside q, valid until
 * the next call, and *version says which QUIC. FSC_EPARTIAL: a client
 * Initial whose ClientHello needs more packets (or was read already);
 * FSC_EUNSUPPORTED: no QUIC v1/v2 long header; other statuses are counted
 * anomalies. */
fsc_status fsc_quic_datagram(fsc_quic *q, const uint8_t *buf, size_t len, fsc_time now,
                             const uint8_t **hello, size_t *hello_len, uint32_t *version);

#endif
