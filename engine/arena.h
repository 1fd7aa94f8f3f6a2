/* arena.h: strings that live as long as the table that owns them.
 *
 * Loaders (rules, identity, profiles) copy every string they keep into an
 * arena: one malloc per 64 KiB block instead of one per string, and one
 * call frees them all with the table. Not thread-safe; read-only sharing of
 * the strings once loading is done is fine. */
#ifndef FSC_ARENA_H
#define FSC_ARENA_H

#include <stddef.h>

typedef struct fsc_arena_block fsc_arena_block;

typedef struct fsc_arena {
    fsc_arena_block *head; /* NULL: empty; zero-initialise to start */
} fsc_arena;

/* Copies n bytes of s plus a NUL into the arena. Returns the copy, owned by
 * the arena until fsc_arena_free(), or NULL when out of memory. */
char *fsc_arena_strndup(fsc_arena *a, const char *s, size_t n);
/* Frees every string of the arena; it is empty (and reusable) after. */
void fsc_arena_free(fsc_arena *a);

#endif
