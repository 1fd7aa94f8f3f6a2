/* cmd_alerts.c: `fraudscan alerts ...`, alerts as officers read and work them.
 *
 * tail follows alerts: an engine's ZeroMQ publisher (--connect), or the
 * dispatch service's queue (--dispatch: a subscription that resumes from a
 * cursor file, so nothing is missed or shown twice across reconnects and
 * restarts). format prints alert JSON lines (a file or stdin). claim,
 * contact, outcome, close, list, show and report are the duty officer's
 * workflow, one request to dispatch each (wire.h). One printer serves all. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>
#include <zmq.h>

#include "alert.h"
#include "cmd.h"
#include "timefmt.h"
#include "wire_client.h"
#include "cmd_client.h"
#include "wire_req.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

/* "2026-11-29T08:12:03.000000Z" -> "08:12:03" for the evidence lines */
static void clock_part(const char *ts, char *out, size_t cap)
{
    const char *t = strchr(ts, 'T');
    snprintf(out, cap, "%.8s", t ? t + 1 : ts);
}

/* Parses len bytes of JSON into a tree (caller frees); NULL after saying
 * why on stderr. */
static yajl_val parse_json(const char *json, size_t len)
{
    char buf[65536], errbuf[256];
    if (len >= sizeof buf) {
        fprintf(stderr, "fraudscan alerts: message of %zu bytes is too long\n", len);
        return NULL;
    }
    memcpy(buf, json, len);
    buf[len] = '\0';
    yajl_val o = yajl_tree_parse(buf, errbuf, sizeof errbuf);
    if (!o || !YAJL_IS_OBJECT(o)) {
        fprintf(stderr, "fraudscan alerts: not an alert: %s\n", o ? "not an object" : errbuf);
        yajl_tree_free(o);
        return NULL;
    }
    return o;
}

/* Prints one alert object as a readable block (nothing below min_level). */
static void print_alert_obj(FILE *f, yajl_val o, long min_level)
{
    int level = (int)fsc_verb_num(o, "level");
    if (level < min_level)
        return;
    char lvl[16];
    snprintf(lvl, sizeof lvl, "%s", fsc_verb_str(o, "level_name"));
    for (char *p = lvl; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    fprintf(f, "== ALERT %s == %s (%d): %s\n", fsc_verb_str(o, "alert_id"), lvl, level,
            fsc_verb_str(o, "action"));
    fprintf(f, "  when      %s\n", fsc_verb_str(o, "ts"));
    fprintf(f, "  who       %s (%s), precinct %s\n", fsc_verb_str(o, "subscriber"),
            fsc_verb_str(o, "victim_group"), fsc_verb_str(o, "precinct"));
    fprintf(f, "  fraud     %s %s, score %.2f\n", fsc_verb_str(o, "fraud_type"),
            fsc_verb_str(o, "fraud_type_name"), fsc_verb_num(o, "score"));
    fprintf(f, "  tell them %s\n", fsc_verb_str(o, "instruction"));
    const char *path[] = {"evidence", NULL};
    yajl_val ev = yajl_tree_get(o, path, yajl_t_array);
    for (size_t i = 0; ev && i < YAJL_GET_ARRAY(ev)->len; i++) {
        yajl_val e = YAJL_GET_ARRAY(ev)->values[i];
        char hm[16];
        clock_part(fsc_verb_str(e, "ts"), hm, sizeof hm);
        fprintf(f, "  %-9s %s  %-15s %s  (%s, +%.2f", i == 0 ? "evidence" : "", hm,
                fsc_verb_str(e, "field"), fsc_verb_str(e, "value"), fsc_verb_str(e, "rule"),
                fsc_verb_num(e, "contribution"));
        const char *src = fsc_verb_str(e, "src");
        if (strcmp(src, "-") != 0)
            fprintf(f, ", %s -> %s", src, fsc_verb_str(e, "dst"));
        fprintf(f, ")\n");
    }
    fputc('\n', f);
    fflush(f);
}

/* Prints one alert (JSON text of len bytes) as a readable block. Returns 0,
 * or -1 when the text is not an alert (reported on stderr). */
static int print_alert(FILE *f, const char *json, size_t len, long min_level)
{
    yajl_val o = parse_json(json, len);
    if (!o)
        return -1;
    print_alert_obj(f, o, min_level);
    yajl_tree_free(o);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fraudscan alerts tail --connect ENDPOINT [--precinct P] [--min-level N]\n"
            "                             [--count N] [--json]\n"
            "       fraudscan alerts tail --dispatch ENDPOINT --token-file F [--precinct P]\n"
            "                             [--min-level N] [--cursor FILE] [--all] [--count N]\n"
            "                             [--json]\n"
            "       fraudscan alerts claim ID\n"
            "       fraudscan alerts contact ID --by phone|visit [--note TEXT]\n"
            "       fraudscan alerts outcome ID dissuaded --amount N | money_sent | false_alarm\n"
            "                                   | unreachable [--note TEXT]\n"
            "       fraudscan alerts close ID [--note TEXT]\n"
            "       fraudscan alerts list [--precinct P] [--state S] [--min-level N] [--json]\n"
            "       fraudscan alerts show ID [--json]\n"
            "       fraudscan alerts report [--from TIME] [--to TIME]\n"
            "       fraudscan alerts format [--min-level N] [FILE]\n"
            "  tail --connect follows an engine's alert publisher (fraudscan replay --publish);\n"
            "  tail --dispatch follows your queue on the dispatch service and resumes where it\n"
            "  stopped (the cursor file); --all adds claims, outcomes and payment stops.\n"
            "  The workflow verbs talk to dispatch: each takes --dispatch ENDPOINT and\n"
            "  --token-file FILE (or FRAUDSCAN_DISPATCH, FRAUDSCAN_TOKEN_FILE).\n"
            "  TIME is RFC 3339 (2026-11-29T08:00:00Z) or seconds since the epoch.\n"
            "  format prints alert JSON lines (a file, or stdin) as readable blocks.\n"
            "  Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 usage.\n");
}

