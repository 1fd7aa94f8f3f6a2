/* extract.h: from captured frames to field records.
 *
 * The extractor decodes each frame (link layer, tunnels, IPv4/IPv6, UDP/TCP),
 * keeps just enough per-flow state to read a TLS ClientHello or an HTTP
 * request header that spans several TCP segments (or the CRYPTO frames of
 * QUIC Initials that span packets), and emits one fsc_record per DNS query,
 * TLS ClientHello (tls.sni, tls.ja3, tls.ja4), QUIC ClientHello (quic.sni,
 * tls.ja4), HTTP request (http.uri, http.host, http.user_agent, and
 * http.apk_url for a .apk path) and HTTP response with the APK media type
 * (http.apk_url of the request it answers). docs/traffic.md has the
 * details.
 *
 * One extractor per thread; it is not shared. Every buffer and table in it
 * has a bound fixed by fsc_extract_config at creation; what exceeds a bound
 * is counted (counters.h), never grown without limit. */
#ifndef FSC_EXTRACT_H
#define FSC_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "record.h"
#include "status.h"

typedef struct fsc_extract_config {
    size_t max_flows;         /* TCP flows with an incomplete PDU; 0: default */
    size_t max_flow_bytes;    /* bytes buffered per flow direction; 0: default */
    fsc_time flow_timeout;    /* idle flow state is dropped after this; 0: default */
    size_t max_frag_datagrams; /* IP datagrams reassembled at once; 0: default */
    fsc_time frag_timeout;    /* incomplete datagrams are dropped after this; 0: default */
} fsc_extract_config;

typedef struct fsc_extractor fsc_extractor;

/* Creates an extractor. cfg may be NULL for defaults. Returns NULL when out
 * of memory. The caller frees it with fsc_extractor_free(). */
fsc_extractor *fsc_extractor_new(const fsc_extract_config *cfg);
void fsc_extractor_free(fsc_extractor *x);

/* Feeds one captured frame: `linktype` is libpcap's DLT_ value, `frame` the
 * 1-based frame number, buf/caplen the captured bytes (never read past
 * caplen). Emits zero or more records through cb before returning; the
 * record's values point into buf or into the extractor and are valid only
 * during the callback. Anomalies are counted in the extractor's counters and
 * never stop the caller. Returns FSC_OK, or the status of the first anomaly
 * that made the frame unusable (for logging; the caller goes on). */
fsc_status fsc_extract_frame(fsc_extractor *x, int linktype, fsc_time ts, uint64_t frame,
                             const uint8_t *buf, size_t caplen, fsc_record_fn cb, void *ctx);

/* The extractor's counters (packets, anomalies, fields found). Owned by the
 * extractor, valid until it is freed. */
const fsc_counters *fsc_extractor_counters(const fsc_extractor *x);

#endif
