/* test_parse.c: the pure parsers of parse.h: DNS names and queries, TLS
 * ClientHello SNI, HTTP request headers and responses; the JA3/JA4
 * fingerprints of ja.h against published values. Table rows are {bytes,
 * expected};
 * every row is also cut at each length to check that a prefix never reads
 * past its end (the copies are exact-size heap blocks, so ASan sees it) and
 * never parses as complete. */
#include <stdlib.h>
#include <string.h>

#include "ja.h"
#include "parse.h"
#include "unit.h"

/* "0a 0b" style hex to bytes; returns the length. */
static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    if (n)
        memcpy(c, p, n);
    return c;
}

/* ---- DNS ---- */

#define DNS_HDR_Q1 "1234 0100 0001 0000 0000 0000"
#define DNS_HDR_Q2 "1234 0100 0002 0000 0000 0000"
#define WWW_EXAMPLE_COM "03 575757 07 4578616d706c65 03 434f4d 00"   /* WWW.Example.COM */

static void test_dns(void)
{
    static const struct {
        const char *what, *hex;
        fsc_status st;
        fsc_counter_id anomaly; /* checked when st != FSC_OK */
        unsigned nq;
        const char *name0, *name1;
    } rows[] = {
        {"one question, lower-cased", DNS_HDR_Q1 WWW_EXAMPLE_COM "0001 0001", FSC_OK, 0, 1,
         "www.example.com", NULL},
        {"compression pointer to an earlier name",
         DNS_HDR_Q2 WWW_EXAMPLE_COM "0001 0001" "04 6d61696c c010 001c 0001", FSC_OK, 0, 2,
         "www.example.com", "mail.example.com"},
        {"pointer to itself", DNS_HDR_Q1 "c00c 0001 0001", FSC_EMALFORMED, FSC_C_DNS_NAME_LOOP,
         0, NULL, NULL},
        {"label then pointer back to its own start", DNS_HDR_Q1 "01 61 c00c 0001 0001",
         FSC_EMALFORMED, FSC_C_DNS_NAME_LOOP, 0, NULL, NULL},
        {"forward pointer", DNS_HDR_Q1 "c010 0001 0001 00 00", FSC_EMALFORMED,
         FSC_C_DNS_NAME_LOOP, 0, NULL, NULL},
        {"second name loops, first kept",
         DNS_HDR_Q2 WWW_EXAMPLE_COM "0001 0001" "01 61 c021 0001 0001", FSC_EMALFORMED,
         FSC_C_DNS_NAME_LOOP, 1, "www.example.com", NULL},
        {"pointer past the end", DNS_HDR_Q1 "c0ff 0001 0001", FSC_EMALFORMED,
         FSC_C_DNS_NAME_LOOP, 0, NULL, NULL},
        {"extended label type 0x40", DNS_HDR_Q1 "41 61 00 0001 0001", FSC_EMALFORMED,
         FSC_C_DNS_MALFORMED, 0, NULL, NULL},
        {"root name", DNS_HDR_Q1 "00 0002 0001", FSC_OK, 0, 1, "", NULL},
        {"response gives nothing", "1234 8180 0001 0001 0000 0000" WWW_EXAMPLE_COM "0001 0001",
         FSC_OK, 0, 0, NULL, NULL},
        {"header only, qdcount 0", "1234 0100 0000 0000 0000 0000", FSC_OK, 0, 0, NULL, NULL},
        {"qdcount larger than the questions", DNS_HDR_Q2 WWW_EXAMPLE_COM "0001 0001",
         FSC_ETRUNC, FSC_C_DNS_MALFORMED, 1, "www.example.com", NULL},
        {"too many questions", "1234 0100 0009 0000 0000 0000"
         "0161 00 0001 0001 0161 00 0001 0001 0161 00 0001 0001 0161 00 0001 0001"
         "0161 00 0001 0001 0161 00 0001 0001 0161 00 0001 0001 0161 00 0001 0001"
         "0161 00 0001 0001", FSC_ELIMIT, FSC_C_DNS_TOO_MANY_QUESTIONS, 8, "a", "a"},
    };
    static uint8_t buf[2048];
    static fsc_dns_query q;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = unit_hex(rows[i].hex, buf, sizeof buf);
        uint8_t *m = dup_exact(buf, n);
        fsc_status st = fsc_dns_parse(m, n, &q);
        CHECK(st == rows[i].st, "dns %s: status %s", rows[i].what, fsc_status_name(st));
        if (rows[i].st != FSC_OK)
            CHECK(q.anomaly == rows[i].anomaly, "dns %s: anomaly %s", rows[i].what,
                  fsc_counter_name(q.anomaly));
        CHECK(q.nquestions == rows[i].nq, "dns %s: %u questions", rows[i].what, q.nquestions);
        if (rows[i].name0 && q.nquestions > 0)
            CHECK_STR(q.names[0], rows[i].name0, rows[i].what);
        if (rows[i].name1 && q.nquestions > 1)
            CHECK_STR(q.names[1], rows[i].name1, rows[i].what);
        /* every prefix of a query with questions: no over-read, never OK
         * with all questions */
        bool prefixes_ok = true;
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *c = dup_exact(m, cut);
            fsc_status cs = fsc_dns_parse(c, cut, &q);
            if (rows[i].st == FSC_OK && rows[i].nq > 0 && cs == FSC_OK && !q.is_response &&
                q.nquestions == rows[i].nq)
                prefixes_ok = false;
            free(c);
        }
        CHECK(prefixes_ok, "dns %s: no prefix parses as the whole message", rows[i].what);
        free(m);
    }

    /* names at the 255-byte wire bound: 3 x 63 + 61 fits, 4 x 63 does not */
    size_t n = unit_hex(DNS_HDR_Q1, buf, sizeof buf);
    size_t labels[2][4] = {{63, 63, 63, 61}, {63, 63, 63, 63}};
    for (int k = 0; k < 2; k++) {
        size_t off = n;
        for (int l = 0; l < 4; l++) {
            buf[off++] = (uint8_t)labels[k][l];
            memset(buf + off, 'A', labels[k][l]);
            off += labels[k][l];
        }
        buf[off++] = 0;
        memcpy(buf + off, "\0\1\0\1", 4);
        off += 4;
        uint8_t *m = dup_exact(buf, off);
        fsc_status st = fsc_dns_parse(m, off, &q);
        if (k == 0)
            CHECK(st == FSC_OK && q.nquestions == 1 && strlen(q.names[0]) == 253 &&
                      q.names[0][0] == 'a',
                  "dns name of 255 wire bytes is accepted (%s)", fsc_status_name(st));
        else
            CHECK(st == FSC_ELIMIT && q.anomaly == FSC_C_DNS_NAME_TOO_LONG,
                  "dns name of 257 wire bytes is refused (%s)", fsc_status_name(st));
        free(m);
    }

    /* a long pointer chain, each pointer going back: bounded and fine */
    size_t off = unit_hex("1234 0100 0001 0000 0000 0000", buf, sizeof buf);
    /* bytes 12..: a root name at 12, then 40 names "x" + pointer to the previous */
    buf[off++] = 0;
    size_t prev = 12;
    for (int k = 0; k < 40; k++) {
        size_t here = off;
        buf[off++] = 1;
        buf[off++] = 'x';
        buf[off++] = (uint8_t)(0xc0 | prev >> 8);
        buf[off++] = (uint8_t)prev;
        prev = here;
    }
    size_t name_at = prev;
    {
        size_t o = name_at, nl = 0;
        char out[FSC_DNS_NAME_MAX + 1];
        fsc_counter_id an = FSC_C_COUNT;
        fsc_status st = fsc_dns_read_name(buf, off, &o, out, &nl, &an);
        CHECK(st == FSC_OK && nl == 79 && o == name_at + 4,
              "dns chain of 40 backward pointers: %s len %zu", fsc_status_name(st), nl);
    }
}

