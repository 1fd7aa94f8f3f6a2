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

#include <signal.h>
#include <stdbool.h>
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

/* How a feed is read (fsc_events_open_ex). Zero means the default. */
typedef struct fsc_events_options {
    bool follow;               /* at the end of a file wait for more, as
                                * tail -F: a rotated (renamed, new file under
                                * the name) or truncated file is reopened and
                                * read from its start, its lines numbered
                                * from 1 again; stdin is never followed */
    const char *dead_letter;   /* bad lines are appended here, one JSON object
                                * each: feed, line, column, reason, text */
    fsc_time max_skew;         /* an event this far ahead of the feed's latest
                                * (or, when live, of the wall clock), or behind
                                * the feed's latest, is a bad line; 0: no check
                                * (replay uses 2 days) */
    volatile sig_atomic_t *stop; /* follow / ZeroMQ: return FSC_EOF once set */
} fsc_events_options;

/* As fsc_events_open, with options. `path` may also be "zmq:ENDPOINT": a
 * ZeroMQ PULL socket bound to ENDPOINT ("zmq:tcp://127.0.0.1:5557"), or
 * connected with "zmq:connect:ENDPOINT"; each message is one line, numbered
 * from 1 in arrival order. */
fsc_event_reader *fsc_events_open_ex(const char *path, const fsc_events_options *opt,
                                     fsc_diag *diag, fsc_counters *counters);

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
    const char *fraud_type;     /* disposition events: "FT05" or "all" */
    const char *disposition;    /* "confirmed_safe", "confirmed_fraud",
                                 * "false_alarm" (validated) */
} fsc_event_meta;

/* fsc_event_parse with the details split out: on FSC_EMALFORMED, err holds
 * the message alone and *errcol the 1-based byte column (0 when unknown).
 * meta and errcol may be NULL. */
fsc_status fsc_event_parse_ex(const char *buf, size_t len, fsc_record *rec,
                              fsc_event_meta *meta, char *store, size_t storecap,
                              char *err, size_t errcap, unsigned long *errcol);

/* The next line of the feed as it came, not parsed: for feeds with lines
 * of their own (RADIUS accounting followed in `run`), read, followed,
 * rotated and received over ZeroMQ exactly as events are. *line (without
 * its '\n' or '\r') is owned by the reader until the next call, *lineno
 * is its number (from 1). A line longer than FSC_EVENTS_LINE_MAX is cut
 * there, the rest consumed, and *too_long set. With wait false, the end of
 * a followed file returns FSC_EOF at once (a partial last line is kept for
 * the next call) and a later call goes on following; with wait true it
 * waits for more as fsc_events_next does. Returns FSC_OK, FSC_EOF (or the
 * stop flag was set) or FSC_EIO (reported). Counts nothing. */
fsc_status fsc_events_next_line(fsc_event_reader *r, bool wait, const char **line, size_t *len,
                                unsigned long *lineno, bool *too_long);

/* The meta keys of the event last returned by fsc_events_next; owned by the
 * reader, valid until the next call. */
const fsc_event_meta *fsc_events_meta(const fsc_event_reader *r);

#endif
