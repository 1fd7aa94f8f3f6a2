/* test_spool.c: the engine's spool against a real ZeroMQ ROUTER playing
 * dispatch, on real files: sends, ACK/NACK, resends after a timeout and on
 * the next start, the torn tail cut, compaction, dead letters. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "spool.h"
#include "unit.h"
#include "wire.h"

static void *zctx, *router;
static char endpoint[128];

typedef struct got {
    char id[256];
    size_t idlen;
    char cmd[16], ref[128];
    char *json;
    size_t len;
} got;

/* One message from the spool within ms; 0 when none came. */
static int recv_alert(got *g, int ms)
{
    zmq_pollitem_t it = {router, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, ms) <= 0)
        return 0;
    zmq_msg_t m[4];
    int n = 0, more = 1;
    while (more && n < 4) {
        zmq_msg_init(&m[n]);
        zmq_msg_recv(&m[n], router, 0);
        more = zmq_msg_more(&m[n]);
        n++;
    }
    memset(g, 0, sizeof *g);
    if (n == 4) {
        g->idlen = zmq_msg_size(&m[0]) < sizeof g->id ? zmq_msg_size(&m[0]) : sizeof g->id;
        memcpy(g->id, zmq_msg_data(&m[0]), g->idlen);
        snprintf(g->cmd, sizeof g->cmd, "%.*s", (int)zmq_msg_size(&m[1]),
                 (char *)zmq_msg_data(&m[1]));
        snprintf(g->ref, sizeof g->ref, "%.*s", (int)zmq_msg_size(&m[2]),
                 (char *)zmq_msg_data(&m[2]));
        g->len = zmq_msg_size(&m[3]);
        g->json = malloc(g->len + 1);
        memcpy(g->json, zmq_msg_data(&m[3]), g->len);
        g->json[g->len] = '\0';
    }
    for (int i = 0; i < n; i++)
        zmq_msg_close(&m[i]);
    return n == 4;
}

static void answer(const got *g, const char *cmd, const char *arg)
{
    zmq_send(router, g->id, g->idlen, ZMQ_SNDMORE);
    zmq_send(router, cmd, strlen(cmd), ZMQ_SNDMORE);
    zmq_send(router, g->ref, strlen(g->ref), ZMQ_SNDMORE);
    zmq_send(router, arg, strlen(arg), 0);
}

static unsigned long long ref_seq(const got *g)
{
    const char *c = strrchr(g->ref, ':');
    return c ? strtoull(c + 1, NULL, 10) : 0;
}

