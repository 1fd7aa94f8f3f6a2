/* domainset.c: an open-addressing hash of (namespace, value) with a reversed
 * running hash, so every label suffix of a name is hashed in one right-to-
 * left pass (see domainset.h). */
#include "domainset.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SUFFIX_FLAG 0x80000000u
/* The entry's id is an index into `owners`: the same value was added with
 * several ids (a word like "install" or "READ_SMS" is named by a dozen
 * rules). One entry for them all keeps the probe chain to one compare
 * where it would walk a dozen entries and compare each one's bytes. */
#define OWNERS_FLAG 0x40000000u
#define ID_MASK (OWNERS_FLAG - 1)
/* An id as stored (alone in an entry, or in an owners list) carries its
 * field above the payload: fields sharing a namespace share entries, and
 * a lookup reports only the ids of the field it was asked about. */
#define FIELD_SHIFT 24
#define PAYLOAD_MASK (FSC_DOMAINSET_MAX_IDS - 1)
_Static_assert(FSC_DOMAINSET_MAX_IDS == 1u << FIELD_SHIFT, "the field sits above the payload");
_Static_assert((63u << FIELD_SHIFT | PAYLOAD_MASK) <= ID_MASK,
               "a stored id keeps clear of the owners and suffix flags");
#define NS_UNSET 0xff

/* 16 bytes, not 24 with the whole hash: the table is one random access per
 * add and per probe, so its size is what costs (page faults when it is
 * built, cache and TLB misses when it is read). The slot index holds the
 * low bits of the hash and `meta` 9 of its top bits, so a probe still
 * compares bytes only on a 1-in-512 false tag; a grow rehashes the key. */
typedef struct entry {
    const char *key;   /* NULL: empty slot */
    uint32_t id;       /* field << 24 | payload, or owners index | OWNERS_FLAG;
                        * | SUFFIX_FLAG */
    uint16_t len;
    uint16_t meta;     /* tag << 7 | caseless << 6 | namespace */
} entry;

#define MAX_LEN 0xffffu

static inline uint16_t meta_of(uint64_t h, unsigned ns, bool caseless)
{
    return (uint16_t)((h >> 55) << 7 | (caseless ? 1u << 6 : 0) | ns);
}

struct fsc_domainset {
    entry *slots;
    size_t cap;        /* a power of two */
    size_t n;          /* slots used */
    size_t ids;        /* (value, id) pairs added: what count() reports */
    uint32_t *owners;  /* lists of ids of one value, each [count, cap, id...] */
    size_t nowners, capowners;
    uint64_t fields;   /* bit f: some entry has field f */
    uint64_t exact_fields;  /* bit f: some exact entry has field f */
    uint64_t suffix_fields; /* bit f: some suffix entry has field f */
    uint8_t ns_of[64];      /* field -> namespace, NS_UNSET before its first add */
    bool mapped;       /* slots come from mmap (large tables), not calloc */
};

/* Tables of 2 MiB and more are mapped and offered transparent huge pages:
 * every add and every probe is one random access into the table, and at a
 * million entries (200 MB) 4 KiB pages made each of them a TLB miss and
 * the first touch of each page a fault (50,000 of them). */
#define MAP_MIN ((size_t)2 << 20)

static entry *alloc_slots(size_t cap, bool *mapped)
{
    size_t bytes = cap * sizeof(entry);
    *mapped = false;
    if (bytes < MAP_MIN)
        return calloc(cap, sizeof(entry));
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: 4 KiB pages still work */
    *mapped = true;
    return p;
}

static void free_slots(entry *slots, size_t cap, bool mapped)
{
    if (mapped)
        munmap(slots, cap * sizeof(entry));
    else
        free(slots);
}

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline uint64_t seed(unsigned ns)
{
    return 0xcbf29ce484222325ULL ^ ((uint64_t)ns * 0x9e3779b97f4a7c15ULL);
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

static uint64_t hash_value(unsigned ns, const char *s, size_t len, bool caseless)
{
    uint64_t h = seed(ns);
    for (size_t i = len; i-- > 0;)
        h = step(h, caseless ? lower((unsigned char)s[i]) : (unsigned char)s[i]);
    return finish(h);
}

/* Exact entries are hashed whole, 8 bytes at a time: they need no hash of
 * each label suffix, and a byte-at-a-time FNV chain (a multiply per byte,
 * each waiting for the last) was most of what an install event's lookups
 * cost (permissions, package, installer: all exact values). */
static inline uint64_t lower8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
    uint64_t h7 = x & ~high; /* each byte below 0x80: no carry between bytes */
    uint64_t ge_a = h7 + ones * (0x80 - 'A'), gt_z = h7 + ones * (0x7f - 'Z');
    uint64_t upper = ge_a & ~gt_z & ~x & high; /* 'A'..'Z' */
    return x | upper >> 2;                     /* + 0x20 */
}

