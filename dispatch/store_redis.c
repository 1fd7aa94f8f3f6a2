/* store_redis.c: the store in Redis Streams (store.h, dispatch.redis).
 *
 * Keys (prefix default "fsc:dispatch"):
 *   <prefix>:log          the entries: id "<seq>-1", one field "e" = json.
 *                         An explicit id keeps seq = stream id, and makes a
 *                         resend idempotent: Redis refuses an id not greater
 *                         than the stream's top ("equal or smaller"), and
 *                         that refusal for an entry already there with the
 *                         same bytes is taken as success.
 *   <prefix>:q:<precinct> the queue mirror: one entry per alert queued in
 *                         the precinct (or queue), fields alert_id, seq;
 *                         consumer group "duty". Read it with XPENDING <key>
 *                         duty: an alert pending on consumer "dispatch" is
 *                         queued, on an officer's name claimed; a closed
 *                         alert is acked and deleted, an escalated one moves
 *                         to the desk's queue.
 *   <prefix>:qidx         hash alert_id -> "<entry id> <queue key>": where
 *                         each open alert's queue entry is, so a claim or a
 *                         close finds it whatever entry the caller numbers.
 *                         The mirror is for people and tools watching Redis;
 *                         the log is the truth, so a mirror failure is
 *                         counted (dispatch.store_mirror_errors), never
 *                         fatal. Each step is one Lua script (MIRROR_LUA).
 *
 * A commit sends MULTI, one XADD per entry, EXEC, pipelined: one round
 * trip, and all or nothing if the connection drops before EXEC reaches the
 * server. When the connection is lost during a commit, the store
 * reconnects once and reads the stream's top: the whole batch there means
 * EXEC ran (success); none of it means it did not, and the batch is sent
 * once more. Anything else fails the commit (numbers reused, store.h).
 * One writer per prefix is assumed (the daemon); a second would be seen
 * as "a different entry" and refused.
 *
 * Every connect and command has a 2 s timeout, so a dead Redis fails a
 * call instead of hanging the daemon; a lost connection is re-made on the
 * next call (dispatch.store_redis_reconnects).
 *
 * Memory: the uncommitted batch (at most FSC_STORE_BATCH_MAX bytes plus 16
 * bytes per entry) and one reply of at most 1000 entries during a scan. */
#include <hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define PAGE 1000        /* entries per XRANGE of a scan */

typedef struct rstore {
    fsc_store base; /* first: the store.c head */
    char host[256];
    int port;
    char prefix[128];
    char logkey[160];
    redisContext *c;
    bool was_connected; /* a new connection after this one is a reconnect */
    char *buf;          /* pending json, back to back */
    size_t blen, bcap;
    size_t *poff;       /* pending entry i: buf + poff[i], plen[i] bytes */
    size_t *plen;
    uint64_t pcap;
    char sha[48];       /* the mirror script's SHA1 on this server ("": EVAL it) */
} rstore;

static const struct timeval TIMEOUT = {2, 0};

/* ---- connection ---- */

static int parse_hostport(const char *s, char *host, size_t hcap, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= hcap)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || p <= 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

/* The live connection, re-made when lost; NULL (reason in err) when Redis
 * cannot be reached. */
