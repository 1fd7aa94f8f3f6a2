/* ingest.c: engines' ALERTs in, ACKs out after the group commit (ingest.h). */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "wire.h"

#define REF_MAX 200          /* "<engine id>:<spool seq>" */
#define ENGINE_MAX 64

typedef struct item {
    zmq_msg_t id, ref, json;
    bool ok;                 /* a well-formed ALERT, to ingest */
    const char *why;         /* the NACK's reason when not */
    char reply[24];          /* ACK: the entry's seq as text */
    char err[256];
    int answer;              /* 0 none, 1 ACK, 2 NACK */
} item;

typedef struct ingest {
    fsc_dispatchd *d;
    void *sock;
    int batch;
    item *items;
    unsigned long bad_logged;
    bool commit_failing;     /* said once per outage */
} ingest;

static void count(ingest *g, fsc_counter_id id, uint64_t n)
{
    if (g->d->counters)
        g->d->counters->v[id] += n;
}

/* The first 20 problems, then one in a thousand: a broken engine must not
 * fill the log, nor go unseen. */
static bool log_this(ingest *g)
{
    unsigned long n = g->bad_logged++;
    return n < 20 || n % 1000 == 0;
}

/* Receives one message into it. Returns 1 (got one), 0 (none ready). */
static int recv_one(ingest *g, item *it)
{
    zmq_msg_t extra;
    zmq_msg_init(&it->id);
    zmq_msg_init(&it->ref);
    zmq_msg_init(&it->json);
    zmq_msg_init(&extra);
    if (zmq_msg_recv(&it->id, g->sock, ZMQ_DONTWAIT) < 0)
        return 0;
    int nframes = 1;
    zmq_msg_t cmd;
    zmq_msg_init(&cmd);
    zmq_msg_t *slot[4] = {&cmd, &it->ref, &it->json, &extra};
    bool more = zmq_msg_more(&it->id);
    while (more) {
        zmq_msg_t *m = nframes - 1 < 4 ? slot[nframes - 1] : &extra;
        zmq_msg_close(m);
        zmq_msg_init(m);
        if (zmq_msg_recv(m, g->sock, 0) < 0)
            break;
        nframes++;
        more = zmq_msg_more(m);
    }
    it->ok = false;
    it->answer = 0;
    it->why = NULL;
    size_t rl = zmq_msg_size(&it->ref);
    if (nframes != 4)
        it->why = "an ALERT is 3 frames: ALERT, ref, json";
    else if (zmq_msg_size(&cmd) != strlen(FSC_WIRE_ALERT) ||
             memcmp(zmq_msg_data(&cmd), FSC_WIRE_ALERT, strlen(FSC_WIRE_ALERT)) != 0)
        it->why = "not an ALERT message";
    else if (rl == 0 || rl > REF_MAX || memchr(zmq_msg_data(&it->ref), 0, rl))
        it->why = "the ref must be 1 to 200 bytes of text";
    else
        it->ok = true;
    if (!it->ok) {
        count(g, FSC_C_WIRE_BAD, 1);
        if (nframes >= 3) /* there is a ref to answer to */
            it->answer = 2;
        if (log_this(g))
            fprintf(stderr, "fraudscan dispatch: a malformed message from an engine (%d frames): "
                            "%s\n",
                    nframes, it->why);
    }
    zmq_msg_close(&cmd);
    zmq_msg_close(&extra);
    return 1;
}