static inline uint64_t word_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return h << 31 | h >> 33;
}

static uint64_t hash_exact(unsigned ns, const char *s, size_t len, bool caseless)
{
    uint64_t h = seed(ns) ^ (uint64_t)len * 0xc2b2ae3d27d4eb4fULL;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = word_step(h, caseless ? lower8(w) : w);
    }
    if (i < len) {
        /* the last 1..7 bytes without a call to memcpy: the last 8 of the
         * value when it is that long (overlapping bytes hashed twice),
         * else two overlapping 4-byte loads, else bytes */
        uint64_t w = 0;
        if (len >= 8) {
            memcpy(&w, s + len - 8, 8);
        } else if (len >= 4) {
            uint32_t a, b;
            memcpy(&a, s, 4);
            memcpy(&b, s + len - 4, 4);
            w = (uint64_t)a << 32 | b;
        } else {
            for (size_t k = 0; k < len; k++)
                w = w << 8 | (unsigned char)s[k];
        }
        h = word_step(h, caseless ? lower8(w) : w);
    }
    return finish(h);
}

/* The hash an entry is placed by: suffix entries the right-to-left running
 * hash (a lookup makes it at every label boundary), exact ones hash_exact. */
static uint64_t hash_of(unsigned ns, const char *s, size_t len, bool suffix, bool caseless)
{
    return suffix ? hash_value(ns, s, len, caseless) : hash_exact(ns, s, len, caseless);
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
    ds->slots = alloc_slots(cap, &ds->mapped);
    if (!ds->slots) {
        free(ds);
        return NULL;
    }
    ds->cap = cap;
    memset(ds->ns_of, NS_UNSET, sizeof ds->ns_of);
    return ds;
}

void fsc_domainset_free(fsc_domainset *ds)
{
    if (!ds)
        return;
    free_slots(ds->slots, ds->cap, ds->mapped);
    free(ds->owners);
    free(ds);
}

static void place(entry *slots, size_t cap, uint64_t h, const entry *e)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].key)
        i = (i + 1) & (cap - 1);
    slots[i] = *e;
}

static bool grow(fsc_domainset *ds)
{
    size_t ncap = ds->cap * 2;
    bool mapped;
    entry *ns = alloc_slots(ncap, &mapped);
    if (!ns)
        return false;
    for (size_t i = 0; i < ds->cap; i++) {
        const entry *e = &ds->slots[i];
        if (e->key)
            place(ns, ncap,
                  hash_of(e->meta & 63u, e->key, e->len, (e->id & SUFFIX_FLAG) != 0,
                          (e->meta >> 6 & 1u) != 0),
                  e);
    }
    free_slots(ds->slots, ds->cap, ds->mapped);
    ds->slots = ns;
    ds->cap = ncap;
    ds->mapped = mapped;
    return true;
}

/* A new list with room for `cap` ids at the end of owners, holding
 * ids[0..n). Returns its index, or UINT32_MAX when out of memory. */
static uint32_t owners_new(fsc_domainset *ds, uint32_t cap, const uint32_t *ids, uint32_t n)
{
    size_t need = ds->nowners + 2 + cap;
    if (need > ID_MASK)
        return UINT32_MAX;
    if (need > ds->capowners) {
        size_t nc = ds->capowners ? ds->capowners * 2 : 256;
        while (nc < need)
            nc *= 2;
        uint32_t *no = realloc(ds->owners, nc * sizeof *no);
        if (!no)
            return UINT32_MAX;
        ds->owners = no;
        ds->capowners = nc;
    }
    uint32_t ix = (uint32_t)ds->nowners;
    ds->owners[ix] = n;
    ds->owners[ix + 1] = cap;
    memcpy(&ds->owners[ix + 2], ids, n * sizeof *ids);
    ds->nowners = need;
    return ix;
}

/* Adds id to the entry e already holds (the same value): e becomes a list,
 * or its list grows (moved to the end, twice as long, when full). */