static redisContext *conn(rstore *r, char *err, size_t errcap)
{
    if (r->c && !r->c->err)
        return r->c;
    if (r->c) {
        redisFree(r->c);
        r->c = NULL;
    }
    if (r->was_connected)
        r->base.ctr->v[FSC_C_STORE_REDIS_RECONNECTS]++;
    redisContext *c = redisConnectWithTimeout(r->host, r->port, TIMEOUT);
    if (!c || c->err) {
        if (err)
            snprintf(err, errcap, "redis %s:%d: %s", r->host, r->port,
                     c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return NULL;
    }
    if (redisSetTimeout(c, TIMEOUT) != REDIS_OK) {
        if (err)
            snprintf(err, errcap, "redis %s:%d: cannot set a timeout", r->host, r->port);
        redisFree(c);
        return NULL;
    }
    r->c = c;
    r->was_connected = true;
    return c;
}

static bool is_err(const redisReply *rep, const char *text)
{
    return rep && rep->type == REDIS_REPLY_ERROR && rep->str && strstr(rep->str, text);
}

/* "<seq>-1" -> seq; 0 when the id is not one of ours. */
static uint64_t id_seq(const char *id, size_t len)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < len && id[i] >= '0' && id[i] <= '9' && i < 20) {
        unsigned d = (unsigned)(id[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
        i++;
    }
    if (i == 0 || len != i + 2 || id[i] != '-' || id[i + 1] != '1')
        return 0;
    return v;
}

/* The seq of the stream's last entry: 0 for none; -1 on a lost connection
 * or a reply that is not a stream of ours (err says which). */
static int64_t top_seq(rstore *r, char *err, size_t errcap)
{
    redisContext *c = conn(r, err, errcap);
    if (!c)
        return -1;
    redisReply *rep = redisCommand(c, "XREVRANGE %s + - COUNT 1", r->logkey);
    int64_t v = -1;
    if (!rep) {
        snprintf(err, errcap, "redis %s:%d: %s", r->host, r->port, c->errstr);
    } else if (rep->type == REDIS_REPLY_ERROR) {
        snprintf(err, errcap, "redis: XREVRANGE %s: %s", r->logkey, rep->str);
    } else if (rep->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errcap, "redis: XREVRANGE %s: unexpected reply", r->logkey);
    } else if (rep->elements == 0) {
        v = 0;
    } else {
        redisReply *e = rep->element[0];
        uint64_t s = 0;
        if (e->type == REDIS_REPLY_ARRAY && e->elements == 2 &&
            e->element[0]->type == REDIS_REPLY_STRING)
            s = id_seq(e->element[0]->str, e->element[0]->len);
        if (s == 0 || s > INT64_MAX)
            snprintf(err, errcap, "redis: %s: last entry's id is not \"<seq>-1\"", r->logkey);
        else
            v = (int64_t)s;
    }
    if (rep)
        freeReplyObject(rep);
    return v;
}

/* Whether the log's entry seq holds exactly json: 1 yes, 0 no (or absent),
 * -1 connection lost. */
static int same_entry(rstore *r, uint64_t seq, const char *json, size_t len)
{
    redisReply *rep = redisCommand(r->c, "XRANGE %s %" PRIu64 "-1 %" PRIu64 "-1", r->logkey,
                                   seq, seq);
    if (!rep)
        return -1;
    int same = 0;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1) {
        redisReply *e = rep->element[0];
        if (e->type == REDIS_REPLY_ARRAY && e->elements == 2 &&
            e->element[1]->type == REDIS_REPLY_ARRAY && e->element[1]->elements == 2) {
            redisReply *v = e->element[1]->element[1];
            same = v->type == REDIS_REPLY_STRING && v->len == len &&
                   memcmp(v->str, json, len) == 0;
        }
    }
    freeReplyObject(rep);
    return same;
}

/* ---- append, commit ---- */

static fsc_status redis_append(fsc_store *s, const char *json, size_t len, uint64_t seq)
{
    rstore *r = (rstore *)s;
    uint64_t i = seq - s->last - 1;
    if (i >= r->pcap) {
        uint64_t cap = r->pcap ? r->pcap * 2 : 256;
        size_t *o = realloc(r->poff, (size_t)cap * sizeof *o);
        if (!o)
            return FSC_ENOMEM;
        r->poff = o;
        size_t *l = realloc(r->plen, (size_t)cap * sizeof *l);
        if (!l)
            return FSC_ENOMEM;
        r->plen = l;
        r->pcap = cap;
    }
    if (r->blen + len > r->bcap) {
        size_t cap = r->bcap ? r->bcap : 64 * 1024;
        while (cap < r->blen + len)
            cap *= 2;
        char *p = realloc(r->buf, cap);
        if (!p)
            return FSC_ENOMEM;
        r->buf = p;
        r->bcap = cap;
    }
    memcpy(r->buf + r->blen, json, len);
    r->poff[i] = r->blen;
    r->plen[i] = len;
    r->blen += len;
    return FSC_OK;
}

typedef enum { SENT, LOST, REFUSED } send_result;

