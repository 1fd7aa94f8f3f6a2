/* clients.c: officers' and liaisons' connections (dispatchd.h, wire.h).
 *
 * One ROUTER; each peer (routing id) is a client with the principal of its
 * last request's token and at most one subscription. A subscription runs in
 * two modes:
 *   catch-up  flush() reads the entries after the client's cursor with
 *             fsc_svc_feed, a batch at a time while the client drains them;
 *             committed entries are not pushed live meanwhile (the next
 *             batch reads them)
 *   live      when a batch ends short the feed has reached the newest
 *             entry; from then on on_entry pushes each entry it selects.
 * Both run with d->lock held, so the switch sits exactly between two seqs:
 * no gap, no duplicate (on_entry also skips seq <= cursor in case a feed
 * saw an entry before its commit reached us).
 *
 * Everything sent to a client (replies and pushes, in order) waits in its
 * queue, bounded: a live client more than PUSH_LIMIT pushes behind loses its
 * subscription with a "lagging" notice (counted) and subscribes again from
 * its own cursor, so a slow officer costs memory only up to the bound and
 * loses nothing. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatchd.h"
#include "wire.h"
#include "wire_req.h"

#define MAX_CLIENTS 1024
#define PUSH_LIMIT 2000          /* pushes queued for one client */
#define CATCHUP_BATCH 256        /* entries one feed call reads */
#define RECV_BATCH 256           /* requests handled per poll round */
#define IDLE_DROP 120.0          /* s without a request (a ping): forget the client */
#define FRAME_MAX 8              /* frames a request may have (6 expected) */

typedef struct msg {
    struct msg *next;
    bool push;
    int n;
    size_t len[4];
    char *f[4];
    char data[];
} msg;

typedef enum sub_mode { SUB_NONE, SUB_CATCHUP, SUB_LIVE } sub_mode;

typedef struct client {
    unsigned char rid[256];
    size_t ridlen;
    double last_seen;
    fsc_principal p;
    sub_mode sub;
    char queue[32];              /* "" = every queue p may read */
    int min_level;
    bool alerts_only;
    uint64_t cursor;             /* the last seq queued for it */
    msg *head, *tail;
    int npush;                   /* pushes in the queue */
} client;

typedef struct clients {
    fsc_dispatchd *d;
    void *sock;
    client *c[MAX_CLIENTS];
    int n;
} clients;

static void count(clients *cs, fsc_counter_id id)
{
    if (cs->d->counters)
        cs->d->counters->v[id]++;
}

/* A message of n frames (copied). NULL when out of memory. */
static msg *msg_new(bool push, int n, const char *const *f, const size_t *len)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += len[i];
    msg *m = malloc(sizeof *m + total + 1);
    if (!m)
        return NULL;
    m->next = NULL;
    m->push = push;
    m->n = n;
    char *p = m->data;
    for (int i = 0; i < n; i++) {
        m->f[i] = p;
        m->len[i] = len[i];
        if (len[i])
            memcpy(p, f[i], len[i]);
        p += len[i];
    }
    return m;
}

static void enqueue(client *c, msg *m)
{
    if (!m)
        return;
    if (c->tail)
        c->tail->next = m;
    else
        c->head = m;
    c->tail = m;
    if (m->push)
        c->npush++;
}

static void client_free(client *c)
{
    msg *m = c->head;
    while (m) {
        msg *next = m->next;
        free(m);
        m = next;
    }
    free(c);
}

static void drop_at(clients *cs, int i)
{
    client_free(cs->c[i]);
    cs->c[i] = cs->c[--cs->n];
}

static client *find(clients *cs, const void *rid, size_t len)
{
    for (int i = 0; i < cs->n; i++)
        if (cs->c[i]->ridlen == len && memcmp(cs->c[i]->rid, rid, len) == 0)
            return cs->c[i];
    return NULL;
}

/* The client of routing id rid, created when new (the longest idle one is
 * forgotten when the table is full). NULL when the id is unusable. */
