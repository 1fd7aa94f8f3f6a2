/* flow.h: a bounded TCP flow table that holds a client PDU while it is
 * incomplete.
 *
 * Most PDUs we read (a TLS ClientHello, an HTTP request header, a DNS
 * message) fit in one segment and need no state: the segment is handed to
 * the stream consumer and forgotten. Only when the consumer says "this is
 * the start of a PDU, but it is cut" does the table keep a flow: a buffer of
 * max_bytes indexed by sequence number, filled as segments arrive in order,
 * out of order or again (retransmissions), and handed to the consumer each
 * time its in-order prefix grows. The flow is dropped once the consumer has
 * what it wanted, on FIN/RST, after `timeout` idle, or when the buffer
 * fills. Flows are keyed symmetrically (either direction finds the entry);
 * the entry remembers which direction it is buffering.
 *
 * A client's SYN also opens an entry (with nothing buffered yet), so a
 * segment that arrives before the first segment of the first PDU is kept
 * until the gap fills; a first segment that arrives in order releases the
 * entry and is read in place. Where each PDU that was read began (direction
 * and sequence number) is remembered in a fixed table for `timeout`, so a
 * retransmitted PDU is not read a second time.
 *
 * Every entry and buffer is allocated by fsc_flow_table_new(). When all
 * max_flows are taken one is evicted (flow.evicted): the least recently
 * used of those with nothing buffered (a SYN's entry, which costs no value
 * to lose: see flow_new), and only when there is none, the least recently
 * used of those holding part of a PDU or an out-of-order segment, whose
 * value will never be read (also counted in flow.evicted_buffered). Both
 * are O(1): the two classes are two LRU lists. A flow whose gap is never
 * filled therefore still goes, at the timeout or when every other entry
 * holds bytes too and a new one needs room. */
#ifndef FSC_FLOW_H
#define FSC_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "decode.h"
#include "record.h"

/* Ranges of sequence space a flow tracks at once (received blocks with
 * holes between them); a segment that would need more is dropped. */
#define FSC_FLOW_MAX_RANGES 8

/* Reads a client byte stream data[0..len) that starts at a PDU boundary,
 * emits what is complete, and stores in *used how many bytes it finished
 * with. Returns true when data[*used..len) is the start of a PDU that needs
 * more bytes, false when there is nothing worth waiting for. */
typedef bool (*fsc_stream_fn)(void *ctx, const fsc_packet *pkt, const uint8_t *data, size_t len,
                              size_t *used);

typedef struct fsc_flow_table fsc_flow_table;

/* Creates a table of max_flows flows of max_bytes each, dropping idle flows
 * after timeout (>= 0), counting into counters (which must outlive it).
 * Returns NULL when out of memory or given a bound of 0 or a negative
 * timeout; free with fsc_flow_table_free(). */
fsc_flow_table *fsc_flow_table_new(size_t max_flows, size_t max_bytes, fsc_time timeout,
                                   fsc_counters *counters);
void fsc_flow_table_free(fsc_flow_table *ft);

/* Feeds one TCP segment (pkt from fsc_decode_frame, l4proto 6) seen at
 * `now`. Calls fn zero or more times, with data pointing into the segment
 * or into the flow's buffer (valid during the call). */
void fsc_flow_segment(fsc_flow_table *ft, const fsc_packet *pkt, fsc_time now, fsc_stream_fn fn,
                      void *ctx);

/* Flows currently held (for tests and the run summary). */
size_t fsc_flow_count(const fsc_flow_table *ft);

#endif
