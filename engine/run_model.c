/* run_model.c: reloading the risk model of `fraudscan run` (run_model.h). */
#include "run_model.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct fsc_run_model {
    char *path;                    /* NULL: beside the rules */
    char *rules_path;
    fsc_model *current;            /* reader thread: what the scorer uses;
                                    * NULL: the scorer's built-in model */
    _Atomic(fsc_model *) pending;  /* loaded, not yet swapped in */
    pthread_mutex_t vlock;         /* guards version (read by any thread) */
    char version[96];
    fsc_counters *counters;
    pthread_mutex_t *lock;
};

fsc_run_model *fsc_run_model_new(const char *path, const char *rules_path, fsc_model *current,
                                 fsc_counters *counters, pthread_mutex_t *lock)
{
    fsc_run_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->path = path ? strdup(path) : NULL;
    m->rules_path = strdup(rules_path ? rules_path : "rules");
    if ((path && !m->path) || !m->rules_path) {
        free(m->path);
        free(m->rules_path);
        free(m);
        return NULL;
    }
    m->current = current;
    atomic_init(&m->pending, NULL);
    pthread_mutex_init(&m->vlock, NULL);
    snprintf(m->version, sizeof m->version, "%s", current ? current->version : "builtin");
    m->counters = counters;
    m->lock = lock;
    return m;
}

/* Diagnostics of a reload, kept as text for the reply. */
typedef struct text {
    char *buf;
    size_t cap, len;
} text;

static void to_text(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                    unsigned long col, const char *msg)
{
    text *t = ctx;
    if (t->len + 1 >= t->cap)
        return;
    int n = snprintf(t->buf + t->len, t->cap - t->len, "%s:%lu:%lu: %s: %s\n",
                     file ? file : "-", line, col, sev == FSC_SEV_ERROR ? "error" : "warning",
                     msg);
    if (n > 0)
        t->len += (size_t)n < t->cap - t->len ? (size_t)n : t->cap - t->len - 1;
}

static void count(fsc_run_model *m, fsc_counter_id id)
{
    if (!m->counters)
        return;
    if (m->lock)
        pthread_mutex_lock(m->lock);
    m->counters->v[id]++;
    if (m->lock)
        pthread_mutex_unlock(m->lock);
}

int fsc_run_model_reload(fsc_run_model *m, long wait_ms, char *out, size_t cap)
{
    char dflt[4096];
    const char *path = m->path ? m->path : fsc_model_default_path(m->rules_path, dflt, sizeof dflt);
    if (!path) {
        snprintf(out, cap, "ok: no model file beside %s; the built-in model is kept\n",
                 m->rules_path);
        return 0;
    }
    int head = snprintf(out, cap, "error: model %s refused; the running model is kept\n", path);
    if (head < 0 || (size_t)head >= cap)
        head = 0;
    text t = {out + head, cap - (size_t)head, 0};
    t.buf[0] = '\0';
    fsc_diag diag = {.fn = to_text, .ctx = &t};
    fsc_model *next = NULL;
    if (fsc_model_load(path, &diag, &next) != FSC_OK) {
        count(m, FSC_C_MODEL_RELOAD_FAILURES);
        return -1;
    }
    char version[96];
    snprintf(version, sizeof version, "%s", next->version);
    /* a model queued by an earlier reload the reader has not reached yet
     * is superseded: the reader never saw it, so it is ours to free */
    fsc_model_free(atomic_exchange(&m->pending, next));
    for (long waited = 0; waited < wait_ms && atomic_load(&m->pending) == next; waited += 10) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    /* next may be freed by now: only the copied version is used */
    count(m, FSC_C_MODEL_RELOADS);
    bool in_use = atomic_load(&m->pending) == NULL;
    snprintf(out, cap, "ok: model %s %s\n", version,
             in_use ? "in use" : "loaded; swapped in at the next record");
    return 0;
}

int fsc_run_model_apply(fsc_run_model *m, fsc_scorer *s)
{
    if (!s || atomic_load_explicit(&m->pending, memory_order_relaxed) == NULL)
        return 0;
    fsc_model *next = atomic_exchange(&m->pending, NULL);
    if (!next)
        return 0;
    fsc_scorer_set_model(s, next);
    fsc_model_free(m->current); /* the scorer no longer refers to it */
    m->current = next;
    pthread_mutex_lock(&m->vlock);
    snprintf(m->version, sizeof m->version, "%s", next->version);
    pthread_mutex_unlock(&m->vlock);
    return 1;
}

void fsc_run_model_version(fsc_run_model *m, char *buf, size_t cap)
{
    pthread_mutex_lock(&m->vlock);
    snprintf(buf, cap, "%s", m->version);
    pthread_mutex_unlock(&m->vlock);
}

void fsc_run_model_free(fsc_run_model *m)
{
    if (!m)
        return;
    fsc_model_free(atomic_exchange(&m->pending, NULL));
    fsc_model_free(m->current);
    pthread_mutex_destroy(&m->vlock);
    free(m->path);
    free(m->rules_path);
    free(m);
}
