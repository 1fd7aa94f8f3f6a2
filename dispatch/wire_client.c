/* wire_client.c: the client end of the officers' conversation (wire_client.h). */
#include "wire_client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_tree.h>
#include <zmq.h>

#include "curve.h"
#include "wire.h"

struct fsc_wclient {
    void *zctx, *sock;
    char token[256];
    uint64_t next_id;
    fsc_wclient_push_fn push;
    void *push_ctx;
    fsc_wclient_reply_fn reply;
    void *reply_ctx;
    /* fsc_wclient_call's wait: the reply with this id lands here */
    uint64_t want;
    bool got;
    fsc_status got_status;
    char *got_body;
};

int fsc_wclient_settings(const char *who, const char **endpoint, const char *token_file,
                         char *token, size_t tokcap)
{
    if (!*endpoint)
        *endpoint = getenv("FRAUDSCAN_DISPATCH");
    if (!token_file)
        token_file = getenv("FRAUDSCAN_TOKEN_FILE");
    if (!*endpoint || !**endpoint) {
        fprintf(stderr, "%s: no dispatch endpoint: give --dispatch tcp://HOST:PORT or set "
                        "FRAUDSCAN_DISPATCH\n", who);
        return -1;
    }
    if (!token_file || !*token_file) {
        fprintf(stderr, "%s: no token: give --token-file FILE or set FRAUDSCAN_TOKEN_FILE\n",
                who);
        return -1;
    }
    FILE *f = fopen(token_file, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot read the token file %s: %s\n", who, token_file,
                strerror(errno));
        return -1;
    }
    token[0] = '\0';
    if (!fgets(token, (int)tokcap, f))
        token[0] = '\0';
    fclose(f);
    size_t n = strlen(token);
    while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r' || token[n - 1] == ' '))
        token[--n] = '\0';
    if (n == 0) {
        fprintf(stderr, "%s: the token file %s is empty\n", who, token_file);
        return -1;
    }
    return 0;
}

