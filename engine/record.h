/* record.h: the unit the matcher sees.
 *
 * A record is the set of field values that belong together: one DNS query,
 * one TLS ClientHello, one HTTP request (host, uri and user agent together),
 * or one app-install event (package, label, hashes, permissions). A rule
 * whose conditions name several fields matches only within one record.
 *
 * Ownership: a record and the bytes its values point to belong to whoever
 * emits it and are valid only during the callback that receives it. */
#ifndef FSC_RECORD_H
#define FSC_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "field.h"

/* Time is microseconds since the Unix epoch, UTC. */
typedef int64_t fsc_time;

#define FSC_RECORD_MAX_VALUES 160 /* permissions lists are the long ones: real
                                  * malware asks for over a hundred */

typedef enum fsc_source {
    FSC_SRC_TRAFFIC, /* from a capture: src/dst/frame set, subscriber NULL */
    FSC_SRC_APP,     /* from the app-install feed: subscriber/line set */
} fsc_source;

typedef struct fsc_value {
    fsc_field field;
    uint32_t len;
    const char *ptr; /* len bytes, not NUL-terminated */
} fsc_value;

typedef struct fsc_record {
    fsc_source source;
    fsc_time ts;
    uint64_t frame;         /* traffic: 1-based frame number, as Wireshark */
    fsc_addr src, dst;      /* traffic: innermost IP header's addresses */
    uint64_t line;          /* app: 1-based line in the events file */
    const char *subscriber; /* app: NUL-terminated subscriber id */
    const char *event;      /* app: "install", "update", ... (NUL-terminated) */
    size_t nvalues;
    fsc_value values[FSC_RECORD_MAX_VALUES];
} fsc_record;

/* Receives one record; see the ownership note above. */
typedef void (*fsc_record_fn)(void *ctx, const fsc_record *rec);

#endif
