/* cmd_replay.c: `fraudscan replay`, the whole engine over recorded input.
 *
 * Captures are read in the order given; install events are merged in by
 * time, so evidence reaches the scorer in the order it happened and a replay
 * raises the alerts the live engine would have. With --workers N (N > 1)
 * frames are spread over N worker threads as `fraudscan run` does. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "alert.h"
#include "capture.h"
#include "cmd.h"
#include "events.h"
#include "field.h"
#include "identity.h"
#include "model.h"
#include "pipeline.h"
#include "radius.h"
#include "rules.h"
#include "score.h"
#include "state.h"

typedef struct replay {
    fsc_pipeline *pipe;
    fsc_event_reader *events;
    fsc_record event;        /* the next event, when have_event */
    int have_event;
    fsc_counters counters;   /* feeds, alert outputs, capture errors */
    int input_errors;
    int progress;            /* stderr is a terminal: show a progress line */
} replay;

static void next_event(replay *r)
{
    r->have_event = r->events && fsc_events_next(r->events, &r->event) == FSC_OK;
}

/* Feeds every event that happened at or before `until`. */
static void drain_events(replay *r, fsc_time until)
{
    while (r->have_event && r->event.ts <= until) {
        fsc_pipeline_event(r->pipe, &r->event, fsc_events_meta(r->events));
        next_event(r);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One line, rewritten in place: where we are in the file, the rate and
 * what is left. Only on a terminal; logs get the summary alone. */
static void show_progress(const fsc_capture *cap, const char *path, uint64_t frames, double t0)
{
    double el = now_s() - t0;
    uint64_t off = fsc_capture_offset(cap), size = fsc_capture_size(cap);
    double pct = size ? 100.0 * (double)off / (double)size : 0.0;
    double rate = el > 0 ? (double)frames / el : 0.0;
    double eta = off && size > off ? el * (double)(size - off) / (double)off : 0.0;
    fprintf(stderr, "\r\033[K%s: %.1f%% of %.1f MB, %llu frames, %.0f frames/s, ETA %.0f s",
            path, pct, (double)size / 1e6, (unsigned long long)frames, rate, eta);
}

static void replay_capture(replay *r, const char *path)
{
    char err[512];
    fsc_capture *cap = fsc_capture_open(path, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "fraudscan replay: %s\n", err);
        r->counters.v[FSC_C_CAPTURE_ERRORS]++;
        r->input_errors++;
        return;
    }
    int lt = fsc_capture_linktype(cap);
    bool stable = fsc_capture_stable(cap);
    fsc_frame fr;
    fsc_status st;
    double t0 = now_s(), shown = t0;
    while ((st = fsc_capture_next(cap, &fr, err, sizeof err)) == FSC_OK) {
        drain_events(r, fr.ts);
        if (stable) /* a mapped file: workers read the frames in place */
            fsc_pipeline_frame_borrowed(r->pipe, lt, fr.ts, fr.number, fr.data, fr.caplen);
        else
            fsc_pipeline_frame(r->pipe, lt, fr.ts, fr.number, fr.data, fr.caplen);
        if (r->progress && (fr.number & 4095) == 0 && now_s() - shown >= 0.5) {
            shown = now_s();
            show_progress(cap, path, fr.number, t0);
        }
    }
    if (r->progress && shown != t0)
        fputs("\r\033[K", stderr);
    if (st != FSC_EOF) {
        fprintf(stderr, "fraudscan replay: %s: %s\n", path, err);
        r->counters.v[FSC_C_CAPTURE_ERRORS]++;
        r->input_errors++;
    }
    if (stable)
        fsc_pipeline_drain(r->pipe); /* nothing may point into the mapping after close */
    fsc_capture_close(cap);
}

/* --hits: one line per rule hit, tab-separated:
 *   frame:N | line:N, src, dst ('-' for events), field, value, rule id
 * Bytes a line or a column could be confused by (control characters such
 * as tab and newline, DEL, backslash) are written as \xHH; other bytes,
 * UTF-8 names and labels among them, as they are. A value cut on its way
 * from a worker (longer than FSC_EVIDENCE_VALUE_MAX) ends in "...". */
static void write_hit(void *ctx, const fsc_rule *rule, const fsc_value *v, bool cut,
                      const fsc_record *rec)
{
    FILE *f = ctx;
    char a[FSC_ADDR_STRLEN], b[FSC_ADDR_STRLEN];
    if (rec->source == FSC_SRC_TRAFFIC)
        fprintf(f, "frame:%llu\t%s\t%s\t", (unsigned long long)rec->frame,
                fsc_addr_format(&rec->src, a), fsc_addr_format(&rec->dst, b));
    else
        fprintf(f, "line:%llu\t-\t-\t", (unsigned long long)rec->line);
    fputs(fsc_field_name(v->field), f);
    fputc('\t', f);
    for (size_t i = 0; i < v->len; i++) {
        unsigned char ch = (unsigned char)v->ptr[i];
        if (ch < 0x20 || ch == 0x7f || ch == '\\')
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
    if (cut) /* marked as alert evidence is */
        fputs("...", f);
    fprintf(f, "\t%s\n", rule->id);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fraudscan replay [options] [CAPTURE...]\n"
            "  --rules PATH          rule file or directory (default: rules)\n"
            "  --rules-cache DIR     compiled-rule cache (default ~/.cache/fraudscan; '-' or 'none':\n"
            "                        no cache)\n"
            "  --events FILE         app-install events, JSON lines ('-': stdin)\n"
            "  --identity FILE       IP -> subscriber, precinct (CSV)\n"
            "  --radius FILE         RADIUS accounting (JSON lines or CSV), after --identity\n"
            "  --profiles FILE       subscriber -> age band, occupation (CSV)\n"
            "  --profiles-redis HOST:PORT[/PREFIX]  profiles from Redis hashes PREFIX:SUBSCRIBER\n"
            "  --alerts FILE         write alert JSON lines here (default: stdout)\n"
            "  --publish ENDPOINT    publish alerts on a ZeroMQ PUB socket\n"
            "  --wait-subscribers N  before the first alert, wait for N subscribers (5 s)\n"
            "  --redis HOST:PORT     also append alerts to a Redis stream\n"
            "  --redis-stream KEY    the stream's key (default: fsc:alerts)\n"
            "  --dispatch ENDPOINT   send alerts to dispatch (its dispatch.listen), through\n"
            "  --spool DIR           ... this spool: kept until dispatch stored them\n"
            "  --curve-server-key F  dispatch's CURVE public key file (with --curve-key)\n"
            "  --curve-key FILE      this engine's CURVE secret key file\n"
            "  --dispatch-wait S     at the end, wait up to S s for dispatch (default 5)\n"
            "  --workers N           worker threads for traffic (default 1: inline)\n"
            "  --model FILE          scoring model (default: RULES/../models/default.yaml)\n"
            "  --state FILE          snapshot of the scorer: restored on start, written at exit\n"
            "  --snapshot-interval S also write the snapshot every S seconds\n"
            "  --state-redis ADDRS   people's state in Redis: HOST:PORT, or a cluster seed\n"
            "                        list HOST:PORT,HOST:PORT,...\n"
            "  --state-redis-prefix P  key prefix (default fsc:s; keys P:{SUBSCRIBER})\n"
            "  --follow              follow --events like tail -F (rotation survives)\n"
            "  --dead-letter FILE    append bad event lines here as JSON\n"
            "  --max-skew S          refuse events S seconds off the feed's clock (172800)\n"
            "  --hits FILE           write every rule hit here, one per line (TSV: where,\n"
            "                        src, dst, field, value, rule), in input order\n"
            "  --quiet               no run summary on stderr\n");
}

int fsc_cmd_replay(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"rules-cache", required_argument, NULL, 'C'},
        {"events", required_argument, NULL, 'e'},
        {"identity", required_argument, NULL, 'i'},
        {"profiles", required_argument, NULL, 'p'},
        {"alerts", required_argument, NULL, 'a'},
        {"publish", required_argument, NULL, 'P'},
        {"wait-subscribers", required_argument, NULL, 'w'},
        {"redis", required_argument, NULL, 'R'},
        {"redis-stream", required_argument, NULL, 'S'},
        {"workers", required_argument, NULL, 'W'},
        {"model", required_argument, NULL, 'M'},
        {"state", required_argument, NULL, 1001},
        {"snapshot-interval", required_argument, NULL, 1002},
        {"state-redis", required_argument, NULL, 1003},
        {"follow", no_argument, NULL, 1004},
        {"dead-letter", required_argument, NULL, 1005},
        {"max-skew", required_argument, NULL, 1006},
        {"state-redis-prefix", required_argument, NULL, 1007},
        {"radius", required_argument, NULL, 1008},
        {"profiles-redis", required_argument, NULL, 1009},
        {"dispatch", required_argument, NULL, 1010},
        {"spool", required_argument, NULL, 1011},
        {"curve-server-key", required_argument, NULL, 1012},
        {"curve-key", required_argument, NULL, 1013},
        {"dispatch-wait", required_argument, NULL, 1014},
        {"hits", required_argument, NULL, 1015},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *rules_path = "rules", *rules_cache = NULL, *events_path = NULL;
    const char *identity_path = NULL, *radius_path = NULL, *profiles_redis = NULL;
    const char *profiles_path = NULL, *alerts_path = NULL, *hits_path = NULL;
    fsc_alert_sink_config sc = {0};
    long workers = 1;
    const char *model_path = NULL, *state_path = NULL, *state_redis = NULL;
    const char *state_prefix = NULL;
    long snapshot_interval = 0, max_skew = 2 * 86400;
    fsc_events_options eo = {0};
    int quiet = 0, c, rc = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:e:i:p:a:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rules_path = optarg; break;
        case 'C': rules_cache = optarg; break;
        case 'e': events_path = optarg; break;
        case 'i': identity_path = optarg; break;
        case 'p': profiles_path = optarg; break;
        case 'a': alerts_path = optarg; break;
        case 'P': sc.publish = optarg; break;
        case 'w': {
            long n;
            if (fsc_cmd_long("--wait-subscribers", optarg, 0, 1000, &n) != 0)
                return 2;
            sc.wait_subscribers = (int)n;
            break;
        }
        case 'W':
            if (fsc_cmd_long("--workers", optarg, 1, 64, &workers) != 0)
                return 2;
            break;
        case 'M': model_path = optarg; break;
        case 1001: state_path = optarg; break;
        case 1002:
            if (fsc_cmd_long("--snapshot-interval", optarg, 1, 86400, &snapshot_interval) != 0)
                return 2;
            break;
        case 1003: state_redis = optarg; break;
        case 1004: eo.follow = true; break;
        case 1005: eo.dead_letter = optarg; break;
        case 1007: state_prefix = optarg; break;
        case 1008: radius_path = optarg; break;
        case 1009: profiles_redis = optarg; break;
        case 1010: sc.dispatch = optarg; break;
        case 1011: sc.spool_dir = optarg; break;
        case 1012: sc.curve_server_key = optarg; break;
        case 1013: sc.curve_key = optarg; break;
        case 1014: {
            long n;
            if (fsc_cmd_long("--dispatch-wait", optarg, 0, 86400, &n) != 0)
                return 2;
            sc.dispatch_wait_ms = n ? (int)(n * 1000) : 1; /* 0: do not wait */
            break;
        }
        case 1015: hits_path = optarg; break;
        case 1006:
            if (fsc_cmd_long("--max-skew", optarg, 0, 10L * 365 * 86400, &max_skew) != 0)
                return 2;
            break;
        case 'R': sc.redis = optarg; break;
        case 'S': sc.redis_stream = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc && !events_path) {
        fprintf(stderr, "fraudscan replay: give at least one capture or --events\n");
        usage(stderr);
        return 2;
    }

    replay r;
    memset(&r, 0, sizeof r);
    r.progress = isatty(STDERR_FILENO) && !quiet;
    fsc_ruleset *rules = NULL;
    fsc_identity *identity = NULL;
    fsc_profiles *profiles = NULL;
    fsc_alert_sink *sink = NULL;
    FILE *alerts_file = NULL, *hits_file = NULL;
    fsc_diag diag = {0};
    double t0 = now_s();
    fsc_model *model = NULL;
    fsc_state_store *store = NULL;

    if (fsc_cmd_load_rules(rules_path, rules_cache, &diag, &rules) != FSC_OK) {
        fprintf(stderr, "fraudscan replay: rules in %s refused\n", rules_path);
        goto done;
    }
    if (identity_path &&
        fsc_identity_load(identity_path, &diag, &r.counters, &identity) != FSC_OK)
        goto done;
    if (radius_path) { /* applied on top of the static table, in file order */
        if (!identity && !(identity = fsc_identity_new()))
            goto done;
        if (fsc_radius_load(radius_path, identity, &diag, &r.counters) != FSC_OK)
            goto done;
    }
    if (profiles_path &&
        fsc_profiles_load(profiles_path, &diag, &r.counters, &profiles) != FSC_OK)
        goto done;
    if (profiles_redis && !profiles_path) {
        char hp[512];
        const char *slash = strchr(profiles_redis, '/');
        size_t hl = slash ? (size_t)(slash - profiles_redis) : strlen(profiles_redis);
        if (hl >= sizeof hp) {
            fprintf(stderr, "fraudscan replay: --profiles-redis: address too long\n");
            goto done;
        }
        memcpy(hp, profiles_redis, hl);
        hp[hl] = '\0';
        if (fsc_profiles_load_redis(hp, slash ? slash + 1 : NULL, &diag, &r.counters,
                                    &profiles) != FSC_OK)
            goto done;
    } else if (profiles_redis) {
        fprintf(stderr, "fraudscan replay: give --profiles or --profiles-redis, not both\n");
        goto done;
    }
    if (fsc_cmd_load_model("replay", model_path, rules_path, quiet, &diag, &model) != 0)
        goto done;
    if (state_redis) {
        char serr[512];
        store = fsc_state_redis_open(state_redis, state_prefix, 0, &r.counters, serr,
                                     sizeof serr);
        if (!store) {
            fprintf(stderr, "fraudscan replay: --state-redis: %s\n", serr);
            goto done;
        }
    }
    eo.max_skew = (fsc_time)max_skew * 1000000;
    if (events_path) {
        r.events = fsc_events_open_ex(events_path, &eo, &diag, &r.counters);
        if (!r.events)
            goto done;
    }
    if (alerts_path) {
        alerts_file = fopen(alerts_path, "w");
        if (!alerts_file) {
            perror(alerts_path);
            goto done;
        }
    }
    if (hits_path && !(hits_file = fopen(hits_path, "w"))) {
        perror(hits_path);
        goto done;
    }
    sc.out = alerts_file ? alerts_file : stdout;
    char err[512];
    sink = fsc_alert_sink_open(&sc, &r.counters, err, sizeof err);
    if (!sink) {
        fprintf(stderr, "fraudscan replay: %s\n", err);
        goto done;
    }
    fsc_score_config scfg = {
        .model = model,
        .counters = &r.counters,
        .store = store,
        .state_path = state_path,
        .snapshot_interval = (int)snapshot_interval,
    };
    fsc_pipeline_config pc = {
        .workers = (int)workers,
        .identity = identity,
        .profiles = profiles,
        .sink = sink,
        .score = &scfg,
        .on_hit = hits_file ? write_hit : NULL,
        .hit_ctx = hits_file,
    };
    fsc_ruleset *owned = rules;
    rules = NULL; /* the pipeline owns it now, whatever happens */
    if (fsc_pipeline_new(&pc, owned, &r.pipe) != FSC_OK) {
        fprintf(stderr, "fraudscan replay: cannot start the pipeline (out of memory)\n");
        goto done;
    }

    next_event(&r);
    double cpu0[65] = {0};
    fsc_pipeline_cpu(r.pipe, cpu0, 65);
    double t_in = now_s(); /* input, without loading rules and tables */
    for (int i = optind; i < argc; i++)
        replay_capture(&r, argv[i]);
    drain_events(&r, INT64_MAX);
    fsc_pipeline_drain(r.pipe);
    fsc_alert_sink_flush(sink); /* dispatch's ACKs, so the summary counts them */
    double t_in_end = now_s();
    rc = r.input_errors ? 1 : 0;

    if (!quiet) {
        char version[64];
        fsc_counters all;
        fsc_pipeline_counters(r.pipe, &all);
        fsc_counters_add(&all, &r.counters);
        fsc_pipeline_ruleset_version(r.pipe, version, sizeof version);
        fprintf(stderr, "fraudscan replay: %d capture%s, %llu alerts in %.2f s (rules %s)\n",
                argc - optind, argc - optind == 1 ? "" : "s",
                (unsigned long long)all.v[FSC_C_ALERTS], now_s() - t0, version);
        double el = t_in_end - t_in;
        fprintf(stderr, "fraudscan replay: input %llu frames in %.3f s: %.0f frames/s, %.2f Gbit/s\n",
                (unsigned long long)all.v[FSC_C_PACKETS], el,
                el > 0 ? (double)all.v[FSC_C_PACKETS] / el : 0.0,
                el > 0 ? (double)all.v[FSC_C_BYTES] * 8 / el / 1e9 : 0.0);
        double cpu[65];
        int ncpu = fsc_pipeline_cpu(r.pipe, cpu, 65);
        fprintf(stderr, "fraudscan replay: input cpu seconds by thread: reader %.3f",
                cpu[0] - cpu0[0]);
        for (int i = 1; i < ncpu; i++)
            fprintf(stderr, ", worker %d %.3f", i, cpu[i] - cpu0[i]);
        fputc('\n', stderr);
        fsc_counters_print(&all, stderr);
    }
done:
    fsc_pipeline_free(r.pipe); /* drains and stops the workers first */
    fsc_state_redis_close(store);
    fsc_model_free(model);
    fsc_alert_sink_close(sink);
    if (alerts_file)
        fclose(alerts_file);
    if (hits_file && (ferror(hits_file) | fclose(hits_file)) != 0) {
        perror(hits_path);
        rc = 1;
    }
    fsc_events_close(r.events);
    fsc_profiles_free(profiles);
    fsc_identity_free(identity);
    fsc_ruleset_free(rules);
    return rc;
}
