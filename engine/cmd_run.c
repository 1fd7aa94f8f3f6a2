/* cmd_run.c: `fraudscan run -c CONFIG`, the engine on a live interface.
 *
 * The main thread reads packets through libpcap (its memory-mapped ring on
 * Linux, sized by capture.buffer_mb) and hands them to the pipeline, whose
 * workers decode and match; it scores and alerts. A control thread answers
 * `fraudscan ctl` on control.endpoint (reload, stats, version); SIGHUP
 * reloads too; SIGINT/SIGTERM stop after draining what was captured.
 *
 * Rule reloads are compiled on the control thread (or a thread of their
 * own for SIGHUP), beside the running set: capture never waits for them. */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "alert.h"
#include "capture.h"
#include "cmd.h"
#include "config.h"
#include "events.h"
#include "identity.h"
#include "metrics_http.h"
#include "model.h"
#include "pipeline.h"
#include "radius.h"
#include "rules.h"
#include "run_events.h"
#include "run_model.h"
#include "run_radius.h"
#include "state.h"

static volatile sig_atomic_t got_stop, got_hup, events_stop;
static pcap_t *live; /* for pcap_breakloop from the signal handler */

static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        got_hup = 1;
        return;
    }
    got_stop = 1;
    events_stop = 1;
    if (live)
        pcap_breakloop(live);
}

typedef struct run {
    fsc_pipeline *pipe;
    const char *rules_path;
    const char *rules_cache;   /* NULL: the default cache directory */
    pthread_mutex_t lock;      /* guards what the control thread reads */
    fsc_counters counters;     /* feeds, outputs, reloads (main thread) */
    struct pcap_stat ps;       /* last libpcap statistics */
    bool have_ps;
    time_t rules_loaded;       /* wall clock of the last successful load */
    atomic_bool reloading;
    atomic_bool control_stop;
    void *zctx;
    const char *control;
    pthread_t control_thread;
    bool control_started;
    fsc_run_model *model;      /* reloaded with the rules (run_model.h) */
} run;

/* Compiles the rules beside the running set and hands them over. Writes a
 * one-line (or, on failure, multi-line) report into out. */
static void reload_rules(run *r, char *out, size_t cap)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fsc_diag_text text = {.end = "\n"}; /* a line each in the `ctl reload` reply */
    fsc_diag diag = {.fn = fsc_diag_to_text, .ctx = &text};
    fsc_ruleset *next = NULL;
    fsc_status st = fsc_cmd_load_rules(r->rules_path, r->rules_cache, &diag, &next);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    pthread_mutex_lock(&r->lock);
    if (st != FSC_OK) {
        r->counters.v[FSC_C_RULES_RELOAD_FAILURES]++;
        pthread_mutex_unlock(&r->lock);
        snprintf(out, cap, "error: rules in %s refused; the running set is kept\n%s",
                 r->rules_path, text.buf);
        fprintf(stderr, "fraudscan run: reload refused; the running set is kept\n%s", text.buf);
        return;
    }
    pthread_mutex_unlock(&r->lock);
    char version[64];
    snprintf(version, sizeof version, "%s", fsc_ruleset_version(next));
    /* the previous swap may still be waiting for a worker: wait for it */
    for (int i = 0; i < 500 && fsc_pipeline_reload(r->pipe, next) == FSC_ELIMIT; i++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        if (i == 499) {
            fsc_ruleset_free(next);
            snprintf(out, cap, "error: the previous rule set is still in use; try again\n");
            return;
        }
    }
    /* answer once the reader has swapped it in (it does so within its
     * next poll, 100 ms at most when idle) */
    for (int i = 0; i < 500; i++) {
        char now[64];
        fsc_pipeline_ruleset_version(r->pipe, now, sizeof now);
        if (strcmp(now, version) == 0)
            break;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&r->lock);
    r->counters.v[FSC_C_RULES_RELOADS]++;
    r->rules_loaded = time(NULL);
    pthread_mutex_unlock(&r->lock);
    snprintf(out, cap, "ok: rules %s compiled in %.0f ms and in use\n", version, ms);
    fprintf(stderr, "fraudscan run: %s", out);
}

