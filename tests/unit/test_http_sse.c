/* test_http_sse.c: event streams of the HTTP API (dispatch/http_sse.c)
 * against the real service on a journal in a temporary directory, over
 * real sockets, with the daemon's locking (one mutex, listener called on
 * commit with it held).
 *
 *   slow reader   a client that does not read while thousands of entries
 *                 are committed: its live queue overflows, it goes back to
 *                 the store, and it still gets every entry once, in order.
 *   resume race   streams opened with Last-Event-ID while another thread
 *                 commits: each gets exactly the entries after its id. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "http_int.h"
#include "service.h"
#include "unit.h"

static char dir[64];
static fsc_dispatchd d;
static fsc_http *http;
static int port;
static uint64_t next_alert = 1;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
}

static void on_entry(void *ctx, uint64_t seq, const char *kind, const char *queue, int level,
                     const char *json, size_t len)
{
    (void)ctx;
    fsc_http_on_entry(http, seq, kind, queue, level, json, len);
}

/* n alerts, committed in batches of `batch`, as the daemon's ingest does. */
static void ingest(int n, int batch, size_t pad)
{
    char *padding = malloc(pad + 1);
    memset(padding, 'p', pad);
    padding[pad] = '\0';
    size_t cap = pad + 256;
    char *json = malloc(cap);
    for (int i = 0; i < n;) {
        pthread_mutex_lock(&d.lock);
        for (int k = 0; k < batch && i < n; k++, i++) {
            int len = snprintf(json, cap,
                               "{\"alert_id\":\"%016llx\",\"precinct\":\"P-EAST\",\"level\":%d,"
                               "\"pad\":\"%s\"}",
                               (unsigned long long)next_alert++, 1 + i % 4, padding);
            uint64_t seq;
            bool dup;
            char err[256];
            fsc_status st = fsc_svc_ingest(d.svc, "test", json, (size_t)len, 1795939200.0 + i,
                                           &seq, &dup, err, sizeof err);
            if (st != FSC_OK) {
                printf("Bail out! ingest: %s\n", err);
                exit(1);
            }
        }
        if (fsc_svc_commit(d.svc) != FSC_OK) {
            printf("Bail out! commit failed\n");
            exit(1);
        }
        pthread_mutex_unlock(&d.lock);
    }
    free(json);
    free(padding);
}

/* An HTTP/1.0 GET /events (no chunking: the body is the stream). */
static int open_stream(const char *last_id, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        printf("Bail out! connect: %s\n", strerror(errno));
        exit(1);
    }
    char req[256];
    int n = snprintf(req, sizeof req,
                     "GET /events HTTP/1.0\r\nAuthorization: Bearer tok-analyst\r\n%s%s%s\r\n",
                     last_id ? "Last-Event-ID: " : "", last_id ? last_id : "",
                     last_id ? "\r\n" : "");
    if (write(fd, req, (size_t)n) != n) {
        printf("Bail out! write\n");
        exit(1);
    }
    return fd;
}

/* Reads the stream until an event with id `until` (or 30 s), collecting
 * the ids in order. Returns how many. */
typedef struct reader {
    int fd;
    char *buf;
    size_t len, cap;
    uint64_t *ids;
    size_t nids, capids;
    bool open_seen;
} reader;

static void reader_init(reader *r, int fd)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
}

static void reader_free(reader *r)
{
    close(r->fd);
    free(r->buf);
    free(r->ids);
}

static void reader_scan(reader *r)
{
    size_t start = 0;
    for (;;) {
        char *nl = memchr(r->buf + start, '\n', r->len - start);
        if (!nl)
            break;
        size_t ll = (size_t)(nl - (r->buf + start));
        const char *line = r->buf + start;
        if (ll >= 4 && memcmp(line, "id: ", 4) == 0) {
            if (r->nids == r->capids) {
                r->capids = r->capids ? r->capids * 2 : 1024;
                r->ids = realloc(r->ids, r->capids * sizeof *r->ids);
            }
            r->ids[r->nids++] = strtoull(line + 4, NULL, 10);
        } else if (ll >= 13 && memcmp(line, ": stream open", 13) == 0) {
            r->open_seen = true;
        }
        start += ll + 1;
    }
    memmove(r->buf, r->buf + start, r->len - start);
    r->len -= start;
}

static void reader_until(reader *r, uint64_t until, int timeout_ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!(r->nids && r->ids[r->nids - 1] >= until) && !(until == 0 && r->open_seen)) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 +
                                  (t.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd p = {r->fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return;
        if (r->len + 65536 > r->cap) {
            r->cap = r->len + 65536 * 2;
            r->buf = realloc(r->buf, r->cap);
        }
        ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len);
        if (n <= 0)
            return;
        r->len += (size_t)n;
        reader_scan(r);
    }
}

/* ids must be exactly from+1 .. to, each once, in order */
static bool exact(const reader *r, uint64_t from, uint64_t to, char *why, size_t cap)
{
    if (r->nids != to - from) {
        snprintf(why, cap, "%zu ids, want %llu", r->nids, (unsigned long long)(to - from));
        return false;
    }
    for (size_t i = 0; i < r->nids; i++)
        if (r->ids[i] != from + 1 + i) {
            snprintf(why, cap, "id #%zu is %llu, want %llu", i, (unsigned long long)r->ids[i],
                     (unsigned long long)(from + 1 + i));
            return false;
        }
    snprintf(why, cap, "%zu ids %llu..%llu", r->nids, (unsigned long long)from + 1,
             (unsigned long long)to);
    return true;
}

