/* banks.c: the payment-stop gateways (dispatchd.h, wire.h).
 *
 * One DEALER per bank, connected to the bank's ROUTER. Every committed
 * "paystop" entry for a bank becomes a pending stop: flush() records it as
 * sent (fsc_svc_paystop_update SENT, committed) and sends ["STOP", id,
 * json], then sends it again every RESEND seconds until the bank
 * acknowledges it; the bank's ACK / STOPPED / REJECTED are the service's
 * next steps. A stop leaves the table on a final state (stopped, rejected,
 * or the service's expiry). Banks are idempotent by paystop id, so resends
 * and the replay after a restart are harmless.
 *
 * After a restart nothing is lost: the first flush reads every payment-stop
 * entry of the service (fsc_svc_feed as the daemon itself) and rebuilds the
 * table of stops not yet final, which are sent again.
 *
 * The table lives under d->lock: on_entry runs with it held, flush and
 * handle take it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "dispatchd.h"
#include "wire.h"
#include "wire_req.h"

#define RESEND 3.0               /* s between sends of an unacknowledged stop */
#define RETRY 0.2                /* s before trying a send the socket refused */
#define MAX_PENDING 100000       /* stops in flight; more are refused loudly */
#define RECV_BATCH 256

typedef struct stop {
    char id[32];
    int bank;                    /* index into banks.b; -1: no gateway */
    char *json;                  /* the STOP body */
    bool marked_sent;            /* the "sent" step is in the store */
    bool acked;                  /* the bank has it: no more resends */
    double next_send;
} stop;

typedef struct bank {
    char name[64];
    void *sock;
} gateway;

typedef struct banks {
    fsc_dispatchd *d;
    gateway *b;
    int n;
    stop *s;
    size_t ns, caps;
    bool scanned;                /* the restart scan has run */
} banks;

static void count(banks *bs, fsc_counter_id id)
{
    if (bs->d->counters)
        bs->d->counters->v[id]++;
}

static const char *str_at(yajl_val o, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : NULL;
}

static stop *find(banks *bs, const char *id)
{
    for (size_t i = 0; i < bs->ns; i++)
        if (strcmp(bs->s[i].id, id) == 0)
            return &bs->s[i];
    return NULL;
}

static void remove_stop(banks *bs, stop *st)
{
    free(st->json);
    *st = bs->s[--bs->ns];
}

static int bank_index(const banks *bs, const char *name)
{
    for (int i = 0; i < bs->n; i++)
        if (strcmp(bs->b[i].name, name) == 0)
            return i;
    return -1;
}

/* A new "paystop" entry: a stop to send. */
static void add_stop(banks *bs, yajl_val o)
{
    const char *id = str_at(o, "paystop_id"), *bank = str_at(o, "bank");
    if (!id || !bank || strlen(id) >= sizeof bs->s[0].id || find(bs, id))
        return;
    if (bs->ns == MAX_PENDING) {
        fprintf(stderr, "dispatch: %s not sent: %d payment stops already in flight\n", id,
                MAX_PENDING);
        return;
    }
    if (bs->ns == bs->caps) {
        size_t cap = bs->caps ? bs->caps * 2 : 64;
        stop *t = realloc(bs->s, cap * sizeof *t);
        if (!t)
            return;
        bs->s = t;
        bs->caps = cap;
    }
    const char *path[] = {"amount", NULL};
    yajl_val amt = yajl_tree_get(o, path, yajl_t_number);
    char q[5][600];
    fsc_json_quote(q[0], sizeof q[0], str_at(o, "alert_id") ? str_at(o, "alert_id") : "");
    fsc_json_quote(q[1], sizeof q[1], bank);
    fsc_json_quote(q[2], sizeof q[2], str_at(o, "account") ? str_at(o, "account") : "");
    fsc_json_quote(q[3], sizeof q[3], str_at(o, "reason") ? str_at(o, "reason") : "");
    fsc_json_quote(q[4], sizeof q[4], id);
    char body[3200];
    snprintf(body, sizeof body,
             "{\"paystop_id\":%s,\"alert_id\":%s,\"bank\":%s,\"account\":%s,\"amount\":%.2f,"
             "\"reason\":%s}",
             q[4], q[0], q[1], q[2], amt ? YAJL_GET_DOUBLE(amt) : 0.0, q[3]);
    stop *st = &bs->s[bs->ns];
    memset(st, 0, sizeof *st);
    snprintf(st->id, sizeof st->id, "%s", id);
    st->bank = bank_index(bs, bank);
    st->json = strdup(body);
    if (!st->json)
        return;
    if (st->bank < 0)
        fprintf(stderr, "dispatch: %s is for bank %s, which has no gateway configured; it "
                        "will expire\n", id, bank);
    bs->ns++;
}

