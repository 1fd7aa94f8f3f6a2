/* state_redis.c: each person's record in Redis, shared by several engines.
 *
 * One key per person, "fsc:s:{SUBSCRIBER}": the braces are a Redis Cluster
 * hash tag, so the key of one person always lives in one slot, and one Lua
 * script can touch it atomically even on a cluster. The key is a hash with
 * two fields: v (a version, counting commits) and b (the record, the same
 * bytes as in a snapshot, state.c).
 *
 * The commit is a compare-and-set run inside Redis (COMMIT_LUA): it stores
 * the new record only when the version is still the one the engine started
 * from. The record carries the alert decision (the highest level alerted,
 * when), so an engine raises an alert only when its commit won; an engine
 * that lost gets the winner's record back in the same round trip, replays
 * its own hits onto it, decides again and retries. Two engines that each
 * see half of a person's evidence therefore raise each alert exactly once
 * between them, whichever commits first. One scoring implementation (C)
 * serves memory, snapshots and Redis alike.
 *
 * hiredis 0.14 has no cluster support: the slot map comes from CLUSTER
 * SLOTS, and MOVED (the slot has a new owner: update the map) and ASK (the
 * slot is migrating: ASKING, then the command, at the target, once) are
 * followed here. */
#include <hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "score_int.h"
#include "state.h"

#define SLOTS 16384
#define NODES_MAX 64
#define BLOB_MAX (1u << 20)
#define REDIRECTS_MAX 5

static const char COMMIT_LUA[] =
    "local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')\n"
    "if v ~= tonumber(ARGV[1]) then\n"
    "  return {0, v, redis.call('HGET', KEYS[1], 'b') or ''}\n"
    "end\n"
    "v = v + 1\n"
    "redis.call('HSET', KEYS[1], 'v', v, 'b', ARGV[2])\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
    "return {1, v}\n";

typedef struct node {
    char host[256];
    int port;
    redisContext *c;
} node;

struct fsc_state_store {
    node nodes[NODES_MAX];
    int nnodes;
    bool cluster;
    uint8_t slot_node[SLOTS]; /* index into nodes */
    char sha[48];
    char prefix[128];
    long long ttl_ms;
    uint8_t *blob;
    fsc_counters *ctr;
    fsc_counters own;
    bool reported;
};

/* CRC16-CCITT (XModem), as Redis Cluster uses for key slots. */
static uint16_t crc16(const char *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)((uint8_t)p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

unsigned fsc_state_key_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t rest = len - (size_t)(open - key) - 1;
        const char *close = memchr(open + 1, '}', rest);
        if (close && close > open + 1)
            return crc16(open + 1, (size_t)(close - open - 1)) & (SLOTS - 1);
    }
    return crc16(key, len) & (SLOTS - 1);
}

static int parse_hostport(const char *s, size_t n, char *host, size_t hcap, int *port)
{
    const char *colon = NULL;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == ':') {
            colon = s + i - 1;
            break;
        }
    if (!colon || colon == s || (size_t)(colon - s) >= hcap)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char pb[8];
    size_t pl = n - (size_t)(colon - s) - 1;
    if (pl == 0 || pl >= sizeof pb)
        return -1;
    memcpy(pb, colon + 1, pl);
    pb[pl] = '\0';
    char *end;
    long p = strtol(pb, &end, 10);
    if (*end || p <= 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static redisContext *connect_node(node *nd)
{
    if (nd->c && !nd->c->err)
        return nd->c;
    if (nd->c)
        redisFree(nd->c);
    struct timeval tv = {2, 0};
    nd->c = redisConnectWithTimeout(nd->host, nd->port, tv);
    if (nd->c && !nd->c->err)
        redisSetTimeout(nd->c, tv);
    return nd->c && !nd->c->err ? nd->c : NULL;
}

/* The index of host:port among the known nodes, added when new; -1 when
 * the table is full. */
static int node_index(fsc_state_store *st, const char *host, int port)
{
    for (int i = 0; i < st->nnodes; i++)
        if (st->nodes[i].port == port && strcmp(st->nodes[i].host, host) == 0)
            return i;
    if (st->nnodes == NODES_MAX)
        return -1;
    node *nd = &st->nodes[st->nnodes];
    memset(nd, 0, sizeof *nd);
    snprintf(nd->host, sizeof nd->host, "%s", host);
    nd->port = port;
    return st->nnodes++;
}

static int load_slots(fsc_state_store *st, int via, char *err, size_t errcap)
{
    redisContext *c = connect_node(&st->nodes[via]);
    if (!c) {
        snprintf(err, errcap, "cannot connect to redis at %s:%d", st->nodes[via].host,
                 st->nodes[via].port);
        return -1;
    }
    redisReply *r = redisCommand(c, "CLUSTER SLOTS");
    if (!r) {
        snprintf(err, errcap, "redis at %s:%d: %s", st->nodes[via].host, st->nodes[via].port,
                 c->errstr);
        return -1;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        /* "ERR This instance has cluster support disabled": a plain server */
        freeReplyObject(r);
        st->cluster = false;
        memset(st->slot_node, via, sizeof st->slot_node);
        return 0;
    }
    st->cluster = true;
    size_t covered = 0;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
            e->element[2]->type != REDIS_REPLY_ARRAY || e->element[2]->elements < 2)
            continue;
        long long a = e->element[0]->integer, b = e->element[1]->integer;
        redisReply *m = e->element[2];
        const char *host = m->element[0]->str && m->element[0]->str[0] ? m->element[0]->str
                                                                       : st->nodes[via].host;
        int ni = node_index(st, host, (int)m->element[1]->integer);
        if (ni < 0 || a < 0 || b >= SLOTS || a > b)
            continue;
        for (long long s = a; s <= b; s++)
            st->slot_node[s] = (uint8_t)ni;
        covered += (size_t)(b - a + 1);
    }
    freeReplyObject(r);
    if (covered < SLOTS) {
        snprintf(err, errcap, "redis cluster at %s:%d covers %zu of %d slots",
                 st->nodes[via].host, st->nodes[via].port, covered, SLOTS);
        return -1;
    }
    return 0;
}

