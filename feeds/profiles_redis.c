/* profiles_redis.c: subscriber profiles from Redis hashes.
 *
 * The subscriber register may live in Redis rather than in a CSV export:
 * one hash per person, PREFIX:SUBSCRIBER, with the fields age_band,
 * occupation, group and precinct. Keys are walked with SCAN so the server
 * is never blocked by a KEYS over millions of people, and each SCAN batch
 * (about COUNT keys) is read with pipelined HMGETs of exactly those four
 * fields: one round trip per batch, and no reply larger than a batch. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "identity_int.h"

#define SCAN_COUNT 1000
#define FIELD_MAX 256 /* longer field values make the hash bad */

static const char *const fields[] = {"age_band", "occupation", "group", "precinct"};
enum { NFIELDS = 4 };

/* Copies prefix into out (cap bytes) with the glob characters of SCAN's
 * MATCH escaped, then appends ":*". False when it does not fit. */
static bool match_pattern(const char *prefix, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = prefix; *p; p++) {
        if (o + 4 >= cap)
            return false;
        if (strchr("*?[]\\", *p))
            out[o++] = '\\';
        out[o++] = *p;
    }
    if (o + 3 > cap)
        return false;
    memcpy(out + o, ":*", 3);
    return true;
}

/* One hash's HMGET reply into p. FSC_OK or FSC_ENOMEM; bad hashes are
 * reported and counted. */
static fsc_status put_reply(fsc_profiles *p, const char *where, const char *key, size_t klen,
                            size_t plen, const redisReply *r, fsc_diag *diag,
                            fsc_counters *counters)
{
    char err[256];
    const char *v[NFIELDS] = {NULL, NULL, NULL, NULL};
    fsc_status st = FSC_EMALFORMED;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != NFIELDS) {
        snprintf(err, sizeof err, "%s", r && r->type == REDIS_REPLY_ERROR ? r->str : "not a hash");
        goto bad;
    }
    for (size_t i = 0; i < NFIELDS; i++) {
        const redisReply *e = r->element[i];
        if (e->type == REDIS_REPLY_NIL)
            continue;
        if (e->type != REDIS_REPLY_STRING || e->len > FIELD_MAX || memchr(e->str, '\0', e->len)) {
            snprintf(err, sizeof err, "field \"%s\": not a string of at most %d bytes",
                     fields[i], FIELD_MAX);
            goto bad;
        }
        v[i] = e->str;
    }
    st = fsc_profiles_put(p, key + plen, klen - plen, v[0], v[1], v[2], v[3], err, sizeof err);
    if (st != FSC_EMALFORMED && st != FSC_ELIMIT)
        return st;
bad:
    fsc_diagf(diag, FSC_SEV_ERROR, NULL, 0, 0, "%s/%.*s: %s; profile skipped", where,
              (int)(klen > 200 ? 200 : klen), key, err);
    if (counters)
        counters->v[FSC_C_PROFILES_BAD]++;
    return FSC_OK;
}

fsc_status fsc_profiles_load_redis(const char *host_port, const char *prefix, fsc_diag *diag,
                                   fsc_counters *counters, fsc_profiles **out)
{
    char host[256], where[300], pattern[512];
    const char *colon = strrchr(host_port, ':');
    size_t hl = colon ? (size_t)(colon - host_port) : 0;
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!prefix)
        prefix = "fsc:profile";
    if (hl == 0 || hl >= sizeof host || !end || *end || port <= 0 || port > 65535) {
        fsc_diagf(diag, FSC_SEV_ERROR, NULL, 0, 0, "bad redis address \"%s\" (want HOST:PORT)",
                  host_port);
        return FSC_EINVAL;
    }
    if (!match_pattern(prefix, pattern, sizeof pattern)) {
        fsc_diagf(diag, FSC_SEV_ERROR, NULL, 0, 0, "redis key prefix too long");
        return FSC_EINVAL;
    }
    memcpy(host, host_port, hl);
    host[hl] = '\0';
    snprintf(where, sizeof where, "redis://%s", host_port);

    fsc_status ret = FSC_OK;
    redisReply *scan = NULL;
    fsc_profiles *p = fsc_profiles_new();
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout(host, (int)port, tv);
    if (!p) {
        ret = FSC_ENOMEM;
        goto fail;
    }
    if (!c || c->err) {
        fsc_diagf(diag, FSC_SEV_ERROR, NULL, 0, 0, "%s: cannot connect: %s", where,
                  c ? c->errstr : "out of memory");
        ret = FSC_EREDIS;
        goto fail;
    }
    redisSetTimeout(c, tv);
    size_t plen = strlen(prefix) + 1; /* "PREFIX:" */
    char cursor[32] = "0";
    do {
        scan = redisCommand(c, "SCAN %s MATCH %s COUNT %d", cursor, pattern, SCAN_COUNT);
        if (!scan || scan->type != REDIS_REPLY_ARRAY || scan->elements != 2 ||
            scan->element[0]->type != REDIS_REPLY_STRING ||
            scan->element[1]->type != REDIS_REPLY_ARRAY ||
            scan->element[0]->len >= sizeof cursor) {
            fsc_diagf(diag, FSC_SEV_ERROR, NULL, 0, 0, "%s: SCAN failed: %s", where,
                      scan && scan->type == REDIS_REPLY_ERROR ? scan->str : c->errstr);
            ret = FSC_EREDIS;
            goto fail;
        }
        memcpy(cursor, scan->element[0]->str, scan->element[0]->len + 1);
        const redisReply *keys = scan->element[1];
        size_t queued = 0;
        for (size_t i = 0; i < keys->elements; i++) {
            const redisReply *k = keys->element[i];
            if (k->type != REDIS_REPLY_STRING || k->len <= plen)
                continue;
            const char *argv[2 + NFIELDS] = {"HMGET", k->str};
            size_t argl[2 + NFIELDS] = {5, k->len};
            for (size_t f = 0; f < NFIELDS; f++) {
                argv[2 + f] = fields[f];
                argl[2 + f] = strlen(fields[f]);
            }
            if (redisAppendCommandArgv(c, 2 + NFIELDS, argv, argl) != REDIS_OK) {
                ret = FSC_ENOMEM;
                goto fail;
            }
            queued++;
        }
        for (size_t i = 0, q = 0; q < queued; i++) {
            const redisReply *k = keys->element[i];
            if (k->type != REDIS_REPLY_STRING || k->len <= plen)
                continue;
            q++;
            void *rv = NULL;
            if (redisGetReply(c, &rv) != REDIS_OK) {
                fsc_diagf(diag, FSC_SEV_ERROR, NULL, 0, 0, "%s: HMGET failed: %s", where,
                          c->errstr);
                ret = FSC_EREDIS;
                goto fail;
            }
            /* a key of another type answers WRONGTYPE: a bad profile */
            ret = put_reply(p, where, k->str, k->len, plen, rv, diag, counters);
            freeReplyObject(rv);
            if (ret != FSC_OK)
                goto fail;
        }
        freeReplyObject(scan);
        scan = NULL;
    } while (strcmp(cursor, "0") != 0);
    redisFree(c);
    *out = p;
    return FSC_OK;
fail:
    if (ret == FSC_ENOMEM)
        fsc_diagf(diag, FSC_SEV_ERROR, NULL, 0, 0, "%s: out of memory", where);
    if (scan)
        freeReplyObject(scan);
    if (c)
        redisFree(c);
    fsc_profiles_free(p);
    return ret;
}
