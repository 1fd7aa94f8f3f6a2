/* test_clients.c: dispatch's clients part (clients.c) with the real service
 * (a journal in a temp dir) and real ZeroMQ sockets: a server thread runs
 * the part's poll loop as dispatchd does, clients speak wire.h through
 * wire_client.c. Checks the exact catch-up/live boundary while alerts are
 * committed concurrently, precinct visibility, refusals, bad messages. */
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dispatchd.h"
#include "unit.h"
#include "wire_client.h"

static fsc_dispatchd d;
static fsc_part part;
static fsc_counters ctr;
static volatile int server_stop;
static char dir[256], endpoint[300];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void listener(void *ctx, uint64_t seq, const char *kind, const char *queue, int level,
                     const char *json, size_t len)
{
    part.on_entry(part.state, seq, kind, queue, level, json, len);
}

static void *server(void *arg)
{
    (void)arg;
    while (!server_stop) {
        zmq_pollitem_t items[4];
        int n = part.pollitems(part.state, items, 4);
        zmq_poll(items, n, 5);
        part.handle(part.state, items, n, now_s());
        part.flush(part.state, now_s());
    }
    return NULL;
}

static void write_file(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
}

static void token_entry(char *buf, size_t cap, const char *name, const char *role,
                        const char *precincts, const char *token)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, strlen(token), md);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "  - name: %s\n    role: %s\n%s%s%s    sha256: %s\n", name, role,
             precincts ? "    precincts: [" : "", precincts ? precincts : "",
             precincts ? "]\n" : "", hex);
}

/* Ingests one alert for precinct as an engine would; returns its seq. */
static uint64_t ingest(int n, const char *precinct, int level)
{
    char json[256], err[200];
    snprintf(json, sizeof json,
             "{\"alert_id\":\"%016x\",\"precinct\":\"%s\",\"level\":%d,"
             "\"ts\":\"2026-11-29T08:00:00Z\",\"subscriber\":\"S%d\",\"fraud_type\":\"FT08\"}",
             n, precinct, level, n);
    uint64_t seq = 0;
    bool dup = false;
    pthread_mutex_lock(&d.lock);
    fsc_status st = fsc_svc_ingest(d.svc, "test", json, strlen(json), now_s(), &seq, &dup, err,
                                   sizeof err);
    if (st == FSC_OK)
        st = fsc_svc_commit(d.svc);
    pthread_mutex_unlock(&d.lock);
    if (st != FSC_OK)
        printf("# ingest %d: %s %s\n", n, fsc_status_name(st), err);
    return st == FSC_OK ? seq : 0;
}

/* What a subscriber received. */
#define MAXGOT 20000
typedef struct got {
    uint64_t seq[MAXGOT];
    int n;
    int notices;
    bool wrong_precinct;
} got;

static void on_push(void *ctx, uint64_t seq, const char *json, size_t len)
{
    got *g = ctx;
    if (seq == 0) {
        g->notices++;
        return;
    }
    if (g->n < MAXGOT)
        g->seq[g->n++] = seq;
    if (memmem(json, len, "P-WEST", 6))
        g->wrong_precinct = true;
}

/* A sender of alerts while the subscriber catches up. */
typedef struct feeder {
    int first, count;
    uint64_t east[MAXGOT];
    int neast;
} feeder;

static void *feed(void *arg)
{
    feeder *f = arg;
    for (int i = 0; i < f->count; i++) {
        bool east = i % 2 == 0;
        uint64_t s = ingest(f->first + i, east ? "P-EAST" : "P-WEST", 4);
        if (east && s)
            f->east[f->neast++] = s;
    }
    return NULL;
}

static fsc_wclient *client(const char *token, got *g)
{
    char err[200];
    fsc_wclient *c = fsc_wclient_open(endpoint, token, err, sizeof err);
    fsc_wclient_on_push(c, on_push, g);
    return c;
}

static fsc_status call(fsc_wclient *c, const char *verb, const char *args, char **body)
{
    fsc_status st = FSC_EIO;
    char err[200];
    *body = NULL;
    if (fsc_wclient_call(c, verb, args, 5000, &st, body, err, sizeof err) != FSC_OK) {
        printf("# %s: %s\n", verb, err);
        return FSC_EIO;
    }
    return st;
}

