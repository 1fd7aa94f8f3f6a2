/* cidr.h: IPv4 / IPv6 prefixes, matched by longest-to-shortest probing.
 *
 * Each prefix is hashed with its length; a lookup masks the address to
 * every prefix length the table holds for that family (at most 33 or 129,
 * typically a handful) and probes once per length. Built once, then
 * read-only. Two address slots are kept apart (0: ip.src, 1: ip.dst). */
#ifndef FSC_CIDR_H
#define FSC_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

typedef struct fsc_cidr fsc_cidr;

fsc_cidr *fsc_cidr_new(void);
void fsc_cidr_free(fsc_cidr *t);

/* Parses "192.0.2.0/24", "2001:db8::/32" or a plain address (a host
 * prefix) of len bytes. Bits set past the prefix length are an error (the
 * analyst likely mistyped). False when not valid. */
bool fsc_cidr_parse(const char *s, size_t len, fsc_addr *net, unsigned *plen);

/* Adds net/plen in slot `which` (0 or 1) with payload id. False when out of
 * memory or the arguments are invalid. */
bool fsc_cidr_add(fsc_cidr *t, unsigned which, const fsc_addr *net, unsigned plen, uint32_t id);

typedef void (*fsc_cidr_fn)(void *ctx, uint32_t id);
/* Calls fn for every prefix in slot `which` that contains a. Returns how
 * many. Never allocates. */
size_t fsc_cidr_lookup(const fsc_cidr *t, unsigned which, const fsc_addr *a, fsc_cidr_fn fn,
                       void *ctx);
size_t fsc_cidr_count(const fsc_cidr *t);
size_t fsc_cidr_bytes(const fsc_cidr *t);

#endif
