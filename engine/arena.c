/* arena.c: block allocator for loader strings (see arena.h). */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 65536

struct fsc_arena_block {
    fsc_arena_block *next;
    size_t used, cap;
    char data[];
};

char *fsc_arena_strndup(fsc_arena *a, const char *s, size_t n)
{
    fsc_arena_block *b = a->head;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    char *d = b->data + b->used;
    memcpy(d, s, n);
    d[n] = '\0';
    b->used += n + 1;
    return d;
}

void fsc_arena_free(fsc_arena *a)
{
    fsc_arena_block *b = a->head;
    while (b) {
        fsc_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}
