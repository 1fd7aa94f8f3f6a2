/* ring.c: SPSC ring (see ring.h).
 *
 * Layout of an entry: a uint32 length, 4 bytes of padding, the bytes, then
 * padding to 8. An entry never wraps: when it does not fit before the end,
 * the producer writes a WRAP marker and starts again at offset 0. head and
 * tail count bytes forever (size_t does not overflow in practice); offsets
 * are taken modulo cap. Each side works on a private copy (ph, ct) and
 * publishes it in batches: the shared counters' cache line then crosses
 * between the cores once per batch, not once per entry. */
#include "ring.h"

#include <stdlib.h>
#include <string.h>

#define HDR 8u
#define WRAP UINT32_MAX

static size_t align8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

bool fsc_ring_init(fsc_ring *r, size_t cap)
{
    size_t c = 4096;
    while (c < cap)
        c <<= 1;
    memset(r, 0, sizeof *r);
    r->buf = malloc(c);
    if (!r->buf)
        return false;
    r->cap = c;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->ph = r->ct = 0;
    return true;
}

void fsc_ring_destroy(fsc_ring *r)
{
    free(r->buf);
    r->buf = NULL;
}

void *fsc_ring_reserve(fsc_ring *r, size_t len)
{
    size_t need = align8(HDR + len);
    size_t head = r->ph;
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t pos = head & (r->cap - 1);
    size_t pad = pos + need > r->cap ? r->cap - pos : 0;
    if (need > r->cap / 2 || r->cap - (head - tail) < pad + need)
        return NULL;
    if (pad) {
        uint32_t w = WRAP;
        memcpy(r->buf + pos, &w, sizeof w);
        head += pad;
        pos = 0;
        r->ph = head;
    }
    uint32_t l = (uint32_t)len;
    memcpy(r->buf + pos, &l, sizeof l);
    r->reserved = need;
    return r->buf + pos + HDR;
}

void fsc_ring_commit(fsc_ring *r)
{
    r->ph += r->reserved;
    r->reserved = 0;
}

void fsc_ring_publish(fsc_ring *r)
{
    atomic_store_explicit(&r->head, r->ph, memory_order_release);
}

const void *fsc_ring_peek(fsc_ring *r, size_t *len)
{
    for (;;) {
        size_t tail = r->ct;
        size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        if (tail == head) {
            fsc_ring_release_publish(r); /* idle: give all room back */
            return NULL;
        }
        size_t pos = tail & (r->cap - 1);
        uint32_t l;
        memcpy(&l, r->buf + pos, sizeof l);
        if (l == WRAP) {
            r->ct = tail + (r->cap - pos);
            continue;
        }
        *len = l;
        return r->buf + pos + HDR;
    }
}

const void *fsc_ring_peek_ahead(fsc_ring *r, size_t *pos, size_t *len)
{
    if (*pos < r->ct)
        *pos = r->ct;
    for (;;) {
        size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        if (*pos == head)
            return NULL;
        size_t off = *pos & (r->cap - 1);
        uint32_t l;
        memcpy(&l, r->buf + off, sizeof l);
        if (l == WRAP) {
            *pos += r->cap - off;
            continue;
        }
        *pos += align8(HDR + l);
        *len = l;
        return r->buf + off + HDR;
    }
}

void fsc_ring_release(fsc_ring *r)
{
    size_t pos = r->ct & (r->cap - 1);
    uint32_t l;
    memcpy(&l, r->buf + pos, sizeof l);
    r->ct += align8(HDR + l);
    if (r->ct - atomic_load_explicit(&r->tail, memory_order_relaxed) >= 65536)
        fsc_ring_release_publish(r);
}

void fsc_ring_release_publish(fsc_ring *r)
{
    atomic_store_explicit(&r->tail, r->ct, memory_order_release);
}

bool fsc_ring_drained(fsc_ring *r)
{
    return r->ct == atomic_load_explicit(&r->head, memory_order_acquire);
}
