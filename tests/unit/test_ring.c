/* test_ring.c: the SPSC ring between the pipeline's threads: entries of
 * every size come out whole and in order, across wrap-arounds, with
 * batched publication on both sides, and a full ring refuses instead of
 * overwriting; then two real threads push a million entries through it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"
#include "unit.h"

/* Entry i holds i, then (i % 300) bytes of i & 0xff: sizes vary and wrap. */
static size_t size_of(uint32_t i)
{
    return sizeof(uint32_t) + i % 300;
}

static void fill(uint8_t *p, uint32_t i)
{
    memcpy(p, &i, sizeof i);
    memset(p + sizeof i, (int)(i & 0xff), i % 300);
}

static int check(const uint8_t *p, size_t len, uint32_t want)
{
    uint32_t got;
    memcpy(&got, p, sizeof got);
    if (got != want || len != size_of(want))
        return 0;
    for (size_t k = sizeof got; k < len; k++)
        if (p[k] != (uint8_t)(want & 0xff))
            return 0;
    return 1;
}

#define N 1000000

static fsc_ring shared;

static void *producer(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < N; i++) {
        uint8_t *p;
        while ((p = fsc_ring_reserve(&shared, size_of(i))) == NULL)
            fsc_ring_publish(&shared); /* full: let the consumer see it all */
        fill(p, i);
        fsc_ring_commit(&shared);
        if (i % 17 == 0)
            fsc_ring_publish(&shared);
    }
    fsc_ring_publish(&shared);
    return NULL;
}

int main(void)
{
    fsc_ring r;
    CHECK(fsc_ring_init(&r, 5000) && r.cap == 8192, "capacity rounded up to a power of two");
    CHECK(fsc_ring_drained(&r), "a new ring is empty");

    /* one thread: fill until full, drain, many times over (wraps) */
    uint32_t next_in = 0, next_out = 0;
    int bad = 0, fulls = 0;
    for (int round = 0; round < 50; round++) {
        uint8_t *p;
        while ((p = fsc_ring_reserve(&r, size_of(next_in))) != NULL) {
            fill(p, next_in++);
            fsc_ring_commit(&r);
        }
        fulls++;
        size_t len;
        CHECK(round > 0 || fsc_ring_peek(&r, &len) == NULL, "nothing visible before publish");
        fsc_ring_publish(&r);
        const uint8_t *q;
        while ((q = fsc_ring_peek(&r, &len)) != NULL) {
            bad += !check(q, len, next_out++);
            fsc_ring_release(&r);
        }
        fsc_ring_release_publish(&r);
    }
    CHECK(bad == 0 && next_in == next_out && next_in > 1000,
          "%u entries out whole and in order over %d wraps (%d bad)", next_out, fulls, bad);
    CHECK(fsc_ring_reserve(&r, r.cap) == NULL, "an entry larger than half the ring is refused");

    fsc_ring_destroy(&r);

    /* two threads, a small ring so both sides wait often */
    CHECK(fsc_ring_init(&shared, 1 << 14), "shared ring");
    pthread_t t;
    pthread_create(&t, NULL, producer, NULL);
    uint32_t want = 0;
    size_t len;
    bad = 0;
    while (want < N) {
        const uint8_t *e = fsc_ring_peek(&shared, &len);
        if (!e)
            continue;
        bad += !check(e, len, want++);
        fsc_ring_release(&shared);
    }
    pthread_join(t, NULL);
    CHECK(bad == 0, "%u entries between two threads, %d bad", want, bad);
    fsc_ring_destroy(&shared);
    return unit_done();
}
