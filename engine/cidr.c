/* cidr.c: prefixes hashed per length (see cidr.h). */
#include "cidr.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    uint64_t hash;  /* 0: empty */
    uint8_t which, family, plen;
    uint8_t b[16];  /* masked */
    uint32_t id;
} entry;

struct fsc_cidr {
    entry *slots;
    size_t cap, n;
    /* lens[which][v6]: bit set per prefix length present, so a lookup
     * probes only lengths that exist */
    uint64_t lens[2][2][3];
};

static void mask(const uint8_t *in, unsigned plen, uint8_t *out)
{
    memset(out, 0, 16);
    unsigned full = plen / 8, rest = plen % 8;
    memcpy(out, in, full);
    if (rest)
        out[full] = (uint8_t)(in[full] & (0xFF << (8 - rest)));
}

static uint64_t hash_of(unsigned which, unsigned family, unsigned plen, const uint8_t *b)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    uint8_t head[3] = {(uint8_t)which, (uint8_t)family, (uint8_t)plen};
    for (int i = 0; i < 3; i++)
        h = (h ^ head[i]) * 0x100000001b3ULL;
    for (int i = 0; i < 16; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

fsc_cidr *fsc_cidr_new(void)
{
    fsc_cidr *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cap = 64;
    t->slots = calloc(t->cap, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return NULL;
    }
    return t;
}

void fsc_cidr_free(fsc_cidr *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t);
}

bool fsc_cidr_parse(const char *s, size_t len, fsc_addr *net, unsigned *plen)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    fsc_addr a;
    memset(net, 0, sizeof *net);
    if (!fsc_addr_parse(s, alen, &a))
        return false;
    unsigned max = a.family == 4 ? 32 : 128, p = max;
    if (slash) {
        size_t n = len - alen - 1;
        if (n == 0 || n > 3)
            return false;
        p = 0;
        for (size_t i = 0; i < n; i++) {
            char c = slash[1 + i];
            if (c < '0' || c > '9')
                return false;
            p = p * 10 + (unsigned)(c - '0');
        }
        if (p > max)
            return false;
    }
    uint8_t m[16];
    mask(a.b, p, m);
    if (memcmp(m, a.b, 16) != 0)
        return false; /* host bits set: 10.0.0.1/8 is a typo for 10.0.0.0/8 */
    *net = a;
    *plen = p;
    return true;
}

static void place(entry *slots, size_t cap, const entry *e)
{
    size_t i = (size_t)e->hash & (cap - 1);
    while (slots[i].hash)
        i = (i + 1) & (cap - 1);
    slots[i] = *e;
}

bool fsc_cidr_add(fsc_cidr *t, unsigned which, const fsc_addr *net, unsigned plen, uint32_t id)
{
    if (which > 1 || (net->family != 4 && net->family != 6) ||
        plen > (net->family == 4 ? 32u : 128u))
        return false;
    if ((t->n + 1) * 2 > t->cap) {
        size_t ncap = t->cap * 2;
        entry *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return false;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].hash)
                place(ns, ncap, &t->slots[i]);
        free(t->slots);
        t->slots = ns;
        t->cap = ncap;
    }
    entry e = {0};
    e.which = (uint8_t)which;
    e.family = net->family;
    e.plen = (uint8_t)plen;
    mask(net->b, plen, e.b);
    e.hash = hash_of(which, net->family, plen, e.b);
    e.id = id;
    place(t->slots, t->cap, &e);
    t->n++;
    t->lens[which][net->family == 6][plen / 64] |= 1ULL << (plen % 64);
    return true;
}

size_t fsc_cidr_lookup(const fsc_cidr *t, unsigned which, const fsc_addr *a, fsc_cidr_fn fn,
                       void *ctx)
{
    if (!t || which > 1 || (a->family != 4 && a->family != 6))
        return 0;
    const uint64_t *lens = t->lens[which][a->family == 6];
    unsigned max = a->family == 4 ? 32 : 128;
    size_t found = 0;
    for (unsigned p = 0; p <= max; p++) {
        if (!(lens[p / 64] & (1ULL << (p % 64))))
            continue;
        uint8_t m[16];
        mask(a->b, p, m);
        uint64_t h = hash_of(which, a->family, p, m);
        for (size_t i = (size_t)h & (t->cap - 1); t->slots[i].hash; i = (i + 1) & (t->cap - 1)) {
            const entry *e = &t->slots[i];
            if (e->hash == h && e->which == which && e->family == a->family && e->plen == p &&
                memcmp(e->b, m, 16) == 0) {
                found++;
                if (fn)
                    fn(ctx, e->id);
            }
        }
    }
    return found;
}

size_t fsc_cidr_count(const fsc_cidr *t) { return t ? t->n : 0; }

size_t fsc_cidr_bytes(const fsc_cidr *t) { return t ? sizeof *t + t->cap * sizeof *t->slots : 0; }