fsc_wclient *fsc_wclient_open(const char *endpoint, const char *token, char *err, size_t errcap)
{
    fsc_wclient *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    snprintf(c->token, sizeof c->token, "%s", token);
    /* ids need only be unique per connection; starting from the clock
     * keeps a late reply to a previous connection from matching */
    c->next_id = (uint64_t)time(NULL) * 1000;
    c->zctx = zmq_ctx_new();
    c->sock = c->zctx ? zmq_socket(c->zctx, ZMQ_DEALER) : NULL;
    if (!c->sock) {
        snprintf(err, errcap, "zeromq: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    int linger = 0, ivl = 1000, tmo = 3000, rcvhwm = 0;
    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(c->sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(c->sock, ZMQ_HEARTBEAT_TIMEOUT, &tmo, sizeof tmo);
    zmq_setsockopt(c->sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    /* a dispatch with CURVE on takes only clients whose public key it
     * lists: the client's secret key and dispatch's public key, as files */
    const char *ck = getenv("FRAUDSCAN_CURVE_KEY"), *sk = getenv("FRAUDSCAN_CURVE_SERVER_KEY");
    if ((ck && *ck) || (sk && *sk)) {
        fsc_curve cv;
        char why[300];
        if (!(ck && *ck && sk && *sk)) {
            snprintf(err, errcap, "CURVE needs both FRAUDSCAN_CURVE_KEY (your secret key file) "
                                  "and FRAUDSCAN_CURVE_SERVER_KEY (dispatch's public key file)");
            goto fail;
        }
        if (fsc_curve_load_client(ck, sk, &cv, why, sizeof why) != FSC_OK ||
            fsc_curve_apply(c->sock, &cv, false) != 0) {
            snprintf(err, errcap, "CURVE: %s", why);
            goto fail;
        }
    }
    if (zmq_connect(c->sock, endpoint) != 0) {
        snprintf(err, errcap, "cannot connect to %s: %s", endpoint, zmq_strerror(zmq_errno()));
        goto fail;
    }
    return c;
fail:
    fsc_wclient_close(c);
    return NULL;
}

void fsc_wclient_close(fsc_wclient *c)
{
    if (!c)
        return;
    if (c->sock)
        zmq_close(c->sock);
    if (c->zctx)
        zmq_ctx_term(c->zctx);
    free(c->got_body);
    free(c);
}

void fsc_wclient_on_push(fsc_wclient *c, fsc_wclient_push_fn fn, void *ctx)
{
    c->push = fn;
    c->push_ctx = ctx;
}

void fsc_wclient_on_reply(fsc_wclient *c, fsc_wclient_reply_fn fn, void *ctx)
{
    c->reply = fn;
    c->reply_ctx = ctx;
}

fsc_status fsc_wclient_status(const char *name, size_t len)
{
    for (int i = 0; i < FSC_STATUS_COUNT; i++) {
        const char *n = fsc_status_name((fsc_status)i);
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return (fsc_status)i;
    }
    return FSC_STATUS_COUNT;
}

uint64_t fsc_wclient_send(fsc_wclient *c, const char *verb, const char *args)
{
    uint64_t id = ++c->next_id;
    char ids[24];
    int n = snprintf(ids, sizeof ids, "%llu", (unsigned long long)id);
    if (!args)
        args = "{}";
    if (zmq_send(c->sock, FSC_WIRE_REQ, strlen(FSC_WIRE_REQ), ZMQ_SNDMORE) < 0 ||
        zmq_send(c->sock, ids, (size_t)n, ZMQ_SNDMORE) < 0 ||
        zmq_send(c->sock, c->token, strlen(c->token), ZMQ_SNDMORE) < 0 ||
        zmq_send(c->sock, verb, strlen(verb), ZMQ_SNDMORE) < 0 ||
        zmq_send(c->sock, args, strlen(args), 0) < 0)
        return 0;
    return id;
}

static uint64_t parse_u64(zmq_msg_t *m)
{
    uint64_t v = 0;
    const char *p = zmq_msg_data(m);
    size_t n = zmq_msg_size(m);
    if (n == 0 || n > 20)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    return v;
}

/* One message: PUSH or REP; anything else is dropped (said on stderr). */
static void dispatch_msg(fsc_wclient *c, zmq_msg_t *fr, int n)
{
    const char *t = zmq_msg_data(&fr[0]);
    size_t tl = zmq_msg_size(&fr[0]);
    if (n == 3 && tl == 4 && memcmp(t, FSC_WIRE_PUSH, 4) == 0) {
        if (c->push)
            c->push(c->push_ctx, parse_u64(&fr[1]), zmq_msg_data(&fr[2]), zmq_msg_size(&fr[2]));
        return;
    }
    if (n == 4 && tl == 3 && memcmp(t, FSC_WIRE_REP, 3) == 0) {
        uint64_t id = parse_u64(&fr[1]);
        fsc_status st = fsc_wclient_status(zmq_msg_data(&fr[2]), zmq_msg_size(&fr[2]));
        if (st == FSC_STATUS_COUNT)
            st = FSC_EMALFORMED;
        if (c->want && id == c->want) {
            size_t bl = zmq_msg_size(&fr[3]);
            free(c->got_body);
            c->got_body = malloc(bl + 1);
            if (c->got_body) {
                memcpy(c->got_body, zmq_msg_data(&fr[3]), bl);
                c->got_body[bl] = '\0';
            }
            c->got_status = st;
            c->got = true;
        } else if (c->reply) {
            c->reply(c->reply_ctx, id, st, zmq_msg_data(&fr[3]), zmq_msg_size(&fr[3]));
        }
        return;
    }
    fprintf(stderr, "fraudscan: ignored a message of %d frames that is not a PUSH or REP\n", n);
}

int fsc_wclient_poll(fsc_wclient *c, int timeout_ms)
{
    zmq_pollitem_t it = {c->sock, 0, ZMQ_POLLIN, 0};
    int r = zmq_poll(&it, 1, timeout_ms);
    if (r < 0)
        return zmq_errno() == EINTR ? 0 : -1;
    int handled = 0;
    while (r > 0) {
        zmq_msg_t fr[5];
        int n = 0, more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, c->sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close(&m);
                break;
            }
            more = zmq_msg_more(&m);
            if (n < 5)
                fr[n++] = m;
            else
                zmq_msg_close(&m);
        }
        if (n == 0)
            break;
        dispatch_msg(c, fr, n);
        for (int i = 0; i < n; i++)
            zmq_msg_close(&fr[i]);
        handled++;
    }
    return handled;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

fsc_status fsc_wclient_call(fsc_wclient *c, const char *verb, const char *args, int timeout_ms,
                            fsc_status *status, char **body, char *err, size_t errcap)
{
    *body = NULL;
    uint64_t id = fsc_wclient_send(c, verb, args);
    if (!id) {
        snprintf(err, errcap, "cannot send: %s", zmq_strerror(zmq_errno()));
        return FSC_EZMQ;
    }
    c->want = id;
    c->got = false;
    double deadline = mono_ms() + timeout_ms;
    while (!c->got) {
        double left = deadline - mono_ms();
        if (left <= 0)
            break;
        if (fsc_wclient_poll(c, (int)left + 1) < 0)
            break;
    }
    c->want = 0;
    if (!c->got) {
        snprintf(err, errcap, "no answer from dispatch within %.1f s", timeout_ms / 1000.0);
        return FSC_EIO;
    }
    *status = c->got_status;
    *body = c->got_body;
    c->got_body = NULL;
    return FSC_OK;
}

const char *fsc_wclient_error(fsc_status st, const char *body, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", fsc_strerror(st));
    if (!body)
        return buf;
    char e[128];
    yajl_val o = yajl_tree_parse(body, e, sizeof e);
    const char *path[] = {"error", NULL};
    yajl_val v = o ? yajl_tree_get(o, path, yajl_t_string) : NULL;
    if (v)
        snprintf(buf, cap, "%s", YAJL_GET_STRING(v));
    yajl_tree_free(o);
    return buf;
}
