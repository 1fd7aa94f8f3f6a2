/* event_latency.c: p50/p99/max latency from an install event entering the
 * engine's ZeroMQ event feed to its alert leaving the alert PUB socket.
 *
 *   event_latency PUSH_ENDPOINT SUB_ENDPOINT RATE COUNT [EVERY]
 *
 * A sender thread PUSHes COUNT install events at RATE events/s (paced on
 * the monotonic clock by sleeping, so the sender does not take a core from
 * the engine; at high rates the sleeps' overshoot makes small bursts). Every EVERY-th one (default 100; 1:
 * all) is a fraud-app install from a new subscriber, so it raises its own
 * alert; the others are store installs of a common app that match no rule (one-off scoring: no cool-down in the way). The
 * subscriber id carries the sequence number and the send time in ns
 * ("L<seq>_<ns>"); the alert names the subscriber, so the receiving thread
 * SUBscribed to the alert socket needs no shared state to time it. Prints
 * one table row: rate, events sent, alerts received, p50, p99, max (ms).
 * Build: cc -O2 -pthread bench/event_latency.c -lzmq -o event_latency */
#include <pthread.h>
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
    void *ctx;
    const char *push, *sub;
    double rate;
    long count;
    double *lat_ms;   /* per sequence number; < 0: no alert yet */
    long received;
    volatile int sending_done;
} run;

static void *receiver(void *arg)
{
    run *r = arg;
    void *s = zmq_socket(r->ctx, ZMQ_SUB);
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    int hwm = 0;
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_connect(s, r->sub);
    char buf[65536];
    uint64_t idle_since = 0;
    for (;;) {
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 100) <= 0) {
            if (r->sending_done) {
                if (!idle_since)
                    idle_since = now_ns();
                if (now_ns() - idle_since > 2000000000u || r->received == r->count)
                    break;
            }
            continue;
        }
        idle_since = 0;
        int n = zmq_recv(s, buf, sizeof buf - 1, 0);
        uint64_t t = now_ns();
        if (n < 0)
            continue;
        buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
        int more = 0;
        size_t ml = sizeof more;
        zmq_getsockopt(s, ZMQ_RCVMORE, &more, &ml);
        if (more)
            continue; /* the topic frame; the JSON follows */
        const char *p = strstr(buf, "\"subscriber\":\"L");
        if (!p)
            continue;
        long seq;
        unsigned long long sent;
        if (sscanf(p + 15, "%ld_%llu", &seq, &sent) != 2 || seq < 0 || seq >= r->count)
            continue;
        if (r->lat_ms[seq] < 0) {
            r->lat_ms[seq] = (double)(t - sent) / 1e6;
            r->received++;
        }
    }
    zmq_close(s);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: event_latency PUSH_ENDPOINT SUB_ENDPOINT RATE COUNT [EVERY]\n");
        return 2;
    }
    run r = {.push = argv[1], .sub = argv[2], .rate = atof(argv[3]), .count = atol(argv[4])};
    long every = argc == 6 ? atol(argv[5]) : 100, total = r.count;
    if (r.rate <= 0 || r.count <= 0 || every <= 0)
        return 2;
    r.count = (total + every - 1) / every; /* events that raise an alert */
    r.ctx = zmq_ctx_new();
    r.lat_ms = malloc((size_t)r.count * sizeof *r.lat_ms);
    if (!r.ctx || !r.lat_ms)
        return 1;
    for (long i = 0; i < r.count; i++)
        r.lat_ms[i] = -1;
    pthread_t th;
    pthread_create(&th, NULL, receiver, &r);
    void *push = zmq_socket(r.ctx, ZMQ_PUSH);
    int hwm = 0, linger = 5000;
    zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(push, r.push) != 0) {
        fprintf(stderr, "connect %s: %s\n", r.push, zmq_strerror(zmq_errno()));
        return 1;
    }
    struct timespec w = {0, 500 * 1000000}; /* both connections up */
    nanosleep(&w, NULL);
    uint64_t t0 = now_ns(), gap = (uint64_t)(1e9 / r.rate);
    char msg[1024];
    for (long i = 0; i < total; i++) {
        uint64_t due = t0 + (uint64_t)i * gap;
        /* sleep, never spin, until the event is due: a spinning sender
         * takes a whole core of a 2-core machine from the engine it
         * measures. A sleep overshoots by tens of microseconds; the events
         * that fell due meanwhile go out at once, each stamped when sent. */
        if (now_ns() < due) {
            struct timespec d = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d, NULL) != 0)
                ;
        }
        struct timespec wall;
        clock_gettime(CLOCK_REALTIME, &wall);
        int n;
        if (i % every)
            n = snprintf(msg, sizeof msg,
                         "{\"ts\":%lld.%06ld,\"subscriber\":\"B%ld\",\"event\":\"install\","
                         "\"package\":\"com.tencent.mm\",\"label\":\"微信\","
                         "\"installer\":\"store\",\"permissions\":[\"INTERNET\",\"CAMERA\"]}",
                         (long long)wall.tv_sec, wall.tv_nsec / 1000, i % 10000);
        else
            n = snprintf(msg, sizeof msg,
                         "{\"ts\":%lld.%06ld,\"subscriber\":\"L%ld_%llu\",\"event\":\"install\","
                         "\"package\":\"com.yidai.jinrong\",\"label\":\"易贷金融\","
                         "\"installer\":\"sideload\",\"permissions\":[\"READ_CONTACTS\","
                         "\"READ_SMS\",\"CAMERA\",\"INTERNET\"]}",
                         (long long)wall.tv_sec, wall.tv_nsec / 1000, i / every,
                         (unsigned long long)now_ns());
        zmq_send(push, msg, (size_t)n, 0);
    }
    double send_s = (double)(now_ns() - t0) / 1e9;
    r.sending_done = 1;
    pthread_join(th, NULL);
    double *l = malloc((size_t)r.count * sizeof *l);
    long k = 0;
    for (long i = 0; i < r.count; i++)
        if (r.lat_ms[i] >= 0)
            l[k++] = r.lat_ms[i];
    qsort(l, (size_t)k, sizeof *l, cmp);
    printf("| %.0f | %.0f | %ld | %ld | %ld | %.3f | %.3f | %.3f |\n", r.rate,
           (double)total / send_s, total, r.count, k, k ? l[k / 2] : 0.0,
           k ? l[(size_t)((double)k * 0.99) < (size_t)k ? (size_t)((double)k * 0.99) : (size_t)k - 1] : 0.0,
           k ? l[k - 1] : 0.0);
    zmq_close(push);
    zmq_ctx_term(r.ctx);
    free(l);
    free(r.lat_ms);
    return k == r.count ? 0 : 1;
}
