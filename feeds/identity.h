/* identity.h: who held which IP address when, and who each person is.
 *
 * identity CSV (header row required, '#' lines are comments):
 *   ip,start,end,subscriber,precinct
 * start/end are RFC 3339 or epoch seconds; an empty end means "still held".
 * A lookup returns the row whose range contains the packet's time, so a
 * reused address maps to the right person at that moment.
 *
 * profiles CSV:
 *   subscriber,age_band,occupation[,group]
 * The victim group is `group` when given, otherwise derived from age band and
 * occupation (docs/feeds.md has the table).
 *
 * Malformed rows are reported through diag as file:line:col naming the
 * column, and counted; the rest of the file loads.
 *
 * The ip column holds an address ("10.20.1.11") or a prefix
 * ("2001:db8:20:3::/64": a mobile subscriber holds a whole /64). A lookup
 * tries the exact address first, then ever shorter prefixes: the longest
 * prefix with a holder at that moment wins. Ranges are half-open,
 * start <= t < end, so at a hand-over instant the new holder is returned.
 * Quoting is RFC 4180-like ("a ""b""", quoted commas), one row per line. */
#ifndef FSC_IDENTITY_H
#define FSC_IDENTITY_H

#include "addr.h"
#include "counters.h"
#include "diag.h"
#include "fraud_type.h"
#include "record.h"
#include "status.h"

typedef struct fsc_identity fsc_identity;

typedef struct fsc_holder {
    const char *subscriber; /* owned by the identity table */
    const char *precinct;
} fsc_holder;

/* Bounds: a row is at most FSC_CSV_LINE_MAX bytes (longer rows are bad
 * rows); a table holds at most FSC_IDENTITY_MAX_ROWS rows (the rest are
 * reported once and counted as bad rows). */
#define FSC_CSV_LINE_MAX 4096
#define FSC_IDENTITY_MAX_ROWS (1u << 24)

/* Loads an identity CSV. Returns FSC_OK and *out (free with
 * fsc_identity_free), FSC_EIO when the file cannot be read, FSC_EMALFORMED
 * when the header row is missing or lacks a column (nothing could be read),
 * FSC_ENOMEM. Bad rows are reported and counted (identity.bad_rows), not
 * fatal. counters may be NULL. On failure *out is left untouched. */
fsc_status fsc_identity_load(const char *path, fsc_diag *diag, fsc_counters *counters,
                             fsc_identity **out);
/* The same from memory: buf[0..len) holds the CSV text, `name` is used in
 * diagnostics. Nothing of buf is kept. (For tests and the fuzzer.) */
fsc_status fsc_identity_load_buf(const char *name, const char *buf, size_t len, fsc_diag *diag,
                                 fsc_counters *counters, fsc_identity **out);
/* The precinct of `subscriber` when no address is at hand (app-install
 * events name the subscriber, not an address): the precinct of that
 * subscriber's row with the latest start. NULL when the subscriber has no
 * row. Owned by id. */
const char *fsc_identity_precinct(const fsc_identity *id, const char *subscriber);
/* Number of rows loaded (prefix and address rows alike). */
size_t fsc_identity_count(const fsc_identity *id);
void fsc_identity_free(fsc_identity *id);
/* The holder of `a` at time `ts`, or NULL. The result is owned by id. */
const fsc_holder *fsc_identity_lookup(const fsc_identity *id, const fsc_addr *a, fsc_time ts);
/* The precinct of the subscriber's most recent identity row, or NULL when
 * the subscriber holds no address in the table. Owned by id. (For app
 * events, which name a subscriber but no address.) */
const char *fsc_identity_precinct(const fsc_identity *id, const char *subscriber);

/* ---- holdings at run time (RADIUS accounting, feeds/radius.h) ----------
 *
 * A holding is an address or prefix (addr masked to plen; IPv4 /8../32,
 * IPv6 /32../128, as the ip column) held by a subscriber from a start time
 * on. None of these functions may run while another thread looks the table
 * up: apply changes before the pipeline starts (replay does), or under the
 * caller's own lock. */

/* An empty table, for when no identity CSV is given. NULL when out of
 * memory. Free with fsc_identity_free. */
fsc_identity *fsc_identity_new(void);
/* Opens a holding of (addr, plen) by `subscriber` at `start`; both strings
 * are copied. precinct may be NULL: the subscriber's precinct in the table
 * is then kept, if any. When the key is already held:
 *   - by the same subscriber: nothing changes (an Interim-Update);
 *   - by someone else: their holding ends at `start` (a missed Stop), and
 *     the new one begins there;
 *   - from a start later than `start`: FSC_EINVAL (out of order).
 * Returns FSC_OK, FSC_EINVAL (bad key or empty subscriber), FSC_ELIMIT
 * (FSC_IDENTITY_MAX_ROWS reached) or FSC_ENOMEM. Lookups see a new holding
 * after fsc_identity_commit(). */
