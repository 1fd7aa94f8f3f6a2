/* run_radius.h: RADIUS accounting followed by `fraudscan run`.
 *
 * identity.radius is read whole before capture starts (so the first packet
 * is already attributed), then followed as the events feed is (a file like
 * tail -F, surviving rotation; or "zmq:ENDPOINT", a PULL socket): a Start
 * that arrives while the engine runs maps its address from then on, a Stop
 * ends it, an Accounting-On/Off ends every session of that NAS.
 *
 * The identity table is looked up by the reader thread (the scorer's), and
 * its run-time changes (fsc_identity_open, commit) move and re-sort rows, so
 * they must not run beside a lookup. Rather than lock every lookup (one per
 * rule hit, on the hot path) for records that come a few per second, a feed
 * thread only reads lines (the blocking part) and hands them over an SPSC
 * ring, as the events feed does; the reader thread parses and applies them
 * between two polls (fsc_run_radius_drain) and commits once per batch. So
 * the table has one writer and one reader, and they are the same thread. */
#ifndef FSC_RUN_RADIUS_H
#define FSC_RUN_RADIUS_H

#include <signal.h>
#include <stdbool.h>

#include "counters.h"
#include "diag.h"
#include "identity.h"

typedef struct fsc_run_radius fsc_run_radius;

/* Applies what `path` holds now to id (borrowed; reader thread) and, when
 * follow is set, starts the thread that follows it; a "zmq:" path is only
 * followed. Bad records are reported through diag as path:line:col and
 * counted in counters (both borrowed, used on the reader thread only).
 * stop ends the feed thread (the flag the caller's signal handler sets).
 * NULL, with the reason reported, when the file cannot be opened, its CSV
 * header is unusable, or memory is short. */
fsc_run_radius *fsc_run_radius_start(const char *path, bool follow, fsc_identity *id,
                                     fsc_diag *diag, fsc_counters *counters,
                                     volatile sig_atomic_t *stop);

/* Reader thread: applies every line queued so far and commits the table
 * when anything changed. Returns how many lines. */
size_t fsc_run_radius_drain(fsc_run_radius *r);

/* Sets the stop flag, joins the thread, frees everything (queued lines are
 * dropped: the engine is stopping). r may be NULL. */
void fsc_run_radius_stop(fsc_run_radius *r);

#endif
