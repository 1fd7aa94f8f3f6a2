/* timefmt.h: fsc_time (microseconds since the epoch, UTC) to and from text. */
#ifndef FSC_TIMEFMT_H
#define FSC_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"

#define FSC_TIME_STRLEN 96 /* room for any int year, so snprintf can never cut */

/* Formats t as "2026-11-29T08:00:00.123456Z" into buf (FSC_TIME_STRLEN
 * bytes). Returns buf. */
char *fsc_time_format(fsc_time t, char *buf);

/* Parses an RFC 3339 timestamp ("2026-11-29T08:00:00Z", fraction and
 * "+08:00" offsets allowed) or a decimal number of seconds since the epoch
 * ("1795939200.5"). len bytes, not NUL-terminated. Returns false on anything
 * else. */
bool fsc_time_parse(const char *s, size_t len, fsc_time *out);

#endif
