/* http_sse.c: GET /events, Server-Sent Events (see http.h).
 *
 * A stream is in one of two modes:
 *   catching up  its reader thread reads entries after `sent` from the
 *                store (fsc_svc_feed, under d->lock), a chunk at a time;
 *                live entries are not queued: the store will have them.
 *                When a read reaches the end, the stream turns live before
 *                d->lock is released: since commits (and so the listener)
 *                run under that lock, no entry can fall between the two.
 *   live         fsc_http_on_entry (d->lock held) queues each entry the
 *                stream selects; the reader thread sends them. Over
 *                HTTP_STREAM_QUEUE queued, the queue is dropped and the
 *                stream catches up again from what it last sent.
 * `sent` only grows and a live entry is queued only when its seq is above
 * the last one queued, so nothing is sent twice.
 *
 * Each stream's reader is libmicrohttpd's thread for that connection
 * (thread per connection), which may block: it waits on the stream's
 * condition variable, at most HTTP_PING_SECONDS, then sends ": ping". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_args.h"
#include "http_int.h"

#define OUT_SOFT_CAP (1024 * 1024) /* a catch-up step stops past this */

typedef struct sse_node {
    struct sse_node *next;
    uint64_t seq;
    char kind[24];
    size_t len;
    char json[];
} sse_node;

struct http_stream {
    http_stream *next;           /* h->streams, under sse_lock */
    fsc_http *h;
    fsc_principal who;
    char queue[64];
    fsc_svc_filter f;            /* f.queue points into queue */
    pthread_cond_t cond;

    /* under sse_lock */
    bool catching_up;
    uint64_t sent;               /* the last seq handed to the client */
    uint64_t tail;               /* the last seq queued */
    sse_node *head, *last;
    int nqueued;
    uint64_t fallbacks;          /* times the queue overflowed */

    /* the reader thread's own */
    bool opened, failed;
    char *out;
    size_t out_len, out_off, out_cap;
};

static void free_nodes(sse_node *n)
{
    while (n) {
        sse_node *next = n->next;
        free(n);
        n = next;
    }
}

/* Appends text to the reader's output; false when out of memory. */
static bool out_add(http_stream *st, const char *s, size_t len)
{
    if (st->out_len + len + 1 > st->out_cap) {
        size_t cap = st->out_cap ? st->out_cap : 4096;
        while (cap < st->out_len + len + 1)
            cap *= 2;
        char *nb = realloc(st->out, cap);
        if (!nb)
            return false;
        st->out = nb;
        st->out_cap = cap;
    }
    memcpy(st->out + st->out_len, s, len);
    st->out_len += len;
    return true;
}

/* One event: entries hold no newline (store.h), so one data line each. */
static bool out_event(http_stream *st, uint64_t seq, const char *kind, const char *json,
                      size_t len)
{
    char head[96];
    int n = snprintf(head, sizeof head, "id: %llu\nevent: %s\ndata: ", (unsigned long long)seq,
                     kind);
    return n > 0 && out_add(st, head, (size_t)n) && out_add(st, json, len) &&
           out_add(st, "\n\n", 2);
}

typedef struct feed_ctx {
    http_stream *st;
    uint64_t last;
    int n;
    bool stopped, oom;
} feed_ctx;

static int feed_one(void *ctx, uint64_t seq, const char *json, size_t len)
{
    feed_ctx *fc = ctx;
    char kind[24];
    if (!fsc_http_entry_kind(json, len, kind, sizeof kind))
        snprintf(kind, sizeof kind, "entry");
    if (!out_event(fc->st, seq, kind, json, len)) {
        fc->oom = true;
        fc->stopped = true;
        return 1;
    }
    fc->last = seq;
    if (++fc->n >= HTTP_STREAM_CHUNK || fc->st->out_len >= OUT_SOFT_CAP) {
        fc->stopped = true;
        return 1;
    }
    return 0;
}

