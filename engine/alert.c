/* alert.c: alert JSON and the outputs alerts go to. */
#include "alert.h"

#include <hiredis.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <zmq.h>

#include "fraud_type.h"
#include "spool.h"
#include "timefmt.h"

struct fsc_alert_sink {
    fsc_alert_sink_config cfg;
    fsc_counters *counters;
    fsc_counters own;          /* when the caller gave none */
    void *zctx, *zpub;
    redisContext *redis;
    fsc_spool *spool;
    fsc_counters spool_seen;   /* spool counters already added to counters */
    bool flushed;              /* nothing emitted since the last flush */
    char stream[128];
    bool waited;
    bool zmq_reported, redis_reported;
};

static void gen_str(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_kv(yajl_gen g, const char *k, const char *v)
{
    gen_str(g, k);
    gen_str(g, v);
}

static void gen_time(yajl_gen g, const char *k, fsc_time t)
{
    char buf[FSC_TIME_STRLEN];
    gen_kv(g, k, fsc_time_format(t, buf));
}

/* Rounds to 4 decimals so scores print stably ("2.4" not "2.3999999"). */
static void gen_num(yajl_gen g, const char *k, double v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%.4g", v);
    gen_str(g, k);
    yajl_gen_number(g, buf, (size_t)n);
}

static void gen_evidence(yajl_gen g, const fsc_evidence *e)
{
    char a[FSC_ADDR_STRLEN];
    yajl_gen_map_open(g);
    gen_kv(g, "rule", e->rule->id);
    gen_kv(g, "title", e->rule->title);
    gen_kv(g, "field", fsc_field_name(e->field));
    gen_kv(g, "value", e->value);
    gen_time(g, "ts", e->ts);
    gen_num(g, "contribution", e->contribution);
    gen_num(g, "weight", e->weight);
    gen_kv(g, "signal", fsc_signal_name(e->kind));
    if (e->source == FSC_SRC_TRAFFIC) {
        gen_kv(g, "src", fsc_addr_format(&e->src, a));
        gen_kv(g, "dst", fsc_addr_format(&e->dst, a));
        gen_str(g, "frame");
        yajl_gen_integer(g, (long long)e->frame);
    } else {
        gen_str(g, "event_line");
        yajl_gen_integer(g, (long long)e->frame);
    }
    yajl_gen_map_close(g);
}

fsc_status fsc_alert_to_json(const fsc_alert *a, char **out, size_t *len)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return FSC_ENOMEM;
    /* invalid UTF-8 from the wire must not make invalid JSON */
    yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    yajl_gen_map_open(g);
    gen_time(g, "ts", a->ts);
    gen_kv(g, "alert_id", a->id);
    gen_kv(g, "subscriber", a->subscriber);
    gen_kv(g, "precinct", a->precinct);
    gen_kv(g, "victim_group", fsc_group_name(a->group));
    gen_str(g, "level");
    yajl_gen_integer(g, a->level);
    gen_kv(g, "level_name", fsc_level_name(a->level));
    gen_kv(g, "action", fsc_level_action(a->level));
    gen_num(g, "score", a->score);
    gen_kv(g, "fraud_type", fsc_fraud_type_code(a->fraud_type));
    gen_kv(g, "fraud_type_name", fsc_fraud_type_name(a->fraud_type));
    gen_kv(g, "instruction", a->instruction);
    gen_kv(g, "ruleset_version", a->ruleset_version);
    if (a->ruleset_loaded)
        gen_time(g, "ruleset_loaded", a->ruleset_loaded);
    gen_kv(g, "model_version", a->model_version ? a->model_version : "");
    gen_num(g, "prior", a->prior);
    gen_str(g, "evidence");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < a->nevidence; i++)
        gen_evidence(g, &a->evidence[i]);
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);

    const unsigned char *buf;
    size_t n;
    fsc_status st = FSC_OK;
    if (yajl_gen_get_buf(g, &buf, &n) != yajl_gen_status_ok) {
        st = FSC_EMALFORMED;
        goto done;
    }
    *out = malloc(n + 1);
    if (!*out) {
        st = FSC_ENOMEM;
        goto done;
    }
    memcpy(*out, buf, n);
    (*out)[n] = '\0';
    *len = n;
done:
    yajl_gen_free(g);
    return st;
}

static int open_zmq(fsc_alert_sink *s, char *err, size_t errcap)
{
    s->zctx = zmq_ctx_new();
    if (!s->zctx)
        goto fail;
    /* XPUB rather than PUB: it tells us when a subscriber has joined, so a
     * caller can wait for its officers' consoles before the first alert */
    s->zpub = zmq_socket(s->zctx, ZMQ_XPUB);
    if (!s->zpub)
        goto fail;
    int linger = 2000;
    zmq_setsockopt(s->zpub, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(s->zpub, s->cfg.publish) != 0)
        goto fail;
    return 0;
fail:
    snprintf(err, errcap, "cannot publish on %s: %s", s->cfg.publish, zmq_strerror(zmq_errno()));
    return -1;
}