/* MULTI, the batch's XADDs, EXEC, in one round trip. */
static send_result send_batch(rstore *r, char *err, size_t errcap)
{
    fsc_store *s = &r->base;
    redisContext *c = r->c;
    uint64_t n = s->npending;
    redisAppendCommand(c, "MULTI");
    for (uint64_t i = 0; i < n; i++)
        redisAppendCommand(c, "XADD %s %" PRIu64 "-1 e %b", r->logkey, s->last + 1 + i,
                           r->buf + r->poff[i], r->plen[i]);
    redisAppendCommand(c, "EXEC");
    send_result res = SENT;
    redisReply *rep = NULL;
    /* MULTI and every XADD answer +OK / +QUEUED */
    for (uint64_t i = 0; i < n + 1; i++) {
        if (redisGetReply(c, (void **)&rep) != REDIS_OK)
            goto lost;
        if (rep->type == REDIS_REPLY_ERROR && res == SENT) {
            snprintf(err, errcap, "redis: %s: %s", i ? "XADD" : "MULTI", rep->str);
            res = REFUSED;
        }
        freeReplyObject(rep);
        rep = NULL;
    }
    if (redisGetReply(c, (void **)&rep) != REDIS_OK)
        goto lost;
    if (res != SENT)
        goto out;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != n) {
        snprintf(err, errcap, "redis: EXEC: %s", rep->type == REDIS_REPLY_ERROR ? rep->str
                                                                               : "aborted");
        res = REFUSED;
        goto out;
    }
    for (uint64_t i = 0; i < n; i++) {
        redisReply *e = rep->element[i];
        uint64_t seq = s->last + 1 + i;
        if (e->type == REDIS_REPLY_STRING && id_seq(e->str, e->len) == seq)
            continue;
        if (is_err(e, "equal or smaller")) {
            /* already there from an earlier attempt whose reply was lost,
             * if the bytes are the same */
            int same = same_entry(r, seq, r->buf + r->poff[i], r->plen[i]);
            if (same < 0)
                goto lost;
            if (same)
                continue;
            snprintf(err, errcap,
                     "redis: %s holds a different entry %" PRIu64 " (another writer?)",
                     r->logkey, seq);
        } else {
            snprintf(err, errcap, "redis: XADD %s %" PRIu64 "-1: %s", r->logkey, seq,
                     e->type == REDIS_REPLY_ERROR ? e->str : "unexpected reply");
        }
        res = REFUSED;
        break;
    }
    goto out;
lost:
    snprintf(err, errcap, "redis %s:%d: %s", r->host, r->port, c->errstr);
    res = LOST;
out:
    if (rep)
        freeReplyObject(rep);
    return res;
}

static fsc_status redis_commit(fsc_store *s)
{
    rstore *r = (rstore *)s;
    char err[512] = "";
    fsc_status st = FSC_EREDIS;
    uint64_t first = s->last + 1, end = s->last + s->npending;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!conn(r, err, sizeof err))
            break;
        send_result res = send_batch(r, err, sizeof err);
        if (res == SENT) {
            st = FSC_OK;
            break;
        }
        if (res == REFUSED || attempt == 1)
            break;
        /* lost: did EXEC run? */
        int64_t top = top_seq(r, err, sizeof err);
        if (top < 0)
            break;
        if ((uint64_t)top == end) {
            int same = same_entry(r, end, r->buf + r->poff[s->npending - 1],
                                  r->plen[s->npending - 1]);
            if (same == 1)
                st = FSC_OK;
            else
                snprintf(err, sizeof err, "redis: %s: entry %" PRIu64 " is not ours", r->logkey,
                         end);
            break;
        }
        if ((uint64_t)top != first - 1) {
            snprintf(err, sizeof err,
                     "redis: %s ends at %" PRIu64 " after a lost connection, not %" PRIu64
                     " or %" PRIu64,
                     r->logkey, (uint64_t)top, first - 1, end);
            break;
        }
        /* nothing of the batch arrived: send it again on the new connection */
    }
    if (st != FSC_OK)
        fprintf(stderr, "dispatch store: commit of %" PRIu64 " entries (%" PRIu64 "..%" PRIu64
                        ") failed, they are dropped: %s\n",
                s->npending, first, end, err);
    r->blen = 0;
    return st;
}

/* ---- scan ---- */