static void slow_reader(void)
{
    uint64_t base = next_alert - 1; /* entries so far (one per alert) */
    reader r;
    reader_init(&r, open_stream(NULL, 4096));
    reader_until(&r, 0, 10000);
    CHECK(r.open_seen, "the stream opened");
    /* ~10 MB while the client reads nothing: more than the socket buffers
     * and the live queue hold */
    unsigned long long before = atomic_load(&http->fallbacks);
    int n = 4000;
    ingest(n, 50, 2500);
    unsigned long long after = atomic_load(&http->fallbacks);
    CHECK(after > before, "the slow stream's queue overflowed (%llu fallbacks to the store)",
          after - before);
    reader_until(&r, base + (uint64_t)n, 60000);
    char why[128];
    CHECK(exact(&r, base, base + (uint64_t)n, why, sizeof why),
          "a slow reader still gets every entry once, in order: %s", why);
    /* and it is live again: one more entry arrives without a reconnect */
    ingest(1, 1, 10);
    reader_until(&r, base + (uint64_t)n + 1, 10000);
    CHECK(exact(&r, base, base + (uint64_t)n + 1, why, sizeof why),
          "back to live after catching up: %s", why);
    reader_free(&r);
}

typedef struct committer {
    int n;
} committer;

static void *commit_thread(void *arg)
{
    committer *c = arg;
    for (int i = 0; i < c->n; i += 5) {
        ingest(5, 5, 100);
        struct timespec ts = {0, 200000}; /* 0.2 ms: let streams interleave */
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void resume_race(void)
{
    uint64_t base = next_alert - 1;
    committer c = {1500};
    pthread_t t;
    pthread_create(&t, NULL, commit_thread, &c);
    enum { NSTREAMS = 8 };
    reader rs[NSTREAMS];
    uint64_t from[NSTREAMS];
    for (int i = 0; i < NSTREAMS; i++) {
        /* resume points spread over what exists now, one from 0 */
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&d.lock);
        uint64_t now = next_alert - 1;
        pthread_mutex_unlock(&d.lock);
        from[i] = i == 0 ? 0 : base + (now - base) * (uint64_t)i / NSTREAMS;
        char id[32];
        snprintf(id, sizeof id, "%llu", (unsigned long long)from[i]);
        reader_init(&rs[i], open_stream(id, 0));
    }
    pthread_join(t, NULL);
    uint64_t last = next_alert - 1;
    for (int i = 0; i < NSTREAMS; i++) {
        reader_until(&rs[i], last, 60000);
        char why[128];
        CHECK(exact(&rs[i], from[i], last, why, sizeof why),
              "resumed after %llu while committing: %s", (unsigned long long)from[i], why);
        reader_free(&rs[i]);
    }
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/fsc-http-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    char roster[128], tokens[128], journal[128], hex[65];
    snprintf(roster, sizeof roster, "%s/roster.yaml", dir);
    snprintf(tokens, sizeof tokens, "%s/tokens.yaml", dir);
    snprintf(journal, sizeof journal, "%s/journal", dir);
    write_file(roster, "desk: DESK\nshifts:\n  - officer: o.east\n    precincts: [P-EAST]\n"
                       "    weekly: \"Mon-Sun 00:00-24:00\"\n");
    fsc_auth_token_hash("tok-analyst", hex);
    char tok[256];
    snprintf(tok, sizeof tok, "tokens:\n  - name: analyst\n    role: analyst\n    sha256: %s\n",
             hex);
    write_file(tokens, tok);

    fsc_counters ctr = {{0}};
    fsc_diag diag = {0};
    fsc_svc_config cfg = {.journal_dir = journal, .roster_path = roster, .tokens_path = tokens};
    memset(&d, 0, sizeof d);
    pthread_mutex_init(&d.lock, NULL);
    d.counters = &ctr;
    if (fsc_svc_open(&cfg, &ctr, &diag, &d.svc) != FSC_OK) {
        printf("Bail out! cannot open the service\n");
        return 1;
    }
    /* a free loopback port */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    bind(s, (struct sockaddr *)&sa, sizeof sa);
    getsockname(s, (struct sockaddr *)&sa, &sl);
    port = ntohs(sa.sin_port);
    close(s);
    char listen[64], err[256];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    fsc_status st = fsc_http_start(&d, listen, &http, err, sizeof err);
    CHECK(st == FSC_OK, "serving on %s: %s", listen, st == FSC_OK ? "ok" : err);
    if (st != FSC_OK)
        return unit_done();
    pthread_mutex_lock(&d.lock);
    fsc_svc_set_listener(d.svc, on_entry, NULL);
    pthread_mutex_unlock(&d.lock);

    slow_reader();
    resume_race();

    fsc_http_stop(http); /* without the lock, as the daemon does */
    fsc_svc_close(d.svc);
    pthread_mutex_destroy(&d.lock);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return unit_done();
}
