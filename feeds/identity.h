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
 * Malformed rows are reported through diag as file:line and counted; the
 * rest of the file loads. */
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

/* Loads an identity CSV. Returns FSC_OK and *out (free with
 * fsc_identity_free), or FSC_EIO when the file cannot be read. Bad rows are
 * reported and counted (identity.bad_rows), not fatal. counters may be NULL. */
fsc_status fsc_identity_load(const char *path, fsc_diag *diag, fsc_counters *counters,
                             fsc_identity **out);
void fsc_identity_free(fsc_identity *id);
/* The holder of `a` at time `ts`, or NULL. The result is owned by id. */
const fsc_holder *fsc_identity_lookup(const fsc_identity *id, const fsc_addr *a, fsc_time ts);
/* The precinct of the subscriber's most recent identity row, or NULL when
 * the subscriber holds no address in the table. Owned by id. (For app
 * events, which name a subscriber but no address.) */
const char *fsc_identity_precinct(const fsc_identity *id, const char *subscriber);

typedef struct fsc_profiles fsc_profiles;

typedef struct fsc_profile {
    const char *subscriber; /* owned by the profiles table */
    const char *age_band;
    const char *occupation;
    fsc_group group;
} fsc_profile;

fsc_status fsc_profiles_load(const char *path, fsc_diag *diag, fsc_counters *counters,
                             fsc_profiles **out);
void fsc_profiles_free(fsc_profiles *p);
/* The profile of `subscriber`, or NULL. Owned by p. */
const fsc_profile *fsc_profiles_get(const fsc_profiles *p, const char *subscriber);

/* The victim group for an age band ("18-24", "65+") and an occupation
 * ("student", "accountant", ...), by the table in docs/feeds.md. */
fsc_group fsc_group_derive(const char *age_band, const char *occupation);

#endif