static int open_redis(fsc_alert_sink *s, char *err, size_t errcap)
{
    char host[256];
    const char *colon = strrchr(s->cfg.redis, ':');
    int port = 6379;
    size_t hl = colon ? (size_t)(colon - s->cfg.redis) : strlen(s->cfg.redis);
    if (hl == 0 || hl >= sizeof host) {
        snprintf(err, errcap, "bad redis address '%s' (want host:port)", s->cfg.redis);
        return -1;
    }
    memcpy(host, s->cfg.redis, hl);
    host[hl] = '\0';
    if (colon) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (*end || p <= 0 || p > 65535) {
            snprintf(err, errcap, "bad redis port in '%s'", s->cfg.redis);
            return -1;
        }
        port = (int)p;
    }
    struct timeval tv = {2, 0};
    s->redis = redisConnectWithTimeout(host, port, tv);
    if (!s->redis || s->redis->err) {
        snprintf(err, errcap, "cannot connect to redis at %s: %s", s->cfg.redis,
                 s->redis ? s->redis->errstr : "out of memory");
        return -1;
    }
    redisSetTimeout(s->redis, tv);
    snprintf(s->stream, sizeof s->stream, "%s",
             s->cfg.redis_stream ? s->cfg.redis_stream : "fsc:alerts");
    return 0;
}

static int open_spool(fsc_alert_sink *s, char *err, size_t errcap)
{
    if (!s->cfg.spool_dir) {
        snprintf(err, errcap, "sending alerts to dispatch needs a spool directory");
        return -1;
    }
    fsc_spool_config sc = {
        .dir = s->cfg.spool_dir,
        .endpoint = s->cfg.dispatch,
        .curve_server_key = s->cfg.curve_server_key,
        .curve_key = s->cfg.curve_key,
    };
    char e[512];
    if (fsc_spool_open(&sc, &s->spool, e, sizeof e) != FSC_OK) {
        snprintf(err, errcap, "dispatch: %s", e);
        return -1;
    }
    uint64_t left = fsc_spool_pending(s->spool);
    if (left)
        fprintf(stderr, "fraudscan: %llu alerts spooled in %s from before; sending them to %s\n",
                (unsigned long long)left, s->cfg.spool_dir, s->cfg.dispatch);
    return 0;
}

/* Brings the sink's spool.* counters to the spool's own figures (only the
 * scorer thread writes the sink's counters). */
static void sync_spool_counters(fsc_alert_sink *s)
{
    fsc_counters now;
    memset(&now, 0, sizeof now);
    fsc_spool_counters(s->spool, &now);
    for (int i = FSC_C_SPOOL_SENT; i <= FSC_C_SPOOL_ERRORS; i++) {
        s->counters->v[i] += now.v[i] - s->spool_seen.v[i];
        s->spool_seen.v[i] = now.v[i];
    }
}

static int wait_ms(const fsc_alert_sink *s)
{
    return s->cfg.dispatch_wait_ms > 0 ? s->cfg.dispatch_wait_ms : 5000;
}

