/* addr.h: an IPv4 or IPv6 address, stored the same way for both. */
#ifndef FSC_ADDR_H
#define FSC_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FSC_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

typedef struct fsc_addr {
    uint8_t family;   /* 0 (none), 4 or 6 */
    uint8_t b[16];    /* network order; IPv4 uses b[0..3], the rest is zero */
} fsc_addr;

/* Formats a into buf (at least FSC_ADDR_STRLEN bytes) as inet_ntop does;
 * "-" when family is 0. Returns buf. */
char *fsc_addr_format(const fsc_addr *a, char *buf);
/* Parses a dotted IPv4 or an IPv6 text address of len bytes. Returns false
 * and leaves *out zeroed when it is not one. */
bool fsc_addr_parse(const char *s, size_t len, fsc_addr *out);
bool fsc_addr_equal(const fsc_addr *a, const fsc_addr *b);

#endif