static client *find_or_add(clients *cs, const void *rid, size_t len, double now)
{
    if (len == 0 || len > sizeof cs->c[0]->rid)
        return NULL;
    client *c = find(cs, rid, len);
    if (c)
        return c;
    if (cs->n == MAX_CLIENTS) {
        int oldest = 0;
        for (int i = 1; i < cs->n; i++)
            if (cs->c[i]->last_seen < cs->c[oldest]->last_seen)
                oldest = i;
        drop_at(cs, oldest);
    }
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    memcpy(c->rid, rid, len);
    c->ridlen = len;
    c->last_seen = now;
    cs->c[cs->n++] = c;
    return c;
}

static void reply(client *c, const char *id, size_t idlen, fsc_status st, const char *body)
{
    const char *name = fsc_status_name(st);
    const char *f[4] = {FSC_WIRE_REP, id, name, body};
    size_t len[4] = {strlen(FSC_WIRE_REP), idlen, strlen(name), strlen(body)};
    enqueue(c, msg_new(false, 4, f, len));
}

static void reply_error(client *c, const char *id, size_t idlen, fsc_status st, const char *why)
{
    char q[1200], body[1300];
    fsc_json_quote(q, sizeof q, why && why[0] ? why : fsc_strerror(st));
    snprintf(body, sizeof body, "{\"error\":%s}", q);
    reply(c, id, idlen, st, body);
}

static void push(clients *cs, client *c, uint64_t seq, const char *json, size_t len)
{
    char s[24];
    int n = snprintf(s, sizeof s, "%llu", (unsigned long long)seq);
    const char *f[3] = {FSC_WIRE_PUSH, s, json};
    size_t l[3] = {strlen(FSC_WIRE_PUSH), (size_t)n, len};
    enqueue(c, msg_new(true, 3, f, l));
    c->cursor = seq;
    count(cs, FSC_C_WIRE_PUSHES);
}

static fsc_svc_filter filter_of(const client *c)
{
    return (fsc_svc_filter){c->queue[0] ? c->queue : NULL, c->min_level, c->alerts_only};
}

/* The same selection fsc_svc_feed applies, for live entries. */
static bool selects(clients *cs, const client *c, const char *kind, const char *queue,
                    int level)
{
    fsc_svc_filter f = filter_of(c);
    return fsc_svc_entry_visible(cs->d->svc, &c->p, &f, kind, queue, level);
}

static void on_entry(void *state, uint64_t seq, const char *kind, const char *queue, int level,
                     const char *json, size_t len)
{
    clients *cs = state;
    for (int i = 0; i < cs->n; i++) {
        client *c = cs->c[i];
        if (c->sub != SUB_LIVE || seq <= c->cursor || !selects(cs, c, kind, queue, level))
            continue;
        if (c->npush >= PUSH_LIMIT) {
            /* the notice carries the last seq queued before it, which the
             * client will have shown when it reads the notice */
            char body[96];
            int n = snprintf(body, sizeof body, "{\"kind\":\"lagging\",\"after\":%llu}",
                             (unsigned long long)c->cursor);
            const char *f[3] = {FSC_WIRE_PUSH, "0", body};
            size_t l[3] = {strlen(FSC_WIRE_PUSH), 1, (size_t)n};
            enqueue(c, msg_new(false, 3, f, l));
            c->sub = SUB_NONE;
            count(cs, FSC_C_WIRE_LAGGING);
            continue;
        }
        push(cs, c, seq, json, len);
    }
}

typedef struct feed_ctx {
    clients *cs;
    client *c;
    int n;
} feed_ctx;

static int feed_one(void *ctx, uint64_t seq, const char *json, size_t len)
{
    feed_ctx *f = ctx;
    if (seq > f->c->cursor)
        push(f->cs, f->c, seq, json, len);
    return ++f->n >= CATCHUP_BATCH;
}

/* One catch-up batch for c (lock held). */
static void catch_up(clients *cs, client *c)
{
    fsc_svc_filter f = filter_of(c);
    feed_ctx ctx = {cs, c, 0};
    fsc_status st = fsc_svc_feed(cs->d->svc, &c->p, c->cursor, &f, feed_one, &ctx);
    if (st != FSC_OK) {
        char body[200];
        snprintf(body, sizeof body, "{\"kind\":\"unsubscribed\",\"error\":\"%s\"}",
                 fsc_strerror(st));
        const char *fr[3] = {FSC_WIRE_PUSH, "0", body};
        size_t l[3] = {strlen(FSC_WIRE_PUSH), 1, strlen(body)};
        enqueue(c, msg_new(false, 3, fr, l));
        c->sub = SUB_NONE;
        return;
    }
    if (ctx.n < CATCHUP_BATCH)
        c->sub = SUB_LIVE;
}

