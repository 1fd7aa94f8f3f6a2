/* roster.h: who is on duty for which precinct, when.
 *
 * A YAML file the service reloads (on SIGHUP, on an admin's request, and
 * when its mtime changes; a broken new file is reported with file:line:col
 * and the old roster stays):
 *
 *   desk: DESK                 # the city duty desk's queue
 *   shifts:
 *     - officer: o.chen
 *       precincts: [P-EAST]
 *       from: 2026-11-29T08:00:00Z
 *       to:   2026-11-29T20:00:00Z
 *     - officer: d.desk
 *       precincts: [DESK]
 *       weekly: "Mon-Sun 00:00-24:00"   # a recurring shift instead of from/to (UTC)
 *
 * Routing: an alert for precinct P at time t goes to P's queue when someone
 * is on duty for P at t, otherwise to the desk's queue (the fallback is
 * recorded in the alert's "stored" entry). */
#ifndef FSC_ROSTER_H
#define FSC_ROSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "status.h"

typedef struct fsc_roster fsc_roster;

/* Loads the roster file at path. FSC_OK and *out (the caller frees it with
 * fsc_roster_free), or FSC_EIO (unreadable) / FSC_EMALFORMED / FSC_ELIMIT
 * with every problem reported through diag as file:line:col. */
fsc_status fsc_roster_load(const char *path, fsc_diag *diag, fsc_roster **out);
/* The same from len bytes at buf (never read past; no NUL needed); name is
 * the file name diagnostics give. At most FSC_ROSTER_MAX_BYTES. */
#define FSC_ROSTER_MAX_BYTES (4 * 1024 * 1024)
#define FSC_ROSTER_MAX_SHIFTS 10000
fsc_status fsc_roster_load_buf(const char *name, const char *buf, size_t len, fsc_diag *diag,
                               fsc_roster **out);
void fsc_roster_free(fsc_roster *r);
/* SHA-256 of the file's bytes, 64 hex digits (the "reload" entry's digest). */
const char *fsc_roster_digest(const fsc_roster *r);

/* The desk's queue name ("DESK" unless the file says otherwise). */
const char *fsc_roster_desk(const fsc_roster *r);
/* Is anyone on duty for precinct at unix time t? */
bool fsc_roster_covered(const fsc_roster *r, const char *precinct, double t);
/* The queue an alert for precinct at t goes to: precinct or the desk. */
const char *fsc_roster_route(const fsc_roster *r, const char *precinct, double t);
/* Calls fn for each officer on duty for precinct at t (for pushes). */
void fsc_roster_on_duty(const fsc_roster *r, const char *precinct, double t,
                        void (*fn)(void *ctx, const char *officer), void *ctx);

#endif
