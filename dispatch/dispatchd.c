/* dispatchd.c: `fraudscan dispatch`'s daemon: the service, its parts, one
 * zmq_poll loop (see dispatchd.h).
 *
 * The main thread owns every ZeroMQ socket but the ZAP handler's. Each
 * round: poll the parts' sockets (at most 10 ms, less when the service has
 * an escalation or expiry due), let each part handle what is ready (the
 * ingest part stores a batch of alerts with one group commit and
 * acknowledges it), run the service's tick about once a second, then let
 * each part send what the service's listener queued. Signals only set
 * flags: SIGTERM/SIGINT end the loop after the round in progress (its batch
 * is committed and acknowledged), SIGHUP reloads roster, tokens and the
 * allowed client keys. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "curve.h"
#include "dconfig.h"
#include "http.h"
#include "ingest.h"

#define MAX_PARTS 4
#define MAX_ITEMS 256

static volatile sig_atomic_t got_stop, got_hup;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        got_hup = 1;
    else
        got_stop = 1;
}

typedef struct dmn {
    fsc_dispatchd d;
    fsc_counters counters;
    fsc_part parts[MAX_PARTS];
    int nparts;
    fsc_http *http;
    fsc_zap *zap;
    /* the roster and tokens files as last seen: a change reloads them */
    const char *watched[2];
    struct stat seen[2];
} dmn;

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The service's listener (lock held): every part sees every entry. */
static void on_entry(void *ctx, uint64_t seq, const char *kind, const char *queue, int level,
                     const char *json, size_t len)
{
    dmn *dm = ctx;
    for (int i = 0; i < dm->nparts; i++)
        dm->parts[i].on_entry(dm->parts[i].state, seq, kind, queue, level, json, len);
    if (dm->http)
        fsc_http_on_entry(dm->http, seq, kind, queue, level, json, len);
}

/* Has a watched file changed since it was last seen (mtime, size, inode:
 * an editor's write-and-rename changes the inode)? Updates what was seen. */
static bool files_changed(dmn *dm)
{
    bool changed = false;
    for (int i = 0; i < 2; i++) {
        struct stat st;
        if (!dm->watched[i] || stat(dm->watched[i], &st) != 0)
            continue; /* gone for now (mid-rename): the old file's rules hold */
        if (st.st_mtim.tv_sec != dm->seen[i].st_mtim.tv_sec ||
            st.st_mtim.tv_nsec != dm->seen[i].st_mtim.tv_nsec ||
            st.st_size != dm->seen[i].st_size || st.st_ino != dm->seen[i].st_ino)
            changed = true;
        dm->seen[i] = st;
    }
    return changed;
}

static void reload(dmn *dm, const char *why)
{
    fsc_diag diag = {0};
    pthread_mutex_lock(&dm->d.lock);
    fsc_status st = fsc_svc_reload(dm->d.svc, NULL, &diag, wall());
    fsc_status cst = fsc_svc_commit(dm->d.svc);
    pthread_mutex_unlock(&dm->d.lock);
    fprintf(stderr, "fraudscan dispatch: %s: roster and tokens %s%s\n", why,
            st == FSC_OK ? "reloaded" : "kept (the new files were refused)",
            cst == FSC_OK ? "" : "; recording the reload failed");
    if (dm->zap) {
        char err[512];
        if (fsc_zap_reload(dm->zap, err, sizeof err) == FSC_OK)
            fprintf(stderr, "fraudscan dispatch: %s: %zu client keys allowed\n", why,
                    fsc_zap_nkeys(dm->zap));
        else
            fprintf(stderr, "fraudscan dispatch: %s: client keys kept: %s\n", why, err);
    }
}

static void tick(dmn *dm, double now)
{
    pthread_mutex_lock(&dm->d.lock);
    if (fsc_svc_tick(dm->d.svc, now) > 0 && fsc_svc_commit(dm->d.svc) != FSC_OK)
        fprintf(stderr, "fraudscan dispatch: storing escalations failed; retried\n");
    pthread_mutex_unlock(&dm->d.lock);
}

static void loop(dmn *dm)
{
    zmq_pollitem_t items[MAX_ITEMS];
    int off[MAX_PARTS], cnt[MAX_PARTS];
    double next_tick = wall();
    while (!got_stop) {
        int n = 0;
        for (int i = 0; i < dm->nparts; i++) {
            off[i] = n;
            cnt[i] = dm->parts[i].pollitems(dm->parts[i].state, items + n, MAX_ITEMS - n);
            n += cnt[i];
        }
        pthread_mutex_lock(&dm->d.lock);
        double due = fsc_svc_next_deadline(dm->d.svc);
        pthread_mutex_unlock(&dm->d.lock);
        if (due > next_tick)
            due = next_tick;
        double wait = due - wall();
        /* flush runs after every poll: the parts' resends, timeouts and
         * catch-up batches (one per flush) have no socket event of their own,
         * so an idle loop still turns 100 times a second */
        if (wait > 0.01)
            wait = 0.01;
        if (wait < 0)
            wait = 0;
        int rc = zmq_poll(items, n, (long)ceil(wait * 1000));
        if (rc < 0 && zmq_errno() != EINTR) {
            fprintf(stderr, "fraudscan dispatch: poll failed: %s\n", zmq_strerror(zmq_errno()));
            break;
        }
        double now = wall();
        if (rc > 0)
            for (int i = 0; i < dm->nparts; i++)
                dm->parts[i].handle(dm->parts[i].state, items + off[i], cnt[i], now);
        if (now >= next_tick || now >= due) {
            tick(dm, now);
            if (now >= next_tick) {
                next_tick = now + 1.0;
                if (files_changed(dm))
                    reload(dm, "the roster or tokens file changed");
            }
        }
        if (got_hup) {
            got_hup = 0;
            files_changed(dm); /* what SIGHUP reads is what is seen now */
            reload(dm, "SIGHUP");
        }
        for (int i = 0; i < dm->nparts; i++)
            dm->parts[i].flush(dm->parts[i].state, now);
    }
}

