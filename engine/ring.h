/* ring.h: a single-producer, single-consumer ring of variable-size entries.
 *
 * One thread writes (reserve, fill, commit), one thread reads (peek, use,
 * release); no locks, two atomic counters. The capacity is fixed when the
 * ring is made: a full ring makes the producer wait (it is told NULL), it
 * never grows. Entries are 8-byte aligned. */
#ifndef FSC_RING_H
#define FSC_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fsc_ring {
    uint8_t *buf;
    size_t cap;                 /* bytes, a power of two */
    /* The producer's and the consumer's fields sit a cache line apart (the
     * padding, not alignment, so a ring may live in calloc'd memory): two
     * cores writing one line would trade it on every entry. */
    char pad0_[64];
    _Atomic size_t head;        /* bytes published to the consumer */
    size_t ph;                  /* producer: bytes written, published or not */
    size_t reserved;            /* producer: size of the entry being written */
    char pad1_[64];
    _Atomic size_t tail;        /* bytes released by the consumer */
    size_t ct;                  /* consumer: bytes released, published or not */
    char pad2_[64];
} fsc_ring;

/* Makes a ring of at least `cap` bytes (rounded up to a power of two).
 * Returns false when out of memory. */
bool fsc_ring_init(fsc_ring *r, size_t cap);
void fsc_ring_destroy(fsc_ring *r);

/* Producer: room for an entry of len bytes, or NULL when the ring is full
 * (try again after the consumer has caught up). len must be well under cap.
 * fsc_ring_commit() ends the entry; fsc_ring_publish() makes every ended
 * entry visible to the consumer at once (one cache-line transfer for a
 * batch instead of one per entry). */
void *fsc_ring_reserve(fsc_ring *r, size_t len);
void fsc_ring_commit(fsc_ring *r);
void fsc_ring_publish(fsc_ring *r);

/* Consumer: the oldest entry and its length, or NULL when empty. It stays
 * valid until fsc_ring_release(). Released room is handed back to the
 * producer by fsc_ring_release_publish() (or when peek finds the ring empty
 * and by every 64 KiB released). */
const void *fsc_ring_peek(fsc_ring *r, size_t *len);
void fsc_ring_release(fsc_ring *r);
void fsc_ring_release_publish(fsc_ring *r);

/* Consumer: walks published entries ahead of the oldest without taking
 * them, to prefetch what they point to. *pos is a cursor the caller keeps
 * (0 at first); returns the next entry at or after it (and its length),
 * moving *pos past it, or NULL when there is none published yet. */
const void *fsc_ring_peek_ahead(fsc_ring *r, size_t *pos, size_t *len);
/* Consumer: true when it has read everything published. */
bool fsc_ring_drained(fsc_ring *r);

#endif