/* ---- TLS ---- */

/* Builds a ClientHello handshake message (type, length, body) into out. */
static size_t make_hello(uint8_t *out, const char *sni, bool other_ext, bool no_ext)
{
    size_t o = 0;
    out[o++] = 1;
    o += 3; /* length, filled below */
    out[o++] = 3;
    out[o++] = 3;
    memset(out + o, 0x11, 32);
    o += 32;
    out[o++] = 32; /* session id */
    memset(out + o, 0x22, 32);
    o += 32;
    out[o++] = 0;
    out[o++] = 4; /* two cipher suites */
    out[o++] = 0x13;
    out[o++] = 0x01;
    out[o++] = 0xc0;
    out[o++] = 0x2f;
    out[o++] = 1;
    out[o++] = 0; /* null compression */
    if (!no_ext) {
        size_t ext_at = o;
        o += 2;
        if (other_ext) {
            /* supported_groups */
            static const uint8_t g[] = {0, 10, 0, 4, 0, 2, 0, 29};
            memcpy(out + o, g, sizeof g);
            o += sizeof g;
        }
        if (sni) {
            size_t l = strlen(sni);
            out[o++] = 0;
            out[o++] = 0;
            out[o++] = (uint8_t)((l + 5) >> 8);
            out[o++] = (uint8_t)(l + 5);
            out[o++] = (uint8_t)((l + 3) >> 8);
            out[o++] = (uint8_t)(l + 3);
            out[o++] = 0;
            out[o++] = (uint8_t)(l >> 8);
            out[o++] = (uint8_t)l;
            memcpy(out + o, sni, l);
            o += l;
        }
        size_t el = o - ext_at - 2;
        out[ext_at] = (uint8_t)(el >> 8);
        out[ext_at + 1] = (uint8_t)el;
    }
    size_t hl = o - 4;
    out[1] = (uint8_t)(hl >> 16);
    out[2] = (uint8_t)(hl >> 8);
    out[3] = (uint8_t)hl;
    return o;
}

