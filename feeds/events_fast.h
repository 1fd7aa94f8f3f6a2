/* events_fast.h: a scanner for the common shape of an event line, in front
 * of the yajl parser of events.c.
 *
 * The feed is one flat JSON object per line: known keys with string,
 * number, true/false/null values, "permissions" an array of strings,
 * unknown keys with scalar values. yajl's general lexer and its callbacks
 * were over half of the instructions spent on an install event; this scans
 * that one shape directly. It reports nothing: whatever it does not handle
 * (nested values under unknown keys, escapes in keys or in "ts"/"event",
 * a lone surrogate, \u0000, a disposition, any error at all) it declines,
 * and the caller parses the line with fsc_event_parse_ex, which gives the
 * messages and columns it always gave. On a line it accepts, the record
 * and meta are what fsc_event_parse_ex would have produced (tested
 * differentially, and fuzzed: tests/fuzz/fuzz_events_fast.c). */
#ifndef FSC_EVENTS_FAST_H
#define FSC_EVENTS_FAST_H

#include <stdbool.h>
#include <stddef.h>

#include "events.h"

/* Parses one line (buf, len; no newline) into *rec and *meta (meta may be
 * NULL). Never reads past buf[len - 1]. Values without escapes that are
 * kept as they are written (package, label, permissions) point into buf;
 * the rest are copied into store (storecap bytes; the C strings of
 * subscriber and meta, hashes, anything decoded); event points at a static
 * string. So rec is valid as long as both buf and store are.
 * Returns true when the line was parsed: rec (source, ts, subscriber,
 * event, nvalues and values[0..nvalues)) and meta then equal what
 * fsc_event_parse_ex returns for it with FSC_OK; values past nvalues are
 * not cleared. Returns false when the line is not for this scanner (not
 * necessarily bad): rec, meta and store then hold nothing meaningful. */
bool fsc_event_parse_fast(const char *buf, size_t len, fsc_record *rec, fsc_event_meta *meta,
                          char *store, size_t storecap);

#endif