/* The rules, then the model: each is kept when its new version is refused,
 * and the report has a line (or, refused, a block) for each. */
static void reload(run *r, char *out, size_t cap)
{
    bool expected = false;
    if (!atomic_compare_exchange_strong(&r->reloading, &expected, true)) {
        snprintf(out, cap, "error: a reload is already running\n");
        return;
    }
    reload_rules(r, out, cap);
    size_t n = strlen(out);
    if (r->model && n + 1 < cap) {
        fsc_run_model_reload(r->model, 5000, out + n, cap - n);
        fprintf(stderr, "fraudscan run: %s", out + n);
    }
    atomic_store(&r->reloading, false);
}

static void *hup_reload(void *arg)
{
    char out[4608];
    reload(arg, out, sizeof out);
    return NULL;
}

/* Every counter now into *all: the pipeline's, the main thread's and
 * libpcap's last figures; returns when the running rules were loaded.
 * What `ctl stats` and /metrics show, so they agree. */
static time_t counters_now(run *r, fsc_counters *all)
{
    fsc_pipeline_counters(r->pipe, all);
    pthread_mutex_lock(&r->lock);
    fsc_counters_add(all, &r->counters);
    if (r->have_ps) {
        all->v[FSC_C_KERNEL_RECEIVED] = r->ps.ps_recv;
        all->v[FSC_C_KERNEL_DROPS] = r->ps.ps_drop;
        all->v[FSC_C_IFACE_DROPS] = r->ps.ps_ifdrop;
    }
    time_t loaded = r->rules_loaded;
    pthread_mutex_unlock(&r->lock);
    return loaded;
}

/* The counters as "name value" lines, libpcap's own figures first. */
static size_t stats_text(run *r, char *buf, size_t cap)
{
    fsc_counters all;
    time_t loaded = counters_now(r, &all);
    char version[64];
    fsc_pipeline_ruleset_version(r->pipe, version, sizeof version);
    size_t n = 0;
    struct tm tm;
    gmtime_r(&loaded, &tm);
    n += (size_t)snprintf(buf + n, cap - n,
                          "rules.version %s\nrules.loaded %04d-%02d-%02dT%02d:%02d:%02dZ\n",
                          version, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                          tm.tm_min, tm.tm_sec);
    if (r->model) {
        fsc_run_model_version(r->model, version, sizeof version);
        n += (size_t)snprintf(buf + n, cap - n, "model.version %s\n", version);
    }
    for (unsigned i = 0; i < FSC_C_COUNT && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s %llu\n", fsc_counter_name(i),
                              (unsigned long long)all.v[i]);
    return n < cap ? n : cap - 1;
}

/* GET /metrics (metrics.listen): the counters `ctl stats` shows, as
 * Prometheus text, plus alerts by level as one labelled family and the
 * rule set in use. Runs on the metrics server's thread. */
static void metrics_collect(void *ctx, fsc_mtext *t)
{
    run *r = ctx;
    fsc_counters all;
    time_t loaded = counters_now(r, &all);
    fsc_metrics_counters(t, "fsc_engine", &all, 1);
    static const char *const levels[] = {"low", "medium", "high", "critical"};
    fsc_mtext_printf(t, "# TYPE fsc_engine_alerts_total counter\n");
    for (int i = 0; i < 4; i++)
        fsc_mtext_printf(t, "fsc_engine_alerts_total{level=\"%s\"} %llu\n", levels[i],
                         (unsigned long long)all.v[FSC_C_ALERT_LOW + i]);
    char version[64];
    fsc_pipeline_ruleset_version(r->pipe, version, sizeof version);
    fsc_mtext_printf(t, "# TYPE fsc_engine_rules_loaded_timestamp_seconds gauge\n"
                        "fsc_engine_rules_loaded_timestamp_seconds{version=\"%s\"} %lld\n",
                     version, (long long)loaded);
}

