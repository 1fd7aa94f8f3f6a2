/* hash.h: FNV-1a, the one non-cryptographic hash of the engine.
 *
 * Used where a stable, portable 64-bit digest is wanted: alert ids (the same
 * input gives the same id on every machine), snapshot and cache checksums,
 * subscriber table slots. Not for anything an attacker must not collide
 * with on purpose: flow and domain tables that face the network mix in a
 * per-process seed of their own. */
#ifndef FSC_HASH_H
#define FSC_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FSC_FNV_BASIS 0xcbf29ce484222325ULL

/* Folds n bytes at p into h (start with FSC_FNV_BASIS). */
static inline uint64_t fsc_fnv1a(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

#endif
