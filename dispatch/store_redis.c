/* store_redis.c: placeholder until the Redis Streams backend lands (the
 * journal is the default and complete). */
#include <stdio.h>

#include "store_int.h"

fsc_status fsc_store_open_redis(const char *hostport, const char *prefix,
                                fsc_counters *counters, fsc_store **out, char *err,
                                size_t errcap)
{
    (void)hostport;
    (void)prefix;
    (void)counters;
    (void)out;
    if (err && errcap)
        snprintf(err, errcap, "the Redis store is not built yet: use the journal");
    return FSC_EUNSUPPORTED;
}