static fsc_status redis_scan(fsc_store *s, uint64_t after, fsc_store_fn fn, void *ctx)
{
    rstore *r = (rstore *)s;
    char err[512] = "";
    uint64_t next = after + 1;
    int retried = 0;
    while (next <= s->last) {
        redisContext *c = conn(r, err, sizeof err);
        if (!c)
            goto fail;
        redisReply *rep = redisCommand(c, "XRANGE %s %" PRIu64 "-1 %" PRIu64 "-1 COUNT %d",
                                       r->logkey, next, s->last, PAGE);
        if (!rep) {
            snprintf(err, sizeof err, "redis %s:%d: %s", r->host, r->port, c->errstr);
            if (retried++)
                goto fail;
            continue; /* one reconnect per page */
        }
        retried = 0;
        if (rep->type != REDIS_REPLY_ARRAY || rep->elements == 0) {
            snprintf(err, sizeof err, "redis: XRANGE %s from %" PRIu64 ": %s", r->logkey, next,
                     rep->type == REDIS_REPLY_ERROR ? rep->str : "no entries");
            freeReplyObject(rep);
            goto fail;
        }
        for (size_t i = 0; i < rep->elements; i++) {
            redisReply *e = rep->element[i];
            const redisReply *val = NULL;
            uint64_t seq = 0;
            if (e->type == REDIS_REPLY_ARRAY && e->elements == 2 &&
                e->element[0]->type == REDIS_REPLY_STRING &&
                e->element[1]->type == REDIS_REPLY_ARRAY) {
                seq = id_seq(e->element[0]->str, e->element[0]->len);
                redisReply *f = e->element[1];
                for (size_t k = 0; k + 1 < f->elements; k += 2)
                    if (f->element[k]->type == REDIS_REPLY_STRING && f->element[k]->len == 1 &&
                        f->element[k]->str[0] == 'e' &&
                        f->element[k + 1]->type == REDIS_REPLY_STRING)
                        val = f->element[k + 1];
            }
            if (seq != next || !val) {
                snprintf(err, sizeof err, "redis: %s: entry %" PRIu64 " %s", r->logkey, next,
                         seq != next ? "is missing" : "has no field e");
                freeReplyObject(rep);
                s->ctr->v[FSC_C_STORE_ERRORS]++;
                fprintf(stderr, "dispatch store: %s\n", err);
                return FSC_EMALFORMED;
            }
            next++;
            if (fn(ctx, seq, val->str, val->len) != 0) {
                freeReplyObject(rep);
                return FSC_OK;
            }
        }
        freeReplyObject(rep);
    }
    return FSC_OK;
fail:
    s->ctr->v[FSC_C_STORE_ERRORS]++;
    fprintf(stderr, "dispatch store: scan: %s\n", err);
    return FSC_EREDIS;
}

/* ---- the queue mirror ---- */

/* One script per mirror step, so each is atomic and one round trip.
 * KEYS[1] the index hash <prefix>:qidx (alert_id -> "<stream id> <queue
 * stream key>": where the alert's queue entry is, whatever entry seq the
 * caller passes), KEYS[2] the queue stream named by the call. ARGV: step,
 * alert_id, seq, officer. An entry is delivered to consumer "dispatch" in
 * the same script that adds it (XREADGROUP delivers in order and XCLAIM
 * needs a pending entry), so every queued alert is pending from the start:
 * on "dispatch" while queued, moved by XCLAIM to the officer's name when
 * claimed (and back on a requeue), acked and deleted when closed. An alert
 * queued in another queue (an escalation to the desk) leaves the old one.
 * The old queue's key comes from the hash, not from KEYS: one Redis server,
 * not a cluster. Returns 1 done, 0 the alert is in no queue. */
