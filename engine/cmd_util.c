/* cmd_util.c: argument helpers shared by the subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

int fsc_cmd_long(const char *opt, const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "fraudscan: %s wants a whole number from %ld to %ld, not '%s'\n", opt,
                min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}
