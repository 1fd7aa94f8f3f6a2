/* cmd_alerts.c: `fraudscan alerts tail|format`, alerts as officers read them.
 *
 * tail subscribes to an engine's ZeroMQ alert publisher and prints each
 * alert as it arrives; format reads alert JSON lines (a file or stdin) and
 * prints the same blocks. One printer serves both. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include <zmq.h>

#include "alert.h"
#include "cmd.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static const char *str_at(yajl_val o, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : "-";
}

static double num_at(yajl_val o, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_number);
    return v ? YAJL_GET_DOUBLE(v) : 0.0;
}

/* "2026-11-29T08:12:03.000000Z" -> "08:12:03" for the evidence lines */
static void clock_part(const char *ts, char *out, size_t cap)
{
    const char *t = strchr(ts, 'T');
    snprintf(out, cap, "%.8s", t ? t + 1 : ts);
}

/* Prints one alert (JSON text of len bytes) as a readable block. Returns 0,
 * or -1 when the text is not an alert (reported on stderr). */
static int print_alert(FILE *f, const char *json, size_t len, long min_level)
{
    char buf[65536], errbuf[256];
    if (len >= sizeof buf) {
        fprintf(stderr, "fraudscan alerts: alert of %zu bytes is too long\n", len);
        return -1;
    }
    memcpy(buf, json, len);
    buf[len] = '\0';
    yajl_val o = yajl_tree_parse(buf, errbuf, sizeof errbuf);
    if (!o || !YAJL_IS_OBJECT(o)) {
        fprintf(stderr, "fraudscan alerts: not an alert: %s\n", o ? "not an object" : errbuf);
        yajl_tree_free(o);
        return -1;
    }
    int level = (int)num_at(o, "level");
    if (level < min_level) {
        yajl_tree_free(o);
        return 0;
    }
    char lvl[16];
    snprintf(lvl, sizeof lvl, "%s", str_at(o, "level_name"));
    for (char *p = lvl; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    fprintf(f, "== ALERT %s == %s (%d): %s\n", str_at(o, "alert_id"), lvl, level,
            str_at(o, "action"));
    fprintf(f, "  when      %s\n", str_at(o, "ts"));
    fprintf(f, "  who       %s (%s), precinct %s\n", str_at(o, "subscriber"),
            str_at(o, "victim_group"), str_at(o, "precinct"));
    fprintf(f, "  fraud     %s %s, score %.2f\n", str_at(o, "fraud_type"),
            str_at(o, "fraud_type_name"), num_at(o, "score"));
    fprintf(f, "  tell them %s\n", str_at(o, "instruction"));
    const char *path[] = {"evidence", NULL};
    yajl_val ev = yajl_tree_get(o, path, yajl_t_array);
    for (size_t i = 0; ev && i < YAJL_GET_ARRAY(ev)->len; i++) {
        yajl_val e = YAJL_GET_ARRAY(ev)->values[i];
        char hm[16];
        clock_part(str_at(e, "ts"), hm, sizeof hm);
        fprintf(f, "  %-9s %s  %-15s %s  (%s, +%.2f", i == 0 ? "evidence" : "", hm,
                str_at(e, "field"), str_at(e, "value"), str_at(e, "rule"),
                num_at(e, "contribution"));
        const char *src = str_at(e, "src");
        if (strcmp(src, "-") != 0)
            fprintf(f, ", %s -> %s", src, str_at(e, "dst"));
        fprintf(f, ")\n");
    }
    fputc('\n', f);
    fflush(f);
    yajl_tree_free(o);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fraudscan alerts tail --connect ENDPOINT [--precinct P] [--min-level N]\n"
            "                             [--count N] [--json]\n"
            "       fraudscan alerts format [--min-level N] [FILE]\n"
            "  tail follows an engine's alert publisher (fraudscan replay --publish);\n"
            "  format prints alert JSON lines (a file, or stdin) as readable blocks\n");
}

static int tail(int argc, char **argv)
{
    static const struct option opts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"precinct", required_argument, NULL, 'p'},
        {"min-level", required_argument, NULL, 'l'},
        {"count", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *endpoint = NULL, *precinct = NULL;
    long count = -1, min_level = 0;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:p:l:n:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': endpoint = optarg; break;
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
    if (!endpoint) {
        usage(stderr);
        return 2;
    }
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
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "tail") == 0)
        return tail(argc - 1, argv + 1);
    if (strcmp(argv[1], "format") == 0)
        return format(argc - 1, argv + 1);
    fprintf(stderr, "fraudscan alerts: '%s' is not an alerts command\n", argv[1]);
    usage(stderr);
    return 2;
}