/* One step of catching up, into the output buffer. */
static void catch_up(http_stream *st)
{
    fsc_http *h = st->h;
    pthread_mutex_lock(&h->d->lock);
    pthread_mutex_lock(&h->sse_lock);
    uint64_t after = st->sent;
    pthread_mutex_unlock(&h->sse_lock);
    feed_ctx fc = {.st = st, .last = after};
    fsc_status s = fsc_svc_feed(h->d->svc, &st->who, after, &st->f, feed_one, &fc);
    pthread_mutex_lock(&h->sse_lock);
    st->sent = fc.last;
    if (s == FSC_OK && !fc.stopped) {
        /* at the end of the store, under d->lock: live from here on */
        st->catching_up = false;
        st->tail = st->sent;
    }
    pthread_mutex_unlock(&h->sse_lock);
    pthread_mutex_unlock(&h->d->lock);
    if (s != FSC_OK || fc.oom) {
        fprintf(stderr, "fraudscan dispatch: http: event stream of %s ended: %s\n", st->who.name,
                fc.oom ? "out of memory" : fsc_strerror(s));
        st->failed = true;
    }
}

/* Waits for live entries (or the ping time, or stop) and formats them. */
static void wait_live(http_stream *st)
{
    fsc_http *h = st->h;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += HTTP_PING_SECONDS;
    pthread_mutex_lock(&h->sse_lock);
    int rc = 0;
    while (!st->head && !st->catching_up && !atomic_load(&h->stopping) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&st->cond, &h->sse_lock, &until);
    sse_node *list = st->head;
    st->head = st->last = NULL;
    st->nqueued = 0;
    for (sse_node *n = list; n; n = n->next)
        st->sent = n->seq;
    pthread_mutex_unlock(&h->sse_lock);
    if (!list && rc == ETIMEDOUT) {
        static const char ping[] = ": ping\n\n";
        if (!out_add(st, ping, sizeof ping - 1))
            st->failed = true;
        return;
    }
    for (sse_node *n = list; n; n = n->next)
        if (!out_event(st, n->seq, n->kind, n->json, n->len)) {
            st->failed = true;
            break;
        }
    free_nodes(list);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    http_stream *st = cls;
    fsc_http *h = st->h;
    (void)pos;
    for (;;) {
        if (st->out_off < st->out_len) {
            size_t n = st->out_len - st->out_off;
            if (n > max)
                n = max;
            memcpy(buf, st->out + st->out_off, n);
            st->out_off += n;
            return (ssize_t)n;
        }
        st->out_len = st->out_off = 0;
        if (st->failed)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (atomic_load(&h->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (!st->opened) {
            /* something at once, so the client sees the headers */
            st->opened = true;
            static const char hello[] = "retry: 3000\n: stream open\n\n";
            if (!out_add(st, hello, sizeof hello - 1))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            continue;
        }
        pthread_mutex_lock(&h->sse_lock);
        bool cu = st->catching_up;
        pthread_mutex_unlock(&h->sse_lock);
        if (cu)
            catch_up(st);
        else
            wait_live(st);
    }
}

static void sse_free(void *cls)
{
    http_stream *st = cls;
    fsc_http *h = st->h;
    pthread_mutex_lock(&h->sse_lock);
    for (http_stream **p = &h->streams; *p; p = &(*p)->next)
        if (*p == st) {
            *p = st->next;
            break;
        }
    h->nstreams--;
    pthread_mutex_unlock(&h->sse_lock);
    free_nodes(st->head);
    pthread_cond_destroy(&st->cond);
    free(st->out);
    free(st);
}

void fsc_http_on_entry(fsc_http *h, uint64_t seq, const char *kind, const char *queue, int level,
                       const char *json, size_t len)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->sse_lock);
    for (http_stream *st = h->streams; st; st = st->next) {
        if (st->catching_up || seq <= st->tail)
            continue;
        if (!fsc_svc_entry_visible(h->d->svc, &st->who, &st->f, kind, queue, level))
            continue;
        sse_node *n = st->nqueued < HTTP_STREAM_QUEUE ? malloc(sizeof *n + len + 1) : NULL;
        if (!n) {
            /* too far behind (or no memory): read the store instead */
            free_nodes(st->head);
            st->head = st->last = NULL;
            st->nqueued = 0;
            st->catching_up = true;
            st->fallbacks++;
            atomic_fetch_add(&h->fallbacks, 1);
            pthread_cond_signal(&st->cond);
            continue;
        }
        n->next = NULL;
        n->seq = seq;
        snprintf(n->kind, sizeof n->kind, "%s", kind ? kind : "entry");
        n->len = len;
        memcpy(n->json, json, len);
        n->json[len] = '\0';
        if (st->last)
            st->last->next = n;
        else
            st->head = n;
        st->last = n;
        st->nqueued++;
        st->tail = seq;
        pthread_cond_signal(&st->cond);
    }
    pthread_mutex_unlock(&h->sse_lock);
}