/* ---- requests ---- */

static void diag_collect(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                         unsigned long col, const char *m)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    if (n < 900)
        snprintf(buf + n, 1000 - n, "%s%s:%lu:%lu: %s", n ? "; " : "", file ? file : "-", line,
                 col, m);
}

/* Runs one parsed request for c (lock held). */
static void run(clients *cs, client *c, const char *id, size_t idlen, const fsc_wire_req *r,
                double now)
{
    fsc_svc *s = cs->d->svc;
    char err[1000] = "", body[1200];
    char *out = NULL;
    fsc_status st = FSC_OK;
    bool wrote = false;
    body[0] = '\0';
    switch (r->verb) {
    case FSC_VERB_SUBSCRIBE:
        if (r->queue[0] &&
            (st = fsc_svc_check_read(s, &c->p, r->queue, "subscribe", now, err, sizeof err)) !=
                FSC_OK) {
            wrote = true; /* the refusal is an entry: committed below */
            break;
        }
        snprintf(c->queue, sizeof c->queue, "%s", r->queue);
        c->min_level = r->min_level;
        c->alerts_only = r->alerts_only;
        c->cursor = r->after;
        /* pushes of an older subscription still queued stay in order
         * before the new ones; the client skips seqs it has shown */
        c->sub = SUB_CATCHUP;
        snprintf(body, sizeof body, "{\"subscribed\":true,\"after\":%llu}",
                 (unsigned long long)r->after);
        break;
    case FSC_VERB_CLAIM:
        st = fsc_svc_claim(s, &c->p, r->alert_id, now, err, sizeof err);
        wrote = true;
        break;
    case FSC_VERB_CONTACT:
        st = fsc_svc_contact(s, &c->p, r->alert_id, r->channel, r->note, now, err, sizeof err);
        wrote = true;
        break;
    case FSC_VERB_OUTCOME:
        st = fsc_svc_outcome(s, &c->p, r->alert_id, (fsc_outcome)r->outcome, r->amount,
                             r->note, now, err, sizeof err);
        wrote = true;
        break;
    case FSC_VERB_CLOSE:
        st = fsc_svc_close_alert(s, &c->p, r->alert_id, r->note, now, err, sizeof err);
        wrote = true;
        break;
    case FSC_VERB_LIST: {
        fsc_svc_filter f = {r->queue[0] ? r->queue : NULL, r->min_level, true};
        st = fsc_svc_list(s, &c->p, &f, r->state[0] ? r->state : NULL, &out);
        wrote = true;   /* a refusal is journaled */
        break;
    }
    case FSC_VERB_SHOW:
        st = fsc_svc_show(s, &c->p, r->alert_id, &out);
        wrote = true;
        break;
    case FSC_VERB_REPORT:
        st = fsc_svc_report(s, &c->p, r->from, r->to, &out);
        wrote = true;
        break;
    case FSC_VERB_PAYSTOP_REQUEST: {
        char psid[32] = "", q[64];
        bool existing = false;
        st = fsc_svc_paystop_request(s, &c->p, r->alert_id, r->bank, r->account, r->amount,
                                     r->reason, now, psid, sizeof psid, &existing, err,
                                     sizeof err);
        wrote = true;
        fsc_json_quote(q, sizeof q, psid);
        snprintf(body, sizeof body, "{\"paystop_id\":%s,\"existing\":%s}", q,
                 existing ? "true" : "false");
        break;
    }
    case FSC_VERB_PAYSTOP_SHOW:
        st = fsc_svc_paystop_show(s, &c->p, r->paystop_id, &out);
        wrote = true;
        break;
    case FSC_VERB_PAYSTOP_STATS:
        st = fsc_svc_paystop_stats(s, &c->p, r->from, r->to, &out);
        wrote = true;
        break;
    case FSC_VERB_RELOAD: {
        fsc_diag dg = {diag_collect, err, 0, 0};
        st = fsc_svc_reload(s, &c->p, &dg, now);
        wrote = true;
        break;
    }
    case FSC_VERB_PING:
        snprintf(body, sizeof body,
                 "{\"pong\":true,\"subscribed\":%s,\"cursor\":%llu,\"time\":%.6f}",
                 c->sub != SUB_NONE ? "true" : "false", (unsigned long long)c->cursor, now);
        break;
    case FSC_VERB_COUNT:
        st = FSC_EUNSUPPORTED;
        break;
    }
    if (wrote) {
        /* the operation's entries, or its refusal, become durable and are
         * pushed before the reply says so */
        fsc_status cst = fsc_svc_commit(s);
        if (cst != FSC_OK && st == FSC_OK) {
            st = cst;
            snprintf(err, sizeof err, "the store could not save it: %s", fsc_strerror(cst));
        }
    }
    if (st != FSC_OK) {
        reply_error(c, id, idlen, st, err);
    } else if (out) {
        reply(c, id, idlen, st, out);
    } else {
        if (!body[0]) {
            char q[80];
            fsc_json_quote(q, sizeof q, r->alert_id);
            snprintf(body, sizeof body, "{\"ok\":true,\"alert_id\":%s}", q);
        }
        reply(c, id, idlen, st, body);
    }
    free(out);
}