/* Wraps msg into TLS records of at most `frag` bytes each. */
static size_t make_records(uint8_t *out, const uint8_t *msg, size_t n, size_t frag)
{
    size_t o = 0;
    for (size_t at = 0; at < n; at += frag) {
        size_t l = n - at < frag ? n - at : frag;
        out[o++] = 0x16;
        out[o++] = 3;
        out[o++] = 1;
        out[o++] = (uint8_t)(l >> 8);
        out[o++] = (uint8_t)l;
        memcpy(out + o, msg + at, l);
        o += l;
    }
    return o;
}

static void test_tls(void)
{
    static const struct {
        const char *what, *sni;
        bool other_ext, no_ext;
        size_t frag;            /* record size: the message split over records */
        size_t scratch;
        fsc_status st;
        const char *want;       /* NULL: no SNI */
    } rows[] = {
        {"SNI only", "www.example.com", false, false, 16384, 4096, FSC_OK, "www.example.com"},
        {"SNI after another extension", "Mixed.Case.example", true, false, 16384, 4096, FSC_OK,
         "Mixed.Case.example"},
        {"no SNI", NULL, true, false, 16384, 4096, FSC_OK, NULL},
        {"no extensions at all", NULL, false, true, 16384, 4096, FSC_OK, NULL},
        {"split over 3 records", "split.example.org", true, false, 50, 4096, FSC_OK,
         "split.example.org"},
        {"split over many 5-byte records", "tiny.example", true, false, 5, 4096, FSC_OK,
         "tiny.example"},
        {"joined message larger than scratch", "big.example", true, false, 50, 64, FSC_ELIMIT,
         NULL},
    };
    static uint8_t msg[1024], rec[4096], scratch[4096];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t mn = make_hello(msg, rows[i].sni, rows[i].other_ext, rows[i].no_ext);
        size_t n = make_records(rec, msg, mn, rows[i].frag);
        uint8_t *b = dup_exact(rec, n);
        fsc_tls_hello h;
        fsc_status st = fsc_tls_parse_client_hello(b, n, scratch, rows[i].scratch, &h);
        CHECK(st == rows[i].st, "tls %s: status %s", rows[i].what, fsc_status_name(st));
        if (rows[i].st == FSC_OK) {
            if (rows[i].want)
                CHECK(h.sni && h.sni_len == strlen(rows[i].want) &&
                          memcmp(h.sni, rows[i].want, h.sni_len) == 0,
                      "tls %s: sni %.*s", rows[i].what, (int)h.sni_len, h.sni ? h.sni : "");
            else
                CHECK(h.sni == NULL, "tls %s: no sni", rows[i].what);
        }
        bool partial_ok = true;
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *c = dup_exact(b, cut);
            fsc_status cs = fsc_tls_parse_client_hello(c, cut, scratch, rows[i].scratch, &h);
            if (cs != FSC_EPARTIAL && !(rows[i].st == FSC_ELIMIT && cs == FSC_ELIMIT))
                partial_ok = false;
            free(c);
        }
        CHECK(partial_ok, "tls %s: every prefix is EPARTIAL", rows[i].what);
        free(b);
    }

    static const struct {
        const char *what, *hex;
        fsc_status st;
    } bad[] = {
        {"application data", "17 0303 0005 0102030405", FSC_EUNSUPPORTED},
        {"server hello", "16 0303 0006 02 000002 0303", FSC_EUNSUPPORTED},
        {"not TLS at all", "47 4554 20", FSC_EUNSUPPORTED},
        {"record length 0", "16 0301 0000", FSC_EMALFORMED},
        {"record length over 2^14+2048", "16 0301 4801 01", FSC_EMALFORMED},
        {"handshake header cut by its record", "16 0301 0002 0100", FSC_EMALFORMED},
        {"message shorter than its fixed part", "16 0301 0008 01 000004 0303 1111",
         FSC_EMALFORMED},
        {"session id over 32", "16 0301 0029 01 000025 0303" "1111111111111111111111111111111111111111111111111111111111111111" "21 00 00",
         FSC_EMALFORMED},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = unit_hex(bad[i].hex, rec, sizeof rec);
        uint8_t *b = dup_exact(rec, n);
        fsc_tls_hello h;
        fsc_status st = fsc_tls_parse_client_hello(b, n, scratch, sizeof scratch, &h);
        CHECK(st == bad[i].st, "tls %s: status %s", bad[i].what, fsc_status_name(st));
        free(b);
    }

    /* an SNI list length that overruns the extension */
    size_t mn = make_hello(msg, "x.example", false, false);
    msg[mn - 9 - 5 + 4] = 0xff; /* server_name_list length high byte */
    size_t n = make_records(rec, msg, mn, 16384);
    fsc_tls_hello h;
    fsc_status st = fsc_tls_parse_client_hello(rec, n, scratch, sizeof scratch, &h);
    CHECK(st == FSC_EMALFORMED && h.sni == NULL, "tls overrunning SNI list: %s",
          fsc_status_name(st));
}