/* Sends raw frames on a DEALER and returns the REP's status frame text. */
static void raw(void *s, int n, const char *const *f, char *status, size_t cap)
{
    for (int i = 0; i < n; i++)
        zmq_send(s, f[i], strlen(f[i]), i + 1 < n ? ZMQ_SNDMORE : 0);
    status[0] = '\0';
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, 3000) <= 0)
        return;
    int more = 1, k = 0;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        zmq_msg_recv(&m, s, 0);
        if (k == 2)
            snprintf(status, cap, "%.*s", (int)zmq_msg_size(&m), (char *)zmq_msg_data(&m));
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
        k++;
    }
}

static int count_refused_subscribe(void *ctx, uint64_t seq, const char *json, size_t len)
{
    (void)seq;
    int *found = ctx;
    char buf[4096];
    snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), json);
    if (strstr(buf, "\"kind\":\"refused\"") && strstr(buf, "\"action\":\"subscribe\""))
        (*found)++;
    return 0;
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/fsc-test-clients-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    write_file("roster.yaml", "desk: DESK\nshifts:\n"
                              "  - officer: o.east\n    precincts: [P-EAST]\n"
                              "    weekly: \"Mon-Sun 00:00-24:00\"\n"
                              "  - officer: o.west\n    precincts: [P-WEST]\n"
                              "    weekly: \"Mon-Sun 00:00-24:00\"\n");
    char tokens[4096] = "tokens:\n";
    token_entry(tokens, sizeof tokens, "o.east", "officer", "P-EAST", "tok-east");
    token_entry(tokens, sizeof tokens, "o.west", "officer", "P-WEST", "tok-west");
    token_entry(tokens, sizeof tokens, "l.bank", "liaison", NULL, "tok-liaison");
    write_file("tokens.yaml", tokens);
    char journal[300], roster[300], tokpath[300];
    snprintf(journal, sizeof journal, "%s/journal", dir);
    snprintf(roster, sizeof roster, "%s/roster.yaml", dir);
    snprintf(tokpath, sizeof tokpath, "%s/tokens.yaml", dir);
    fsc_svc_config cfg = {.journal_dir = journal, .roster_path = roster, .tokens_path = tokpath};
    fsc_svc *svc = NULL;
    fsc_status st = fsc_svc_open(&cfg, &ctr, NULL, &svc);
    CHECK(st == FSC_OK, "service opens on a new journal (%s)", fsc_status_name(st));
    if (st != FSC_OK)
        return unit_done();
    d.zctx = zmq_ctx_new();
    d.svc = svc;
    d.counters = &ctr;
    pthread_mutex_init(&d.lock, NULL);
    snprintf(endpoint, sizeof endpoint, "ipc://%s/clients.sock", dir);
    char err[200];
    st = fsc_clients_open(&d, endpoint, &part, err, sizeof err);
    CHECK(st == FSC_OK, "clients part binds %s (%s)", endpoint, err);
    fsc_svc_set_listener(svc, listener, NULL);
    pthread_t srv;
    pthread_create(&srv, NULL, server, NULL);

    /* 1. catch-up then live, while alerts keep being committed */
    feeder f1 = {.first = 1, .count = 400};
    feed(&f1);   /* 200 east alerts before anyone subscribes */
    got *g = calloc(1, sizeof *g);
    fsc_wclient *c = client("tok-east", g);
    feeder *f2 = calloc(1, sizeof *f2);
    f2->first = 1000;
    f2->count = 1200;
    pthread_t ft;
    pthread_create(&ft, NULL, feed, f2);
    char *body;
    st = call(c, "subscribe", "{\"queue\":\"P-EAST\",\"after\":0}", &body);
    CHECK(st == FSC_OK && body && strstr(body, "\"subscribed\":true"), "subscribe: %s",
          body ? body : "-");
    free(body);
    pthread_join(ft, NULL);
    int want = f1.neast + f2->neast;
    for (int i = 0; i < 500 && g->n < want; i++)
        fsc_wclient_poll(c, 10);
    for (int i = 0; i < 20; i++)   /* anything extra would arrive now */
        fsc_wclient_poll(c, 10);
    CHECK(g->n == want, "every P-EAST alert pushed once: %d of %d", g->n, want);
    bool same = g->n == want;
    for (int i = 0; same && i < f1.neast; i++)
        same = g->seq[i] == f1.east[i];
    for (int i = 0; same && i < f2->neast; i++)
        same = g->seq[f1.neast + i] == f2->east[i];
    CHECK(same, "in commit order, no gap, no duplicate across the catch-up boundary");
    CHECK(!g->wrong_precinct, "no P-WEST alert reached o.east");
    CHECK(ctr.v[FSC_C_WIRE_PUSHES] >= (uint64_t)want, "pushes counted (%llu)",
          (unsigned long long)ctr.v[FSC_C_WIRE_PUSHES]);

    /* 2. resubscribe from a cursor: only what follows it */
    got *g2 = calloc(1, sizeof *g2);
    fsc_wclient *c2 = client("tok-east", g2);
    char args[128];
    snprintf(args, sizeof args, "{\"queue\":\"P-EAST\",\"after\":%llu}",
             (unsigned long long)f2->east[f2->neast - 3]);
    st = call(c2, "subscribe", args, &body);
    free(body);
    for (int i = 0; i < 100 && g2->n < 2; i++)
        fsc_wclient_poll(c2, 10);
    CHECK(g2->n == 2 && g2->seq[0] == f2->east[f2->neast - 2] &&
              g2->seq[1] == f2->east[f2->neast - 1],
          "after=seq resumes right after it (%d pushes)", g2->n);
    uint64_t live = ingest(5000, "P-EAST", 3);
    for (int i = 0; i < 100 && g2->n < 3; i++)
        fsc_wclient_poll(c2, 10);
    CHECK(g2->n == 3 && g2->seq[2] == live, "then live");

    /* 3. a burst bigger than a client's queue: a "lagging" notice, then a
     * resubscription from the client's own cursor gets the rest, exactly */
    got *g3 = calloc(1, sizeof *g3);
    fsc_wclient *c3 = client("tok-east", g3);
    snprintf(args, sizeof args, "{\"queue\":\"P-EAST\",\"after\":%llu}",
             (unsigned long long)live);
    st = call(c3, "subscribe", args, &body);
    free(body);
    for (int i = 0; i < 20; i++)   /* caught up (nothing after live): live now */
        fsc_wclient_poll(c3, 10);
    uint64_t lag0 = ctr.v[FSC_C_WIRE_LAGGING];
    uint64_t first = 0, last = 0;
    pthread_mutex_lock(&d.lock);
    for (int i = 0; i < 2500; i++) {   /* one commit: all pushed at once */
        char json[256];
        snprintf(json, sizeof json,
                 "{\"alert_id\":\"%016x\",\"precinct\":\"P-EAST\",\"level\":2,"
                 "\"ts\":\"2026-11-29T08:00:00Z\",\"subscriber\":\"B%d\"}",
                 0x100000 + i, i);
        uint64_t sq = 0;
        bool dup;
        if (fsc_svc_ingest(d.svc, "test", json, strlen(json), now_s(), &sq, &dup, err,
                           sizeof err) == FSC_OK) {
            first = first ? first : sq;
            last = sq;
        }
    }
    fsc_svc_commit(d.svc);
    pthread_mutex_unlock(&d.lock);
    int resubs = 0;
    for (int i = 0; i < 1000 && (g3->n < 2500); i++) {
        fsc_wclient_poll(c3, 10);
        if (g3->notices > resubs) {
            resubs = g3->notices;
            snprintf(args, sizeof args, "{\"queue\":\"P-EAST\",\"after\":%llu}",
                     (unsigned long long)(g3->n ? g3->seq[g3->n - 1] : live));
            fsc_wclient_send(c3, "subscribe", args);
        }
    }
    bool exact = g3->n == 2500 && g3->seq[0] == first && g3->seq[g3->n - 1] == last;
    for (int i = 1; exact && i < g3->n; i++)
        exact = g3->seq[i] == g3->seq[i - 1] + 1;
    CHECK(ctr.v[FSC_C_WIRE_LAGGING] > lag0 && resubs >= 1,
          "a 2500-entry burst makes the client lag (notices %d, counted %llu)", resubs,
          (unsigned long long)(ctr.v[FSC_C_WIRE_LAGGING] - lag0));
    CHECK(exact, "after resubscribing from its cursor it has all 2500, once, in order (%d)",
          g3->n);
    fsc_wclient_close(c3);
    free(g3);

    /* 4. refusals */
    st = call(c2, "subscribe", "{\"queue\":\"P-WEST\",\"after\":0}", &body);
    CHECK(st == FSC_EDENIED && body && strstr(body, "may not read"),
          "an officer may not subscribe to another precinct: %s", body ? body : "-");
    free(body);
    {
        /* ... and the refusal is audited: an entry in the store */
        pthread_mutex_lock(&d.lock);
        fsc_principal adm = {.name = "admin", .role = FSC_ROLE_ADMIN};
        fsc_svc_filter all = {0};
        int found = 0;
        fsc_svc_feed(d.svc, &adm, 0, &all, count_refused_subscribe, &found);
        pthread_mutex_unlock(&d.lock);
        CHECK(found == 1, "the refused subscription is a refused entry (%d)", found);
    }
    char id[40];
    snprintf(id, sizeof id, "{\"alert_id\":\"%016x\"}", 2);   /* a P-WEST alert */
    st = call(c2, "claim", id, &body);
    CHECK(st == FSC_EDENIED, "o.east claiming a P-WEST alert: %s", fsc_status_name(st));
    free(body);
    snprintf(id, sizeof id, "{\"alert_id\":\"%016x\"}", 1);   /* a P-EAST alert */
    st = call(c2, "claim", id, &body);
    CHECK(st == FSC_OK, "o.east claims a P-EAST alert: %s", body ? body : "-");
    free(body);
    st = call(c2, "claim", id, &body);
    CHECK(st == FSC_ESTATE, "a second claim: %s", fsc_status_name(st));
    free(body);
    fsc_wclient *bad = client("not-a-token", g2);
    st = call(bad, "ping", NULL, &body);
    CHECK(st == FSC_EDENIED && body && strstr(body, "unknown token"), "unknown token: %s",
          body ? body : "-");
    free(body);
    fsc_wclient_close(bad);

    /* 5. bad messages: an error reply each, counted, the server goes on */
    void *s = zmq_socket(d.zctx, ZMQ_DEALER);
    zmq_connect(s, endpoint);
    uint64_t bad0 = ctr.v[FSC_C_WIRE_BAD];
    char status[64];
    const char *m1[] = {"REQ", "1", "tok-east"};
    raw(s, 3, m1, status, sizeof status);
    CHECK_STR(status, "FSC_EMALFORMED", "3 frames");
    const char *m2[] = {"REQ", "2", "tok-east", "claim", "{\"alert_id\":"};
    raw(s, 5, m2, status, sizeof status);
    CHECK_STR(status, "FSC_EMALFORMED", "bad JSON");
    const char *m3[] = {"REQ", "3", "tok-east", "frobnicate", "{}"};
    raw(s, 5, m3, status, sizeof status);
    CHECK_STR(status, "FSC_EUNSUPPORTED", "unknown verb");
    const char *m4[] = {"HELLO", "4", "tok-east", "ping", "{}"};
    raw(s, 5, m4, status, sizeof status);
    CHECK_STR(status, "FSC_EMALFORMED", "not a REQ");
    const char *m5[] = {"REQ", "5", "tok-east", "outcome", "{\"alert_id\":\"x\",\"outcome\":\"maybe\"}"};
    raw(s, 5, m5, status, sizeof status);
    CHECK_STR(status, "FSC_EINVAL", "unknown outcome");
    CHECK(ctr.v[FSC_C_WIRE_BAD] - bad0 == 5, "5 bad messages counted (%llu)",
          (unsigned long long)(ctr.v[FSC_C_WIRE_BAD] - bad0));
    const char *m6[] = {"REQ", "6", "tok-east", "ping", ""};
    raw(s, 5, m6, status, sizeof status);
    CHECK_STR(status, "FSC_OK", "the server still answers");
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(s);

    fsc_wclient_close(c);
    fsc_wclient_close(c2);
    server_stop = 1;
    pthread_join(srv, NULL);
    part.close(part.state);
    fsc_svc_close(svc);
    zmq_ctx_term(d.zctx);
    free(g);
    free(g2);
    free(f2);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    return unit_done();
}
