/* events.h: the app-install feed, JSON lines (schema: docs/feeds.md).
 *
 * One JSON object per line, for example
 *   {"ts":"2026-11-29T08:00:00Z","subscriber":"S1001","event":"install",
 *    "package":"com.example","label":"Example","cert_sha256":"ab..",
 *    "apk_sha256":"cd..","installer":"sideload","permissions":["READ_SMS"]}
 * Unknown keys are ignored; a line that is not valid JSON, or lacks ts or
 * subscriber, is reported with its line number and skipped: the reader never
 * stops for a bad line. */
#ifndef FSC_EVENTS_H
#define FSC_EVENTS_H

#include <stdio.h>

#include "counters.h"
#include "diag.h"
#include "record.h"
#include "status.h"

typedef struct fsc_event_reader fsc_event_reader;

/* Opens `path` ("-" for stdin). Returns NULL (and reports through diag) when
 * it cannot be opened. counters may be NULL; when given, events.read and
 * events.bad_lines are counted there. diag must outlive the reader. */
fsc_event_reader *fsc_events_open(const char *path, fsc_diag *diag, fsc_counters *counters);
void fsc_events_close(fsc_event_reader *r);

/* Reads the next good event into *rec (source FSC_SRC_APP; subscriber,
 * event, line, ts and app.* values set), skipping and reporting bad lines.
 * The record's strings are owned by the reader and valid until the next call.
 * Returns FSC_OK, FSC_EOF at the end, or FSC_EIO on a read error. */
fsc_status fsc_events_next(fsc_event_reader *r, fsc_record *rec);

/* Parses one line (buf, len; no newline needed) into *rec. Strings are
 * copied into `store` (storecap bytes) and rec points into it. Returns
 * FSC_OK, or FSC_EMALFORMED with a message in err (errcap bytes) giving the
 * byte column ("column 17: ..."), or FSC_ELIMIT when the decoded strings do
 * not fit in store (2 * len + 64 bytes always suffice). Never reads past
 * buf[len - 1]. Exposed for tests and the fuzzer. */
fsc_status fsc_event_parse(const char *buf, size_t len, fsc_record *rec, char *store,
                           size_t storecap, char *err, size_t errcap);

/* Longest line the reader accepts, newline excluded. A longer line is
 * reported as too long, counted in events.bad_lines and skipped without
 * ever being held in memory. */
#define FSC_EVENTS_LINE_MAX 65536

/* Keys of an event that have no fsc_field (yet): NULL when absent.
 * NUL-terminated, pointing into the same store as the record's strings. */
typedef struct fsc_event_meta {
    const char *device;
    const char *installer; /* "store", "sideload", ... as the feed says */
    const char *version;
    size_t dropped_permissions; /* repeats, and any beyond the 60 the record
                                 * keeps for permissions (docs/feeds.md) */
} fsc_event_meta;

/* fsc_event_parse with the details split out: on FSC_EMALFORMED, err holds
 * the message alone and *errcol the 1-based byte column (0 when unknown).
 * meta and errcol may be NULL. */
fsc_status fsc_event_parse_ex(const char *buf, size_t len, fsc_record *rec,
                              fsc_event_meta *meta, char *store, size_t storecap,
                              char *err, size_t errcap, unsigned long *errcol);

/* The meta keys of the event last returned by fsc_events_next; owned by the
 * reader, valid until the next call. */
const fsc_event_meta *fsc_events_meta(const fsc_event_reader *r);

#endif
