/* test_flow.c: TCP reassembly and the extractor end to end: PDUs split over
 * segments in order, out of order and retransmitted; pipelined HTTP; DNS
 * over TCP; a SYN opening state for a first segment that comes late; a
 * retransmitted PDU read once; http.apk_url; the table's bounds (flows,
 * bytes, idle time). Frames are raw
 * IPv4 (DLT_RAW) built here; records are copied out of the callback. */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "extract.h"
#include "flow.h"
#include "unit.h"

#define MAXREC 32
static struct {
    int n;
    char line[MAXREC][512]; /* "field=value|field=value" per record */
} got;

static void on_record(void *ctx, const fsc_record *r)
{
    (void)ctx;
    if (got.n == MAXREC)
        return;
    char *o = got.line[got.n++];
    size_t at = 0;
    o[0] = '\0';
    for (size_t i = 0; i < r->nvalues && at < 500; i++) {
        int w = snprintf(o + at, 512 - at, "%s%s=%.*s", i ? "|" : "",
                         fsc_field_name(r->values[i].field), (int)r->values[i].len,
                         r->values[i].ptr);
        if (w < 0)
            break;
        at += (size_t)w;
    }
}

/* Feeds one TCP segment 10.0.0.1:40000 -> 10.0.0.2:dport (or the reverse
 * when `reply`), sequence number seq, as an exact-size raw IPv4 frame. */
static void seg(fsc_extractor *x, fsc_time ts, uint16_t dport, bool reply, uint32_t seq,
                uint8_t flags, const void *data, size_t n)
{
    size_t tot = 40 + n;
    uint8_t *f = malloc(tot);
    memset(f, 0, 40);
    f[0] = 0x45;
    f[2] = (uint8_t)(tot >> 8);
    f[3] = (uint8_t)tot;
    f[8] = 64;
    f[9] = 6;
    uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    memcpy(f + 12, reply ? b : a, 4);
    memcpy(f + 16, reply ? a : b, 4);
    uint16_t sp = reply ? dport : 40000, dp = reply ? 40000 : dport;
    f[20] = (uint8_t)(sp >> 8);
    f[21] = (uint8_t)sp;
    f[22] = (uint8_t)(dp >> 8);
    f[23] = (uint8_t)dp;
    f[24] = (uint8_t)(seq >> 24);
    f[25] = (uint8_t)(seq >> 16);
    f[26] = (uint8_t)(seq >> 8);
    f[27] = (uint8_t)seq;
    f[32] = 0x50;
    f[33] = (flags & FSC_TCP_SYN) ? flags : flags | 0x10; /* a client's SYN has no ACK */
    memcpy(f + 40, data, n);
    static uint64_t frame;
    fsc_extract_frame(x, FSC_DLT_RAW_101, ts, ++frame, f, tot, on_record, NULL);
    free(f);
}

/* A ClientHello record for sni, of about 300 bytes. */
static size_t hello(uint8_t *out, const char *sni)
{
    size_t l = strlen(sni), o = 0;
    size_t ext = 9 + l + 200; /* server_name + padding extension */
    size_t body = 2 + 32 + 1 + 4 + 2 + 2 + ext;
    out[o++] = 0x16, out[o++] = 3, out[o++] = 1;
    out[o++] = (uint8_t)((body + 4) >> 8), out[o++] = (uint8_t)(body + 4);
    out[o++] = 1, out[o++] = 0, out[o++] = (uint8_t)(body >> 8), out[o++] = (uint8_t)body;
    out[o++] = 3, out[o++] = 3;
    memset(out + o, 7, 32), o += 32;
    out[o++] = 0;
    out[o++] = 0, out[o++] = 2, out[o++] = 0x13, out[o++] = 1;
    out[o++] = 1, out[o++] = 0;
    out[o++] = (uint8_t)(ext >> 8), out[o++] = (uint8_t)ext;
    out[o++] = 0, out[o++] = 0x15, out[o++] = 0, out[o++] = 196; /* padding first */
    memset(out + o, 0, 196), o += 196;
    out[o++] = 0, out[o++] = 0, out[o++] = (uint8_t)((l + 5) >> 8), out[o++] = (uint8_t)(l + 5);
    out[o++] = (uint8_t)((l + 3) >> 8), out[o++] = (uint8_t)(l + 3), out[o++] = 0;
    out[o++] = (uint8_t)(l >> 8), out[o++] = (uint8_t)l;
    memcpy(out + o, sni, l), o += l;
    return o;
}

