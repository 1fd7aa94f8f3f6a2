/* run_events.c: the events feed's thread for `fraudscan run` (see
 * run_events.h). */
#include "run_events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring.h"

#define EVENTS_RING (4u << 20)

/* A flat copy of one event: header, then the five meta/identity strings
 * (NUL-terminated), then each value as field, length and bytes. */
typedef struct ev_msg {
    fsc_time ts;
    uint64_t line;
    uint32_t nvalues;
    uint32_t len[5]; /* subscriber, event, installer, fraud_type, disposition;
                      * UINT32_MAX: absent */
} ev_msg;

typedef struct ev_val {
    uint32_t field, len;
} ev_val;

struct fsc_run_events {
    fsc_event_reader *reader;
    volatile sig_atomic_t *stop;
    fsc_ring ring;
    pthread_t thread;
    bool started;
};

static size_t slen(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static void *feed_main(void *arg)
{
    fsc_run_events *e = arg;
    fsc_record rec;
    while (!*e->stop && fsc_events_next(e->reader, &rec) == FSC_OK) {
        const fsc_event_meta *m = fsc_events_meta(e->reader);
        const char *str[5] = {rec.subscriber, rec.event, m ? m->installer : NULL,
                              m ? m->fraud_type : NULL, m ? m->disposition : NULL};
        size_t need = sizeof(ev_msg);
        for (int i = 0; i < 5; i++)
            need += slen(str[i]);
        for (size_t i = 0; i < rec.nvalues; i++)
            need += sizeof(ev_val) + rec.values[i].len;
        uint8_t *b;
        while ((b = fsc_ring_reserve(&e->ring, need)) == NULL) {
            if (*e->stop)
                return NULL;
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        ev_msg h = {rec.ts, rec.line, (uint32_t)rec.nvalues, {0}};
        size_t o = sizeof h;
        for (int i = 0; i < 5; i++) {
            h.len[i] = str[i] ? (uint32_t)strlen(str[i]) : UINT32_MAX;
            if (str[i]) {
                memcpy(b + o, str[i], h.len[i] + 1);
                o += h.len[i] + 1;
            }
        }
        memcpy(b, &h, sizeof h);
        for (size_t i = 0; i < rec.nvalues; i++) {
            ev_val v = {(uint32_t)rec.values[i].field, rec.values[i].len};
            memcpy(b + o, &v, sizeof v);
            o += sizeof v;
            memcpy(b + o, rec.values[i].ptr, v.len);
            o += v.len;
        }
        fsc_ring_commit(&e->ring);
        fsc_ring_publish(&e->ring);
    }
    return NULL;
}

fsc_run_events *fsc_run_events_start(fsc_event_reader *reader, volatile sig_atomic_t *stop)
{
    fsc_run_events *e = calloc(1, sizeof *e);
    if (!e || !fsc_ring_init(&e->ring, EVENTS_RING)) {
        free(e);
        return NULL;
    }
    e->reader = reader;
    e->stop = stop;
    if (pthread_create(&e->thread, NULL, feed_main, e) != 0) {
        fsc_ring_destroy(&e->ring);
        free(e);
        return NULL;
    }
    e->started = true;
    return e;
}

size_t fsc_run_events_drain(fsc_run_events *e, fsc_pipeline *p)
{
    size_t n = 0, len;
    const uint8_t *b;
    while ((b = fsc_ring_peek(&e->ring, &len)) != NULL) {
        ev_msg h;
        memcpy(&h, b, sizeof h);
        const char *str[5];
        size_t o = sizeof h;
        for (int i = 0; i < 5; i++) {
            str[i] = h.len[i] == UINT32_MAX ? NULL : (const char *)b + o;
            if (str[i])
                o += h.len[i] + 1;
        }
        fsc_record rec;
        memset(&rec, 0, sizeof rec);
        rec.source = FSC_SRC_APP;
        rec.ts = h.ts;
        rec.line = h.line;
        rec.subscriber = str[0];
        rec.event = str[1] ? str[1] : "install";
        for (uint32_t i = 0; i < h.nvalues && i < FSC_RECORD_MAX_VALUES; i++) {
            ev_val v;
            memcpy(&v, b + o, sizeof v);
            o += sizeof v;
            rec.values[i].field = (fsc_field)v.field;
            rec.values[i].len = v.len;
            rec.values[i].ptr = (const char *)b + o;
            o += v.len;
            rec.nvalues++;
        }
        fsc_event_meta m;
        memset(&m, 0, sizeof m);
        m.installer = str[2];
        m.fraud_type = str[3];
        m.disposition = str[4];
        if (p)
            fsc_pipeline_event(p, &rec, &m);
        fsc_ring_release(&e->ring);
        n++;
    }
    fsc_ring_release_publish(&e->ring);
    return n;
}

void fsc_run_events_stop(fsc_run_events *e, fsc_pipeline *p)
{
    if (!e)
        return;
    *e->stop = 1;
    if (e->started)
        pthread_join(e->thread, NULL);
    fsc_run_events_drain(e, p);
    fsc_events_close(e->reader);
    fsc_ring_destroy(&e->ring);
    free(e);
}