static int tail_pub(const char *endpoint, const char *precinct, long min_level, long count,
                    int json)
{
    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    char topic[160];
    snprintf(topic, sizeof topic, "%s%s%s", FSC_ALERT_TOPIC_PREFIX, precinct ? precinct : "",
             precinct ? "." : "");
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topic, strlen(topic));
    if (zmq_connect(sub, endpoint) != 0) {
        fprintf(stderr, "fraudscan alerts tail: cannot connect to %s: %s\n", endpoint,
                zmq_strerror(zmq_errno()));
        zmq_close(sub);
        zmq_ctx_term(ctx);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    long seen = 0;
    while (!stop && (count < 0 || seen < count)) {
        zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 200) <= 0)
            continue;
        zmq_msg_t t, m;
        zmq_msg_init(&t);
        zmq_msg_init(&m);
        if (zmq_msg_recv(&t, sub, 0) >= 0 && zmq_msg_more(&t) && zmq_msg_recv(&m, sub, 0) >= 0) {
            const char *body = zmq_msg_data(&m);
            size_t len = zmq_msg_size(&m);
            if (json) {
                fwrite(body, 1, len, stdout);
                fputc('\n', stdout);
                fflush(stdout);
            } else {
                print_alert(stdout, body, len, min_level);
            }
            seen++;
        }
        zmq_msg_close(&t);
        zmq_msg_close(&m);
    }
    int linger = 0;
    zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return 0;
}