static void send_answer(ingest *g, item *it)
{
    const char *cmd = it->answer == 1 ? FSC_WIRE_ACK : FSC_WIRE_NACK;
    const char *arg = it->answer == 1 ? it->reply : it->why ? it->why : it->err;
    /* a peer that left is not an error: its spool resends elsewhen */
    if (zmq_send(g->sock, zmq_msg_data(&it->id), zmq_msg_size(&it->id),
                 ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return;
    zmq_send(g->sock, cmd, strlen(cmd), ZMQ_SNDMORE);
    zmq_send(g->sock, zmq_msg_data(&it->ref), zmq_msg_size(&it->ref), ZMQ_SNDMORE);
    zmq_send(g->sock, arg, strlen(arg), 0);
}

/* The engine's name: the ref up to its last ':'. */
static void engine_of(const item *it, char *out, size_t cap)
{
    const char *r = zmq_msg_data((zmq_msg_t *)&it->ref);
    size_t rl = zmq_msg_size((zmq_msg_t *)&it->ref), n = rl;
    while (n > 0 && r[n - 1] != ':')
        n--;
    n = n ? n - 1 : rl;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, r, n);
    out[n] = '\0';
}

static void handle(void *state, zmq_pollitem_t *items, int nitems, double now)
{
    ingest *g = state;
    if (nitems < 1 || !(items[0].revents & ZMQ_POLLIN))
        return;
    int n = 0;
    while (n < g->batch && recv_one(g, &g->items[n]))
        n++;
    if (n == 0)
        return;
    pthread_mutex_lock(&g->d->lock);
    int ingested = 0;
    for (int i = 0; i < n; i++) {
        item *it = &g->items[i];
        if (!it->ok)
            continue;
        char engine[ENGINE_MAX];
        engine_of(it, engine, sizeof engine);
        uint64_t seq = 0;
        bool dup = false;
        it->err[0] = '\0';
        fsc_status st = fsc_svc_ingest(g->d->svc, engine, zmq_msg_data(&it->json),
                                       zmq_msg_size(&it->json), now, &seq, &dup, it->err,
                                       sizeof it->err);
        if (st == FSC_OK) {
            snprintf(it->reply, sizeof it->reply, "%llu", (unsigned long long)seq);
            it->answer = 1;
            ingested++;
        } else if (st == FSC_EMALFORMED || st == FSC_ELIMIT || st == FSC_EINVAL) {
            if (!it->err[0])
                snprintf(it->err, sizeof it->err, "%s", fsc_strerror(st));
            it->answer = 2;
            if (log_this(g))
                fprintf(stderr, "fraudscan dispatch: alert %.*s refused: %s\n",
                        (int)zmq_msg_size(&it->ref), (const char *)zmq_msg_data(&it->ref),
                        it->err);
        } else {
            /* the store is unavailable: the rest of the batch would fail
             * alike, each trying it again; none is answered, all resent */
            if (log_this(g))
                fprintf(stderr, "fraudscan dispatch: %d alerts not stored: %s %s\n", n - i,
                        fsc_strerror(st), it->err);
            break;
        }
    }
    fsc_status cst = ingested ? fsc_svc_commit(g->d->svc) : FSC_OK;
    if (cst != FSC_OK) {
        count(g, FSC_C_INGEST_COMMIT_FAILURES, 1);
        for (int i = 0; i < n; i++) /* nothing of it is durable: no ACK */
            if (g->items[i].answer == 1)
                g->items[i].answer = 0;
        if (!g->commit_failing)
            fprintf(stderr, "fraudscan dispatch: storing %d alerts failed (%s); not "
                            "acknowledged, the engines resend\n",
                    ingested, fsc_strerror(cst));
        g->commit_failing = true;
    } else if (ingested && g->commit_failing) {
        g->commit_failing = false;
        fprintf(stderr, "fraudscan dispatch: storing alerts works again\n");
    }
    pthread_mutex_unlock(&g->d->lock);
    for (int i = 0; i < n; i++) { /* after the commit, never before */
        item *it = &g->items[i];
        if (it->answer)
            send_answer(g, it);
        zmq_msg_close(&it->id);
        zmq_msg_close(&it->ref);
        zmq_msg_close(&it->json);
    }
}

static int pollitems(void *state, zmq_pollitem_t *items, int cap)
{
    ingest *g = state;
    if (cap < 1)
        return 0;
    items[0] = (zmq_pollitem_t){g->sock, 0, ZMQ_POLLIN, 0};
    return 1;
}

static void on_entry(void *state, uint64_t seq, const char *kind, const char *queue, int level,
                     const char *json, size_t len)
{
    (void)state; /* engines are told nothing but their ACKs */
}

static void flush(void *state, double now)
{
    (void)state;
}

static void close_part(void *state)
{
    ingest *g = state;
    int linger = 0;
    zmq_setsockopt(g->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(g->sock);
    free(g->items);
    free(g);
}

fsc_status fsc_ingest_open(fsc_dispatchd *d, const char *endpoint, int batch, fsc_part *out,
                           char *err, size_t errcap)
{
    ingest *g = calloc(1, sizeof *g);
    if (!g || !(g->items = calloc((size_t)batch, sizeof *g->items))) {
        free(g);
        snprintf(err, errcap, "out of memory");
        return FSC_ENOMEM;
    }
    g->d = d;
    g->batch = batch;
    g->sock = zmq_socket(d->zctx, ZMQ_ROUTER);
    if (!g->sock) {
        snprintf(err, errcap, "engines' socket: %s", zmq_strerror(zmq_errno()));
        free(g->items);
        free(g);
        return FSC_EZMQ;
    }
    /* an alert larger than the store takes cannot be stored: the peer
     * sending one is disconnected (its spool dead-letters such alerts) */
    int64_t maxmsg = FSC_STORE_MAX_ENTRY;
    int hwm = 100000, ivl = 1000, tmo = 5000;
    zmq_setsockopt(g->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt(g->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(g->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(g->sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(g->sock, ZMQ_HEARTBEAT_TIMEOUT, &tmo, sizeof tmo);
    if (fsc_curve_apply(g->sock, &d->curve, true) != 0 || zmq_bind(g->sock, endpoint) != 0) {
        snprintf(err, errcap, "cannot listen for engines on %s: %s", endpoint,
                 zmq_strerror(zmq_errno()));
        zmq_close(g->sock);
        free(g->items);
        free(g);
        return FSC_EZMQ;
    }
    *out = (fsc_part){"ingest", g, pollitems, handle, on_entry, flush, close_part};
    return FSC_OK;
}