/* A step of a stop: final ones leave the table, an acknowledgement ends
 * the resends, "sent" (ours, or replayed) is noted. */
static void step(banks *bs, yajl_val o)
{
    const char *id = str_at(o, "paystop_id"), *state = str_at(o, "state");
    stop *st = id && state ? find(bs, id) : NULL;
    if (!st)
        return;
    if (strcmp(state, "stopped") == 0 || strcmp(state, "rejected") == 0 ||
        strcmp(state, "expired") == 0)
        remove_stop(bs, st);
    else if (strcmp(state, "acknowledged") == 0)
        st->acked = st->marked_sent = true;
    else if (strcmp(state, "sent") == 0)
        st->marked_sent = true;
}

static void take(banks *bs, const char *json, size_t len)
{
    char buf[16384], err[64];
    if (len >= sizeof buf)
        return;
    memcpy(buf, json, len);
    buf[len] = '\0';
    yajl_val o = yajl_tree_parse(buf, err, sizeof err);
    const char *kind = o ? str_at(o, "kind") : NULL;
    if (kind && strcmp(kind, "paystop") == 0)
        add_stop(bs, o);
    else if (kind && strcmp(kind, "paystop_status") == 0)
        step(bs, o);
    yajl_tree_free(o);
}

static void on_entry(void *state, uint64_t seq, const char *kind, const char *queue, int level,
                     const char *json, size_t len)
{
    banks *bs = state;
    if (bs->scanned && (strcmp(kind, "paystop") == 0 || strcmp(kind, "paystop_status") == 0))
        take(bs, json, len);
}

static int scan_one(void *ctx, uint64_t seq, const char *json, size_t len)
{
    take(ctx, json, len);
    return 0;
}

/* The restart scan (lock held): every payment-stop entry in order. */
static void scan(banks *bs)
{
    fsc_principal self = {.name = "dispatch", .role = FSC_ROLE_ADMIN};
    fsc_svc_filter f = {NULL, 0, false};
    fsc_status st = fsc_svc_feed(bs->d->svc, &self, 0, &f, scan_one, bs);
    if (st != FSC_OK)
        fprintf(stderr, "dispatch: cannot read the payment stops to resend: %s\n",
                fsc_strerror(st));
    bs->scanned = true;
    if (bs->ns)
        fprintf(stderr, "dispatch: %zu payment stop(s) not final yet, sending again\n", bs->ns);
}

static int pollitems(void *state, zmq_pollitem_t *items, int cap)
{
    banks *bs = state;
    int n = 0;
    for (int i = 0; i < bs->n && n < cap; i++)
        items[n++] = (zmq_pollitem_t){bs->b[i].sock, 0, ZMQ_POLLIN, 0};
    return n;
}

static const char *frame_text(zmq_msg_t *m, char *buf, size_t cap)
{
    size_t n = zmq_msg_size(m);
    if (n >= cap || memchr(zmq_msg_data(m), '\0', n))
        return NULL;
    memcpy(buf, zmq_msg_data(m), n);
    buf[n] = '\0';
    return buf;
}

