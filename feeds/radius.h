/* radius.h: who held an address when, from RADIUS accounting records.
 *
 * A NAS (the mobile core's GGSN/PGW, a BRAS) sends an Accounting-Request
 * when a session starts, now and then while it lasts, and when it stops.
 * Logged as JSON lines or CSV with the attribute names as keys, these
 * records say which subscriber held an IPv4 address or an IPv6 prefix
 * (a mobile subscriber holds a /64) from when to when:
 *   {"Acct-Status-Type":"Start","Event-Timestamp":"2026-11-29T08:00:00Z",
 *    "Framed-IP-Address":"10.20.9.9","User-Name":"S2019"}
 * The loader applies them in file order to an identity table
 * (fsc_identity_open / fsc_identity_close, identity.h) so that
 * fsc_identity_lookup(id, addr, ts) answers by time. Schema, and what
 * happens to each kind of bad record: docs/feeds.md. */
#ifndef FSC_RADIUS_H
#define FSC_RADIUS_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "counters.h"
#include "diag.h"
#include "identity.h"
#include "record.h"
#include "status.h"

typedef enum fsc_radius_status {
    FSC_RADIUS_START,   /* Acct-Status-Type Start (1) */
    FSC_RADIUS_STOP,    /* Stop (2) */
    FSC_RADIUS_INTERIM, /* Interim-Update (3), also spelled Alive */
    FSC_RADIUS_ACCT_ON, /* Accounting-On (7): the NAS (re)started, so every
                         * session it had open is over (RFC 2866 5.1) */
    FSC_RADIUS_ACCT_OFF, /* Accounting-Off (8): the NAS is going down */
} fsc_radius_status;

/* One accounting record, as far as identity needs it. */
typedef struct fsc_radius_record {
    fsc_radius_status status;
    fsc_time ts;              /* Event-Timestamp */
    bool has_ip4, has_ip6;
    fsc_addr ip4;             /* Framed-IP-Address (a /32) */
    fsc_addr ip6;             /* Framed-IPv6-Prefix, masked to plen6 */
    unsigned plen6;
    const char *subscriber;   /* User-Name, else Calling-Station-Id */
    const char *precinct;     /* NULL when the record has none */
    long session_time;        /* Acct-Session-Time in seconds; -1: absent.
                               * Lets a Stop whose Start was missed still
                               * say when the session began */
    bool has_nas;
    fsc_addr nas;             /* NAS-IP-Address (IPv4 or IPv6): whose
                               * Accounting-On/Off ends this session. Required
                               * for those two, which need nothing else */
} fsc_radius_record;

/* Parses one JSON line buf[0..len) (no newline needed) into *rec; strings
 * are copied into store (storecap bytes; 2 * len + 32 always suffice) and rec
 * points into it. Returns FSC_OK; FSC_EMALFORMED with the message in err
 * (errcap bytes) and the 1-based byte column in *errcol (of the value that
 * is wrong, or where the JSON broke); FSC_ELIMIT when store is too small.
 * Never reads past buf[len - 1]. */
fsc_status fsc_radius_parse_json(const char *buf, size_t len, fsc_radius_record *rec,
                                 char *store, size_t storecap, char *err, size_t errcap,
                                 unsigned long *errcol);

/* Applies the records of `path` to id, in file order, then commits the
 * table (fsc_identity_commit). The format is found from the first line
 * that is not blank or a '#' comment: '{' starts JSON lines, anything else
 * is a CSV header row of attribute names. Each bad record is reported as
 * file:line:col through diag, counted in identity.radius_bad_records, and
 * skipped; good ones are counted in identity.radius_records. counters may
 * be NULL. Returns FSC_OK, FSC_EIO (cannot read), FSC_EMALFORMED (CSV
 * header lacks Acct-Status-Type or Event-Timestamp), FSC_ENOMEM. */
fsc_status fsc_radius_load(const char *path, fsc_identity *id, fsc_diag *diag,
                           fsc_counters *counters);
/* The same from memory: buf[0..len), `name` for diagnostics. */
fsc_status fsc_radius_load_buf(const char *name, const char *buf, size_t len, fsc_identity *id,
                               fsc_diag *diag, fsc_counters *counters);

/* Records one line at a time, for a feed that keeps coming (`run` follows
 * identity.radius): what fsc_radius_load does per line, the format found
 * from the first line as there. In CSV, a row with a cell reading
 * "Acct-Status-Type" is a header again (a rotated file starts anew).
 * Records are applied to id but not committed: the caller commits once per
 * batch (fsc_identity_commit), lookups see the new holdings from then on.
 * Accounting-On/Off ends every open holding its NAS reported (counted in
 * identity.radius_nas_resets and identity.radius_sessions_ended_by_nas).
 * name (copied) names the feed in diagnostics; diag, counters and id are
 * borrowed, used by fsc_radius_feed_line only, on one thread. NULL when
 * out of memory. */
typedef struct fsc_radius_feed fsc_radius_feed;
fsc_radius_feed *fsc_radius_feed_new(const char *name, fsc_identity *id, fsc_diag *diag,
                                     fsc_counters *counters);
/* One line (no line end; its number lineno; too_long when the source cut
 * it): a blank or '#' line, a CSV header, or a record. A bad record is
 * reported as name:line:col, counted and skipped: FSC_OK. Returns
 * FSC_EMALFORMED for a CSV header that lacks Acct-Status-Type or
 * Event-Timestamp (reported: the rows after it cannot be read until a good
 * header comes), FSC_ENOMEM. */
fsc_status fsc_radius_feed_line(fsc_radius_feed *f, const char *line, size_t len,
                                unsigned long lineno, bool too_long);
void fsc_radius_feed_free(fsc_radius_feed *f);

#endif