/* Runs a command for `slot`, following MOVED and ASK, loading the script
 * where it is missing. NULL on a connection failure (reported once). */
static redisReply *run(fsc_state_store *st, unsigned slot, int argc, const char **argv,
                       const size_t *lens)
{
    int ni = st->slot_node[slot];
    bool asking = false;
    for (int tries = 0; tries <= REDIRECTS_MAX; tries++) {
        redisContext *c = connect_node(&st->nodes[ni]);
        if (!c)
            return NULL;
        if (asking) {
            redisReply *a = redisCommand(c, "ASKING");
            if (a)
                freeReplyObject(a);
            asking = false;
        }
        redisReply *r = redisCommandArgv(c, argc, argv, lens);
        if (!r) {
            /* the connection broke: one reconnect, then give up */
            redisFree(st->nodes[ni].c);
            st->nodes[ni].c = NULL;
            continue;
        }
        if (r->type != REDIS_REPLY_ERROR)
            return r;
        char host[256];
        int port;
        unsigned long s;
        int off = 0;
        if (sscanf(r->str, "MOVED %lu %n", &s, &off) == 1 && off > 0 &&
            parse_hostport(r->str + off, strlen(r->str + off), host, sizeof host, &port) == 0) {
            int to = node_index(st, host, port);
            freeReplyObject(r);
            if (to < 0)
                return NULL;
            st->slot_node[s & (SLOTS - 1)] = (uint8_t)to;
            ni = to;
            st->ctr->v[FSC_C_STATE_REDIS_REDIRECTS]++;
            continue;
        }
        if (sscanf(r->str, "ASK %lu %n", &s, &off) == 1 && off > 0 &&
            parse_hostport(r->str + off, strlen(r->str + off), host, sizeof host, &port) == 0) {
            int to = node_index(st, host, port);
            freeReplyObject(r);
            if (to < 0)
                return NULL;
            ni = to; /* this once; the map stays until MOVED says so */
            asking = true;
            st->ctr->v[FSC_C_STATE_REDIS_REDIRECTS]++;
            continue;
        }
        if (strncmp(r->str, "NOSCRIPT", 8) == 0 && argc > 1 && strcmp(argv[0], "EVALSHA") == 0) {
            freeReplyObject(r);
            redisReply *l = redisCommand(c, "SCRIPT LOAD %s", COMMIT_LUA);
            if (l)
                freeReplyObject(l);
            continue;
        }
        if (strncmp(r->str, "TRYAGAIN", 8) == 0 || strncmp(r->str, "CLUSTERDOWN", 11) == 0) {
            freeReplyObject(r);
            struct timespec ts = {0, 50 * 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        return r; /* another error: the caller reports it */
    }
    return NULL;
}

fsc_state_store *fsc_state_redis_open(const char *seeds, const char *prefix, fsc_time ttl,
                                      fsc_counters *counters, char *err, size_t errcap)
{
    fsc_state_store *st = calloc(1, sizeof *st);
    if (!st || !(st->blob = malloc(BLOB_MAX))) {
        snprintf(err, errcap, "out of memory");
        goto fail;
    }
    st->ctr = counters ? counters : &st->own;
    snprintf(st->prefix, sizeof st->prefix, "%s", prefix ? prefix : "fsc:s");
    st->ttl_ms = ttl > 0 ? ttl / 1000 : 30LL * 86400 * 1000;
    const char *p = seeds;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char host[256];
        int port;
        if (parse_hostport(p, n, host, sizeof host, &port) != 0) {
            snprintf(err, errcap, "bad redis address '%.*s' (want host:port[,host:port...])",
                     (int)n, p);
            goto fail;
        }
        if (node_index(st, host, port) < 0) {
            snprintf(err, errcap, "too many redis seeds");
            goto fail;
        }
        p += n + (comma ? 1 : 0);
    }
    if (!st->nnodes) {
        snprintf(err, errcap, "no redis address given");
        goto fail;
    }
    int ok = -1;
    for (int i = 0; i < st->nnodes && ok != 0; i++)
        ok = load_slots(st, i, err, errcap);
    if (ok != 0)
        goto fail;
    redisContext *c = connect_node(&st->nodes[st->slot_node[0]]);
    redisReply *r = c ? redisCommand(c, "SCRIPT LOAD %s", COMMIT_LUA) : NULL;
    if (!r || r->type != REDIS_REPLY_STRING) {
        snprintf(err, errcap, "cannot load the commit script: %s",
                 r && r->str ? r->str : c ? c->errstr : "no connection");
        if (r)
            freeReplyObject(r);
        goto fail;
    }
    snprintf(st->sha, sizeof st->sha, "%s", r->str);
    freeReplyObject(r);
    return st;
fail:
    fsc_state_redis_close(st);
    return NULL;
}

void fsc_state_redis_close(fsc_state_store *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->nnodes; i++)
        if (st->nodes[i].c)
            redisFree(st->nodes[i].c);
    free(st->blob);
    free(st);
}