/* ---- tail --dispatch ---- */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Prints an entry other than an alert as one "== KIND ..." line. */
static void print_entry_line(FILE *f, const char *kind, yajl_val o)
{
    const char *id = fsc_verb_str(o, "alert_id");
    if (strcmp(kind, "escalate") == 0)
        fprintf(f, "== ESCALATED %s == from %s to %s: %s (%s)\n\n", id, fsc_verb_str(o, "from"),
                fsc_verb_str(o, "queue"), fsc_verb_str(o, "reason"), fsc_verb_str(o, "ts"));
    else if (strcmp(kind, "claim") == 0)
        fprintf(f, "== CLAIMED %s by %s (%s)\n", id, fsc_verb_str(o, "who"), fsc_verb_str(o, "ts"));
    else if (strcmp(kind, "contact") == 0)
        fprintf(f, "== CONTACTED %s by %s, %s: %s (%s)\n", id, fsc_verb_str(o, "who"),
                fsc_verb_str(o, "channel"), fsc_verb_str(o, "note"), fsc_verb_str(o, "ts"));
    else if (strcmp(kind, "outcome") == 0)
        fprintf(f, "== OUTCOME %s: %s, amount %.2f, by %s (%s)\n", id, fsc_verb_str(o, "outcome"),
                fsc_verb_num(o, "amount"), fsc_verb_str(o, "who"), fsc_verb_str(o, "ts"));
    else if (strcmp(kind, "close") == 0)
        fprintf(f, "== CLOSED %s by %s (%s)\n", id, fsc_verb_str(o, "who"), fsc_verb_str(o, "ts"));
    else if (strcmp(kind, "paystop") == 0)
        fprintf(f, "== PAYSTOP %s requested by %s: alert %s, bank %s, account %s, amount %.2f\n",
                fsc_verb_str(o, "paystop_id"), fsc_verb_str(o, "who"), id, fsc_verb_str(o, "bank"),
                fsc_verb_str(o, "account"), fsc_verb_num(o, "amount"));
    else if (strcmp(kind, "paystop_status") == 0) {
        char st[24];
        snprintf(st, sizeof st, "%s", fsc_verb_str(o, "state"));
        for (char *p = st; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        const char *ref = fsc_verb_str(o, "bank_ref"), *det = fsc_verb_str(o, "detail");
        bool has_ref = ref[0] && strcmp(ref, "-") != 0, has_det = det[0] && strcmp(det, "-") != 0;
        fprintf(f, "== PAYSTOP %s %s%s%s%s%s (%s)\n", fsc_verb_str(o, "paystop_id"), st,
                has_ref ? ", bank_ref " : "", has_ref ? ref : "", has_det ? ": " : "",
                has_det ? det : "", fsc_verb_str(o, "ts"));
    } else if (strcmp(kind, "refused") == 0)
        fprintf(f, "== REFUSED %s %s on %s: %s (%s)\n", fsc_verb_str(o, "who"),
                fsc_verb_str(o, "action"), id, fsc_verb_str(o, "reason"), fsc_verb_str(o, "ts"));
    else
        fprintf(f, "== %s (%s)\n", kind, fsc_verb_str(o, "ts"));
    fflush(f);
}

typedef struct tailst {
    const char *endpoint, *cursor_path;
    int cursor_fd;          /* the cursor file, open for the whole tail */
    char args_fmt[256];          /* subscribe args with %llu for after */
    uint64_t cursor;             /* seq of the last entry shown */
    long shown, count;
    int json;
    uint64_t sub_id;             /* the subscribe request in flight, 0 none */
    bool subscribed, fatal, resubscribe, down;
    double last_rx;
    fsc_wclient *c;
} tailst;

/* The cursor survives restarts: one fixed-width number ("%020llu\n", 21
 * bytes) rewritten in place with a single pwrite() after each entry shown.
 * A write that small lands whole (it is in one page and one sector), and it
 * costs a few microseconds where write-a-copy-and-rename cost ~70 and
 * capped a catching-up tail at a few thousand alerts a second. A kill -9
 * between the print and the write shows that one entry again; nothing is
 * ever skipped. */
static void cursor_save(tailst *t)
{
    char num[32];
    int n = snprintf(num, sizeof num, "%020llu\n", (unsigned long long)t->cursor);
    if (t->cursor_fd < 0 || pwrite(t->cursor_fd, num, (size_t)n, 0) != n)
        fprintf(stderr, "fraudscan alerts tail: cannot save the cursor to %s: %s\n",
                t->cursor_path, t->cursor_fd < 0 ? "not open" : strerror(errno));
}

static int cursor_load(const char *path, uint64_t *out)
{
    *out = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    unsigned long long v = 0;
    int ok = fscanf(f, "%llu", &v) == 1;
    fclose(f);
    if (!ok)
        return -1;
    *out = v;
    return 0;
}

static void mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0700);
            *p = '/';
        }
    }
}

