/* addr.c: formatting and parsing of fsc_addr through inet_ntop/inet_pton. */
#include "addr.h"

#include <arpa/inet.h>
#include <string.h>

char *fsc_addr_format(const fsc_addr *a, char *buf)
{
    int af = a->family == 4 ? AF_INET : a->family == 6 ? AF_INET6 : 0;
    if (!af || !inet_ntop(af, a->b, buf, FSC_ADDR_STRLEN)) {
        buf[0] = '-';
        buf[1] = '\0';
    }
    return buf;
}

bool fsc_addr_parse(const char *s, size_t len, fsc_addr *out)
{
    char tmp[FSC_ADDR_STRLEN];
    memset(out, 0, sizeof *out);
    if (len == 0 || len >= sizeof tmp)
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (inet_pton(AF_INET, tmp, out->b) == 1) {
        out->family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, tmp, out->b) == 1) {
        out->family = 6;
        return true;
    }
    memset(out, 0, sizeof *out);
    return false;
}

bool fsc_addr_equal(const fsc_addr *a, const fsc_addr *b)
{
    return a->family == b->family && memcmp(a->b, b->b, 16) == 0;
}