static bool add_owner(fsc_domainset *ds, entry *e, uint32_t id)
{
    uint32_t flags = e->id & SUFFIX_FLAG;
    if (!(e->id & OWNERS_FLAG)) {
        uint32_t two[2] = {e->id & ID_MASK, id};
        uint32_t ix = owners_new(ds, 4, two, 2);
        if (ix == UINT32_MAX)
            return false;
        e->id = ix | OWNERS_FLAG | flags;
        return true;
    }
    uint32_t ix = e->id & ID_MASK;
    uint32_t n = ds->owners[ix], cap = ds->owners[ix + 1];
    if (n == cap) {
        /* copy out first: owners_new may move the array */
        uint32_t *old = malloc(n * sizeof *old);
        if (!old)
            return false;
        memcpy(old, &ds->owners[ix + 2], n * sizeof *old);
        uint32_t nix = owners_new(ds, cap * 2, old, n);
        free(old);
        if (nix == UINT32_MAX)
            return false;
        ix = nix;
        e->id = ix | OWNERS_FLAG | flags;
    }
    ds->owners[ix + 2 + n] = id;
    ds->owners[ix]++;
    return true;
}

/* The entry for exactly this (namespace, value, suffix, caseless) with hash
 * h, or NULL. Bytes are compared exactly: only the same value is merged. */
static entry *find_same(fsc_domainset *ds, uint64_t h, const entry *want)
{
    for (size_t i = (size_t)h & (ds->cap - 1); ds->slots[i].key; i = (i + 1) & (ds->cap - 1)) {
        entry *e = &ds->slots[i];
        if (e->meta == want->meta && e->len == want->len &&
            (e->id & SUFFIX_FLAG) == (want->id & SUFFIX_FLAG) &&
            memcmp(e->key, want->key, want->len) == 0)
            return e;
    }
    return NULL;
}

/* Places e (hash h), or adds its id to the entry of the same value. */
static bool insert(fsc_domainset *ds, uint64_t h, const entry *e, bool suffix, unsigned field)
{
    entry *same_e = find_same(ds, h, e);
    if (same_e) {
        if (!add_owner(ds, same_e, e->id & ID_MASK))
            return false;
    } else {
        place(ds->slots, ds->cap, h, e);
        ds->n++;
    }
    ds->ids++;
    ds->fields |= 1ULL << field;
    if (suffix)
        ds->suffix_fields |= 1ULL << field;
    else
        ds->exact_fields |= 1ULL << field;
    return true;
}

bool fsc_domainset_add(fsc_domainset *ds, unsigned field, const char *value, uint32_t len,
                       bool suffix, bool caseless, uint32_t id)
{
    if (field >= 64)
        return false;
    fsc_domainset_item it = {value, len, id, (uint8_t)field, (uint8_t)field, suffix, caseless};
    return fsc_domainset_add_many(ds, &it, 1);
}

#define BATCH 32

bool fsc_domainset_add_many(fsc_domainset *ds, const fsc_domainset_item *items, size_t n)
{
    uint8_t ns_of[64];
    memcpy(ns_of, ds->ns_of, sizeof ns_of);
    for (size_t i = 0; i < n; i++) {
        const fsc_domainset_item *it = &items[i];
        if (it->field >= 64 || it->ns >= 64 || it->id >= FSC_DOMAINSET_MAX_IDS ||
            it->len > MAX_LEN || !it->value)
            return false;
        if (ns_of[it->field] == NS_UNSET)
            ns_of[it->field] = it->ns;
        else if (ns_of[it->field] != it->ns)
            return false;
    }
    memcpy(ds->ns_of, ns_of, sizeof ns_of);
    /* load factor at most 1/2: probe chains stay short on misses, which
     * are what a detection engine mostly sees */
    while ((ds->n + n) * 2 > ds->cap)
        if (!grow(ds))
            return false;
    /* hash a batch and prefetch its slots, then place it: the cache misses
     * of a batch overlap instead of coming one after the other */
    const fsc_domainset_item *prev = NULL;
    uint64_t prev_h = 0;
    for (size_t b = 0; b < n; b += BATCH) {
        size_t m = n - b < BATCH ? n - b : BATCH;
        entry e[BATCH];
        uint64_t h[BATCH];
        for (size_t i = 0; i < m; i++) {
            const fsc_domainset_item *it = &items[b + i];
            /* one list on several fields of a namespace comes value by
             * value (rules_compile.c): hash each value once */
            if (prev && prev->value == it->value && prev->len == it->len && prev->ns == it->ns &&
                prev->suffix == it->suffix && prev->caseless == it->caseless)
                h[i] = prev_h;
            else
                h[i] = hash_of(it->ns, it->value, it->len, it->suffix, it->caseless);
            prev = it;
            prev_h = h[i];
            e[i] = (entry){it->value,
                           it->id | (uint32_t)it->field << FIELD_SHIFT |
                               (it->suffix ? SUFFIX_FLAG : 0),
                           (uint16_t)it->len, meta_of(h[i], it->ns, it->caseless)};
            __builtin_prefetch(&ds->slots[(size_t)h[i] & (ds->cap - 1)], 1);
        }
        for (size_t i = 0; i < m; i++) {
            const fsc_domainset_item *it = &items[b + i];
            if (!insert(ds, h[i], &e[i], it->suffix, it->field))
                return false;
        }
    }
    return true;
}