static void *control_main(void *arg)
{
    run *r = arg;
    void *rep = zmq_socket(r->zctx, ZMQ_REP);
    int linger = 0, timeout = 200;
    zmq_setsockopt(rep, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(rep, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_bind(rep, r->control) != 0) {
        fprintf(stderr, "fraudscan run: control socket %s: %s\n", r->control,
                zmq_strerror(zmq_errno()));
        zmq_close(rep);
        return NULL;
    }
    static char out[65536];
    while (!atomic_load(&r->control_stop)) {
        char req[64];
        int n = zmq_recv(rep, req, sizeof req - 1, 0);
        if (n < 0)
            continue; /* timeout: look at control_stop again */
        req[n < (int)sizeof req - 1 ? n : (int)sizeof req - 1] = '\0';
        size_t len;
        if (strcmp(req, "reload") == 0) {
            reload(r, out, sizeof out);
            len = strlen(out);
        } else if (strcmp(req, "stats") == 0) {
            len = stats_text(r, out, sizeof out);
        } else if (strcmp(req, "version") == 0) {
            char v[64];
            fsc_pipeline_ruleset_version(r->pipe, v, sizeof v);
            len = (size_t)snprintf(out, sizeof out, "fraudscan %s, rules %s\n", FSC_VERSION, v);
        } else {
            len = (size_t)snprintf(out, sizeof out,
                                   "error: unknown request '%s' (reload, stats, version)\n", req);
        }
        zmq_send(rep, out, len, 0);
    }
    zmq_close(rep);
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: fraudscan run -c CONFIG\n"
               "  captures from capture.interface (or reads capture.file) and raises alerts;\n"
               "  the keys are in docs/operations.md\n");
}

/* Opens the live capture described by cfg; NULL with the reason on stderr. */
static pcap_t *open_live(const fsc_config *cfg, const char *iface, fsc_diag *diag, bool *ok)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    long snaplen = fsc_config_long(cfg, "capture.snaplen", 65535, 64, 262144, diag, ok);
    long buffer_mb = fsc_config_long(cfg, "capture.buffer_mb", 64, 1, 65536, diag, ok);
    bool promisc = fsc_config_bool(cfg, "capture.promisc", true, diag, ok);
    const char *bpf = fsc_config_str(cfg, "capture.bpf", NULL);
    if (!*ok)
        return NULL;
    pcap_t *pc = pcap_create(iface, err);
    if (!pc) {
        fprintf(stderr, "fraudscan run: %s: %s\n", iface, err);
        return NULL;
    }
    pcap_set_snaplen(pc, (int)snaplen);
    pcap_set_promisc(pc, promisc);
    pcap_set_buffer_size(pc, (int)(buffer_mb << 20));
    pcap_set_timeout(pc, 100); /* wake at least every 100 ms when idle */
    pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_MICRO);
    int rc = pcap_activate(pc);
    if (rc < 0) {
        fprintf(stderr, "fraudscan run: cannot capture on %s: %s\n", iface, pcap_geterr(pc));
        pcap_close(pc);
        return NULL;
    }
    if (rc > 0)
        fprintf(stderr, "fraudscan run: %s: warning: %s\n", iface, pcap_geterr(pc));
    if (pcap_setnonblock(pc, 1, err) != 0 || pcap_get_selectable_fd(pc) < 0) {
        fprintf(stderr, "fraudscan run: %s: cannot poll the capture: %s\n", iface, err);
        pcap_close(pc);
        return NULL;
    }
    if (bpf) {
        struct bpf_program prog;
        if (pcap_compile(pc, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
            pcap_setfilter(pc, &prog) != 0) {
            fprintf(stderr, "fraudscan run: capture.bpf '%s': %s\n", bpf, pcap_geterr(pc));
            pcap_close(pc);
            return NULL;
        }
        pcap_freecode(&prog);
    }
    return pc;
}

typedef struct live_ctx {
    fsc_pipeline *pipe;
    int linktype;
    uint64_t frame;
} live_ctx;

static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
    live_ctx *c = (live_ctx *)arg;
    fsc_pipeline_frame(c->pipe, c->linktype, (fsc_time)h->ts.tv_sec * 1000000 + h->ts.tv_usec,
                       ++c->frame, data, h->caplen);
}