/* One reply from bank b: ["ACK"|"STOPPED"|"REJECTED", id, ref-or-reason]. */
static void reply(banks *bs, int b, zmq_msg_t *fr, int n, double now)
{
    char type[16], id[40], text[1024], err[300];
    if (n != 3 || !frame_text(&fr[0], type, sizeof type) || !frame_text(&fr[1], id, sizeof id) ||
        !frame_text(&fr[2], text, sizeof text)) {
        count(bs, FSC_C_BANK_BAD);
        fprintf(stderr, "dispatch: bank %s: a reply is 3 text frames [type, id, text]; got %d "
                        "frames\n", bs->b[b].name, n);
        return;
    }
    fsc_paystop_state ps;
    if (strcmp(type, FSC_WIRE_ACK) == 0)
        ps = FSC_PS_ACKNOWLEDGED;
    else if (strcmp(type, FSC_WIRE_STOPPED) == 0)
        ps = FSC_PS_STOPPED;
    else if (strcmp(type, FSC_WIRE_REJECTED) == 0)
        ps = FSC_PS_REJECTED;
    else {
        count(bs, FSC_C_BANK_BAD);
        fprintf(stderr, "dispatch: bank %s: unknown reply '%.15s' for %s\n", bs->b[b].name,
                type, id);
        return;
    }
    pthread_mutex_lock(&bs->d->lock);
    stop *st = find(bs, id);
    if (st && st->bank != b) {
        count(bs, FSC_C_BANK_BAD);
        fprintf(stderr, "dispatch: bank %s answered %s, a stop for another bank\n",
                bs->b[b].name, id);
        pthread_mutex_unlock(&bs->d->lock);
        return;
    }
    bool rejected = ps == FSC_PS_REJECTED;
    fsc_status s = fsc_svc_paystop_update(bs->d->svc, id, ps, rejected ? NULL : text,
                                          rejected ? text : NULL, now, err, sizeof err);
    fsc_status c = fsc_svc_commit(bs->d->svc);
    if (s == FSC_ENOTFOUND || s == FSC_EINVAL || s == FSC_EMALFORMED) {
        count(bs, FSC_C_BANK_BAD);
        fprintf(stderr, "dispatch: bank %s: %s %s: %s\n", bs->b[b].name, type, id,
                err[0] ? err : fsc_strerror(s));
    } else if (c != FSC_OK) {
        /* not recorded: the bank will be asked again (it answers the same) */
        fprintf(stderr, "dispatch: bank %s: %s %s not stored: %s\n", bs->b[b].name, type, id,
                fsc_strerror(c));
        if (st)
            st->acked = false;
    } else if (st && !rejected && ps == FSC_PS_ACKNOWLEDGED) {
        st->acked = true;   /* also set by the committed step; kept if it was a repeat */
    }
    pthread_mutex_unlock(&bs->d->lock);
}