fsc_status fsc_identity_open(fsc_identity *id, const fsc_addr *addr, unsigned plen,
                             fsc_time start, const char *subscriber, const char *precinct);
/* fsc_identity_open, remembering which NAS (RADIUS NAS-IP-Address; NULL:
 * unknown) reported the holding, so that its Accounting-On/Off ends it
 * (fsc_identity_close_nas). An Interim-Update of a holding already open
 * records its NAS when the Start did not. Up to 65535 NASes are told apart;
 * holdings of any beyond are kept as if the NAS were unknown. */
fsc_status fsc_identity_open_nas(fsc_identity *id, const fsc_addr *addr, unsigned plen,
                                 fsc_time start, const char *subscriber, const char *precinct,
                                 const fsc_addr *nas);
/* A NAS restarted (Accounting-On) or is going down (Accounting-Off): every
 * holding it reported that is still open and began at or before `end` is
 * ended at `end`; holdings of other NASes and of unknown NAS are kept.
 * Returns how many were ended. Seen by lookups at once. O(open holdings). */
size_t fsc_identity_close_nas(fsc_identity *id, const fsc_addr *nas, fsc_time end);
/* Ends the open holding of (addr, plen) at `end` (exclusive). When
 * subscriber is not NULL, only a holding by that subscriber is ended.
 * Returns FSC_OK, FSC_ENOTFOUND (nothing open, or open by someone else) or
 * FSC_EINVAL (bad key, or end before the holding's start). Seen by lookups
 * at once. */
fsc_status fsc_identity_close(fsc_identity *id, const fsc_addr *addr, unsigned plen,
                              fsc_time end, const char *subscriber);
/* Re-indexes the table after fsc_identity_open calls (one sort, O(n log n)):
 * until then lookups answer from the previous index, which stays valid
 * memory. FSC_OK or FSC_ENOMEM. */
fsc_status fsc_identity_commit(fsc_identity *id);

typedef struct fsc_profiles fsc_profiles;

typedef struct fsc_profile {
    const char *subscriber; /* owned by the profiles table */
    const char *age_band;
    const char *occupation;
    fsc_group group;
    const char *precinct;   /* from a Redis profile hash; NULL from CSV. The
                             * identity feed's precinct is what alerts use */
} fsc_profile;

/* Loads a profiles CSV; same statuses and ownership as fsc_identity_load.
 * Bad rows (and a second row for a subscriber already seen: the first one
 * is kept) are reported and counted in profiles.bad_rows. */
fsc_status fsc_profiles_load(const char *path, fsc_diag *diag, fsc_counters *counters,
                             fsc_profiles **out);
fsc_status fsc_profiles_load_buf(const char *name, const char *buf, size_t len, fsc_diag *diag,
                                 fsc_counters *counters, fsc_profiles **out);
/* Loads profiles from Redis hashes PREFIX:SUBSCRIBER with the fields
 * age_band, occupation, group and precinct (all optional; group as the CSV
 * column). `host_port` is "HOST:PORT"; prefix NULL means "fsc:profile".
 * Keys are found with SCAN (MATCH PREFIX:*, COUNT 1000) and each batch is
 * read with pipelined HMGETs, so no reply holds more than one batch. A bad
 * hash (unknown group, a field over 256 bytes, not a hash) is reported as
 * "redis://HOST:PORT/KEY: ..." and counted in profiles.bad_rows. Returns
 * FSC_OK and *out (free with fsc_profiles_free), FSC_EREDIS (cannot connect
 * or a command failed; reported), FSC_EINVAL (bad host_port), FSC_ENOMEM.
 * On failure *out is left untouched. */
fsc_status fsc_profiles_load_redis(const char *host_port, const char *prefix, fsc_diag *diag,
                                   fsc_counters *counters, fsc_profiles **out);
size_t fsc_profiles_count(const fsc_profiles *p);
void fsc_profiles_free(fsc_profiles *p);
/* The profile of `subscriber`, or NULL. Owned by p. */
const fsc_profile *fsc_profiles_get(const fsc_profiles *p, const char *subscriber);

/* The victim group for an age band ("18-24", "65+") and an occupation
 * ("student", "accountant", ...), by the table in docs/feeds.md; first
 * matching row wins, occupations compare case-insensitively, either
 * argument may be NULL or empty. Never FSC_GROUP_UNKNOWN. */
fsc_group fsc_group_derive(const char *age_band, const char *occupation);

#endif