unsigned long long fsc_alert_sink_flush(fsc_alert_sink *s)
{
    if (!s || !s->spool)
        return 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t left;
    for (;;) {
        left = fsc_spool_pending(s->spool);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long long el = (long long)(t1.tv_sec - t0.tv_sec) * 1000 +
                       (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (left == 0 || el >= wait_ms(s))
            break;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    sync_spool_counters(s);
    if (left && !s->flushed)
        fprintf(stderr, "fraudscan: %llu alerts not yet acknowledged by dispatch at %s; they "
                        "stay in %s and are sent on the next start\n",
                (unsigned long long)left, s->cfg.dispatch, s->cfg.spool_dir);
    s->flushed = true;
    return left;
}

fsc_alert_sink *fsc_alert_sink_open(const fsc_alert_sink_config *cfg, fsc_counters *counters,
                                    char *err, size_t errcap)
{
    fsc_alert_sink *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->counters = counters ? counters : &s->own;
    if (s->cfg.publish && open_zmq(s, err, errcap) != 0)
        goto fail;
    if (s->cfg.redis && open_redis(s, err, errcap) != 0)
        goto fail;
    if (s->cfg.dispatch && open_spool(s, err, errcap) != 0)
        goto fail;
    return s;
fail:
    fsc_alert_sink_close(s);
    return NULL;
}

void fsc_alert_sink_close(fsc_alert_sink *s)
{
    if (!s)
        return;
    if (s->spool) {
        bool quiet = s->flushed; /* the flush said it already */
        uint64_t left = fsc_spool_close(s->spool, quiet ? 0 : wait_ms(s));
        if (left && !quiet)
            fprintf(stderr, "fraudscan: %llu alerts not yet acknowledged by dispatch at %s; "
                            "they stay in %s and are sent on the next start\n",
                    (unsigned long long)left, s->cfg.dispatch, s->cfg.spool_dir);
    }
    if (s->zpub)
        zmq_close(s->zpub); /* lingers up to 2 s to deliver what is queued */
    if (s->zctx)
        zmq_ctx_term(s->zctx);
    if (s->redis)
        redisFree(s->redis);
    if (s->cfg.out)
        fflush(s->cfg.out);
    free(s);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until cfg.wait_subscribers subscriptions arrived on the XPUB socket
 * or the timeout passed; says which on stderr. */
static void wait_for_subscribers(fsc_alert_sink *s)
{
    int want = s->cfg.wait_subscribers, got = 0;
    int timeout = s->cfg.wait_timeout_ms > 0 ? s->cfg.wait_timeout_ms : 5000;
    long long deadline = now_ms() + timeout;
    while (got < want) {
        long long left = deadline - now_ms();
        if (left <= 0)
            break;
        zmq_pollitem_t it = {s->zpub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, (long)left) <= 0)
            continue;
        char msg[256];
        int n = zmq_recv(s->zpub, msg, sizeof msg, ZMQ_DONTWAIT);
        if (n > 0 && msg[0] == 1)
            got++;
    }
    if (got < want)
        fprintf(stderr, "fraudscan: only %d of %d alert subscribers joined within %d ms\n", got,
                want, timeout);
}

static void emit_zmq(fsc_alert_sink *s, const fsc_alert *a, const char *json, size_t len)
{
    if (!s->waited) {
        s->waited = true;
        if (s->cfg.wait_subscribers > 0)
            wait_for_subscribers(s);
    }
    char topic[160];
    int tl = snprintf(topic, sizeof topic, FSC_ALERT_TOPIC_PREFIX "%s.%d", a->precinct,
                      (int)a->level);
    if (tl >= (int)sizeof topic)
        tl = (int)sizeof topic - 1;
    if (zmq_send(s->zpub, topic, (size_t)tl, ZMQ_SNDMORE) < 0 ||
        zmq_send(s->zpub, json, len, 0) < 0) {
        s->counters->v[FSC_C_ALERT_PUBLISH_ERRORS]++;
        if (!s->zmq_reported) {
            s->zmq_reported = true;
            fprintf(stderr, "fraudscan: publishing alert %s failed: %s\n", a->id,
                    zmq_strerror(zmq_errno()));
        }
    }
}

static void emit_redis(fsc_alert_sink *s, const fsc_alert *a, const char *json, size_t len)
{
    redisReply *r = redisCommand(s->redis, "XADD %s * alert_id %s precinct %s level %d json %b",
                                 s->stream, a->id, a->precinct, (int)a->level, json, len);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        s->counters->v[FSC_C_ALERT_REDIS_ERRORS]++;
        if (!s->redis_reported) {
            s->redis_reported = true;
            fprintf(stderr, "fraudscan: storing alert %s in redis failed: %s\n", a->id,
                    r ? r->str : s->redis->errstr);
        }
    }
    if (r)
        freeReplyObject(r);
}

void fsc_alert_sink_emit(void *sink, const fsc_alert *a)
{
    fsc_alert_sink *s = sink;
    char *json;
    size_t len;
    s->counters->v[FSC_C_ALERTS]++;
    if (a->level >= FSC_LEVEL_LOW && a->level <= FSC_LEVEL_CRITICAL)
        s->counters->v[FSC_C_ALERT_LOW + (a->level - FSC_LEVEL_LOW)]++;
    if (fsc_alert_to_json(a, &json, &len) != FSC_OK) {
        fprintf(stderr, "fraudscan: cannot format alert %s\n", a->id);
        return;
    }
    if (s->spool) { /* first: whoever sees this alert, dispatch will */
        fsc_spool_append(s->spool, json, len);
        sync_spool_counters(s);
        s->flushed = false;
    }
    if (s->cfg.out) {
        fwrite(json, 1, len, s->cfg.out);
        fputc('\n', s->cfg.out);
        fflush(s->cfg.out); /* an officer's tail -f sees it at once */
    }
    if (s->zpub)
        emit_zmq(s, a, json, len);
    if (s->redis)
        emit_redis(s, a, json, len);
    free(json);
}