/* ---- HTTP ---- */

static void test_http(void)
{
    static const struct {
        const char *what, *req;
        fsc_status st;
        const char *uri, *host, *ua; /* NULL: absent */
        size_t header_len;           /* 0: strlen(req) */
        uint64_t clen;
    } rows[] = {
        {"GET with host and agent",
         "GET /a?b=c HTTP/1.1\r\nHost: Example.COM:8080\r\nUser-Agent: curl/8.5.0\r\n\r\n", FSC_OK,
         "/a?b=c", "Example.COM:8080", "curl/8.5.0", 0, 0},
        {"no Host (HTTP/1.0)", "GET / HTTP/1.0\r\nUser-Agent: x\r\n\r\n", FSC_OK, "/", NULL, "x",
         0, 0},
        {"no headers", "HEAD /x HTTP/1.1\r\n\r\n", FSC_OK, "/x", NULL, NULL, 0, 0},
        {"bare LF line ends, odd case, spaces",
         "POST /p HTTP/1.1\nhOsT:   h.example  \nuser-agent:\tUA 1\nContent-Length: 3\n\nabc",
         FSC_OK, "/p", "h.example", "UA 1", 73, 3},
        {"absolute URI at a proxy", "GET HTTP://bro.org/ HTTP/1.1\r\nHost: bro.org\r\n\r\n", FSC_OK,
         "HTTP://bro.org/", "bro.org", NULL, 0, 0},
        {"first of two Host headers wins", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", FSC_OK,
         "/", "a", NULL, 0, 0},
        {"pipelined: the first request only",
         "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n", FSC_OK, "/1",
         "a", NULL, 28, 0},
        {"CONNECT", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", FSC_OK, "h:443", "h:443",
         NULL, 0, 0},
        {"header not finished", "GET / HTTP/1.1\r\nHost: a\r\n", FSC_EPARTIAL, NULL, NULL, NULL,
         0, 0},
        {"a response", "HTTP/1.1 200 OK\r\n\r\n", FSC_EUNSUPPORTED, NULL, NULL, NULL, 0, 0},
        {"unknown method", "FETCH / HTTP/1.1\r\n\r\n", FSC_EUNSUPPORTED, NULL, NULL, NULL, 0, 0},
        {"method without space", "GET/ HTTP/1.1\r\n\r\n", FSC_EUNSUPPORTED, NULL, NULL, NULL, 0,
         0},
        {"HTTP/2 version", "GET / HTTP/2.0\r\n\r\n", FSC_EMALFORMED, NULL, NULL, NULL, 0, 0},
        {"no version", "GET /\r\n\r\n", FSC_EMALFORMED, NULL, NULL, NULL, 0, 0},
        {"empty target", "GET  HTTP/1.1\r\n\r\n", FSC_EMALFORMED, NULL, NULL, NULL, 0, 0},
        {"bad content length", "GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", FSC_EMALFORMED,
         NULL, NULL, NULL, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i].req);
        uint8_t *b = dup_exact((const uint8_t *)rows[i].req, n);
        fsc_http_request h;
        fsc_status st = fsc_http_parse_request(b, n, &h);
        CHECK(st == rows[i].st, "http %s: status %s", rows[i].what, fsc_status_name(st));
        if (st == FSC_OK && rows[i].st == FSC_OK) {
            CHECK(h.uri_len == strlen(rows[i].uri) && memcmp(h.uri, rows[i].uri, h.uri_len) == 0,
                  "http %s: uri %.*s", rows[i].what, (int)h.uri_len, h.uri);
            if (rows[i].host)
                CHECK(h.host && h.host_len == strlen(rows[i].host) &&
                          memcmp(h.host, rows[i].host, h.host_len) == 0,
                      "http %s: host %.*s", rows[i].what, (int)h.host_len, h.host ? h.host : "");
            else
                CHECK(!h.host, "http %s: no host", rows[i].what);
            if (rows[i].ua)
                CHECK(h.user_agent && h.user_agent_len == strlen(rows[i].ua) &&
                          memcmp(h.user_agent, rows[i].ua, h.user_agent_len) == 0,
                      "http %s: user agent", rows[i].what);
            else
                CHECK(!h.user_agent, "http %s: no user agent", rows[i].what);
            size_t want_hl = rows[i].header_len ? rows[i].header_len : n;
            CHECK(h.header_len == want_hl && h.content_length == rows[i].clen,
                  "http %s: header %zu bytes, body %llu", rows[i].what, h.header_len,
                  (unsigned long long)h.content_length);
            bool partial_ok = true;
            /* from 1: zero bytes are nothing to wait for */
            for (size_t cut = 1; cut < h.header_len; cut++) {
                uint8_t *c = dup_exact(b, cut);
                fsc_http_request hc;
                if (fsc_http_parse_request(c, cut, &hc) != FSC_EPARTIAL)
                    partial_ok = false;
                free(c);
            }
            CHECK(partial_ok, "http %s: every prefix of the header is EPARTIAL", rows[i].what);
        }
        free(b);
    }

    /* pipelined: the second request parses from where the first ended */
    const char *two = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n";
    fsc_http_request h1, h2;
    fsc_http_parse_request((const uint8_t *)two, strlen(two), &h1);
    fsc_status st = fsc_http_parse_request((const uint8_t *)two + h1.header_len,
                                           strlen(two) - h1.header_len, &h2);
    CHECK(st == FSC_OK && h2.uri_len == 2 && memcmp(h2.uri, "/2", 2) == 0 && h2.host_len == 1 &&
              h2.host[0] == 'b',
          "http pipelined second request");

    static const struct {
        const char *in, *out;
    } hosts[] = {
        {"Example.COM", "example.com"}, {"example.com:8080", "example.com"},
        {"[2001:DB8::1]:443", "[2001:db8::1]"}, {"[::1]", "[::1]"},
        {"10.0.0.1:80", "10.0.0.1"}, {"", ""},
    };
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        char out[64];
        size_t n = fsc_http_host_normalize(hosts[i].in, strlen(hosts[i].in), out, sizeof out);
        CHECK(n != (size_t)-1 && n == strlen(hosts[i].out) && memcmp(out, hosts[i].out, n) == 0,
              "host \"%s\" -> \"%.*s\"", hosts[i].in, (int)(n == (size_t)-1 ? 0 : n), out);
    }
    char small[4];
    CHECK(fsc_http_host_normalize("example.com", 11, small, sizeof small) == (size_t)-1,
          "host longer than the buffer is refused");
    CHECK(fsc_http_may_be_request((const uint8_t *)"PO", 2) &&
              !fsc_http_may_be_request((const uint8_t *)"PX", 2) &&
              !fsc_http_may_be_request((const uint8_t *)"", 0),
          "method prefixes");
}

