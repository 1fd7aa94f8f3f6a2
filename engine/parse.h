/* parse.h: pure parsers of application bytes: DNS queries, TLS ClientHello,
 * HTTP/1.x request headers.
 *
 * Each parser is a function of (buf, len): it never allocates, never reads
 * past len, and returns a status: FSC_OK (parsed), FSC_EPARTIAL (a prefix of
 * something valid: give me more bytes), FSC_EUNSUPPORTED (not this protocol
 * or not the message we want), FSC_EMALFORMED / FSC_ELIMIT (broken or over a
 * bound; out->anomaly names the counter to raise). Outputs point into buf or
 * into storage inside the output struct. The byte loads below are the only
 * way the engine reads multi-byte wire fields; callers check the length
 * first, in one place, then load. */
#ifndef FSC_PARSE_H
#define FSC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "status.h"

/* Big-endian loads; p must have 2 (resp. 4) readable bytes. */
static inline uint16_t fsc_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static inline uint32_t fsc_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t fsc_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---- DNS ---------------------------------------------------------------
 * Header (RFC 1035 4.1.1), offsets in bytes:
 *   0 id  2 flags (QR is bit 15, opcode bits 11-14)  4 qdcount  6 ancount
 *   8 nscount  10 arcount  12 questions: name, type(2), class(2)
 * Names are labels (length byte 0..63) ending with 0, or a 2-byte pointer
 * (top bits 11) to an earlier offset of the message. */
#define FSC_DNS_NAME_MAX 255       /* wire length bound of RFC 1035 2.3.4 */
#define FSC_DNS_MAX_QUESTIONS 8    /* real queries carry 1; more is counted */

typedef struct fsc_dns_query {
    bool is_response;              /* QR=1: callers ignore the questions */
    unsigned nquestions;           /* names[0..nquestions) are valid */
    fsc_counter_id anomaly;        /* set when the status is not FSC_OK */
    uint16_t qtype[FSC_DNS_MAX_QUESTIONS];
    uint16_t name_len[FSC_DNS_MAX_QUESTIONS];
    /* lower-cased, labels joined by '.', no trailing dot, NUL-terminated;
     * "" for the root name */
    char names[FSC_DNS_MAX_QUESTIONS][FSC_DNS_NAME_MAX + 1];
} fsc_dns_query;

/* Reads one name at *off of the message msg/len into out (FSC_DNS_NAME_MAX+1
 * bytes), following compression pointers; each pointer must go strictly
 * backwards, which both bounds the walk and rejects loops. On FSC_OK *off
 * is past the name in the original position and *out_len is its length.
 * FSC_EMALFORMED with *anomaly FSC_C_DNS_NAME_LOOP for a pointer that does
 * not go back, FSC_ELIMIT/FSC_C_DNS_NAME_TOO_LONG past 255 wire bytes,
 * FSC_ETRUNC/FSC_C_DNS_MALFORMED when the name runs past len. */
fsc_status fsc_dns_read_name(const uint8_t *msg, size_t len, size_t *off, char *out,
                             size_t *out_len, fsc_counter_id *anomaly);

/* Parses a DNS message's header and questions. Returns FSC_OK with every
 * question in *q; when a later question is broken, the ones before it are
 * kept in q->nquestions and the status says what went wrong. Responses
 * return FSC_OK with is_response set and no questions. */
fsc_status fsc_dns_parse(const uint8_t *buf, size_t len, fsc_dns_query *q);

/* ---- TLS ---------------------------------------------------------------
 * Record (RFC 8446 5.1): 0 type (22 handshake)  1 version (3, x)
 *   3 length (<= 2^14 + 2048)  5 fragment.
 * Handshake: 0 msg_type (1 ClientHello)  1 length (3 bytes)  4 body.
 * ClientHello body: 0 version(2)  2 random(32)  34 session_id<0..32>
 *   cipher_suites<2..2^16-2>  compression<1..2^8-1>  extensions<0..2^16-1>
 * server_name extension (type 0, RFC 6066 3): list<2> of
 *   {name_type(1) = 0 host_name, host_name<1..2^16-1>}. */
#define FSC_TLS_RECORD_MAX (16384 + 2048)