bool fsc_state_redis_is_cluster(const fsc_state_store *st)
{
    return st->cluster;
}

void fsc_scorer_set_store(fsc_scorer *s, fsc_state_store *st)
{
    s->store = st;
}

static void report(fsc_state_store *st, const char *what)
{
    st->ctr->v[FSC_C_STATE_REDIS_ERRORS]++;
    if (!st->reported) {
        st->reported = true;
        fprintf(stderr, "fraudscan: shared state in redis failed (%s); deciding locally until "
                        "it answers again\n", what);
    }
}

fsc_status fsc_state_store_commit(fsc_state_store *st, fsc_scorer *s, sub *sl)
{
    size_t blen = fsc_state_encode(s, sl, st->blob, BLOB_MAX);
    if (!blen) {
        report(st, "record too large");
        return FSC_ELIMIT;
    }
    char key[512], ver[24], ttl[24];
    const char *id = fsc_score_text(s, sl->id);
    int kl = snprintf(key, sizeof key, "%s:{%s}", st->prefix, id);
    if (kl < 0 || (size_t)kl >= sizeof key) {
        report(st, "subscriber id too long for a key");
        return FSC_ELIMIT;
    }
    snprintf(ver, sizeof ver, "%u", sl->version);
    snprintf(ttl, sizeof ttl, "%lld", st->ttl_ms);
    const char *argv[] = {"EVALSHA", st->sha, "1", key, ver, (const char *)st->blob, ttl};
    size_t lens[] = {7, strlen(st->sha), 1, (size_t)kl, strlen(ver), blen, strlen(ttl)};
    redisReply *r = run(st, fsc_state_key_slot(key, (size_t)kl), 7, argv, lens);
    if (!r) {
        report(st, "no connection");
        return FSC_EREDIS;
    }
    fsc_status res = FSC_EREDIS;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
        r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER) {
        report(st, r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        goto done;
    }
    st->ctr->v[FSC_C_STATE_REDIS_OPS]++;
    if (r->element[0]->integer == 1) {
        sl->version = (uint32_t)r->element[1]->integer;
        res = FSC_OK;
        goto done;
    }
    /* lost the race: take the winner's record */
    uint32_t v = (uint32_t)r->element[1]->integer;
    redisReply *b = r->elements > 2 ? r->element[2] : NULL;
    if (b && b->type == REDIS_REPLY_STRING && b->len > 0) {
        sub *out = NULL;
        if (fsc_state_decode(s, (const uint8_t *)b->str, b->len, &out) != FSC_OK || out != sl) {
            report(st, "a record in redis is malformed");
            goto done;
        }
    } else {
        fsc_score_clear_sub(s, sl); /* expired or deleted there */
    }
    sl->version = v;
    res = FSC_EPARTIAL;
done:
    freeReplyObject(r);
    return res;
}