/* A ClientHello shaped like Chrome 143's as browserleaks.com reports it
 * (ja3_text, ja4, ja4_r published there), with GREASE values added in the
 * cipher list, the extensions (first and last), supported_groups,
 * supported_versions and key_share, which every fingerprint must skip. */
static const char chrome_hello[] =
    "1603010103010000ff0303000102030405060708090a0b0c0d0e0f1011121314"
    "15161718191a1b1c1d1e1f0000200a0a130113021303c02bc02fc02cc030cca9"
    "cca8c013c014009c009d002f0035010000b61a1a0000002d0002010100330007"
    "00050a0a0001000010000e000c02683208687474702f312e31fe0d0008000001"
    "0001aa00000017000044cd00050003026832000000190017000014746c732e62"
    "726f777365726c65616b732e636f6d000b00020100000a000c000a0a0a11ec00"
    "1d00170018002b0007060a0a03040303ff010001000023000000120000000500"
    "050100000000000d0012001004030804040105030805050108060601001b0003"
    "0200022a2a000100";

static void test_ja(void)
{
    static uint8_t rec[1024], scratch[4096];
    size_t n = unit_hex(chrome_hello, rec, sizeof rec);
    fsc_tls_hello h;
    fsc_ja *j = fsc_ja_new();
    CHECK(j != NULL, "fingerprint contexts");
    CHECK(fsc_tls_parse_client_hello(rec, n, scratch, sizeof scratch, &h) == FSC_OK && h.sni &&
              h.sni_len == 20,
          "chrome hello parses");
    char text[1024], ja3[FSC_JA3_HEX_LEN + 1], ja4[FSC_JA4_LEN + 1];
    CHECK(fsc_ja3_text(&h, text, sizeof text) != (size_t)-1, "ja3 text built");
    CHECK_STR(text,
              "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
              "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0",
              "ja3 text, GREASE left out");
    CHECK(fsc_ja3(j, &h, ja3) == FSC_OK, "ja3 hashed");
    CHECK_STR(ja3, "98487aa16281980e7d1120d399efb6a4", "ja3 (browserleaks ja3_hash)");
    CHECK(fsc_ja4(j, &h, false, ja4) == FSC_OK, "ja4 built");
    CHECK_STR(ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd", "ja4 (browserleaks ja4)");
    CHECK(fsc_ja4_raw(j, &h, false, text, sizeof text) != (size_t)-1, "ja4_r built");
    CHECK_STR(text,
              "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,"
              "cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_0403,"
              "0804,0401,0503,0805,0501,0806,0601",
              "ja4_r (browserleaks ja4_r)");
    CHECK(fsc_ja4(j, &h, true, ja4) == FSC_OK && ja4[0] == 'q', "ja4 over QUIC starts with q");
    CHECK(fsc_ja3_text(&h, text, 40) == (size_t)-1, "ja3 text that does not fit is refused");

    /* hand-made hellos: {ciphers, extensions (type, data) as hex, expected ja4 prefix} */
    static const struct {
        const char *what, *body_tail; /* after version+random+session id */
        const char *ja3, *ja4a;
    } rows[] = {
        {"no extensions: version from client_version, no ALPN",
         "0004c02f0035 0100", "769,49199-53,,,", "t10i020000"},
        {"ALPN of one non-alphanumeric byte: hex digits",
         "0002c02f 0100 0008 0010 0004 0002 01ab", "769,49199,16,,", "t10i0101ab"},
        {"ALPN http/1.1, SSL 3.0 hello",
         "00020035 0100 000f 0010 000b 0009 08687474702f312e31", "769,53,16,,", "t10i0101h1"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t body[256], r[300];
        size_t bl = 0;
        body[bl++] = 3, body[bl++] = 1;
        memset(body + bl, 0, 32), bl += 32;
        body[bl++] = 0;
        bl += unit_hex(rows[i].body_tail, body + bl, sizeof body - bl);
        size_t rl = 0;
        r[rl++] = 0x16, r[rl++] = 3, r[rl++] = 1, r[rl++] = 0, r[rl++] = (uint8_t)(bl + 4);
        r[rl++] = 1, r[rl++] = 0, r[rl++] = 0, r[rl++] = (uint8_t)bl;
        memcpy(r + rl, body, bl), rl += bl;
        fsc_status st = fsc_tls_parse_client_hello(r, rl, scratch, sizeof scratch, &h);
        CHECK(st == FSC_OK, "%s: parses (%d)", rows[i].what, st);
        CHECK(fsc_ja3_text(&h, text, sizeof text) != (size_t)-1 && strcmp(text, rows[i].ja3) == 0,
              "%s: ja3 text %s", rows[i].what, text);
        CHECK(fsc_ja4(j, &h, false, ja4) == FSC_OK && strncmp(ja4, rows[i].ja4a, 10) == 0,
              "%s: ja4 %s", rows[i].what, ja4);
    }
    /* no ciphers and no extensions hash to zeros */
    uint8_t empty[] = {0x16, 3, 1, 0, 42, 1, 0, 0, 38, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                       0,    0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(fsc_tls_parse_client_hello(empty, sizeof empty, scratch, sizeof scratch, &h) == FSC_OK &&
              fsc_ja4(j, &h, false, ja4) == FSC_OK &&
              strcmp(ja4, "t12i000000_000000000000_000000000000") == 0,
          "empty lists: %s", ja4);
    fsc_ja_free(j);
}

/* HTTP responses (for http.apk_url) and the .apk path test. */
static void test_http_response(void)
{
    static const struct {
        const char *what, *in;
        fsc_status st;
        unsigned status;
        const char *ctype; /* NULL: none */
    } rows[] = {
        {"apk type with parameters",
         "HTTP/1.1 200 OK\r\nContent-Type:  application/vnd.android.package-archive ; x=1\r\n\r\n",
         FSC_OK, 200, "application/vnd.android.package-archive"},
        {"no content type, bare LF", "HTTP/1.0 302 Found\nLocation: /x\n\n", FSC_OK, 302, NULL},
        {"first content type wins",
         "HTTP/1.1 200 OK\r\ncontent-type: a/b\r\nContent-Type: c/d\r\n\r\n", FSC_OK, 200, "a/b"},
        {"header cut", "HTTP/1.1 200 OK\r\nContent-Type: a/b\r\n", FSC_EPARTIAL, 0, NULL},
        {"prefix of the protocol", "HTT", FSC_EPARTIAL, 0, NULL},
        {"a request", "GET / HTTP/1.1\r\n\r\n", FSC_EUNSUPPORTED, 0, NULL},
        {"HTTP/2 preface", "HTTP/2.0\r\n", FSC_EUNSUPPORTED, 0, NULL},
        {"status not digits", "HTTP/1.1 2x0 OK\r\n\r\n", FSC_EMALFORMED, 0, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i].in);
        uint8_t *b = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
        memcpy(b, rows[i].in, n);
        fsc_http_response r;
        fsc_status st = fsc_http_parse_response(b, n, &r);
        bool ok = st == rows[i].st;
        if (ok && st == FSC_OK) {
            ok = r.status == rows[i].status &&
                 (rows[i].ctype ? r.content_type && r.content_type_len == strlen(rows[i].ctype) &&
                                      memcmp(r.content_type, rows[i].ctype, r.content_type_len) == 0
                                : r.content_type == NULL);
        }
        CHECK(ok, "http response %s (status %d)", rows[i].what, st);
        for (size_t cut = 0; cut < n; cut++)
            (void)fsc_http_parse_response(b + n - cut, cut, &r); /* suffixes: no crash */
        free(b);
    }
    static const struct {
        const char *uri;
        bool apk;
    } paths[] = {
        {"/app/x.apk", true},          {"/X.APK?session=1", true}, {"http://h/a.apk#frag", true},
        {"/apk", false},               {"/x.apk.html", false},     {"/x.ap", false},
        {"/download?f=x.apk", false},  {"", false},
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        CHECK(fsc_http_is_apk_path(paths[i].uri, strlen(paths[i].uri)) == paths[i].apk,
              "apk path %s: %d", paths[i].uri, paths[i].apk);
}

int main(void)
{
    test_dns();
    test_tls();
    test_http();
    test_ja();
    test_http_response();
    return unit_done();
}
