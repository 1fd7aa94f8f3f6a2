/* dispatch_latency.c: p50/p90/p99/max time from an install event entering
 * the engine to its alert printed by an officer's `fraudscan alerts tail
 * --dispatch`, through the engine's spool, dispatch's store (journal or
 * Redis) and the clients' pushes.
 *
 *   dispatch_latency PUSH_ENDPOINT RATE COUNT TAIL_COMMAND
 *
 * Runs TAIL_COMMAND (a shell command printing entries as JSON lines: the
 * tail with --json) and reads its output; a sender thread PUSHes COUNT
 * fraud-app installs at RATE events/s (paced on the monotonic clock) into
 * the engine's event feed, each from a new subscriber "L<seq>_<ns>" so each
 * raises its own alert and the printed line says when its event was sent.
 * The engine's own work is in the figure too (it is small: see
 * docs/benchmarks.md, event latency). Prints one table row.
 * Build: cc -O2 -pthread bench/dispatch_latency.c -lzmq -o dispatch_latency */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct run {
    const char *push;
    double rate;
    long count;
    double send_s;
    volatile int done;
} run;

static void *sender(void *arg)
{
    run *r = arg;
    void *ctx = zmq_ctx_new();
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int hwm = 0, linger = 5000;
    zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(push, r->push) != 0) {
        fprintf(stderr, "connect %s: %s\n", r->push, zmq_strerror(zmq_errno()));
        exit(1);
    }
    struct timespec w = {1, 0};   /* the tail subscribed, the feed connected */
    nanosleep(&w, NULL);
    uint64_t t0 = now_ns(), gap = (uint64_t)(1e9 / r->rate);
    char msg[1024];
    for (long i = 0; i < r->count; i++) {
        uint64_t due = t0 + (uint64_t)i * gap;
        if (now_ns() < due) { /* sleep, never spin: see bench/event_latency.c */
            struct timespec d = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d, NULL) != 0)
                ;
        }
        struct timespec wall;
        clock_gettime(CLOCK_REALTIME, &wall);
        int n = snprintf(msg, sizeof msg,
                         "{\"ts\":%lld.%06ld,\"subscriber\":\"L%ld_%llu\",\"event\":\"install\","
                         "\"package\":\"com.yidai.jinrong\",\"label\":\"易贷金融\","
                         "\"installer\":\"sideload\",\"permissions\":[\"READ_CONTACTS\","
                         "\"READ_SMS\",\"CAMERA\",\"INTERNET\"]}",
                         (long long)wall.tv_sec, wall.tv_nsec / 1000, i,
                         (unsigned long long)now_ns());
        zmq_send(push, msg, (size_t)n, 0);
    }
    r->send_s = (double)(now_ns() - t0) / 1e9;
    r->done = 1;
    zmq_close(push);
    zmq_ctx_term(ctx);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: dispatch_latency PUSH_ENDPOINT RATE COUNT TAIL_COMMAND\n");
        return 2;
    }
    run r = {.push = argv[1], .rate = atof(argv[2]), .count = atol(argv[3])};
    if (r.rate <= 0 || r.count <= 0)
        return 2;
    double *lat = malloc((size_t)r.count * sizeof *lat);
    if (!lat)
        return 1;
    for (long i = 0; i < r.count; i++)
        lat[i] = -1;
    FILE *tail = popen(argv[4], "r");
    if (!tail) {
        perror("popen");
        return 1;
    }
    pthread_t th;
    pthread_create(&th, NULL, sender, &r);
    char *line = NULL;
    size_t cap = 0;
    long received = 0, dup = 0;
    uint64_t last = now_ns();
    while (received < r.count) {
        if (getline(&line, &cap, tail) < 0)
            break;
        uint64_t t = now_ns();
        const char *p = strstr(line, "\"subscriber\":\"L");
        long seq;
        unsigned long long sent;
        if (!p || sscanf(p + 15, "%ld_%llu", &seq, &sent) != 2 || seq < 0 || seq >= r.count)
            continue;
        if (lat[seq] >= 0) {
            dup++;
            continue;
        }
        lat[seq] = (double)(t - sent) / 1e6;
        received++;
        last = t;
    }
    (void)last;
    pthread_join(th, NULL);
    pclose(tail);   /* the command ends with --count COUNT */
    const char *dump = getenv("DISPATCH_LATENCY_DUMP");   /* seq ms per line, for plots */
    FILE *df = dump ? fopen(dump, "w") : NULL;
    for (long i = 0; df && i < r.count; i++)
        fprintf(df, "%ld %.3f\n", i, lat[i]);
    if (df)
        fclose(df);
    double *l = malloc((size_t)r.count * sizeof *l);
    long k = 0;
    for (long i = 0; i < r.count; i++)
        if (lat[i] >= 0)
            l[k++] = lat[i];
    qsort(l, (size_t)k, sizeof *l, cmp);
    if (k == 0) {
        printf("| %.0f | - | %ld | 0 | - | - | - | - |\n", r.rate, r.count);
        return 1;
    }
    printf("| %.0f | %.0f | %ld | %ld | %.2f | %.2f | %.2f | %.2f |%s\n", r.rate,
           r.count / r.send_s, r.count, k, l[k / 2], l[(long)(k * 0.90)],
           l[(long)(k * 0.99) < k ? (long)(k * 0.99) : k - 1], l[k - 1],
           dup ? " (duplicates!)" : "");
    return k == r.count && dup == 0 ? 0 : 1;
}