static void tail_push(void *ctx, uint64_t seq, const char *json, size_t len)
{
    tailst *t = ctx;
    t->last_rx = mono_s();
    if (seq == 0) {
        /* a notice: the server dropped the subscription (lagging, or its
         * feed failed); it resumes from our cursor */
        fprintf(stderr, "fraudscan alerts tail: %.*s; subscribing again after %llu\n",
                (int)(len < 200 ? len : 200), json, (unsigned long long)t->cursor);
        t->subscribed = false;
        t->resubscribe = true;
        return;
    }
    if (seq <= t->cursor || (t->count >= 0 && t->shown >= t->count))
        return;   /* shown already (a resubscription overlaps its tail) */
    yajl_val o = parse_json(json, len);
    if (!o)
        return;
    const char *kind = fsc_verb_str(o, "kind");
    if (t->json) {
        fwrite(json, 1, len, stdout);
        fputc('\n', stdout);
        fflush(stdout);
    } else if (strcmp(kind, "alert") == 0) {
        const char *path[] = {"alert", NULL};
        yajl_val a = yajl_tree_get(o, path, yajl_t_object);
        if (a)
            print_alert_obj(stdout, a, 0);
    } else {
        print_entry_line(stdout, kind, o);
    }
    yajl_tree_free(o);
    t->cursor = seq;
    t->shown++;
    cursor_save(t);
}

static void tail_reply(void *ctx, uint64_t id, fsc_status st, const char *body, size_t len)
{
    tailst *t = ctx;
    t->last_rx = mono_s();
    if (t->down) {
        fprintf(stderr, "fraudscan alerts tail: connected to %s again\n", t->endpoint);
        t->down = false;
    }
    if (id == t->sub_id) {
        t->sub_id = 0;
        if (st != FSC_OK) {
            char b[1024], why[600];
            snprintf(b, sizeof b, "%.*s", (int)(len < 1000 ? len : 1000), body);
            fprintf(stderr, "fraudscan alerts tail: subscription refused (%s): %s\n",
                    fsc_status_name(st), fsc_wclient_error(st, b, why, sizeof why));
            t->fatal = true;
            return;
        }
        t->subscribed = true;
        return;
    }
    /* a ping's answer: is our subscription still there (dispatch restarted
     * and reconnected to us, or dropped us)? */
    if (st == FSC_OK && t->subscribed && !t->sub_id && len < 512) {
        char b[512];
        memcpy(b, body, len);
        b[len] = '\0';
        if (strstr(b, "\"subscribed\":false")) {
            t->subscribed = false;
            t->resubscribe = true;
        }
    }
}

static void tail_subscribe(tailst *t)
{
    char args[320];
    snprintf(args, sizeof args, t->args_fmt, (unsigned long long)t->cursor);
    t->sub_id = fsc_wclient_send(t->c, "subscribe", args);
    t->resubscribe = false;
}

