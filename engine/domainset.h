/* domainset.h: exact values and label-aware domain suffixes, hashed.
 *
 * Why not Hyperscan: with 100,000 literal domains Hyperscan fell to about
 * 2.5M lookups/s on near-miss names (docs/benchmarks.md), because near
 * misses keep its literal matchers busy. Here a name costs one hash probe
 * per label boundary (walked from the right), whatever the table holds and
 * however close the name is to an entry.
 *
 * Keys are (namespace, value); each field belongs to one namespace, by
 * default its own. Fields that share a namespace share entries: a list of a
 * million domains named on dns.query, tls.sni, quic.sni and http.host is
 * hashed and stored once, not four times, and a lookup on one field still
 * reports only that field's ids. An exact entry matches a name equal to it;
 * a suffix entry matches a name equal to it or ending in "." + it. Caseless
 * fields compare ASCII letters without case. Built once, then read-only:
 * lookups from many threads need no lock. */
#ifndef FSC_DOMAINSET_H
#define FSC_DOMAINSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fsc_domainset fsc_domainset;

/* An empty set sized for about `expected` entries (it grows as needed).
 * NULL when out of memory. */
fsc_domainset *fsc_domainset_new(size_t expected);
void fsc_domainset_free(fsc_domainset *ds);

/* Largest payload id + 1: the field is kept in the top bits of the id. */
#define FSC_DOMAINSET_MAX_IDS (1u << 24)

/* Adds value (len bytes, which must stay valid and unchanged as long as the
 * set: it is not copied) for field (< 64, in its own namespace) with
 * payload id (< FSC_DOMAINSET_MAX_IDS). The
 * same value may be added several times with different ids: a lookup
 * reports them all, in the order they were added (the value is stored
 * once, with the list of its ids). False when out of memory or an argument
 * is out of range. */
bool fsc_domainset_add(fsc_domainset *ds, unsigned field, const char *value, uint32_t len,
                       bool suffix, bool caseless, uint32_t id);

/* One value for fsc_domainset_add_many(); the fields mean what the
 * parameters of fsc_domainset_add() mean; ns (< 64) is the field's
 * namespace. */
typedef struct fsc_domainset_item {
    const char *value;
    uint32_t len;
    uint32_t id;
    uint8_t field, ns;
    bool suffix, caseless;
} fsc_domainset_item;

/* Adds n items as fsc_domainset_add() would, faster for large n (the table
 * slots of a batch are prefetched together). Every item of one field must
 * name the same namespace, in this call and in all earlier ones. False when
 * an item is out of range or names another namespace for its field (nothing
 * added), or memory ran out (some may have been added). */
bool fsc_domainset_add_many(fsc_domainset *ds, const fsc_domainset_item *items, size_t n);

typedef void (*fsc_domainset_fn)(void *ctx, uint32_t id);
/* Calls fn(ctx, id) for every entry of field that name (len bytes, as
 * the extractor gives it: no root dot) matches. Returns how many. Never allocates. */
size_t fsc_domainset_lookup(const fsc_domainset *ds, unsigned field, const char *name,
                            size_t len, bool caseless, fsc_domainset_fn fn, void *ctx);
/* True when some entry has this field: a value of another field need not
 * be looked up at all. */
bool fsc_domainset_has_field(const fsc_domainset *ds, unsigned field);
/* (value, id) pairs added, each repeat of a value counted. */
size_t fsc_domainset_count(const fsc_domainset *ds);
size_t fsc_domainset_bytes(const fsc_domainset *ds);

#endif
