/* domainset.c: an open-addressing hash of (field, value) with a reversed
 * running hash, so every label suffix of a name is hashed in one right-to-
 * left pass (see domainset.h). */
#include "domainset.h"

#include <stdlib.h>
#include <string.h>

#define SUFFIX_FLAG 0x80000000u

typedef struct entry {
    uint64_t hash;     /* 0: empty slot (real hashes are forced non-zero) */
    const char *key;
    uint32_t len;
    uint32_t id;       /* payload | SUFFIX_FLAG */
} entry;

struct fsc_domainset {
    entry *slots;
    size_t cap;        /* a power of two */
    size_t n;
    uint64_t fields;   /* bit f: some entry has field f */
    uint64_t suffix_fields; /* bit f: some suffix entry has field f */
};

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline uint64_t seed(unsigned field)
{
    return 0xcbf29ce484222325ULL ^ ((uint64_t)field * 0x9e3779b97f4a7c15ULL);
}

static inline uint64_t step(uint64_t h, unsigned char c)
{
    return (h ^ c) * 0x100000001b3ULL;
}

/* FNV alone clusters in the low bits; a final mix spreads the slots */
static inline uint64_t finish(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static uint64_t hash_value(unsigned field, const char *s, size_t len, bool caseless)
{
    uint64_t h = seed(field);
    for (size_t i = len; i-- > 0;)
        h = step(h, caseless ? lower((unsigned char)s[i]) : (unsigned char)s[i]);
    return finish(h);
}

static bool same(const char *a, const char *b, size_t n, bool caseless)
{
    if (!caseless)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return false;
    return true;
}

fsc_domainset *fsc_domainset_new(size_t expected)
{
    fsc_domainset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return NULL;
    size_t cap = 64;
    while (cap < expected * 2)
        cap *= 2;
    ds->slots = calloc(cap, sizeof *ds->slots);
    if (!ds->slots) {
        free(ds);
        return NULL;
    }
    ds->cap = cap;
    return ds;
}

void fsc_domainset_free(fsc_domainset *ds)
{
    if (!ds)
        return;
    free(ds->slots);
    free(ds);
}

static void place(entry *slots, size_t cap, const entry *e)
{
    size_t i = (size_t)e->hash & (cap - 1);
    while (slots[i].hash)
        i = (i + 1) & (cap - 1);
    slots[i] = *e;
}

static bool grow(fsc_domainset *ds)
{
    size_t ncap = ds->cap * 2;
    entry *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < ds->cap; i++)
        if (ds->slots[i].hash)
            place(ns, ncap, &ds->slots[i]);
    free(ds->slots);
    ds->slots = ns;
    ds->cap = ncap;
    return true;
}

bool fsc_domainset_add(fsc_domainset *ds, unsigned field, const char *value, uint32_t len,
                       bool suffix, bool caseless, uint32_t id)
{
    if (field >= 64 || id >= SUFFIX_FLAG)
        return false;
    /* load factor at most 1/2: probe chains stay short on misses, which
     * are what a detection engine mostly sees */
    if ((ds->n + 1) * 2 > ds->cap && !grow(ds))
        return false;
    entry e = {hash_value(field, value, len, caseless), value, len,
               id | (suffix ? SUFFIX_FLAG : 0)};
    place(ds->slots, ds->cap, &e);
    ds->n++;
    ds->fields |= 1ULL << field;
    if (suffix)
        ds->suffix_fields |= 1ULL << field;
    return true;
}

/* Reports the entries with hash h and key name[0..n); suffix_only: the
 * name is a proper label suffix of what was asked, so exact entries do not
 * count. */
static size_t probe(const fsc_domainset *ds, uint64_t h, const char *name, size_t n,
                    bool caseless, bool suffix_only, fsc_domainset_fn fn, void *ctx)
{
    size_t found = 0;
    for (size_t i = (size_t)h & (ds->cap - 1); ds->slots[i].hash; i = (i + 1) & (ds->cap - 1)) {
        const entry *e = &ds->slots[i];
        if (e->hash != h || e->len != n)
            continue;
        if (suffix_only && !(e->id & SUFFIX_FLAG))
            continue;
        if (!same(e->key, name, n, caseless))
            continue;
        found++;
        if (fn)
            fn(ctx, e->id & ~SUFFIX_FLAG);
    }
    return found;
}

size_t fsc_domainset_lookup(const fsc_domainset *ds, unsigned field, const char *name,
                            size_t len, bool caseless, fsc_domainset_fn fn, void *ctx)
{
    if (!ds || field >= 64 || !(ds->fields & (1ULL << field)) || len == 0)
        return 0;
    bool suffixes = (ds->suffix_fields & (1ULL << field)) != 0;
    size_t found = 0;
    uint64_t h = seed(field);
    for (size_t i = len; i-- > 0;) {
        h = step(h, caseless ? lower((unsigned char)name[i]) : (unsigned char)name[i]);
        if (i == 0)
            found += probe(ds, finish(h), name, len, caseless, false, fn, ctx);
        else if (suffixes && name[i - 1] == '.')
            found += probe(ds, finish(h), name + i, len - i, caseless, true, fn, ctx);
    }
    return found;
}

bool fsc_domainset_has_field(const fsc_domainset *ds, unsigned field)
{
    return ds && field < 64 && (ds->fields & (1ULL << field));
}

size_t fsc_domainset_count(const fsc_domainset *ds) { return ds ? ds->n : 0; }

size_t fsc_domainset_bytes(const fsc_domainset *ds)
{
    return ds ? sizeof *ds + ds->cap * sizeof *ds->slots : 0;
}