static void handle(void *state, zmq_pollitem_t *items, int n, double now)
{
    banks *bs = state;
    for (int b = 0; b < n && b < bs->n; b++) {
        if (!(items[b].revents & ZMQ_POLLIN))
            continue;
        for (int k = 0; k < RECV_BATCH; k++) {
            zmq_msg_t fr[4];
            int nf = 0, more = 1;
            while (more) {
                zmq_msg_t m;
                zmq_msg_init(&m);
                if (zmq_msg_recv(&m, bs->b[b].sock, nf == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                    zmq_msg_close(&m);
                    break;
                }
                more = zmq_msg_more(&m);
                if (nf < 4)
                    fr[nf++] = m;
                else {
                    zmq_msg_close(&m);
                    nf = 4;  /* 4 means "too many": reply() refuses it */
                }
            }
            if (nf == 0)
                break;
            reply(bs, b, fr, nf, now);
            for (int i = 0; i < nf; i++)
                zmq_msg_close(&fr[i]);
        }
    }
}

static void flush(void *state, double now)
{
    banks *bs = state;
    char err[300];
    pthread_mutex_lock(&bs->d->lock);
    if (!bs->scanned)
        scan(bs);
    for (size_t i = 0; i < bs->ns; i++) {
        stop *st = &bs->s[i];
        if (st->bank < 0 || st->acked || now < st->next_send)
            continue;
        char id[32];
        memcpy(id, st->id, sizeof id);
        if (!st->marked_sent) {
            /* the entry first, so a crash after the send still shows it */
            fsc_status s = fsc_svc_paystop_update(bs->d->svc, st->id, FSC_PS_SENT, NULL, NULL,
                                                  now, err, sizeof err);
            if (s == FSC_OK)
                s = fsc_svc_commit(bs->d->svc);
            else
                fsc_svc_commit(bs->d->svc);
            if (s == FSC_ESTATE || s == FSC_ENOTFOUND) {
                /* already past sent (a final step we missed): nothing to send */
                st->marked_sent = true;
                st->acked = s == FSC_ESTATE;
                if (s == FSC_ENOTFOUND) {
                    remove_stop(bs, st);
                    i--;
                }
                continue;
            }
            if (s != FSC_OK) {
                st->next_send = now + RESEND;
                continue;
            }
            /* the commit ran step() on the entries it made durable, which
             * may have moved the table: find the stop again */
            st = find(bs, id);
            if (!st)
                continue;
            st->marked_sent = true;
        }
        void *sock = bs->b[st->bank].sock;
        size_t idl = strlen(st->id), jl = strlen(st->json);
        if (zmq_send(sock, FSC_WIRE_STOP, strlen(FSC_WIRE_STOP), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
            /* not connected (ZMQ_IMMEDIATE) or full: nothing went out, so
             * try again soon, not after a whole resend period */
            st->next_send = now + RETRY;
            continue;
        }
        zmq_send(sock, st->id, idl, ZMQ_SNDMORE);
        zmq_send(sock, st->json, jl, 0);
        count(bs, FSC_C_BANK_SENT);
        st->next_send = now + RESEND;
    }
    pthread_mutex_unlock(&bs->d->lock);
}

static void close_part(void *state)
{
    banks *bs = state;
    int linger = 0;
    for (int i = 0; i < bs->n; i++) {
        zmq_setsockopt(bs->b[i].sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(bs->b[i].sock);
    }
    for (size_t i = 0; i < bs->ns; i++)
        free(bs->s[i].json);
    free(bs->s);
    free(bs->b);
    free(bs);
}

fsc_status fsc_banks_open(fsc_dispatchd *d, const char *const *names,
                          const char *const *endpoints, int nbanks, fsc_part *out, char *err,
                          size_t errcap)
{
    banks *bs = calloc(1, sizeof *bs);
    if (!bs || (nbanks > 0 && !(bs->b = calloc((size_t)nbanks, sizeof *bs->b)))) {
        free(bs);
        snprintf(err, errcap, "out of memory");
        return FSC_ENOMEM;
    }
    bs->d = d;
    for (int i = 0; i < nbanks; i++) {
        if (strlen(names[i]) >= sizeof bs->b[i].name || bank_index(bs, names[i]) >= 0) {
            snprintf(err, errcap, "bank '%s' is %s", names[i],
                     strlen(names[i]) >= sizeof bs->b[i].name ? "too long a name"
                                                              : "configured twice");
            goto fail;
        }
        void *s = zmq_socket(d->zctx, ZMQ_DEALER);
        /* IMMEDIATE: no queueing toward a bank that is not connected (the
         * resend timer is the queue); heartbeats notice a dead gateway */
        int one = 1, ivl = 1000, tmo = 5000, linger = 0;
        if (s) {
            zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof one);
            zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
            zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &tmo, sizeof tmo);
            zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
        }
        /* plain TCP: the gateways' own keys are not configured yet */
        if (!s || zmq_connect(s, endpoints[i]) != 0) {
            snprintf(err, errcap, "bank %s: cannot connect to %s: %s", names[i], endpoints[i],
                     zmq_strerror(zmq_errno()));
            if (s)
                zmq_close(s);
            goto fail;
        }
        snprintf(bs->b[i].name, sizeof bs->b[i].name, "%s", names[i]);
        bs->b[i].sock = s;
        bs->n++;
    }
    *out = (fsc_part){"banks", bs, pollitems, handle, on_entry, flush, close_part};
    return FSC_OK;
fail:
    close_part(bs);
    return FSC_EINVAL;
}