void http_sse_stop_all(fsc_http *h)
{
    pthread_mutex_lock(&h->sse_lock);
    for (http_stream *st = h->streams; st; st = st->next)
        pthread_cond_broadcast(&st->cond);
    pthread_mutex_unlock(&h->sse_lock);
}

void http_r_events(fsc_http *h, struct MHD_Connection *c, http_req *r, const char *id,
                   http_answer *a)
{
    (void)id;
    static const char *const ok[] = {"queue", "min_level", "after", NULL};
    if (!http_query_only(h, c, a, ok))
        return;
    const char *queue = http_query(c, "queue");
    const char *lv = http_query(c, "min_level");
    int min_level = 0;
    if (lv && *lv && (min_level = fsc_http_parse_level(lv, strlen(lv))) < 0) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL,
                   "query parameter min_level='%.32s' is not 0..4 or low, medium, high, "
                   "critical", lv);
        return;
    }
    if (queue && strlen(queue) >= sizeof ((http_stream *)0)->queue) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL, "query parameter queue is too long");
        return;
    }
    /* where to resume: the browser's Last-Event-ID, or ?after= for
     * clients that cannot set headers */
    const char *from = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    const char *from_name = "Last-Event-ID";
    if (!from || !*from) {
        from = http_query(c, "after");
        from_name = "after";
    }
    uint64_t after = 0;
    bool resume = from && *from;
    if (resume && !fsc_http_parse_u64(from, strlen(from), &after)) {
        http_error(h, a, MHD_HTTP_BAD_REQUEST, FSC_EINVAL,
                   "%s '%.32s' is not an entry number", from_name, from);
        return;
    }
    if (queue && *queue) {
        char why[300];
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        pthread_mutex_lock(&h->d->lock);
        fsc_status cs = fsc_svc_check_read(h->d->svc, &r->who, queue, "events",
                                           (double)now.tv_sec + (double)now.tv_nsec / 1e9, why,
                                           sizeof why);
        if (cs != FSC_OK)
            fsc_svc_commit(h->d->svc); /* the refusal's entry: audited like any */
        pthread_mutex_unlock(&h->d->lock);
        if (cs != FSC_OK) {
            http_error(h, a, MHD_HTTP_FORBIDDEN, FSC_EDENIED, "%s", why);
            return;
        }
    }
    http_stream *st = calloc(1, sizeof *st);
    if (!st) {
        http_error(h, a, MHD_HTTP_INTERNAL_SERVER_ERROR, FSC_ENOMEM, "out of memory");
        return;
    }
    st->h = h;
    st->who = r->who;
    if (queue && *queue) {
        snprintf(st->queue, sizeof st->queue, "%s", queue);
        st->f.queue = st->queue;
    }
    st->f.min_level = min_level;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&st->cond, &ca);
    pthread_condattr_destroy(&ca);
    /* without a resume point the stream starts live: what was committed
     * before it was opened is not asked for */
    st->catching_up = resume;
    st->sent = after;
    st->tail = after;

    pthread_mutex_lock(&h->sse_lock);
    bool full = h->nstreams >= HTTP_STREAMS;
    if (!full) {
        st->next = h->streams;
        h->streams = st;
        h->nstreams++;
    }
    pthread_mutex_unlock(&h->sse_lock);
    if (full) {
        pthread_cond_destroy(&st->cond);
        free(st);
        http_error(h, a, MHD_HTTP_SERVICE_UNAVAILABLE, FSC_ELIMIT,
                   "%d event streams are open already; try again later", HTTP_STREAMS);
        return;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_read, st, sse_free);
    if (!resp) {
        sse_free(st);
        http_error(h, a, MHD_HTTP_INTERNAL_SERVER_ERROR, FSC_ENOMEM, "out of memory");
        return;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    /* a quiet stream is not idle: its pings keep it, not the timeout */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
    a->code = MHD_HTTP_OK;
    a->response = resp;
}