/* One message off the ROUTER: frames[0] is the routing id. */
static void request(clients *cs, zmq_msg_t *fr, int n, double now)
{
    fsc_dispatchd *d = cs->d;
    const char *id = n > 2 ? zmq_msg_data(&fr[2]) : "";
    size_t idlen = n > 2 ? zmq_msg_size(&fr[2]) : 0;
    if (idlen > 64)
        idlen = 64;
    pthread_mutex_lock(&d->lock);
    client *c = find_or_add(cs, zmq_msg_data(&fr[0]), zmq_msg_size(&fr[0]), now);
    if (!c) {
        count(cs, FSC_C_WIRE_BAD);
        pthread_mutex_unlock(&d->lock);
        return;
    }
    c->last_seen = now;
    char why[300] = "";
    if (n != 6 || zmq_msg_size(&fr[1]) != 3 || memcmp(zmq_msg_data(&fr[1]), FSC_WIRE_REQ, 3)) {
        snprintf(why, sizeof why, "a request is 5 frames [\"REQ\", id, token, verb, args]; got %d",
                 n - 1);
        count(cs, FSC_C_WIRE_BAD);
        reply_error(c, id, idlen, FSC_EMALFORMED, why);
        goto out;
    }
    char token[256];
    size_t tlen = zmq_msg_size(&fr[3]);
    if (tlen >= sizeof token || memchr(zmq_msg_data(&fr[3]), '\0', tlen)) {
        count(cs, FSC_C_WIRE_BAD);
        reply_error(c, id, idlen, FSC_EDENIED, "unknown token");
        goto out;
    }
    memcpy(token, zmq_msg_data(&fr[3]), tlen);
    token[tlen] = '\0';
    fsc_wire_req r;
    fsc_status st = fsc_wire_req_parse(zmq_msg_data(&fr[4]), zmq_msg_size(&fr[4]),
                                       zmq_msg_data(&fr[5]), zmq_msg_size(&fr[5]), &r, why,
                                       sizeof why);
    if (st != FSC_OK) {
        count(cs, FSC_C_WIRE_BAD);
        reply_error(c, id, idlen, st, why);
        goto out;
    }
    fsc_principal p;
    const fsc_auth *auth = fsc_svc_auth(d->svc);
    if (!token[0] || !auth || !fsc_auth_lookup(auth, token, &p)) {
        count(cs, FSC_C_DSP_REFUSALS);
        reply_error(c, id, idlen, FSC_EDENIED, "unknown token");
        goto out;
    }
    if (c->sub != SUB_NONE && strcmp(p.name, c->p.name) != 0 && r.verb != FSC_VERB_SUBSCRIBE)
        c->sub = SUB_NONE;  /* another person on the same connection: not their feed */
    c->p = p;
    run(cs, c, id, idlen, &r, now);
out:
    pthread_mutex_unlock(&d->lock);
}

static int pollitems(void *state, zmq_pollitem_t *items, int cap)
{
    clients *cs = state;
    if (cap < 1)
        return 0;
    items[0] = (zmq_pollitem_t){cs->sock, 0, ZMQ_POLLIN, 0};
    return 1;
}

