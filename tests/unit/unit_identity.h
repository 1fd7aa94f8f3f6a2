/* unit_identity.h: helpers the identity and RADIUS tests share: a time
 * from RFC 3339 text, and who held an address then. */
#ifndef FSC_UNIT_IDENTITY_H
#define FSC_UNIT_IDENTITY_H

#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "timefmt.h"

/* The time s names; aborts the test on a typo in the test itself. */
static inline fsc_time T(const char *s)
{
    fsc_time t = 0;
    if (!fsc_time_parse(s, strlen(s), &t))
        abort();
    return t;
}

/* The subscriber holding addr at `when`, NULL for nobody. */
static inline const char *who(const fsc_identity *id, const char *addr, const char *when)
{
    fsc_addr a;
    if (!fsc_addr_parse(addr, strlen(addr), &a))
        return "(bad address)";
    const fsc_holder *h = fsc_identity_lookup(id, &a, T(when));
    return h ? h->subscriber : NULL;
}

#endif