static const char MIRROR_LUA[] =
    "local step, alert = ARGV[1], ARGV[2]\n"
    "local old = redis.call('HGET', KEYS[1], alert)\n"
    "local oid, oq\n"
    "if old then\n"
    "  local sp = string.find(old, ' ', 1, true)\n"
    "  oid, oq = string.sub(old, 1, sp - 1), string.sub(old, sp + 1)\n"
    "end\n"
    "if step == 'queued' then\n"
    "  if old and oq == KEYS[2] then\n"
    "    redis.call('XCLAIM', oq, 'duty', 'dispatch', 0, oid, 'JUSTID')\n"
    "    return 1\n"
    "  end\n"
    "  if old then\n"
    "    redis.call('XACK', oq, 'duty', oid)\n"
    "    redis.call('XDEL', oq, oid)\n"
    "  end\n"
    "  redis.pcall('XGROUP', 'CREATE', KEYS[2], 'duty', '0', 'MKSTREAM')\n"
    "  local id = redis.call('XADD', KEYS[2], '*', 'alert_id', alert, 'seq', ARGV[3])\n"
    "  redis.call('HSET', KEYS[1], alert, id .. ' ' .. KEYS[2])\n"
    "  redis.call('XREADGROUP', 'GROUP', 'duty', 'dispatch', 'COUNT', 1000,\n"
    "             'STREAMS', KEYS[2], '>')\n"
    "  return 1\n"
    "end\n"
    "if not old then return 0 end\n"
    "if step == 'claimed' then\n"
    "  local r = redis.call('XCLAIM', oq, 'duty', ARGV[4], 0, oid, 'JUSTID')\n"
    "  if #r == 0 then return 0 end\n"
    "  return 1\n"
    "end\n"
    "redis.call('XACK', oq, 'duty', oid)\n"
    "redis.call('XDEL', oq, oid)\n"
    "redis.call('HDEL', KEYS[1], alert)\n"
    "return 1\n";

static const char *const STEPS[] = {"queued", "claimed", "closed"};

static const char *step_name(fsc_qmirror what)
{
    return (unsigned)what < 3 ? STEPS[what] : "closed";
}

/* The script's SHA1 on this connection's server (SCRIPT LOAD once per
 * connection, so each step sends 40 bytes instead of the script). */
static void load_script(rstore *r, redisContext *c)
{
    r->sha[0] = '\0';
    redisReply *rep = redisCommand(c, "SCRIPT LOAD %s", MIRROR_LUA);
    if (rep && rep->type == REDIS_REPLY_STRING && rep->len < sizeof r->sha)
        snprintf(r->sha, sizeof r->sha, "%s", rep->str);
    if (rep)
        freeReplyObject(rep);
}

static void step_keys(rstore *r, const fsc_mirror_step *m, char *qkey, size_t qcap, char *idx,
                      size_t icap, char *seqs, size_t scap)
{
    snprintf(qkey, qcap, "%s:q:%s", r->prefix, m->precinct);
    snprintf(idx, icap, "%s:qidx", r->prefix);
    snprintf(seqs, scap, "%" PRIu64, m->seq);
}

/* Queues one step on c's output (EVALSHA when the script is loaded). */
static int append_step(rstore *r, redisContext *c, const fsc_mirror_step *m, bool full)
{
    char qkey[512], idx[160], seqs[24];
    step_keys(r, m, qkey, sizeof qkey, idx, sizeof idx, seqs, sizeof seqs);
    const char *who = m->officer ? m->officer : "";
    if (!full && r->sha[0])
        return redisAppendCommand(c, "EVALSHA %s 2 %s %s %s %s %s %s", r->sha, idx, qkey,
                                  step_name(m->what), m->alert_id, seqs, who);
    return redisAppendCommand(c, "EVAL %s 2 %s %s %s %s %s %s", MIRROR_LUA, idx, qkey,
                              step_name(m->what), m->alert_id, seqs, who);
}

/* What a step's reply says; counts and reports a failure. */
static fsc_status step_result(rstore *r, const fsc_mirror_step *m, const redisReply *rep,
                              const char *cerr)
{
    char err[512] = "";
    fsc_status st = FSC_EREDIS;
    if (!rep) {
        snprintf(err, sizeof err, "%s", cerr ? cerr : "no connection");
    } else if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1) {
        return FSC_OK;
    } else if (rep->type == REDIS_REPLY_INTEGER) {
        snprintf(err, sizeof err, "alert %s is in no queue of the mirror", m->alert_id);
        st = FSC_ENOTFOUND;
    } else {
        snprintf(err, sizeof err, "%s",
                 rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
    }
    r->base.ctr->v[FSC_C_STORE_MIRROR_ERRORS]++;
    fprintf(stderr, "dispatch store: mirror of alert %s (%s) in %s:q:%s: %s\n", m->alert_id,
            step_name(m->what), r->prefix, m->precinct, err);
    return st;
}

/* n steps in one round trip: every step is queued, then every answer
 * read in order. A server that lost the script (restarted, SCRIPT FLUSH)
 * answers NOSCRIPT: those steps are sent again with the script itself,
 * in their order, after the batch. Each step's status goes to st[i] (when
 * st is not NULL); returns how many failed. */