typedef struct fsc_tls_hello {
    const char *sni;               /* NULL when there is no host_name */
    size_t sni_len;
    size_t consumed;               /* record bytes the ClientHello took */
    fsc_counter_id anomaly;
    /* What the fingerprints (ja.h) read, pointing where sni points: */
    uint16_t version;              /* client_version (legacy_version) */
    const uint8_t *ciphers;        /* cipher_suites, 2 bytes each */
    size_t ciphers_len;
    const uint8_t *exts;           /* the extensions, type(2) length(2) data;
                                    * every one checked to lie within */
    size_t exts_len;
} fsc_tls_hello;

/* True when buf (len >= 3 needed) starts like a TLS handshake record. */
bool fsc_tls_looks_like_handshake(const uint8_t *buf, size_t len);

/* Parses a ClientHello from a stream of TLS records starting at buf[0].
 * The handshake message may span several records: their fragments are
 * joined into scratch (scratch_len bytes, owned by the caller) only when it
 * does; otherwise out->sni points into buf. FSC_EPARTIAL: more bytes needed;
 * FSC_EUNSUPPORTED: not a handshake record or not a ClientHello;
 * FSC_ELIMIT: the message does not fit scratch. */
fsc_status fsc_tls_parse_client_hello(const uint8_t *buf, size_t len, uint8_t *scratch,
                                      size_t scratch_len, fsc_tls_hello *out);

/* Parses a ClientHello handshake message at buf[0] (msg_type, 3-byte
 * length, body) without record framing, as QUIC CRYPTO frames carry it.
 * FSC_EPARTIAL when the message runs past len; FSC_EUNSUPPORTED when it is
 * not a ClientHello. Outputs point into buf. */
fsc_status fsc_tls_parse_handshake(const uint8_t *buf, size_t len, fsc_tls_hello *out);

/* ---- HTTP --------------------------------------------------------------
 * Request (RFC 9112 3): method SP request-target SP HTTP/1.x CRLF, header
 * fields "name: value" CRLF, an empty line. Bare LF is accepted as line end
 * as most servers do. */
typedef struct fsc_http_request {
    const char *method, *uri, *host, *user_agent; /* point into buf; host and
                                                   * user_agent NULL if absent */
    size_t method_len, uri_len, host_len, user_agent_len;
    size_t header_len;             /* request line + headers + empty line */
    uint64_t content_length;       /* 0 when absent */
    bool chunked;                  /* Transfer-Encoding: chunked: body length unknown */
    fsc_counter_id anomaly;
} fsc_http_request;

/* Length of the method token at buf[0] when it is a known HTTP method
 * followed by a space, else 0 (also 0 when buf is too short to tell). */
size_t fsc_http_method_len(const uint8_t *buf, size_t len);
/* True when buf could be the start of a request: a prefix of a known method
 * token and space (so an incomplete segment is worth keeping). */
bool fsc_http_may_be_request(const uint8_t *buf, size_t len);
/* Parses a request header at buf[0]. FSC_OK: *out filled; FSC_EPARTIAL: the
 * empty line ending the header is not within len; FSC_EUNSUPPORTED: not a
 * request; FSC_EMALFORMED: request line or a header line is broken. */
fsc_status fsc_http_parse_request(const uint8_t *buf, size_t len, fsc_http_request *out);

/* Response (RFC 9112 4): HTTP/1.x SP status SP reason CRLF, header fields,
 * an empty line. Only what http.apk_url needs is kept. */
typedef struct fsc_http_response {
    unsigned status;
    const char *content_type;      /* the media type, parameters cut off;
                                    * NULL if absent; points into buf */
    size_t content_type_len;
    size_t header_len;
    fsc_counter_id anomaly;
} fsc_http_response;

/* Parses a response header at buf[0]. FSC_OK: *out filled; FSC_EPARTIAL:
 * the header does not end within len; FSC_EUNSUPPORTED: not a response;
 * FSC_EMALFORMED: broken status line. */
fsc_status fsc_http_parse_response(const uint8_t *buf, size_t len, fsc_http_response *out);

/* True when the request target's path (before any '?' or '#') ends in
 * ".apk", in any case. */
bool fsc_http_is_apk_path(const char *uri, size_t len);

/* Writes the host of a Host header value into out (cap bytes): any :port
 * removed (a bracketed IPv6 literal keeps its brackets), lower-cased.
 * Returns its length, or (size_t)-1 when it does not fit in cap. */
size_t fsc_http_host_normalize(const char *v, size_t len, char *out, size_t cap);

#endif