static void print_stats(run *r, FILE *f)
{
    static char buf[65536];
    stats_text(r, buf, sizeof buf);
    /* non-zero counters only, as in the replay summary */
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        const char *sp = strrchr(line, ' ');
        if (sp && strcmp(sp, " 0") != 0)
            fprintf(f, "  %s\n", line);
        if (!nl)
            break;
        line = nl + 1;
    }
}

int fsc_cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config_path = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!config_path) {
        usage(stderr);
        return 2;
    }

    int rc = 1;
    fsc_diag diag = {0};
    fsc_config *cfg = NULL;
    fsc_ruleset *rules = NULL;
    fsc_identity *identity = NULL;
    fsc_profiles *profiles = NULL;
    fsc_alert_sink *sink = NULL;
    FILE *alerts_file = NULL;
    fsc_capture *file = NULL;
    pcap_t *pc = NULL;
    fsc_model *model = NULL;
    fsc_state_store *store = NULL;
    fsc_run_events *events = NULL;
    fsc_run_radius *radius_feed = NULL;
    fsc_metrics_http *metrics = NULL;
    run r;
    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.lock, NULL);
    atomic_init(&r.reloading, false);
    atomic_init(&r.control_stop, false);

    if (fsc_config_load(config_path, &diag, &cfg) != FSC_OK)
        goto done;
    bool ok = true;
    long workers = fsc_config_long(cfg, "capture.workers", 1, 1, 64, &diag, &ok);
    long interval = fsc_config_long(cfg, "stats.interval", 0, 0, 86400, &diag, &ok);
    const char *iface = fsc_config_str(cfg, "capture.interface", NULL);
    const char *capfile = fsc_config_str(cfg, "capture.file", NULL);
    if (!ok)
        goto done;
    if (!iface == !capfile) {
        fprintf(stderr, "fraudscan run: %s: set exactly one of capture.interface and "
                        "capture.file\n", config_path);
        goto done;
    }
    r.rules_path = fsc_config_str(cfg, "rules.path", "rules");
    r.rules_cache = fsc_config_str(cfg, "rules.cache", NULL);
    if (fsc_cmd_load_rules(r.rules_path, r.rules_cache, &diag, &rules) != FSC_OK) {
        fprintf(stderr, "fraudscan run: rules in %s refused\n", r.rules_path);
        goto done;
    }
    r.rules_loaded = time(NULL);
    const char *idp = fsc_config_str(cfg, "identity.file", NULL);
    const char *prp = fsc_config_str(cfg, "profiles.file", NULL);
    if (idp && fsc_identity_load(idp, &diag, &r.counters, &identity) != FSC_OK)
        goto done;
    const char *radius = fsc_config_str(cfg, "identity.radius", NULL);
    if (radius) { /* RADIUS accounting on top of the static table, then followed */
        bool follow = fsc_config_bool(cfg, "identity.radius_follow", true, &diag, &ok);
        if (!ok || (!identity && !(identity = fsc_identity_new())))
            goto done;
        radius_feed = fsc_run_radius_start(radius, follow, identity, &diag, &r.counters,
                                           &events_stop);
        if (!radius_feed)
            goto done;
    }
    if (prp && fsc_profiles_load(prp, &diag, &r.counters, &profiles) != FSC_OK)
        goto done;

    /* the same model replay uses, so live and replayed alerts agree */
    if (fsc_cmd_load_model("run", fsc_config_str(cfg, "model.file", NULL), r.rules_path, false,
                           &diag, &model) != 0)
        goto done;
    long snap = fsc_config_long(cfg, "state.snapshot_interval", 60, 1, 86400, &diag, &ok);
    const char *state_path = fsc_config_str(cfg, "state.file", NULL);
    const char *state_redis = fsc_config_str(cfg, "state.redis", NULL);
    if (!ok)
        goto done;
    if (state_redis) {
        char serr[512];
        store = fsc_state_redis_open(state_redis, fsc_config_str(cfg, "state.redis_prefix", NULL),
                                     0, &r.counters, serr, sizeof serr);
        if (!store) {
            fprintf(stderr, "fraudscan run: state.redis: %s\n", serr);
            goto done;
        }
    }
    const char *events_path = fsc_config_str(cfg, "events.file", NULL);
    fsc_event_reader *reader = NULL;
    if (events_path) {
        fsc_events_options eo = {
            .follow = fsc_config_bool(cfg, "events.follow", true, &diag, &ok),
            .dead_letter = fsc_config_str(cfg, "events.dead_letter", NULL),
            .stop = &events_stop,
        };
        if (!ok)
            goto done;
        reader = fsc_events_open_ex(events_path, &eo, &diag, &r.counters);
        if (!reader)
            goto done;
        events = fsc_run_events_start(reader, &events_stop);
        if (!events) {
            fsc_events_close(reader);
            fprintf(stderr, "fraudscan run: cannot start the events feed\n");
            goto done;
        }
    }

    fsc_alert_sink_config sc = {0};
    const char *ap = fsc_config_str(cfg, "alerts.file", NULL);
    if (ap) {
        alerts_file = fopen(ap, "a");
        if (!alerts_file) {
            fprintf(stderr, "fraudscan run: alerts.file %s: %s\n", ap, strerror(errno));
            goto done;
        }
    }
    sc.out = alerts_file ? alerts_file : stdout;
    sc.publish = fsc_config_str(cfg, "alerts.publish", NULL);
    sc.redis = fsc_config_str(cfg, "alerts.redis", NULL);
    sc.redis_stream = fsc_config_str(cfg, "alerts.redis_stream", NULL);
    sc.dispatch = fsc_config_str(cfg, "alerts.dispatch", NULL);
    sc.spool_dir = fsc_config_str(cfg, "alerts.spool", NULL);
    sc.curve_server_key = fsc_config_str(cfg, "alerts.curve_server_key", NULL);
    sc.curve_key = fsc_config_str(cfg, "alerts.curve_key", NULL);
    long dwait = fsc_config_long(cfg, "alerts.dispatch_wait", 5, 0, 86400, &diag, &ok);
    sc.dispatch_wait_ms = dwait ? (int)(dwait * 1000) : 1; /* 0: do not wait */
    if (!ok)
        goto done;
    char err[512];
    sink = fsc_alert_sink_open(&sc, &r.counters, err, sizeof err);
    if (!sink) {
        fprintf(stderr, "fraudscan run: %s\n", err);
        goto done;
    }

    if (iface) {
        pc = open_live(cfg, iface, &diag, &ok);
        if (!pc)
            goto done;
    } else {
        file = fsc_capture_open(capfile, err, sizeof err);
        if (!file) {
            fprintf(stderr, "fraudscan run: %s\n", err);
            goto done;
        }
    }

    fsc_scorer *scorer = NULL; /* the reader thread's, for model swaps */
    fsc_score_config scfg = {
        .created = &scorer,
        .model = model,
        .counters = &r.counters,
        .store = store,
        .state_path = state_path,
        .snapshot_interval = (int)snap,
    };
    fsc_pipeline_config pcfg = {.workers = (int)workers,
                                .identity = identity,
                                .profiles = profiles,
                                .sink = sink,
                                .score = &scfg};
    fsc_ruleset *owned = rules;
    rules = NULL;
    if (fsc_pipeline_new(&pcfg, owned, &r.pipe) != FSC_OK) {
        fprintf(stderr, "fraudscan run: cannot start the pipeline (out of memory)\n");
        goto done;
    }
    r.model = fsc_run_model_new(fsc_config_str(cfg, "model.file", NULL), r.rules_path, model,
                                &r.counters, &r.lock);
    if (!r.model)
        goto done;
    model = NULL; /* r.model owns it now */

    r.control = fsc_config_str(cfg, "control.endpoint", NULL);
    if (r.control) {
        r.zctx = zmq_ctx_new();
        if (pthread_create(&r.control_thread, NULL, control_main, &r) == 0)
            r.control_started = true;
    }
    const char *mlisten = fsc_config_str(cfg, "metrics.listen", NULL);
    if (mlisten &&
        fsc_metrics_http_start(mlisten, metrics_collect, &r, &metrics, err, sizeof err) != FSC_OK) {
        fprintf(stderr, "fraudscan run: metrics.listen: %s\n", err);
        goto done;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    live = pc;

    fprintf(stderr, "fraudscan run: %s on %s, %ld worker%s, rules %s\n",
            iface ? "capturing" : "reading", iface ? iface : capfile, workers,
            workers == 1 ? "" : "s", fsc_ruleset_version(owned));
    live_ctx lc = {r.pipe, pc ? pcap_datalink(pc) : fsc_capture_linktype(file), 0};
    time_t last_stats = time(NULL), last_print = last_stats;
    while (!got_stop) {
        if (pc) {
            /* our own poll(): libpcap's TPACKET_V3 timeout does not start
             * before the first packet, and an idle link must still have
             * its queued hits scored and its reloads completed */
            struct pollfd pfd = {pcap_get_selectable_fd(pc), POLLIN, 0};
            if (poll(&pfd, 1, 100) > 0) {
                int n = pcap_dispatch(pc, 512, on_packet, (u_char *)&lc);
                if (n == PCAP_ERROR) {
                    fprintf(stderr, "fraudscan run: capture failed: %s\n", pcap_geterr(pc));
                    break;
                }
            }
            fsc_pipeline_poll(r.pipe);
        } else {
            fsc_frame fr;
            fsc_status st = fsc_capture_next(file, &fr, err, sizeof err);
            if (st != FSC_OK) {
                if (st != FSC_EOF)
                    fprintf(stderr, "fraudscan run: %s: %s\n", capfile, err);
                break;
            }
            fsc_pipeline_frame(r.pipe, lc.linktype, fr.ts, fr.number, fr.data, fr.caplen);
        }
        if (events)
            fsc_run_events_drain(events, r.pipe);
        fsc_run_model_apply(r.model, scorer);
        fsc_run_radius_drain(radius_feed);
        if (got_hup) {
            got_hup = 0;
            pthread_t t;
            if (pthread_create(&t, NULL, hup_reload, &r) == 0)
                pthread_detach(t);
        }
        time_t now = time(NULL);
        if (pc && now != last_stats) {
            struct pcap_stat ps;
            last_stats = now;
            if (pcap_stats(pc, &ps) == 0) {
                pthread_mutex_lock(&r.lock);
                r.ps = ps;
                r.have_ps = true;
                pthread_mutex_unlock(&r.lock);
            }
        }
        if (interval && now - last_print >= interval) {
            last_print = now;
            fprintf(stderr, "fraudscan run: counters\n");
            print_stats(&r, stderr);
        }
    }
    /* a capture file is over: the feed's remaining events, then stop */
    fsc_run_events_stop(events, r.pipe);
    events = NULL;
    fsc_pipeline_drain(r.pipe);
    if (pc) {
        struct pcap_stat ps;
        if (pcap_stats(pc, &ps) == 0) {
            pthread_mutex_lock(&r.lock);
            r.ps = ps;
            r.have_ps = true;
            pthread_mutex_unlock(&r.lock);
        }
    }
    fprintf(stderr, "fraudscan run: stopped\n");
    print_stats(&r, stderr);
    rc = 0;
done:
    fsc_metrics_http_stop(metrics); /* before the pipeline it reads */
    if (r.control_started) {
        atomic_store(&r.control_stop, true);
        pthread_join(r.control_thread, NULL);
    }
    while (atomic_load(&r.reloading)) { /* a SIGHUP reload still compiling */
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    fsc_run_events_stop(events, NULL); /* only on an early failure */
    fsc_run_radius_stop(radius_feed);
    fsc_pipeline_free(r.pipe);
    fsc_run_model_free(r.model); /* after the scorer that used it */
    fsc_state_redis_close(store);
    fsc_model_free(model);
    if (r.zctx)
        zmq_ctx_term(r.zctx);
    live = NULL;
    if (pc)
        pcap_close(pc);
    fsc_capture_close(file);
    fsc_alert_sink_close(sink);
    if (alerts_file)
        fclose(alerts_file);
    fsc_profiles_free(profiles);
    fsc_identity_free(identity);
    fsc_ruleset_free(rules);
    fsc_config_free(cfg);
    pthread_mutex_destroy(&r.lock);
    return rc;
}