static int tail_dispatch(const char *endpoint, const char *token, const char *precinct,
                         long min_level, const char *cursor_opt, bool all, long count, int json)
{
    tailst t = {.endpoint = endpoint, .count = count, .json = json};
    char qp[80] = "", cpath[4096];
    if (precinct)
        fsc_json_quote(qp, sizeof qp, precinct);
    snprintf(t.args_fmt, sizeof t.args_fmt, "{%s%s%s\"min_level\":%ld,\"kinds\":\"%s\",\"after\":%%llu}",
             precinct ? "\"queue\":" : "", precinct ? qp : "", precinct ? "," : "", min_level,
             all ? "all" : "alerts");
    if (cursor_opt) {
        snprintf(cpath, sizeof cpath, "%s", cursor_opt);
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        char base[3000];
        if (xdg && xdg[0] == '/')
            snprintf(base, sizeof base, "%s", xdg);
        else
            snprintf(base, sizeof base, "%s/.cache", home && home[0] ? home : ".");
        char name[64];
        snprintf(name, sizeof name, "%s", precinct ? precinct : "all");
        for (char *p = name; *p; p++)   /* a file name, whatever the precinct is called */
            if (*p == '/' || *p == '.')
                *p = '_';
        snprintf(cpath, sizeof cpath, "%s/fraudscan/tail-%s.cursor", base, name);
    }
    mkdirs(cpath);
    t.cursor_path = cpath;
    t.cursor_fd = -1;
    if (cursor_load(cpath, &t.cursor) != 0) {
        fprintf(stderr, "fraudscan alerts tail: the cursor file %s is unreadable or not a "
                        "number; remove it to start from the oldest entry\n", cpath);
        return 1;
    }
    t.cursor_fd = open(cpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (t.cursor_fd < 0) {
        fprintf(stderr, "fraudscan alerts tail: cannot open the cursor file %s: %s\n", cpath,
                strerror(errno));
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    double next_ping = 0;
    int rc = 0;
    while (!stop && !t.fatal && (count < 0 || t.shown < count)) {
        double now = mono_s();
        if (!t.c) {
            char err[256];
            t.c = fsc_wclient_open(endpoint, token, err, sizeof err);
            if (!t.c) {
                fprintf(stderr, "fraudscan alerts tail: %s\n", err);
                close(t.cursor_fd);
                return 1;
            }
            fsc_wclient_on_push(t.c, tail_push, &t);
            fsc_wclient_on_reply(t.c, tail_reply, &t);
            t.subscribed = false;
            t.last_rx = now;
            tail_subscribe(&t);
            next_ping = now + 1;
        }
        if (t.resubscribe && !t.sub_id)
            tail_subscribe(&t);
        if (now >= next_ping) {
            fsc_wclient_send(t.c, "ping", NULL);
            next_ping = now + 1;
        }
        if (fsc_wclient_poll(t.c, 200) < 0) {
            rc = 1;
            break;
        }
        /* pings are answered within milliseconds: 4 s of silence means
         * dispatch is gone (or restarting); a new connection and a new
         * subscription from the cursor follow */
        if (mono_s() - t.last_rx > 4.0) {
            if (!t.down)
                fprintf(stderr, "fraudscan alerts tail: no answer from dispatch at %s; "
                                "reconnecting\n", endpoint);
            t.down = true;
            fsc_wclient_close(t.c);
            t.c = NULL;
            t.sub_id = 0;
        }
    }
    fsc_wclient_close(t.c);
    close(t.cursor_fd);
    return t.fatal ? 1 : rc;
}

static int tail(int argc, char **argv)
{
    static const struct option opts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"dispatch", required_argument, NULL, 'd'},
        {"token-file", required_argument, NULL, 't'},
        {"cursor", required_argument, NULL, 'C'},
        {"all", no_argument, NULL, 'a'},
        {"precinct", required_argument, NULL, 'p'},
        {"min-level", required_argument, NULL, 'l'},
        {"count", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *endpoint = NULL, *precinct = NULL, *dispatch = NULL, *token_file = NULL,
               *cursor = NULL;
    long count = -1, min_level = 0;
    int json = 0, c;
    bool all = false;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:d:t:C:ap:l:n:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': endpoint = optarg; break;
        case 'd': dispatch = optarg; break;
        case 't': token_file = optarg; break;
        case 'C': cursor = optarg; break;
        case 'a': all = true; break;
        case 'p': precinct = optarg; break;
        case 'l':
            if (fsc_cmd_long("--min-level", optarg, 0, 4, &min_level) != 0)
                return 2;
            break;
        case 'n':
            if (fsc_cmd_long("--count", optarg, 1, 1000000000L, &count) != 0)
                return 2;
            break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (endpoint && (dispatch || token_file || cursor || all)) {
        fprintf(stderr, "fraudscan alerts tail: --connect follows an engine; --dispatch, "
                        "--token-file, --cursor and --all are for dispatch\n");
        return 2;
    }
    if (endpoint)
        return tail_pub(endpoint, precinct, min_level, count, json);
    char token[256];
    if (fsc_wclient_settings("fraudscan alerts tail", &dispatch, token_file, token,
                             sizeof token) != 0) {
        usage(stderr);
        return 2;
    }
    return tail_dispatch(dispatch, token, precinct, min_level, cursor, all, count, json);
}

/* ---- the workflow verbs (one request to dispatch each) ---- */

/* The alert id argument of a verb; NULL after a usage message. */
static const char *need_id(const char *verb, const fsc_verb_opts *o, int want)
{
    if (o->npos != want) {
        fprintf(stderr, "fraudscan alerts %s: %s\n", verb,
                o->npos < want ? "which alert? give its id" : "too many arguments");
        usage(stderr);
        return NULL;
    }
    return o->pos[0];
}

static int workflow(const char *verb, int argc, char **argv)
{
    fsc_verb_opts o;
    int r = fsc_verb_opts_parse(argc, argv, &o, usage);
    if (r != 0)
        return r == 1 ? 0 : 2;
    char who[64], args[4096], q[3][1200], *body = NULL;
    snprintf(who, sizeof who, "fraudscan alerts %s", verb);
    const char *id = NULL, *wire = verb;
    double amount = 0;
    if (strcmp(verb, "list") != 0 && strcmp(verb, "report") != 0) {
        id = need_id(verb, &o, strcmp(verb, "outcome") == 0 ? 2 : 1);
        if (!id)
            return 2;
        fsc_json_quote(q[0], sizeof q[0], id);
    }
    fsc_json_quote(q[1], sizeof q[1], o.note ? o.note : "");
    if (strcmp(verb, "claim") == 0 || strcmp(verb, "show") == 0) {
        snprintf(args, sizeof args, "{\"alert_id\":%s}", q[0]);
    } else if (strcmp(verb, "contact") == 0) {
        if (!o.by || (strcmp(o.by, "phone") != 0 && strcmp(o.by, "visit") != 0)) {
            fprintf(stderr, "%s: say how: --by phone or --by visit\n", who);
            return 2;
        }
        snprintf(args, sizeof args, "{\"alert_id\":%s,\"channel\":\"%s\",\"note\":%s}", q[0],
                 o.by, q[1]);
    } else if (strcmp(verb, "outcome") == 0) {
        const char *out = o.pos[1];
        if (strcmp(out, "dissuaded") == 0 && !o.amount) {
            fprintf(stderr, "%s: dissuaded needs --amount N (what they were about to pay)\n",
                    who);
            return 2;
        }
        if (o.amount && fsc_verb_amount(o.amount, &amount) != 0)
            return 2;
        fsc_json_quote(q[2], sizeof q[2], out);
        snprintf(args, sizeof args,
                 "{\"alert_id\":%s,\"outcome\":%s,\"amount\":%.2f,\"note\":%s}", q[0], q[2],
                 amount, q[1]);
    } else if (strcmp(verb, "close") == 0) {
        snprintf(args, sizeof args, "{\"alert_id\":%s,\"note\":%s}", q[0], q[1]);
    } else if (strcmp(verb, "list") == 0) {
        int n = snprintf(args, sizeof args, "{\"min_level\":%ld", o.min_level);
        if (o.precinct) {
            fsc_json_quote(q[2], sizeof q[2], o.precinct);
            n += snprintf(args + n, sizeof args - (size_t)n, ",\"queue\":%s", q[2]);
        }
        if (o.state) {
            fsc_json_quote(q[2], sizeof q[2], o.state);
            n += snprintf(args + n, sizeof args - (size_t)n, ",\"state\":%s", q[2]);
        }
        snprintf(args + n, sizeof args - (size_t)n, "}");
    } else { /* report */
        if (fsc_verb_range_args(&o, args, sizeof args) != 0)
            return 2;
    }
    r = fsc_verb_call(who, &o, wire, args, &body);
    if (r != 0)
        return r;
    yajl_val v = o.json ? NULL : parse_json(body, strlen(body));
    if (strcmp(verb, "claim") == 0)
        printf("claimed %s\n", id);
    else if (strcmp(verb, "contact") == 0)
        printf("contact by %s recorded for %s\n", o.by, id);
    else if (strcmp(verb, "outcome") == 0)
        printf("outcome %s recorded for %s\n", o.pos[1], id);
    else if (strcmp(verb, "close") == 0)
        printf("closed %s\n", id);
    else if (strcmp(verb, "list") == 0 && v) {
        const char *path[] = {"alerts", NULL};
        yajl_val a = yajl_tree_get(v, path, yajl_t_array);
        printf("%-16s  %-5s  %-10s  %-10s  %-9s  %s\n", "ALERT", "LEVEL", "PRECINCT", "QUEUE",
               "STATE", "CLAIMED BY");
        for (size_t i = 0; a && i < a->u.array.len; i++) {
            yajl_val x = a->u.array.values[i];
            printf("%-16s  %-5d  %-10s  %-10s  %-9s  %s\n", fsc_verb_str(x, "alert_id"),
                   (int)fsc_verb_num(x, "level"), fsc_verb_str(x, "precinct"),
                   fsc_verb_str(x, "queue"), fsc_verb_str(x, "state"),
                   fsc_verb_str(x, "claimed_by"));
        }
    } else if (strcmp(verb, "show") == 0 && v) {
        const char *pa[] = {"alert", NULL}, *ph[] = {"history", NULL};
        yajl_val a = yajl_tree_get(v, pa, yajl_t_object);
        yajl_val h = yajl_tree_get(v, ph, yajl_t_array);
        /* the engine's alert is in the history's "alert" entry; the row
         * under "alert" is the summary (printed when the history has none) */
        yajl_val full = NULL;
        for (size_t i = 0; h && !full && i < h->u.array.len; i++) {
            const char *pi[] = {"alert", NULL};
            if (strcmp(fsc_verb_str(h->u.array.values[i], "kind"), "alert") == 0)
                full = yajl_tree_get(h->u.array.values[i], pi, yajl_t_object);
        }
        if (full || a)
            print_alert_obj(stdout, full ? full : a, 0);
        printf("  state     %s\n", fsc_verb_str(v, "state"));
        for (size_t i = 0; h && i < h->u.array.len; i++) {
            yajl_val e = h->u.array.values[i];
            const char *kind = fsc_verb_str(e, "kind");
            if (strcmp(kind, "alert") == 0)
                printf(
                    "== QUEUED %s in %s%s (%s)\n", fsc_verb_str(e, "alert_id"),
                    fsc_verb_str(e, "queue"),
                    YAJL_IS_TRUE(yajl_tree_get(e, (const char *[]){"fallback", NULL}, yajl_t_true))
                        ? " (nobody on duty for its precinct)"
                        : "",
                    fsc_verb_str(e, "ts"));
            else
                print_entry_line(stdout, kind, e);
        }
    } else {
        fsc_verb_print_json(body, o.json);
    }
    yajl_tree_free(v);
    free(body);
    return 0;
}

static int format(int argc, char **argv)
{
    static const struct option opts[] = {
        {"min-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long min_level = 0;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if (fsc_cmd_long("--min-level", optarg, 0, 4, &min_level) != 0)
                return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    FILE *in = stdin;
    const char *name = "-";
    if (optind < argc && strcmp(argv[optind], "-") != 0) {
        name = argv[optind];
        in = fopen(name, "r");
        if (!in) {
            perror(name);
            return 1;
        }
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    while ((n = getline(&line, &cap, in)) > 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        if (print_alert(stdout, line, (size_t)n, min_level) != 0) {
            fprintf(stderr, "%s:%lu: skipped\n", name, lineno);
            rc = 1;
        }
    }
    free(line);
    if (in != stdin)
        fclose(in);
    return rc;
}

int fsc_cmd_alerts(int argc, char **argv)
{
    static const char *const verbs[] = {"claim", "contact", "outcome", "close",
                                        "list",  "show",    "report"};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "tail") == 0)
        return tail(argc - 1, argv + 1);
    if (strcmp(argv[1], "format") == 0)
        return format(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(argv[1], verbs[i]) == 0)
            return workflow(verbs[i], argc - 1, argv + 1);
    fprintf(stderr, "fraudscan alerts: '%s' is not an alerts command\n", argv[1]);
    usage(stderr);
    return 2;
}