static void test_tls_segments(void)
{
    static uint8_t h[1024];
    size_t n = hello(h, "split.example.com");
    size_t a = n / 3, b = 2 * n / 3;
    /* each row: the order segments (0, 1, 2 = thirds of the record) are sent */
    static const struct {
        const char *what;
        int order[6];
        int count;
        uint64_t retrans, ooo;
    } rows[] = {
        {"in order", {0, 1, 2}, 3, 0, 0},
        {"out of order 0 2 1", {0, 2, 1}, 3, 0, 1},
        {"retransmitted first and last", {0, 0, 1, 2, 2}, 5, 1, 0},
        {"out of order with duplicate", {0, 2, 2, 1}, 4, 1, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fsc_extractor *x = fsc_extractor_new(NULL);
        memset(&got, 0, sizeof got);
        uint32_t isn = 0xfffffff0u; /* the sequence space wraps mid-record */
        for (int k = 0; k < rows[i].count; k++) {
            int s = rows[i].order[k];
            size_t from = s == 0 ? 0 : s == 1 ? a : b, to = s == 0 ? a : s == 1 ? b : n;
            seg(x, 1000 + k, 443, false, isn + (uint32_t)from, 0, h + from, to - from);
        }
        const fsc_counters *c = fsc_extractor_counters(x);
        CHECK(got.n == 1 && strncmp(got.line[0], "tls.sni=split.example.com|tls.ja3=", 34) == 0,
              "tls %s: %d records (%s)", rows[i].what, got.n, got.n ? got.line[0] : "");
        CHECK(c->v[FSC_C_REASM_RETRANSMIT] == rows[i].retrans &&
                  c->v[FSC_C_REASM_OUT_OF_ORDER] == rows[i].ooo,
              "tls %s: retransmits %llu, out of order %llu", rows[i].what,
              (unsigned long long)c->v[FSC_C_REASM_RETRANSMIT],
              (unsigned long long)c->v[FSC_C_REASM_OUT_OF_ORDER]);
        CHECK(c->v[FSC_C_FLOWS_CREATED] == 1 && c->v[FSC_C_REASM_COMPLETED] == 1,
              "tls %s: one flow, released when done", rows[i].what);
        fsc_extractor_free(x);
    }

    /* the server's bytes between the client's do not disturb the flow */
    fsc_extractor *x = fsc_extractor_new(NULL);
    memset(&got, 0, sizeof got);
    seg(x, 1, 8443, false, 100, 0, h, a);
    seg(x, 2, 8443, true, 5000, 0, "\x15\x03\x03\x00\x02\x02\x28", 7);
    seg(x, 3, 8443, false, 100 + (uint32_t)a, 0, h + a, n - a);
    CHECK(got.n == 1, "tls on another port, server bytes in between: %d records", got.n);
    /* a RST while incomplete drops the state */
    seg(x, 4, 443, false, 100, 0, h, a);
    seg(x, 5, 443, true, 1, FSC_TCP_RST, "", 0);
    seg(x, 6, 443, false, 100 + (uint32_t)a, 0, h + a, n - a);
    CHECK(got.n == 1, "no record after the connection was reset");
    fsc_extractor_free(x);
}

static void test_http_segments(void)
{
    fsc_extractor *x = fsc_extractor_new(NULL);
    memset(&got, 0, sizeof got);
    const char *r = "GET /one HTTP/1.1\r\nHost: WWW.Example.com:8080\r\nUser-Agent: UA/1\r\n\r\n";
    size_t n = strlen(r);
    seg(x, 1, 80, false, 1, 0, r, 10);
    seg(x, 2, 80, false, 1 + 30, 0, r + 30, n - 30);
    CHECK(got.n == 0, "http: nothing before the gap is filled");
    seg(x, 3, 80, false, 1 + 10, 0, r + 10, 20);
    CHECK(got.n == 1 &&
              strcmp(got.line[0],
                     "http.uri=/one|http.host=www.example.com|http.user_agent=UA/1") == 0,
          "http split in 3, out of order: %s", got.n ? got.line[0] : "");

    /* pipelined: two whole requests and the start of a third in one
     * segment, the rest of the third in the next */
    const char *p = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
                    "POST /b HTTP/1.1\r\nHost: b\r\nContent-Length: 4\r\n\r\nbody"
                    "GET /c HTTP/1.1\r\nUser-Agent: c\r\n\r\n";
    size_t pn = strlen(p);
    memset(&got, 0, sizeof got);
    seg(x, 4, 80, false, 1000, 0, p, pn - 12);
    seg(x, 5, 80, false, 1000 + (uint32_t)(pn - 12), 0, p + pn - 12, 12);
    CHECK(got.n == 3 && strcmp(got.line[0], "http.uri=/a|http.host=a") == 0 &&
              strcmp(got.line[1], "http.uri=/b|http.host=b") == 0 &&
              strcmp(got.line[2], "http.uri=/c|http.user_agent=c") == 0,
          "http pipelined: %d records", got.n);
    /* a later request on the same connection, in its own segment */
    seg(x, 6, 80, false, 1000 + (uint32_t)pn, 0, "HEAD /d HTTP/1.0\r\n\r\n", 20);
    CHECK(got.n == 4 && strcmp(got.line[3], "http.uri=/d") == 0, "http later request");
    fsc_extractor_free(x);
}

/* The first segment of a PDU arriving after later ones: the client's SYN
 * says where the stream starts. And a PDU is read once, however often it is
 * retransmitted. */
static void test_syn_and_repeats(void)
{
    static uint8_t h[1024];
    size_t n = hello(h, "late.example.com");
    size_t a = n / 3, b = 2 * n / 3;
    static const struct {
        const char *what;
        int order[8];
        int count;
    } rows[] = {
        {"first third last", {2, 1, 0}, 3},
        {"first third last, then all again", {1, 2, 0, 0, 1, 2}, 6},
        {"middle, first, middle again, last", {1, 0, 1, 2}, 4},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fsc_extractor *x = fsc_extractor_new(NULL);
        memset(&got, 0, sizeof got);
        uint32_t isn = 0x7ffffff0u;
        seg(x, 999, 443, false, isn, FSC_TCP_SYN, "", 0);
        seg(x, 999, 443, true, 77, FSC_TCP_SYN | FSC_TCP_ACK, "", 0);
        for (int k = 0; k < rows[i].count; k++) {
            int s = rows[i].order[k];
            size_t from = s == 0 ? 0 : s == 1 ? a : b, to = s == 0 ? a : s == 1 ? b : n;
            seg(x, 1000 + k, 443, false, isn + 1 + (uint32_t)from, 0, h + from, to - from);
        }
        const fsc_counters *c = fsc_extractor_counters(x);
        CHECK(got.n == 1 && strncmp(got.line[0], "tls.sni=late.example.com|", 25) == 0,
              "syn, then %s: %d records (%s)", rows[i].what, got.n, got.n ? got.line[0] : "");
        CHECK(c->v[FSC_C_FLOWS_FROM_SYN] == 1 && c->v[FSC_C_REASM_COMPLETED] == 1,
              "syn, then %s: flow opened at the SYN, released when done", rows[i].what);
        fsc_extractor_free(x);
    }

    /* in order after a SYN: read in place, no state left behind */
    fsc_extractor *x = fsc_extractor_new(NULL);
    memset(&got, 0, sizeof got);
    seg(x, 1, 443, false, 5000, FSC_TCP_SYN, "", 0);
    seg(x, 2, 443, false, 5001, 0, h, n);
    CHECK(got.n == 1, "syn then whole hello: %d", got.n);
    /* the whole record again (a retransmission): not a second record */
    seg(x, 3, 443, false, 5001, 0, h, n);
    const fsc_counters *c = fsc_extractor_counters(x);
    CHECK(got.n == 1 && c->v[FSC_C_REASM_PDU_REPEATED] == 1,
          "retransmitted whole hello read once: %d records, %llu repeats", got.n,
          (unsigned long long)c->v[FSC_C_REASM_PDU_REPEATED]);
    /* an HTTP request sent twice, and a new one after it */
    const char *r = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
    seg(x, 4, 80, false, 10, 0, r, strlen(r));
    seg(x, 5, 80, false, 10, 0, r, strlen(r));
    seg(x, 6, 80, false, 10 + (uint32_t)strlen(r), 0, r, strlen(r));
    CHECK(got.n == 3, "http request retransmitted: read once, the next one read: %d", got.n);
    /* after the timeout the same start is new data again (a reused port) */
    seg(x, 200 * 1000000LL, 80, false, 10, 0, r, strlen(r));
    CHECK(got.n == 4, "a repeat after the timeout is read: %d", got.n);
    fsc_extractor_free(x);
}

/* http.apk_url: from a request for a .apk path, and from a response with
 * the APK media type, which names the URL of the request it answers. */
static void test_apk(void)
{
    fsc_extractor *x = fsc_extractor_new(NULL);
    memset(&got, 0, sizeof got);
    const char *r1 = "GET /app/x.APK?v=2 HTTP/1.1\r\nHost: Dl.Example:8080\r\n\r\n";
    seg(x, 1, 80, false, 1, 0, r1, strlen(r1));
    CHECK(got.n == 1 && strcmp(got.line[0], "http.uri=/app/x.APK?v=2|http.host=dl.example|"
                                            "http.apk_url=http://Dl.Example:8080/app/x.APK?v=2") == 0,
          "apk request: %s", got.n ? got.line[0] : "");
    const char *r2 = "GET /download?id=7 HTTP/1.1\r\nHost: store.example\r\n\r\n";
    seg(x, 2, 8080, false, 1, 0, r2, strlen(r2));
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 9999\r\n"
                       "content-type: Application/vnd.android.package-archive; q=1\r\n\r\nPK";
    seg(x, 3, 8080, true, 500, 0, resp, strlen(resp));
    CHECK(got.n == 3 && strcmp(got.line[2],
                               "http.apk_url=http://store.example/download?id=7") == 0,
          "apk response names its request: %s", got.n > 2 ? got.line[2] : "");
    const char *html = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n";
    seg(x, 4, 8080, true, 500 + (uint32_t)strlen(resp), 0, html, strlen(html));
    /* a response on a connection whose request we never saw: nothing */
    seg(x, 5, 8081, true, 1, 0, resp, strlen(resp));
    CHECK(got.n == 3, "other responses give no apk_url: %d", got.n);
    CHECK(fsc_extractor_counters(x)->v[FSC_C_HTTP_APK_URLS] == 2, "apk urls counted");
    fsc_extractor_free(x);
}

static void test_dns_tcp(void)
{
    fsc_extractor *x = fsc_extractor_new(NULL);
    memset(&got, 0, sizeof got);
    static const uint8_t q[] = {0,  29, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w',
                                'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,   0, 1, 0, 1};
    uint8_t two[2 * sizeof q];
    memcpy(two, q, sizeof q);
    memcpy(two + sizeof q, q, sizeof q);
    two[sizeof q + 17] = 'X'; /* wwX */
    seg(x, 1, 53, false, 1, 0, two, sizeof two);
    CHECK(got.n == 2 && strcmp(got.line[0], "dns.query=www.example") == 0 &&
              strcmp(got.line[1], "dns.query=wwx.example") == 0,
          "dns over tcp: two messages in one segment: %d", got.n);
    seg(x, 2, 53, false, 100, 0, q, 2); /* length prefix alone */
    seg(x, 3, 53, false, 102, 0, q + 2, sizeof q - 2);
    CHECK(got.n == 3, "dns over tcp: length prefix in its own segment");
    fsc_extractor_free(x);
}

static void test_bounds(void)
{
    static uint8_t h[1024];
    size_t n = hello(h, "bound.example");
    /* 2 flows: the third incomplete PDU evicts the least recently used */
    fsc_extractor *x = fsc_extractor_new(&(fsc_extract_config){.max_flows = 2});
    memset(&got, 0, sizeof got);
    for (uint16_t port = 1; port <= 3; port++)
        seg(x, port, port, false, 1, 0, h, 50);
    const fsc_counters *c = fsc_extractor_counters(x);
    CHECK(c->v[FSC_C_FLOW_TABLE_FULL] == 1 && c->v[FSC_C_FLOWS_EVICTED] == 1,
          "full table evicts one flow and counts it");
    seg(x, 4, 3, false, 51, 0, h + 50, n - 50);
    seg(x, 5, 1, false, 51, 0, h + 50, n - 50);
    CHECK(got.n == 1, "the evicted flow gives nothing, the kept one its record");
    /* idle flows time out (default 60 s) */
    seg(x, 200 * 1000000LL, 9, false, 1, 0, "GET / HTTP/1.1\r\n", 16);
    CHECK(c->v[FSC_C_FLOWS_TIMED_OUT] == 1, "idle flow timed out (%llu)",
          (unsigned long long)c->v[FSC_C_FLOWS_TIMED_OUT]);
    fsc_extractor_free(x);

    /* a PDU larger than max_flow_bytes is given up and counted */
    x = fsc_extractor_new(&(fsc_extract_config){.max_flow_bytes = 128});
    memset(&got, 0, sizeof got);
    for (size_t off = 0; off < n; off += 60)
        seg(x, 1, 443, false, 1 + (uint32_t)off, 0, h + off, n - off < 60 ? n - off : 60);
    c = fsc_extractor_counters(x);
    CHECK(got.n == 0 && c->v[FSC_C_REASM_OVERFLOW] >= 1, "oversized ClientHello counted");
    fsc_extractor_free(x);
}

/* Eviction under a burst of SYNs (flow.h): with a table of 4 flows, a flow
 * holding part of a PDU survives 8 times as many other flows' SYNs, and the
 * SYN-only entries it outlives cost nothing: a first segment in order is
 * read in place without them. */
static void test_evict_syn_before_buffered(void)
{
    static uint8_t h[1024];
    size_t n = hello(h, "pq.example.com");
    size_t a = n / 2;
    const char *r = "GET /pay HTTP/1.1\r\nHost: Split.Example\r\nUser-Agent: UA\r\n\r\n";
    size_t rn = strlen(r);
    static const struct {
        const char *what;
        bool syn, http, late_first; /* late_first: 2nd segment comes first */
    } rows[] = {
        {"tls hello split in 2, no SYN seen", false, false, false},
        {"tls hello split in 2 after a SYN", true, false, false},
        {"tls hello, second segment before the first", true, false, true},
        {"http request split in 2", true, true, false},
        {"http request, second segment before the first", true, true, true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fsc_extractor *x = fsc_extractor_new(&(fsc_extract_config){.max_flows = 4});
        memset(&got, 0, sizeof got);
        const uint8_t *pdu = rows[i].http ? (const uint8_t *)r : h;
        size_t len = rows[i].http ? rn : n, cut = rows[i].http ? 20 : a;
        uint16_t port = rows[i].http ? 80 : 443;
        uint32_t isn = 1000;
        if (rows[i].syn)
            seg(x, 1, port, false, isn - 1, FSC_TCP_SYN, "", 0);
        if (rows[i].late_first)
            seg(x, 2, port, false, isn + (uint32_t)cut, 0, pdu + cut, len - cut);
        else
            seg(x, 2, port, false, isn, 0, pdu, cut);
        /* 32 other connections open (and never send a byte) */
        for (uint16_t k = 0; k < 32; k++)
            seg(x, 3 + k, (uint16_t)(2000 + k), false, 7, FSC_TCP_SYN, "", 0);
        if (rows[i].late_first)
            seg(x, 40, port, false, isn, 0, pdu, cut);
        else
            seg(x, 40, port, false, isn + (uint32_t)cut, 0, pdu + cut, len - cut);
        const fsc_counters *c = fsc_extractor_counters(x);
        const char *want = rows[i].http ? "http.uri=/pay|http.host=split.example|http.user_agent=UA"
                                        : "tls.sni=pq.example.com|";
        CHECK(got.n == 1 && strncmp(got.line[0], want, strlen(want)) == 0,
              "%s, 32 SYNs in between: %d records (%s)", rows[i].what, got.n,
              got.n ? got.line[0] : "");
        uint64_t syns = 32 + (rows[i].syn ? 1 : 0);
        /* the SYNs took 4 entries, less the one the PDU holds, then evicted
         * each other; the victim's own SYN entry was released by its first
         * in-order segment, or filled by its out-of-order one */
        CHECK(c->v[FSC_C_FLOWS_EVICTED] == 32 - 3 && c->v[FSC_C_FLOW_TABLE_FULL] == 32 - 3 &&
                  c->v[FSC_C_FLOWS_EVICTED_BUFFERED] == 0 && c->v[FSC_C_FLOWS_FROM_SYN] == syns,
              "%s: evicted %llu (want 29), of them buffered %llu (want 0)", rows[i].what,
              (unsigned long long)c->v[FSC_C_FLOWS_EVICTED],
              (unsigned long long)c->v[FSC_C_FLOWS_EVICTED_BUFFERED]);
        fsc_extractor_free(x);
    }

    /* a connection whose SYN entry was evicted loses nothing when its
     * segments come in order: whole, or split in two */
    fsc_extractor *x = fsc_extractor_new(&(fsc_extract_config){.max_flows = 4});
    memset(&got, 0, sizeof got);
    seg(x, 1, 443, false, 99, FSC_TCP_SYN, "", 0);
    seg(x, 1, 80, false, 99, FSC_TCP_SYN, "", 0);
    for (uint16_t k = 0; k < 16; k++)
        seg(x, 2 + k, (uint16_t)(2000 + k), false, 7, FSC_TCP_SYN, "", 0);
    seg(x, 20, 443, false, 100, 0, h, a);
    seg(x, 21, 443, false, 100 + (uint32_t)a, 0, h + a, n - a);
    seg(x, 22, 80, false, 100, 0, r, rn);
    const fsc_counters *c = fsc_extractor_counters(x);
    CHECK(got.n == 2 && strncmp(got.line[0], "tls.sni=pq.example.com|", 23) == 0 &&
              strncmp(got.line[1], "http.uri=/pay|", 14) == 0 &&
              c->v[FSC_C_FLOWS_EVICTED] == 16 + 2 - 4 + 1 &&
              c->v[FSC_C_FLOWS_EVICTED_BUFFERED] == 0,
          "SYN entries evicted, segments in order: %d records, evicted %llu", got.n,
          (unsigned long long)c->v[FSC_C_FLOWS_EVICTED]);
    fsc_extractor_free(x);
}

/* The flow table alone, to count its entries: a stream consumer that wants
 * a 100-byte PDU. */
static int want_done;
static bool want100(void *ctx, const fsc_packet *pkt, const uint8_t *data, size_t len,
                    size_t *used)
{
    (void)ctx, (void)pkt, (void)data;
    *used = 0;
    if (len < 100)
        return true;
    want_done++;
    *used = 100;
    return false;
}

static void flow_seg(fsc_flow_table *ft, fsc_time ts, uint16_t sport, uint32_t seq,
                     uint8_t flags, size_t n)
{
    static const uint8_t zeros[100];
    fsc_packet p;
    memset(&p, 0, sizeof p);
    p.src.family = p.dst.family = 4;
    p.src.b[3] = 1;
    p.dst.b[3] = 2;
    p.l4proto = 6;
    p.sport = sport;
    p.dport = 443;
    p.seq = seq;
    p.tcp_flags = (flags & FSC_TCP_SYN) ? flags : flags | FSC_TCP_ACK;
    p.payload = zeros;
    p.payload_len = n;
    fsc_flow_segment(ft, &p, ts, want100, NULL);
}

/* A flow whose gap is never filled still goes: evicted once every entry
 * with nothing buffered is gone and another PDU needs room (the oldest
 * buffered first), or at the timeout; the table never holds more than its
 * bound, and each eviction is counted once, in its class. */
static void test_evict_counts(void)
{
    fsc_counters c;
    memset(&c, 0, sizeof c);
    fsc_flow_table *ft = fsc_flow_table_new(4, 256, 1000, &c);
    want_done = 0;
    /* port 1: SYN, then bytes 50..100 of the PDU; 0..50 never come */
    flow_seg(ft, 1, 1, 0, FSC_TCP_SYN, 0);
    flow_seg(ft, 2, 1, 51, 0, 50);
    /* 8 SYNs: 3 fill the table, 5 evict SYN-only entries */
    for (uint16_t k = 0; k < 8; k++)
        flow_seg(ft, 3 + k, (uint16_t)(100 + k), 0, FSC_TCP_SYN, 0);
    CHECK(fsc_flow_count(ft) == 4 && c.v[FSC_C_FLOWS_EVICTED] == 5 &&
              c.v[FSC_C_FLOWS_EVICTED_BUFFERED] == 0,
          "SYNs evict SYN-only entries only: %zu flows, evicted %llu, buffered %llu",
          fsc_flow_count(ft), (unsigned long long)c.v[FSC_C_FLOWS_EVICTED],
          (unsigned long long)c.v[FSC_C_FLOWS_EVICTED_BUFFERED]);
    /* 4 PDUs in progress on ports 200..203: the first 3 evict the 3 SYN-only
     * entries, the 4th the oldest buffered one, port 1's */
    for (uint16_t k = 0; k < 4; k++)
        flow_seg(ft, 20 + k, (uint16_t)(200 + k), 0, 0, 60);
    CHECK(fsc_flow_count(ft) == 4 && c.v[FSC_C_FLOWS_EVICTED] == 9 &&
              c.v[FSC_C_FLOWS_EVICTED_BUFFERED] == 1 && c.v[FSC_C_FLOW_TABLE_FULL] == 9,
          "then buffered ones, oldest first: %zu flows, evicted %llu, buffered %llu",
          fsc_flow_count(ft), (unsigned long long)c.v[FSC_C_FLOWS_EVICTED],
          (unsigned long long)c.v[FSC_C_FLOWS_EVICTED_BUFFERED]);
    for (uint16_t k = 0; k < 4; k++)
        flow_seg(ft, 30 + k, (uint16_t)(200 + k), 60, 0, 40);
    CHECK(want_done == 4 && fsc_flow_count(ft) == 0 && c.v[FSC_C_REASM_COMPLETED] == 4,
          "the 4 kept PDUs complete: %d, %zu flows left", want_done, fsc_flow_count(ft));
    /* port 1's first bytes at last: its entry is gone, nothing is read */
    flow_seg(ft, 40, 1, 1, 0, 50);
    CHECK(want_done == 4, "the evicted flow gives nothing");

    /* a burst of 1000 SYNs and 1000 PDUs that never complete: the table
     * stays at its bound and every entry that went is counted once. Once
     * all 4 entries hold bytes (after 4 rounds), a SYN's entry is not made
     * (it would be worth less than any of them) and each new PDU takes the
     * place of the oldest buffered one */
    memset(&c, 0, sizeof c);
    fsc_flow_table_free(ft);
    ft = fsc_flow_table_new(4, 256, 1000, &c);
    for (uint16_t k = 0; k < 1000; k++) {
        flow_seg(ft, 100, (uint16_t)(1000 + k), 0, FSC_TCP_SYN, 0);
        flow_seg(ft, 100, (uint16_t)(3000 + k), 0, 0, 10);
        if (fsc_flow_count(ft) > 4)
            break;
    }
    CHECK(fsc_flow_count(ft) == 4 && c.v[FSC_C_FLOWS_CREATED] == 2000 - 996 &&
              c.v[FSC_C_FLOWS_EVICTED] == 4 + 996 && c.v[FSC_C_FLOWS_EVICTED_BUFFERED] == 996 &&
              c.v[FSC_C_FLOWS_SYN_NOT_KEPT] == 996,
          "2000 flows in a 4-entry table: %zu held, created %llu, evicted %llu, buffered %llu, "
          "SYNs not kept %llu",
          fsc_flow_count(ft), (unsigned long long)c.v[FSC_C_FLOWS_CREATED],
          (unsigned long long)c.v[FSC_C_FLOWS_EVICTED],
          (unsigned long long)c.v[FSC_C_FLOWS_EVICTED_BUFFERED],
          (unsigned long long)c.v[FSC_C_FLOWS_SYN_NOT_KEPT]);
    /* SYNs never push out a buffered PDU: with every entry holding bytes
     * they are counted and not kept; then time passes and the buffered
     * entries time out */
    flow_seg(ft, 200, 5000, 0, FSC_TCP_SYN, 0);
    flow_seg(ft, 200, 5001, 0, FSC_TCP_SYN, 0);
    CHECK(c.v[FSC_C_FLOWS_EVICTED] == 1000 && c.v[FSC_C_FLOWS_EVICTED_BUFFERED] == 996 &&
              c.v[FSC_C_FLOWS_SYN_NOT_KEPT] == 998 && fsc_flow_count(ft) == 4,
          "SYNs do not evict buffered entries: evicted %llu, buffered %llu, not kept %llu",
          (unsigned long long)c.v[FSC_C_FLOWS_EVICTED],
          (unsigned long long)c.v[FSC_C_FLOWS_EVICTED_BUFFERED],
          (unsigned long long)c.v[FSC_C_FLOWS_SYN_NOT_KEPT]);
    flow_seg(ft, 200 + 1001, 6000, 0, 0, 100);
    CHECK(fsc_flow_count(ft) == 0 && c.v[FSC_C_FLOWS_TIMED_OUT] == 4 &&
              c.v[FSC_C_FLOWS_EVICTED] == 1000,
          "idle entries of both kinds time out: %zu held, %llu timed out", fsc_flow_count(ft),
          (unsigned long long)c.v[FSC_C_FLOWS_TIMED_OUT]);
    fsc_flow_table_free(ft);
}

int main(void)
{
    test_tls_segments();
    test_http_segments();
    test_dns_tcp();
    test_syn_and_repeats();
    test_apk();
    test_bounds();
    test_evict_syn_before_buffered();
    test_evict_counts();
    return unit_done();
}
