/* store.c: the checks every store backend shares, and the calls that go
 * through its table (store_int.h). The backends: store_journal.c (files)
 * and store_redis.c (Redis Streams). */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void fsc_store_init(fsc_store *s, const fsc_store_ops *ops, fsc_counters *counters)
{
    s->ops = ops;
    memset(&s->own, 0, sizeof s->own);
    s->ctr = counters ? counters : &s->own;
    s->last = 0;
    s->npending = 0;
    s->pending_bytes = 0;
}

void fsc_store_close(fsc_store *s)
{
    if (s)
        s->ops->close(s);
}

fsc_status fsc_store_append(fsc_store *s, const char *json, size_t len, uint64_t *seq)
{
    if (!s || !json || len == 0 || !seq)
        return FSC_EINVAL;
    if (len > FSC_STORE_MAX_ENTRY)
        return FSC_ELIMIT;
    /* a newline would end the journal's line early and split the entry */
    if (memchr(json, '\n', len))
        return FSC_EINVAL;
    if (s->pending_bytes + len > FSC_STORE_BATCH_MAX)
        return FSC_ELIMIT;
    uint64_t n = s->last + s->npending + 1;
    fsc_status st = s->ops->append(s, json, len, n);
    if (st != FSC_OK)
        return st;
    s->npending++;
    s->pending_bytes += len;
    s->ctr->v[FSC_C_STORE_APPENDS]++;
    *seq = n;
    return FSC_OK;
}

fsc_status fsc_store_commit(fsc_store *s)
{
    if (!s)
        return FSC_EINVAL;
    if (s->npending == 0)
        return FSC_OK;
    fsc_status st = s->ops->commit(s);
    if (st == FSC_OK) {
        s->last += s->npending;
        s->ctr->v[FSC_C_STORE_COMMITS]++;
    } else {
        s->ctr->v[FSC_C_STORE_ERRORS]++;
    }
    s->npending = 0;
    s->pending_bytes = 0;
    return st;
}

uint64_t fsc_store_last(const fsc_store *s)
{
    return s ? s->last : 0;
}

fsc_status fsc_store_scan(fsc_store *s, uint64_t after, fsc_store_fn fn, void *ctx)
{
    if (!s || !fn)
        return FSC_EINVAL;
    if (after >= s->last)
        return FSC_OK;
    return s->ops->scan(s, after, fn, ctx);
}

fsc_status fsc_store_mirror(fsc_store *s, const char *precinct, const char *alert_id,
                            uint64_t seq, fsc_qmirror what, const char *officer)
{
    if (!s || !precinct || !alert_id || (what == FSC_QMIRROR_CLAIMED && !officer))
        return FSC_EINVAL;
    if (!s->ops->mirror)
        return FSC_OK;
    return s->ops->mirror(s, precinct, alert_id, seq, what, officer);
}

size_t fsc_store_mirror_many(fsc_store *s, const fsc_mirror_step *steps, size_t n)
{
    if (!s || !s->ops->mirror || n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) /* the checks fsc_store_mirror makes */
        if (!steps[i].precinct || !steps[i].alert_id ||
            (steps[i].what == FSC_QMIRROR_CLAIMED && !steps[i].officer))
            return n;
    if (s->ops->mirror_many)
        return s->ops->mirror_many(s, steps, n);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += s->ops->mirror(s, steps[i].precinct, steps[i].alert_id, steps[i].seq,
                                 steps[i].what, steps[i].officer) != FSC_OK;
    return failed;
}

bool fsc_store_has_mirror(const fsc_store *s)
{
    return s && s->ops->mirror;
}
