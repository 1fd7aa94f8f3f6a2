/* events_int.h: what the two parsers of an event line share (events.c, the
 * yajl one that reports every error, and events_fast.c, the scanner of the
 * common shape that hands anything else to it). One table of keys, one list
 * of event kinds: a key added here is known to both, so the fast path can
 * never skip as "unknown" a key the yajl path would keep. Not a public
 * header: only feeds/events*.c and their tests include it. */
#ifndef FSC_EVENTS_INT_H
#define FSC_EVENTS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "field.h"
#include "record.h"

typedef enum key_id {
    K_UNKNOWN,
    K_TS,
    K_SUBSCRIBER,
    K_DEVICE,
    K_EVENT,
    K_PACKAGE,
    K_LABEL,
    K_VERSION,
    K_CERT,
    K_APK,
    K_INSTALLER,
    K_PERMISSIONS,
    K_FRAUD_TYPE,
    K_DISPOSITION,
} key_id;

typedef enum key_kind {
    KIND_STRING,      /* a JSON string, copied */
    KIND_TIME,        /* a string or a number, parsed by fsc_time_parse */
    KIND_STRING_LIST, /* an array of strings */
} key_kind;

typedef enum key_dest {
    DEST_NONE,  /* handled by its own code (ts, subscriber, event, meta) */
    DEST_VALUE, /* appended as a record value of `field` */
} key_dest;

typedef struct fsc_event_key {
    const char *name;
    size_t len;
    key_id id;
    key_kind kind;
    key_dest dest;
    fsc_field field;
    bool hash; /* hex digest: lower-cased, ':' separators dropped */
} fsc_event_key;

/* The keys we know, one row each, in the order the feed usually writes
 * them (the fast path tries the row after the last one first). A row's bit
 * in a `seen` mask is 1 << row; ts is row 0. The size is fixed here so a
 * row added in events.c without changing it fails to compile. */
#define FSC_EVENT_NKEYS 13
extern const fsc_event_key fsc_event_keys[FSC_EVENT_NKEYS];
#define K_TS_ROW 0
#define K_FRAUD_TYPE_ROW (FSC_EVENT_NKEYS - 2)
#define K_DISPOSITION_ROW (FSC_EVENT_NKEYS - 1)

/* The event kinds the feed may carry; record.event points at these.
 * Row 0 ("install") is the kind of a line without "event". */
#define FSC_EVENT_NKINDS 7
extern const char *const fsc_event_names[FSC_EVENT_NKINDS];

#define FSC_EVENT_PERM_PREFIX "android.permission."

/* Record slots permissions may use. The rest are kept for the keys that
 * carry one value each (package, label, the two hashes, installer, and the
 * event kind added at the end: at most once each,
 * duplicates are refused), so a long permission list placed first can never
 * crowd them out, whatever the key order. */
#define SINGLE_VALUE_KEYS 6
#define MAX_PERMISSIONS (FSC_RECORD_MAX_VALUES - SINGLE_VALUE_KEYS)
_Static_assert(MAX_PERMISSIONS > 0, "the record must have room for permissions");

#endif
