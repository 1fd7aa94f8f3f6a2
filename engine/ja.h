/* ja.h: TLS client fingerprints of a parsed ClientHello (parse.h):
 *
 *   JA3 (Salesforce): MD5 of "version,ciphers,extensions,groups,formats",
 *     decimal values joined by '-' in the order sent, GREASE values
 *     (RFC 8701: 0x?a?a with equal bytes) left out; tls.ja3 is the MD5 hex.
 *   JA4 (FoxIO): "t13d1516h2_8daaf6152771_e5627efa2ab1": protocol (t TCP,
 *     q QUIC), version (highest supported_versions entry, else
 *     client_version: 13 12 11 10 s3 s2, 00 unknown), d/i (SNI present or
 *     not), cipher and extension counts (2 digits, at most 99), first and
 *     last character of the first ALPN value (00 without); then the first
 *     12 hex digits of SHA-256 over the sorted cipher list ("002f,1301,...")
 *     and over the sorted extension list without SNI (0000) and ALPN (0010),
 *     '_', the signature algorithms in the order sent (no '_' when there are
 *     none). GREASE is left out everywhere; an empty list hashes to
 *     000000000000.
 *
 * The text builders are pure functions of the hello; the digests use
 * OpenSSL contexts made once by fsc_ja_new(), so nothing is allocated per
 * ClientHello. One fsc_ja per thread. */
#ifndef FSC_JA_H
#define FSC_JA_H

#include <stddef.h>

#include "parse.h"
#include "status.h"

#define FSC_JA3_HEX_LEN 32
#define FSC_JA4_LEN 36
/* Longest JA3 text and longest lists fingerprinted; a ClientHello beyond
 * them gets no fingerprint (tls.fingerprint_unreadable). */
#define FSC_JA3_TEXT_MAX 8192
#define FSC_JA_MAX_LIST 1024

typedef struct fsc_ja fsc_ja;

/* Creates the hashing contexts. Returns NULL when OpenSSL cannot provide
 * MD5 or SHA-256 or memory runs out; free with fsc_ja_free(). */
fsc_ja *fsc_ja_new(void);
void fsc_ja_free(fsc_ja *j);

/* Writes the JA3 text of h into out (cap bytes, NUL-terminated). Returns
 * its length, or (size_t)-1 when it does not fit or an extension is cut. */
size_t fsc_ja3_text(const fsc_tls_hello *h, char *out, size_t cap);

/* Writes the JA3 MD5 as 32 lower-case hex digits and a NUL into out.
 * FSC_OK, or FSC_ELIMIT / FSC_EMALFORMED when there is no fingerprint. */
fsc_status fsc_ja3(fsc_ja *j, const fsc_tls_hello *h, char out[FSC_JA3_HEX_LEN + 1]);

/* Writes the JA4 fingerprint (FSC_JA4_LEN characters and a NUL) into out;
 * quic selects the 'q' prefix. FSC_OK, or FSC_ELIMIT / FSC_EMALFORMED. */
fsc_status fsc_ja4(fsc_ja *j, const fsc_tls_hello *h, bool quic, char out[FSC_JA4_LEN + 1]);

/* JA4's raw form ("t13d1516h2_002f,..._0005,..._0403,..."), the text its two
 * hashes are taken over, for tests and analysts. Returns its length or
 * (size_t)-1. Uses j's list scratch only. */
size_t fsc_ja4_raw(fsc_ja *j, const fsc_tls_hello *h, bool quic, char *out, size_t cap);

#endif