/* Adds a part; its open function filled p. */
static void add_part(dmn *dm, const fsc_part *p)
{
    dm->parts[dm->nparts++] = *p;
}

int fsc_dispatchd_run(const fsc_dconfig *c)
{
    dmn *dm = calloc(1, sizeof *dm);
    if (!dm) {
        fprintf(stderr, "fraudscan dispatch: out of memory\n");
        return 1;
    }
    int rc = 1;
    char err[512];
    fsc_diag diag = {0};
    fsc_dispatchd *d = &dm->d;
    pthread_mutex_init(&d->lock, NULL);
    d->counters = &dm->counters;
    d->zctx = zmq_ctx_new();
    if (!d->zctx) {
        fprintf(stderr, "fraudscan dispatch: %s\n", zmq_strerror(zmq_errno()));
        goto done;
    }
    if (c->curve_secret) {
        if (fsc_curve_load_server(c->curve_secret, c->curve_public, &d->curve, err,
                                  sizeof err) != FSC_OK) {
            fprintf(stderr, "fraudscan dispatch: %s\n", err);
            goto done;
        }
        /* before any CURVE socket binds: no connection may skip it */
        if (fsc_zap_start(d->zctx, c->curve_clients_dir, d->counters, &d->lock, &dm->zap, err,
                          sizeof err) != FSC_OK) {
            fprintf(stderr, "fraudscan dispatch: %s\n", err);
            goto done;
        }
    }
    fsc_svc_config sc = {
        .journal_dir = c->journal,
        .redis = c->redis,
        .redis_prefix = c->redis_prefix,
        .roster_path = c->roster,
        .tokens_path = c->tokens,
        .paystop_expire_after = c->paystop_expire_after,
    };
    memcpy(sc.escalate_after, c->escalate_after, sizeof sc.escalate_after);
    if (fsc_svc_open(&sc, d->counters, &diag, &d->svc) != FSC_OK) {
        fprintf(stderr, "fraudscan dispatch: cannot open the service (see above)\n");
        goto done;
    }
    fsc_svc_set_listener(d->svc, on_entry, dm);
    dm->watched[0] = c->roster;
    dm->watched[1] = c->tokens;
    files_changed(dm); /* the files as loaded */

    fsc_part p;
    if (fsc_ingest_open(d, c->listen, c->batch, &p, err, sizeof err) != FSC_OK) {
        fprintf(stderr, "fraudscan dispatch: %s\n", err);
        goto done;
    }
    add_part(dm, &p);
    if (c->clients) {
        if (fsc_clients_open(d, c->clients, &p, err, sizeof err) != FSC_OK) {
            fprintf(stderr, "fraudscan dispatch: %s\n", err);
            goto done;
        }
        add_part(dm, &p);
    }
    if (c->nbanks > 0) {
        if (fsc_banks_open(d, c->bank_names, c->bank_endpoints, c->nbanks, &p, err,
                           sizeof err) != FSC_OK) {
            fprintf(stderr, "fraudscan dispatch: %s\n", err);
            goto done;
        }
        add_part(dm, &p);
    }
    if (c->http && fsc_http_start(d, c->http, &dm->http, err, sizeof err) != FSC_OK) {
        fprintf(stderr, "fraudscan dispatch: %s\n", err);
        goto done;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: zmq_poll returns at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    fprintf(stderr, "fraudscan dispatch: started: engines on %s, clients on %s, HTTP on %s, "
                    "%d bank%s, store %s %s, CURVE %s\n",
            c->listen, c->clients ? c->clients : "-", c->http ? c->http : "-", c->nbanks,
            c->nbanks == 1 ? "" : "s", c->redis ? "redis" : "journal",
            c->redis ? c->redis : c->journal, dm->zap ? "on" : "off");
    loop(dm);
    pthread_mutex_lock(&d->lock);
    fsc_counters k = dm->counters;
    pthread_mutex_unlock(&d->lock);
    fprintf(stderr, "fraudscan dispatch: stopped: %llu alerts stored, %llu duplicates, "
                    "%llu malformed, %llu bad messages, %llu commits, %llu failed alert "
                    "commits, %llu CURVE refusals\n",
            (unsigned long long)k.v[FSC_C_DSP_ALERTS], (unsigned long long)k.v[FSC_C_DSP_DUPLICATES],
            (unsigned long long)k.v[FSC_C_DSP_MALFORMED], (unsigned long long)k.v[FSC_C_WIRE_BAD],
            (unsigned long long)k.v[FSC_C_STORE_COMMITS],
            (unsigned long long)k.v[FSC_C_INGEST_COMMIT_FAILURES],
            (unsigned long long)k.v[FSC_C_CURVE_REFUSED]);
    rc = 0;
done:
    fsc_http_stop(dm->http); /* without the lock: a request may wait for it */
    for (int i = dm->nparts - 1; i >= 0; i--)
        dm->parts[i].close(dm->parts[i].state);
    if (d->svc)
        fsc_svc_close(d->svc);
    fsc_zap_stop(dm->zap);
    if (d->zctx)
        zmq_ctx_term(d->zctx);
    pthread_mutex_destroy(&d->lock);
    free(dm);
    return rc;
}
