/* run_model.h: the risk model of `fraudscan run`, reloaded like the rules.
 *
 * A reload (SIGHUP, `fraudscan ctl reload`) reads the model file again on
 * the thread that asked for it; the scorer belongs to the reader thread, so
 * a good model is only *handed over* there (one atomic pointer, as rule
 * sets are handed to the pipeline) and the reader swaps it in between two
 * records with fsc_scorer_set_model() and frees the one it replaced. A model
 * file with a mistake is reported as file:line:col, counted in
 * model.reload_failures, and the running model stays.
 *
 *   control / SIGHUP thread                 reader thread (scores)
 *   fsc_run_model_reload()  --pending-->    fsc_run_model_apply()
 *     load + check the file                   fsc_scorer_set_model(new)
 *                                             free the old model
 */
#ifndef FSC_RUN_MODEL_H
#define FSC_RUN_MODEL_H

#include <pthread.h>
#include <stddef.h>

#include "counters.h"
#include "diag.h"
#include "model.h"
#include "score.h"

typedef struct fsc_run_model fsc_run_model;

/* path: the model file (model.file), NULL for the one beside rules_path
 * (models/default.yaml) as fsc_cmd_load_model finds it; both are copied.
 * current is the model the scorer was started with (ownership passes; NULL
 * when the scorer runs its built-in model). model.reloads and
 * model.reload_failures are counted in counters while holding lock (both
 * borrowed; counters may be NULL). NULL when out of memory (current is
 * then not taken). */
fsc_run_model *fsc_run_model_new(const char *path, const char *rules_path, fsc_model *current,
                                 fsc_counters *counters, pthread_mutex_t *lock);

/* Any thread but the reader, one at a time (the caller serialises reloads).
 * Reads and checks the model file again. On success queues it for the
 * reader, waits up to wait_ms for the reader to swap it in, and writes
 * "ok: model VERSION in use\n" to out; returns 0. On failure writes
 * "error: ...\n" followed by each problem as file:line:col lines, counts
 * model.reload_failures, keeps the running model and returns -1. Without
 * a model file (the built-in model) says so and returns 0. */
int fsc_run_model_reload(fsc_run_model *m, long wait_ms, char *out, size_t cap);

/* Reader thread: swaps a queued model into s (may be NULL: the queued
 * model then waits) and frees the model it replaced. Cheap when nothing is
 * queued (one atomic load). Returns 1 when it swapped, else 0. */
int fsc_run_model_apply(fsc_run_model *m, fsc_scorer *s);

/* Any thread: the version of the model in use ("builtin" for the built-in
 * one), copied into buf. */
void fsc_run_model_version(fsc_run_model *m, char *buf, size_t cap);

/* After the reader has stopped: frees the running and any queued model. */
void fsc_run_model_free(fsc_run_model *m);

#endif
