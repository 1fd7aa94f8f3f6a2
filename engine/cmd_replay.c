/* cmd_replay.c: `fraudscan replay`, the whole engine over recorded input.
 *
 * Captures are read in the order given; install events are merged in by
 * time, so evidence reaches the scorer in the order it happened and a replay
 * raises the alerts the live engine would have. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "capture.h"
#include "cmd.h"
#include "events.h"
#include "extract.h"
#include "identity.h"
#include "rules.h"
#include "score.h"

typedef struct replay {
    fsc_ruleset *rules;
    fsc_matcher *matcher;
    fsc_scorer *scorer;
    fsc_alert_sink *sink;
    fsc_identity *identity;
    fsc_profiles *profiles;
    fsc_event_reader *events;
    fsc_record event;        /* the next event, when have_event */
    int have_event;
    const fsc_record *cur;   /* the record being matched */
    fsc_counters counters;
    int input_errors;
    int progress;            /* stderr is a terminal: show a progress line */
} replay;

/* Who a record is about: the subscriber of an app event, or the holder of
 * the traffic's client address (src; dst for traffic seen the other way).
 * Traffic from an address nobody holds is still evidence: it is kept under
 * "ip:<address>" in precinct "unassigned" so the duty desk can trace it. */
static void subject_of(replay *r, const fsc_record *rec, fsc_subject *s, char *buf, size_t cap)
{
    s->precinct = NULL;
    s->group = FSC_GROUP_UNKNOWN;
    if (rec->source == FSC_SRC_APP) {
        s->subscriber = rec->subscriber;
        if (r->identity)
            s->precinct = fsc_identity_precinct(r->identity, rec->subscriber);
    } else {
        const fsc_holder *h = NULL;
        if (r->identity) {
            h = fsc_identity_lookup(r->identity, &rec->src, rec->ts);
            if (!h)
                h = fsc_identity_lookup(r->identity, &rec->dst, rec->ts);
        }
        if (h) {
            s->subscriber = h->subscriber;
            s->precinct = h->precinct;
        } else {
            char a[FSC_ADDR_STRLEN];
            snprintf(buf, cap, "ip:%s", fsc_addr_format(&rec->src, a));
            s->subscriber = buf;
            r->counters.v[FSC_C_UNATTRIBUTED]++;
            return;
        }
    }
    const fsc_profile *p = r->profiles ? fsc_profiles_get(r->profiles, s->subscriber) : NULL;
    s->group = p ? p->group : FSC_GROUP_UNKNOWN;
}

static void on_hit(void *ctx, const fsc_rule *rule, const fsc_value *v)
{
    replay *r = ctx;
    char buf[64];
    fsc_subject subj;
    r->counters.v[FSC_C_RULE_HITS]++;
    subject_of(r, r->cur, &subj, buf, sizeof buf);
    if (fsc_scorer_add(r->scorer, &subj, rule, v, r->cur) == FSC_ELIMIT)
        fprintf(stderr, "fraudscan: subscriber table full; evidence for %s dropped\n",
                subj.subscriber);
}

static void on_record(void *ctx, const fsc_record *rec)
{
    replay *r = ctx;
    r->counters.v[FSC_C_RECORDS]++;
    r->cur = rec;
    if (fsc_match_record(r->matcher, rec, on_hit, r) > 0)
        fsc_scorer_commit(r->scorer, fsc_alert_sink_emit, r->sink);
}

static void next_event(replay *r)
{
    r->have_event = r->events && fsc_events_next(r->events, &r->event) == FSC_OK;
}

