/* state.h: the scorer's state on disk and in Redis.
 *
 * Snapshots: fsc_state_save() writes every tracked person to a file (to
 * FILE.tmp, then renamed over FILE, so a crash mid-write leaves the last
 * good snapshot); fsc_state_restore() loads one back on start. The file
 * says whether it was written at a clean shutdown; when it was not (the
 * engine was killed), the restore reports how old the snapshot is, which is
 * what was lost (at most one --snapshot-interval). Format: docs/model.md.
 *
 * Shared state: fsc_state_redis_open() connects to a Redis server or a
 * Redis Cluster; fsc_scorer_set_store() then keeps each person's record in
 * Redis under one hash-tagged key ("fsc:s:{S1001}"), committed with a
 * server-side Lua compare-and-set, so that engines sharing it raise each
 * alert once between them. */
#ifndef FSC_STATE_H
#define FSC_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "counters.h"
#include "score.h"
#include "status.h"

/* Writes every person s holds to path. clean marks a shutdown snapshot.
 * Returns FSC_OK, or FSC_EIO with the reason in err. */
fsc_status fsc_state_save(const fsc_scorer *s, const char *path, bool clean, char *err,
                          size_t errcap);

typedef struct fsc_state_info {
    fsc_time written;        /* wall clock when it was written */
    fsc_time clock;          /* the scorer's record clock then */
    bool clean;              /* written at a clean shutdown */
    size_t people, dropped;  /* restored; refused as malformed */
} fsc_state_info;

/* Loads a snapshot into s (which should be empty). FSC_OK and *info;
 * FSC_ENOTFOUND when there is no file (a first start); FSC_EMALFORMED when
 * the header or checksum is wrong (nothing is loaded; err says where). */
fsc_status fsc_state_restore(fsc_scorer *s, const char *path, fsc_state_info *info, char *err,
                             size_t errcap);

typedef struct fsc_state_store fsc_state_store;

/* Connects to "host:port" or, for a cluster, a comma-separated seed list
 * "host:port,host:port". A cluster is recognised by CLUSTER SLOTS; its
 * slot map is loaded and MOVED / ASK redirections are followed. A person's
 * key is "PREFIX:{SUBSCRIBER}" (prefix NULL: "fsc:s"); keys expire after
 * ttl (0: 30 days). NULL with the reason in err. */
fsc_state_store *fsc_state_redis_open(const char *seeds, const char *prefix, fsc_time ttl,
                                      fsc_counters *counters, char *err, size_t errcap);
void fsc_state_redis_close(fsc_state_store *st);
/* True when connected to a cluster. */
bool fsc_state_redis_is_cluster(const fsc_state_store *st);

/* Makes s keep its people in st (borrowed; st must outlive s or be unset
 * with NULL first). */
void fsc_scorer_set_store(fsc_scorer *s, fsc_state_store *st);

/* Redis Cluster key slot of a key (CRC16 of its {hash tag}, mod 16384). */
unsigned fsc_state_key_slot(const char *key, size_t len);

#endif