static void handle(void *state, zmq_pollitem_t *items, int n, double now)
{
    clients *cs = state;
    if (n < 1 || !(items[0].revents & ZMQ_POLLIN))
        return;
    for (int k = 0; k < RECV_BATCH; k++) {
        zmq_msg_t fr[FRAME_MAX];
        int nf = 0, more = 1;
        bool got = false;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, cs->sock, nf == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close(&m);
                break;
            }
            got = true;
            more = zmq_msg_more(&m);
            if (nf < FRAME_MAX)
                fr[nf++] = m;   /* zmq_msg_t is moved by value: we own it now */
            else
                zmq_msg_close(&m);  /* surplus frames: the count below says so */
        }
        if (!got)
            break;
        request(cs, fr, nf, now);
        for (int i = 0; i < nf; i++)
            zmq_msg_close(&fr[i]);
    }
}

/* Sends c's queue until the socket pushes back. Returns -1 when the peer
 * is gone. */
static int send_queue(clients *cs, client *c)
{
    while (c->head) {
        msg *m = c->head;
        if (zmq_send(cs->sock, c->rid, c->ridlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
            return zmq_errno() == EAGAIN ? 0 : -1;
        for (int i = 0; i < m->n; i++)
            zmq_send(cs->sock, m->f[i], m->len[i], i + 1 < m->n ? ZMQ_SNDMORE : 0);
        c->head = m->next;
        if (!c->head)
            c->tail = NULL;
        if (m->push)
            c->npush--;
        free(m);
    }
    return 0;
}

static void flush(void *state, double now)
{
    clients *cs = state;
    pthread_mutex_lock(&cs->d->lock);
    for (int i = 0; i < cs->n;) {
        client *c = cs->c[i];
        /* a catch-up batch when the client has room for one */
        if (c->sub == SUB_CATCHUP && c->npush + CATCHUP_BATCH <= PUSH_LIMIT)
            catch_up(cs, c);
        /* a peer that left is forgotten at the first send that fails; one
         * that is silent for IDLE_DROP too (tails ping every second) */
        if (send_queue(cs, c) < 0 || (now - c->last_seen > IDLE_DROP && !c->head)) {
            drop_at(cs, i);
            continue;
        }
        i++;
    }
    pthread_mutex_unlock(&cs->d->lock);
}

static void close_part(void *state)
{
    clients *cs = state;
    for (int i = 0; i < cs->n; i++)
        client_free(cs->c[i]);
    int linger = 0;
    zmq_setsockopt(cs->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(cs->sock);
    free(cs);
}

fsc_status fsc_clients_open(fsc_dispatchd *d, const char *endpoint, fsc_part *out, char *err,
                            size_t errcap)
{
    clients *cs = calloc(1, sizeof *cs);
    if (!cs) {
        snprintf(err, errcap, "out of memory");
        return FSC_ENOMEM;
    }
    cs->d = d;
    cs->sock = zmq_socket(d->zctx, ZMQ_ROUTER);
    if (!cs->sock) {
        snprintf(err, errcap, "clients socket: %s", zmq_strerror(zmq_errno()));
        free(cs);
        return FSC_EZMQ;
    }
    /* ROUTER_MANDATORY: a send to a peer that left fails (EHOSTUNREACH) and
     * a full pipe says EAGAIN, instead of both dropping silently.
     * Heartbeats: a peer that stops answering is disconnected in seconds,
     * so its client is forgotten at the next send. */
    int one = 1, ivl = 1000, tmo = 5000, hwm = 10000;
    zmq_setsockopt(cs->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(cs->sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(cs->sock, ZMQ_HEARTBEAT_TIMEOUT, &tmo, sizeof tmo);
    zmq_setsockopt(cs->sock, ZMQ_HEARTBEAT_TTL, &tmo, sizeof tmo);
    zmq_setsockopt(cs->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    if (fsc_curve_apply(cs->sock, &d->curve, true) != 0 || zmq_bind(cs->sock, endpoint) != 0) {
        snprintf(err, errcap, "cannot listen for clients on %s: %s", endpoint,
                 zmq_strerror(zmq_errno()));
        zmq_close(cs->sock);
        free(cs);
        return FSC_EZMQ;
    }
    *out = (fsc_part){"clients", cs, pollitems, handle, on_entry, flush, close_part};
    return FSC_OK;
}