static int wait_pending(fsc_spool *s, uint64_t want, int ms)
{
    for (int i = 0; i < ms / 5; i++) {
        if (fsc_spool_pending(s) == want)
            return 1;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    return fsc_spool_pending(s) == want;
}

static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static fsc_spool *open_spool(const char *dir, const char *ep, size_t seg)
{
    fsc_spool_config c = {.dir = dir, .endpoint = ep, .resend_ms = 200, .segment_bytes = seg};
    fsc_spool *s = NULL;
    char err[256] = "";
    fsc_status st = fsc_spool_open(&c, &s, err, sizeof err);
    CHECK(st == FSC_OK, "spool opens in %s (%s)", dir, err);
    return s;
}

static void append_n(fsc_spool *s, int from, int n)
{
    for (int i = from; i < from + n; i++) {
        char js[64];
        int l = snprintf(js, sizeof js, "{\"alert_id\":\"a%d\"}", i);
        fsc_spool_append(s, js, (size_t)l);
    }
}

int main(void)
{
    char dir[] = "/tmp/fsc-test-spool-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    zctx = zmq_ctx_new();
    router = zmq_socket(zctx, ZMQ_ROUTER);
    int linger = 0;
    zmq_setsockopt(router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_bind(router, "tcp://127.0.0.1:*");
    size_t el = sizeof endpoint;
    zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, endpoint, &el);

    /* 1. five alerts: ACK three, NACK one, leave one to be resent */
    char d1[300];
    snprintf(d1, sizeof d1, "%s/a", dir);
    fsc_spool *s = open_spool(d1, endpoint, 0);
    append_n(s, 1, 5);
    got g[5], r;
    int ok = 1;
    for (int i = 0; i < 5; i++)
        ok &= recv_alert(&g[i], 2000);
    CHECK(ok, "five ALERT messages arrive");
    CHECK_STR(g[0].cmd, FSC_WIRE_ALERT, "first frame");
    CHECK(ref_seq(&g[0]) == 1 && ref_seq(&g[4]) == 5, "refs end in the spool seqs 1..5 (%s, %s)",
          g[0].ref, g[4].ref);
    CHECK_STR(g[2].json, "{\"alert_id\":\"a3\"}", "the alert's json, verbatim");
    answer(&g[0], FSC_WIRE_ACK, "101");
    answer(&g[1], FSC_WIRE_ACK, "102");
    answer(&g[3], FSC_WIRE_ACK, "104");
    answer(&g[2], FSC_WIRE_NACK, "not an alert: test");
    CHECK(wait_pending(s, 1, 2000), "one alert pending after 3 ACKs and 1 NACK (%llu)",
          (unsigned long long)fsc_spool_pending(s));
    CHECK(recv_alert(&r, 2000) && ref_seq(&r) == 5, "the unanswered alert is resent (%s)",
          r.ref);
    answer(&r, FSC_WIRE_ACK, "105");
    CHECK(wait_pending(s, 0, 2000), "nothing pending once it is acknowledged");
    fsc_counters k;
    memset(&k, 0, sizeof k);
    fsc_spool_counters(s, &k);
    CHECK(k.v[FSC_C_SPOOL_SENT] == 5 && k.v[FSC_C_SPOOL_RESENT] >= 1 &&
              k.v[FSC_C_SPOOL_ACKED] == 4 && k.v[FSC_C_SPOOL_NACKED] == 1,
          "counters: sent %llu resent %llu acked %llu refused %llu",
          (unsigned long long)k.v[FSC_C_SPOOL_SENT], (unsigned long long)k.v[FSC_C_SPOOL_RESENT],
          (unsigned long long)k.v[FSC_C_SPOOL_ACKED], (unsigned long long)k.v[FSC_C_SPOOL_NACKED]);
    CHECK(fsc_spool_close(s, 1000) == 0, "closes with nothing left");
    char path[400];
    snprintf(path, sizeof path, "%s/acked", d1);
    const char *acked = read_file(path);
    unsigned long long w = acked ? strtoull(acked, NULL, 10) : 0;
    CHECK(w == 5, "the watermark on disk is 5 (%llu)", w);
    snprintf(path, sizeof path, "%s/dead-letter.jsonl", d1);
    const char *dl = read_file(path);
    CHECK(dl && strstr(dl, "not an alert: test") && strstr(dl, ":3\"") &&
              strstr(dl, "\\\"alert_id\\\":\\\"a3\\\""),
          "the refused alert is in the dead letters with the reason");
    for (int i = 0; i < 5; i++)
        free(g[i].json);
    free(r.json);

    /* 2. unacknowledged at close: sent again on the next start */
    s = open_spool(d1, endpoint, 0);
    append_n(s, 6, 3);
    for (int i = 0; i < 3; i++) {
        ok &= recv_alert(&r, 2000);
        free(r.json);
    }
    CHECK(ok, "three more sent");
    CHECK(fsc_spool_close(s, 0) == 3, "close says 3 remain spooled");
    s = open_spool(d1, endpoint, 0);
    CHECK(fsc_spool_pending(s) == 3, "reopened: 3 pending");
    unsigned long long seen = 0;
    for (int i = 0; i < 3 && recv_alert(&r, 2000); i++) {
        seen |= 1ull << ref_seq(&r);
        answer(&r, FSC_WIRE_ACK, "1");
        free(r.json);
    }
    CHECK(seen == (1ull << 6 | 1ull << 7 | 1ull << 8), "6, 7 and 8 resent on start");
    CHECK(fsc_spool_close(s, 2000) == 0, "all acknowledged after the restart");

    /* 3. a torn tail (a crash mid-write) is cut; the next alert follows it */
    char seg[400];
    snprintf(seg, sizeof seg, "%s/seg-%020d.log", d1, 1);
    struct stat st0;
    stat(seg, &st0);
    FILE *f = fopen(seg, "ab");
    fputs("9 {\"alert_id\":\"to", f);
    fclose(f);
    s = open_spool(d1, NULL, 0);
    struct stat st1;
    stat(seg, &st1);
    CHECK(st1.st_size == st0.st_size, "the torn line is cut (%lld -> %lld bytes)",
          (long long)st0.st_size, (long long)st1.st_size);
    memset(&k, 0, sizeof k);
    fsc_spool_counters(s, &k);
    CHECK(k.v[FSC_C_SPOOL_ERRORS] == 1, "and counted");
    append_n(s, 9, 1);
    fsc_spool_close(s, 0);
    const char *text = read_file(seg);
    size_t tl = strlen(text);
    const char *want = "\n9 {\"alert_id\":\"a9\"}\n";
    CHECK(tl > strlen(want) && strcmp(text + tl - strlen(want), want) == 0,
          "the next alert is seq 9, on a line of its own");

    /* 3b. a damaged line with good ones after it is skipped, not cut: the
     * alerts after it were never sent and must still go */
    char dm[300], seg3[400];
    snprintf(dm, sizeof dm, "%s/m", dir);
    s = open_spool(dm, NULL, 0);
    append_n(s, 1, 5);
    fsc_spool_close(s, 0);
    snprintf(seg3, sizeof seg3, "%s/seg-%020d.log", dm, 1);
    char *body3 = strdup(read_file(seg3));
    char *l3 = strstr(body3, "\n3 ");
    if (l3)
        memset(l3 + 1, '#', strlen("3 {\"alert_id\":\"a3\"}")); /* bytes rot */
    f = fopen(seg3, "wb");
    fputs(body3, f);
    fclose(f);
    struct stat st3a, st3b;
    stat(seg3, &st3a);
    s = open_spool(dm, endpoint, 0);
    stat(seg3, &st3b);
    CHECK(l3 && st3a.st_size == st3b.st_size, "nothing is cut for a damaged middle line");
    unsigned long long got3 = 0;
    for (int i = 0; i < 4 && recv_alert(&r, 2000); i++) {
        got3 |= 1ull << ref_seq(&r);
        answer(&r, FSC_WIRE_ACK, "1");
        free(r.json);
    }
    CHECK(got3 == (1ull << 1 | 1ull << 2 | 1ull << 4 | 1ull << 5),
          "alerts 1, 2, 4 and 5 are sent, the damaged 3 skipped (%llx)", got3);
    memset(&k, 0, sizeof k);
    fsc_spool_counters(s, &k);
    CHECK(k.v[FSC_C_SPOOL_ERRORS] >= 1, "the damage is counted");
    fsc_spool_close(s, 1000);
    free(body3);

    /* 4. compaction: small segments, all acknowledged, only the current kept */
    char d2[300];
    snprintf(d2, sizeof d2, "%s/b", dir);
    s = open_spool(d2, endpoint, 100);
    append_n(s, 1, 20);
    CHECK(count_files(d2, "seg-") > 1, "20 alerts take %d segments of 100 bytes",
          count_files(d2, "seg-"));
    for (int i = 0; i < 20 && recv_alert(&r, 2000); i++) {
        answer(&r, FSC_WIRE_ACK, "1");
        free(r.json);
    }
    CHECK(wait_pending(s, 0, 3000), "20 alerts over several segments acknowledged");
    fsc_spool_close(s, 1000);
    CHECK(count_files(d2, "seg-") == 1, "acknowledged segments deleted, %d left",
          count_files(d2, "seg-"));

    /* 5. an alert larger than dispatch stores goes to the dead letters */
    char d3[300];
    snprintf(d3, sizeof d3, "%s/c", dir);
    s = open_spool(d3, endpoint, 0);
    size_t big = 300 * 1024;
    char *js = malloc(big);
    memset(js, 'x', big);
    memcpy(js, "{\"a\":\"", 6);
    memcpy(js + big - 2, "\"}", 2);
    fsc_spool_append(s, js, big);
    free(js);
    CHECK(wait_pending(s, 0, 2000), "the oversized alert is done without dispatch");
    CHECK(!recv_alert(&r, 300), "and was never sent");
    fsc_spool_close(s, 0);
    snprintf(path, sizeof path, "%s/dead-letter.jsonl", d3);
    dl = read_file(path);
    CHECK(dl && strstr(dl, "larger than dispatch stores"), "dead letter with the reason");

    zmq_close(router);
    zmq_ctx_term(zctx);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return unit_done();
}
