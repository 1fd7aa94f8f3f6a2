/* run_events.h: the app-install feed of `fraudscan run`, on a thread.
 *
 * fsc_events_next() blocks (a followed file, a ZeroMQ socket) while the
 * capture loop must not: a thread reads the feed and hands each event over
 * an SPSC ring as a flat copy; the capture loop takes them between two
 * polls and passes them to fsc_pipeline_event(). A full ring makes the feed
 * thread wait (the feed is not lost, it is read later). */
#ifndef FSC_RUN_EVENTS_H
#define FSC_RUN_EVENTS_H

#include <signal.h>

#include "events.h"
#include "pipeline.h"

typedef struct fsc_run_events fsc_run_events;

/* Starts reading `reader` (taken over: closed by fsc_run_events_stop).
 * `stop` is the flag the reader was opened with: set it to end the feed.
 * NULL when out of memory. */
fsc_run_events *fsc_run_events_start(fsc_event_reader *reader, volatile sig_atomic_t *stop);

/* Capture loop: passes every event queued so far to the pipeline. Returns
 * how many. */
size_t fsc_run_events_drain(fsc_run_events *e, fsc_pipeline *p);

/* Sets the stop flag, joins the thread, drains what is left into p (which
 * may be NULL) and frees everything. */
void fsc_run_events_stop(fsc_run_events *e, fsc_pipeline *p);

#endif