/* Reports field's ids in the entries of one kind (suffix or exact: each kind
 * is placed by its own hash, see hash_of) with hash h (in namespace ns) and
 * key name[0..n). */
static size_t probe(const fsc_domainset *ds, unsigned field, unsigned ns, uint64_t h,
                    const char *name, size_t n, bool caseless, bool suffix, fsc_domainset_fn fn,
                    void *ctx)
{
    size_t found = 0;
    /* the caseless bit is not compared: the lookup's own flag decides how
     * bytes compare, as it decided how the name was hashed */
    const unsigned want = meta_of(h, ns, false) & ~(1u << 6);
    const uint32_t kind = suffix ? SUFFIX_FLAG : 0;
    for (size_t i = (size_t)h & (ds->cap - 1); ds->slots[i].key; i = (i + 1) & (ds->cap - 1)) {
        const entry *e = &ds->slots[i];
        if ((e->meta & ~(1u << 6)) != want || e->len != n || (e->id & SUFFIX_FLAG) != kind)
            continue;
        if (!same(e->key, name, n, caseless))
            continue;
        if (!(e->id & OWNERS_FLAG)) {
            if ((e->id & ID_MASK) >> FIELD_SHIFT != field)
                continue;
            found++;
            if (fn)
                fn(ctx, e->id & PAYLOAD_MASK);
            continue;
        }
        const uint32_t *o = &ds->owners[e->id & ID_MASK];
        for (uint32_t k = 0; k < o[0]; k++) {
            if (o[2 + k] >> FIELD_SHIFT != field)
                continue;
            found++;
            if (fn)
                fn(ctx, o[2 + k] & PAYLOAD_MASK);
        }
    }
    return found;
}

size_t fsc_domainset_lookup(const fsc_domainset *ds, unsigned field, const char *name,
                            size_t len, bool caseless, fsc_domainset_fn fn, void *ctx)
{
    if (!ds || field >= 64 || !(ds->fields & (1ULL << field)) || len == 0)
        return 0;
    size_t found = 0;
    const unsigned ns = ds->ns_of[field];
    /* exact entries: one probe with the name's whole hash */
    if (ds->exact_fields & (1ULL << field))
        found += probe(ds, field, ns, hash_exact(ns, name, len, caseless), name, len, caseless,
                       false, fn, ctx);
    if (!(ds->suffix_fields & (1ULL << field)))
        return found;
    /* suffix entries: the whole name, then each label suffix, hashed in
     * one right-to-left pass */
    uint64_t h = seed(ns);
    for (size_t i = len; i-- > 0;) {
        h = step(h, caseless ? lower((unsigned char)name[i]) : (unsigned char)name[i]);
        if (i == 0 || name[i - 1] == '.')
            found += probe(ds, field, ns, finish(h), name + i, len - i, caseless, true, fn, ctx);
    }
    return found;
}

bool fsc_domainset_has_field(const fsc_domainset *ds, unsigned field)
{
    return ds && field < 64 && (ds->fields & (1ULL << field));
}

size_t fsc_domainset_count(const fsc_domainset *ds) { return ds ? ds->ids : 0; }

size_t fsc_domainset_bytes(const fsc_domainset *ds)
{
    return ds ? sizeof *ds + ds->cap * sizeof *ds->slots + ds->capowners * sizeof *ds->owners : 0;
}