/* Feeds every event that happened at or before `until`. */
static void drain_events(replay *r, fsc_time until)
{
    while (r->have_event && r->event.ts <= until) {
        on_record(r, &r->event);
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

static void replay_capture(replay *r, const char *path, fsc_extractor *ex)
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
    fsc_frame fr;
    fsc_status st;
    double t0 = now_s(), shown = t0;
    while ((st = fsc_capture_next(cap, &fr, err, sizeof err)) == FSC_OK) {
        drain_events(r, fr.ts);
        fsc_extract_frame(ex, lt, fr.ts, fr.number, fr.data, fr.caplen, on_record, r);
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
    fsc_capture_close(cap);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fraudscan replay [options] [CAPTURE...]\n"
            "  --rules PATH          rule file or directory (default: rules)\n"
            "  --events FILE         app-install events, JSON lines ('-': stdin)\n"
            "  --identity FILE       IP -> subscriber, precinct (CSV)\n"
            "  --profiles FILE       subscriber -> age band, occupation (CSV)\n"
            "  --alerts FILE         write alert JSON lines here (default: stdout)\n"
            "  --publish ENDPOINT    publish alerts on a ZeroMQ PUB socket\n"
            "  --wait-subscribers N  before the first alert, wait for N subscribers (5 s)\n"
            "  --redis HOST:PORT     also append alerts to a Redis stream\n"
            "  --redis-stream KEY    the stream's key (default: fsc:alerts)\n"
            "  --quiet               no run summary on stderr\n");
}

int fsc_cmd_replay(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"events", required_argument, NULL, 'e'},
        {"identity", required_argument, NULL, 'i'},
        {"profiles", required_argument, NULL, 'p'},
        {"alerts", required_argument, NULL, 'a'},
        {"publish", required_argument, NULL, 'P'},
        {"wait-subscribers", required_argument, NULL, 'w'},
        {"redis", required_argument, NULL, 'R'},
        {"redis-stream", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *rules_path = "rules", *events_path = NULL, *identity_path = NULL;
    const char *profiles_path = NULL, *alerts_path = NULL;
    fsc_alert_sink_config sc = {0};
    int quiet = 0, c, rc = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:e:i:p:a:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rules_path = optarg; break;
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
    fsc_extractor *ex = NULL;
    FILE *alerts_file = NULL;
    fsc_diag diag = {0};
    double t0 = now_s();

    if (fsc_ruleset_load(rules_path, &diag, &r.rules) != FSC_OK) {
        fprintf(stderr, "fraudscan replay: rules in %s refused\n", rules_path);
        goto done;
    }
    if (identity_path &&
        fsc_identity_load(identity_path, &diag, &r.counters, &r.identity) != FSC_OK)
        goto done;
    if (profiles_path &&
        fsc_profiles_load(profiles_path, &diag, &r.counters, &r.profiles) != FSC_OK)
        goto done;
    if (events_path) {
        r.events = fsc_events_open(events_path, &diag, &r.counters);
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
    sc.out = alerts_file ? alerts_file : stdout;
    char err[512];
    r.sink = fsc_alert_sink_open(&sc, &r.counters, err, sizeof err);
    if (!r.sink) {
        fprintf(stderr, "fraudscan replay: %s\n", err);
        goto done;
    }
    r.matcher = fsc_matcher_new(r.rules);
    r.scorer = fsc_scorer_new(NULL, fsc_ruleset_version(r.rules));
    ex = fsc_extractor_new(NULL);
    if (!r.matcher || !r.scorer || !ex) {
        fprintf(stderr, "fraudscan replay: out of memory\n");
        goto done;
    }

    next_event(&r);
    for (int i = optind; i < argc; i++)
        replay_capture(&r, argv[i], ex);
    drain_events(&r, INT64_MAX);
    rc = r.input_errors ? 1 : 0;

    if (!quiet) {
        fsc_counters_add(&r.counters, fsc_extractor_counters(ex));
        fprintf(stderr, "fraudscan replay: %d capture%s, %llu alerts in %.2f s (rules %s)\n",
                argc - optind, argc - optind == 1 ? "" : "s",
                (unsigned long long)r.counters.v[FSC_C_ALERTS], now_s() - t0,
                fsc_ruleset_version(r.rules));
        fsc_counters_print(&r.counters, stderr);
    }
done:
    fsc_extractor_free(ex);
    fsc_alert_sink_close(r.sink);
    if (alerts_file)
        fclose(alerts_file);
    fsc_scorer_free(r.scorer);
    fsc_matcher_free(r.matcher);
    fsc_events_close(r.events);
    fsc_profiles_free(r.profiles);
    fsc_identity_free(r.identity);
    fsc_ruleset_free(r.rules);
    return rc;
}
