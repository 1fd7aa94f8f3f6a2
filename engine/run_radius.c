/* run_radius.c: RADIUS accounting followed by `fraudscan run` (see
 * run_radius.h for why lines cross a ring instead of the table a lock). */
#include "run_radius.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "radius.h"
#include "ring.h"

#define RADIUS_RING (1u << 20) /* a line is at most 64 KiB: 16 always fit */

/* One line on the ring: this header, then the line's bytes. */
typedef struct line_msg {
    unsigned long lineno;
    uint32_t len;
    uint32_t too_long;
} line_msg;

struct fsc_run_radius {
    fsc_event_reader *reader;  /* the feed thread's once started */
    fsc_radius_feed *feed;     /* reader thread: parses and applies */
    fsc_identity *id;
    fsc_diag *diag;
    volatile sig_atomic_t *stop;
    fsc_ring ring;
    bool ring_ok;
    pthread_t thread;
    bool started;
};

static void *follow_main(void *arg)
{
    fsc_run_radius *r = arg;
    const char *line;
    size_t len;
    unsigned long lineno;
    bool too_long;
    while (!*r->stop &&
           fsc_events_next_line(r->reader, true, &line, &len, &lineno, &too_long) == FSC_OK) {
        uint8_t *b;
        while ((b = fsc_ring_reserve(&r->ring, sizeof(line_msg) + len)) == NULL) {
            if (*r->stop)
                return NULL;
            struct timespec ts = {0, 1000000}; /* the reader thread is behind */
            nanosleep(&ts, NULL);
        }
        line_msg h = {lineno, (uint32_t)len, too_long};
        memcpy(b, &h, sizeof h);
        memcpy(b + sizeof h, line, len);
        fsc_ring_commit(&r->ring);
        fsc_ring_publish(&r->ring);
    }
    return NULL;
}

void fsc_run_radius_stop(fsc_run_radius *r)
{
    if (!r)
        return;
    if (r->started) {
        *r->stop = 1;
        pthread_join(r->thread, NULL);
    }
    fsc_events_close(r->reader);
    fsc_radius_feed_free(r->feed);
    if (r->ring_ok)
        fsc_ring_destroy(&r->ring);
    free(r);
}

fsc_run_radius *fsc_run_radius_start(const char *path, bool follow, fsc_identity *id,
                                     fsc_diag *diag, fsc_counters *counters,
                                     volatile sig_atomic_t *stop)
{
    bool zmq = strncmp(path, "zmq:", 4) == 0;
    fsc_run_radius *r = calloc(1, sizeof *r);
    if (!r)
        goto oom;
    r->id = id;
    r->diag = diag;
    r->stop = stop;
    r->feed = fsc_radius_feed_new(path, id, diag, counters);
    if (!r->feed)
        goto oom;
    /* no counters for the reader: it runs on the feed thread, and the
     * counters belong to the reader thread */
    fsc_events_options eo = {.follow = follow || zmq, .stop = stop};
    r->reader = fsc_events_open_ex(path, &eo, diag, NULL);
    if (!r->reader)
        goto fail;
    /* what is there now, before the first packet: a followed file's end
     * returns here (wait false) and the thread takes up from it */
    const char *line;
    size_t len;
    unsigned long lineno;
    bool too_long;
    fsc_status st = FSC_OK;
    while (!zmq &&
           (st = fsc_events_next_line(r->reader, false, &line, &len, &lineno, &too_long)) ==
               FSC_OK) {
        st = fsc_radius_feed_line(r->feed, line, len, lineno, too_long);
        if (st != FSC_OK)
            break;
    }
    if (st == FSC_ENOMEM || st == FSC_EMALFORMED || st == FSC_EIO ||
        fsc_identity_commit(id) != FSC_OK) {
        if (st == FSC_ENOMEM)
            fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "out of memory");
        goto fail;
    }
    if (!follow && !zmq)
        return r; /* applied: nothing to follow */
    r->ring_ok = fsc_ring_init(&r->ring, RADIUS_RING);
    if (!r->ring_ok)
        goto oom;
    if (pthread_create(&r->thread, NULL, follow_main, r) != 0)
        goto oom;
    r->started = true;
    return r;
oom:
    fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "out of memory");
fail:
    fsc_run_radius_stop(r);
    return NULL;
}

size_t fsc_run_radius_drain(fsc_run_radius *r)
{
    if (!r || !r->ring_ok)
        return 0;
    size_t n = 0, len;
    const uint8_t *b;
    while ((b = fsc_ring_peek(&r->ring, &len)) != NULL) {
        line_msg h;
        memcpy(&h, b, sizeof h);
        /* a bad CSV header is reported, and the rows under it wait for a
         * good one; out of memory is reported: the feed goes on */
        if (fsc_radius_feed_line(r->feed, (const char *)b + sizeof h, h.len, h.lineno,
                                 h.too_long) == FSC_ENOMEM)
            fsc_diagf(r->diag, FSC_SEV_ERROR, "identity.radius", h.lineno, 0, "out of memory");
        fsc_ring_release(&r->ring);
        n++;
    }
    if (n) {
        fsc_ring_release_publish(&r->ring);
        if (fsc_identity_commit(r->id) != FSC_OK)
            fsc_diagf(r->diag, FSC_SEV_ERROR, "identity.radius", 0, 0,
                      "out of memory: new holdings not yet visible");
    }
    return n;
}