static size_t mirror_batch(rstore *r, const fsc_mirror_step *steps, size_t n, fsc_status *st)
{
    char err[512] = "";
    bool fresh = !(r->c && !r->c->err);
    redisContext *c = conn(r, err, sizeof err);
    if (c && (fresh || !r->sha[0]))
        load_script(r, c);
    size_t failed = 0, queued = 0;
    for (; c && queued < n; queued++)
        if (append_step(r, c, &steps[queued], false) != REDIS_OK)
            break;
    bool *again = calloc(n, sizeof *again);
    for (size_t i = 0; i < n; i++) {
        redisReply *rep = NULL;
        if (i < queued && redisGetReply(c, (void **)&rep) != REDIS_OK)
            rep = NULL;
        if (again && is_err(rep, "NOSCRIPT")) {
            again[i] = true;
        } else {
            fsc_status one = step_result(r, &steps[i], rep, c ? c->errstr : err);
            failed += one != FSC_OK;
            if (st)
                st[i] = one;
        }
        if (rep)
            freeReplyObject(rep);
    }
    for (size_t i = 0; again && i < n; i++) {
        if (!again[i])
            continue;
        redisReply *rep = NULL;
        c = conn(r, err, sizeof err);
        if (c && append_step(r, c, &steps[i], true) == REDIS_OK &&
            redisGetReply(c, (void **)&rep) != REDIS_OK)
            rep = NULL;
        fsc_status one = step_result(r, &steps[i], rep, c ? c->errstr : err);
        failed += one != FSC_OK;
        if (st)
            st[i] = one;
        if (rep)
            freeReplyObject(rep);
    }
    free(again);
    return failed;
}

static size_t redis_mirror_many(fsc_store *s, const fsc_mirror_step *steps, size_t n)
{
    return mirror_batch((rstore *)s, steps, n, NULL);
}

static fsc_status redis_mirror(fsc_store *s, const char *precinct, const char *alert_id,
                               uint64_t seq, fsc_qmirror what, const char *officer)
{
    fsc_mirror_step m = {precinct, alert_id, officer, seq, what};
    fsc_status st = FSC_EREDIS;
    mirror_batch((rstore *)s, &m, 1, &st);
    return st;
}

/* ---- open, close ---- */

static void redis_close(fsc_store *s)
{
    rstore *r = (rstore *)s;
    if (r->c)
        redisFree(r->c);
    free(r->buf);
    free(r->poff);
    free(r->plen);
    free(r);
}

static const fsc_store_ops redis_ops = {
    .append = redis_append,
    .commit = redis_commit,
    .scan = redis_scan,
    .mirror = redis_mirror,
    .mirror_many = redis_mirror_many,
    .close = redis_close,
};

fsc_status fsc_store_open_redis(const char *hostport, const char *prefix,
                                fsc_counters *counters, fsc_store **out, char *err,
                                size_t errcap)
{
    char dummy[8];
    if (!err || !errcap) {
        err = dummy;
        errcap = sizeof dummy;
    }
    err[0] = '\0';
    if (!hostport || !out) {
        snprintf(err, errcap, "redis: no host:port given");
        return FSC_EINVAL;
    }
    if (!prefix)
        prefix = "fsc:dispatch";
    rstore *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errcap, "redis: out of memory");
        return FSC_ENOMEM;
    }
    fsc_store_init(&r->base, &redis_ops, counters);
    fsc_status st = FSC_EINVAL;
    if (parse_hostport(hostport, r->host, sizeof r->host, &r->port) != 0) {
        snprintf(err, errcap, "redis: \"%s\" is not host:port", hostport);
        goto fail;
    }
    if (!*prefix || strlen(prefix) >= sizeof r->prefix) {
        snprintf(err, errcap, "redis: key prefix empty or longer than %zu bytes",
                 sizeof r->prefix - 1);
        goto fail;
    }
    snprintf(r->prefix, sizeof r->prefix, "%s", prefix);
    snprintf(r->logkey, sizeof r->logkey, "%s:log", prefix);
    st = FSC_EREDIS;
    int64_t top = top_seq(r, err, errcap);
    if (top < 0)
        goto fail;
    r->base.last = (uint64_t)top;
    *out = &r->base;
    return FSC_OK;
fail:
    redis_close(&r->base);
    return st;
}
