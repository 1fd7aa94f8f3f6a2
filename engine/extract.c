/* extract.c: frames to records (extract.h): decode, then DNS over UDP/TCP,
 * QUIC Initial ClientHellos over UDP, TLS ClientHello (with JA3/JA4) and
 * HTTP request headers (and APK responses) over TCP, through the flow table
 * for PDUs that span segments. */
#include "extract.h"

#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "flow.h"
#include "ja.h"
#include "parse.h"
#include "quic.h"

/* Flow-table entries (flow.h, docs/traffic.md): SYN-only entries go first,
 * so this bounds how long a SYN's entry waits for a reordered first segment
 * (4096 / new connections per second per worker: 200 ms at 20,000/s) and
 * how many cut PDUs are held at once. An entry costs 152 bytes written at
 * start; its 16 KiB buffer is address space until it buffers bytes (64 MiB
 * if every entry does). */
#define DEFAULT_MAX_FLOWS 4096
#define DEFAULT_MAX_FLOW_BYTES 16384
#define DEFAULT_FLOW_TIMEOUT (60 * 1000000LL)
/* Host values are lower-cased into our own buffer; a DNS name is at most
 * 253 characters, give URLs' authorities some slack beyond that. */
#define HOST_MAX 1024
/* http.apk_url values: "http://" host uri, cut requests are not guessed */
#define URL_MAX 2048
/* Connections whose last request URL is remembered, so a response with
 * the APK media type can name what it answers. Direct-mapped: a newer
 * connection takes the slot of an older one. */
#define URL_SLOTS 256

typedef struct url_slot {
    uint64_t conn;             /* hash of client and server address and port */
    fsc_time ts;
    uint32_t len;              /* 0: empty */
    char url[URL_MAX];
} url_slot;

struct fsc_extractor {
    fsc_counters c;
    fsc_decoder *dec;
    fsc_flow_table *flows;
    uint8_t *tls_scratch;      /* a ClientHello joined from several records */
    size_t tls_scratch_len;
    /* the frame being processed, for the records it emits */
    fsc_time ts;
    uint64_t frame;
    fsc_record_fn cb;
    void *cb_ctx;
    fsc_record rec;            /* filled per emitted record */
    fsc_dns_query dns;         /* scratch of the DNS parser */
    char host[HOST_MAX];
    fsc_ja *ja;
    fsc_quic *quic;
    char ja3[FSC_JA3_HEX_LEN + 1], ja4[FSC_JA4_LEN + 1];
    char url[URL_MAX];         /* the apk_url of the record being built */
    url_slot *urls;            /* URL_SLOTS of them */
    fsc_time url_timeout;
};

fsc_extractor *fsc_extractor_new(const fsc_extract_config *cfg)
{
    fsc_extract_config d = {0};
    if (cfg)
        d = *cfg;
    if (!d.max_flows)
        d.max_flows = DEFAULT_MAX_FLOWS;
    if (!d.max_flow_bytes)
        d.max_flow_bytes = DEFAULT_MAX_FLOW_BYTES;
    if (!d.flow_timeout)
        d.flow_timeout = DEFAULT_FLOW_TIMEOUT;
    fsc_extractor *x = calloc(1, sizeof *x);
    if (!x)
        goto fail;
    fsc_decode_config dc = {d.max_frag_datagrams, d.frag_timeout};
    x->dec = fsc_decoder_new(&dc, &x->c);
    x->flows = fsc_flow_table_new(d.max_flows, d.max_flow_bytes, d.flow_timeout, &x->c);
    x->tls_scratch_len = d.max_flow_bytes;
    x->tls_scratch = malloc(x->tls_scratch_len);
    x->ja = fsc_ja_new();
    x->quic = fsc_quic_new(0, d.flow_timeout, &x->c);
    x->urls = calloc(URL_SLOTS, sizeof *x->urls);
    x->url_timeout = d.flow_timeout;
    if (!x->dec || !x->flows || !x->tls_scratch || !x->ja || !x->quic || !x->urls)
        goto fail;
    return x;
fail:
    fsc_extractor_free(x);
    return NULL;
}

void fsc_extractor_free(fsc_extractor *x)
{
    if (!x)
        return;
    fsc_decoder_free(x->dec);
    fsc_flow_table_free(x->flows);
    free(x->tls_scratch);
    fsc_ja_free(x->ja);
    fsc_quic_free(x->quic);
    free(x->urls);
    free(x);
}

const fsc_counters *fsc_extractor_counters(const fsc_extractor *x)
{
    return &x->c;
}

static void rec_start(fsc_extractor *x, const fsc_packet *pkt)
{
    fsc_record *r = &x->rec;
    r->source = FSC_SRC_TRAFFIC;
    r->ts = x->ts;
    r->frame = x->frame;
    r->src = pkt->src;
    r->dst = pkt->dst;
    r->line = 0;
    r->subscriber = NULL;
    r->event = NULL;
    r->nvalues = 0;
}

static void rec_add(fsc_extractor *x, fsc_field f, const char *p, size_t len)
{
    fsc_record *r = &x->rec;
    if (r->nvalues == FSC_RECORD_MAX_VALUES)
        return;
    r->values[r->nvalues].field = f;
    r->values[r->nvalues].ptr = p;
    r->values[r->nvalues].len = (uint32_t)len;
    r->nvalues++;
}

/* One record per question of a DNS query message; responses give none. */
static void on_dns(fsc_extractor *x, const fsc_packet *pkt, const uint8_t *msg, size_t len)
{
    fsc_dns_query *q = &x->dns;
    fsc_status st = fsc_dns_parse(msg, len, q);
    if (st != FSC_OK)
        x->c.v[q->anomaly]++;
    if (q->is_response)
        return;
    for (unsigned i = 0; i < q->nquestions; i++) {
        if (q->name_len[i] == 0)
            continue; /* the root name: nothing a rule could match */
        x->c.v[FSC_C_DNS_QUERIES]++;
        rec_start(x, pkt);
        rec_add(x, FSC_F_DNS_QUERY, q->names[i], q->name_len[i]);
        x->cb(x->cb_ctx, &x->rec);
    }
}

/* Identifies a TCP connection by its client and server ends. */
static uint64_t conn_key(const fsc_addr *client, uint16_t cport, const fsc_addr *server,
                         uint16_t sport)
{
    /* FNV-1a: keys select a slot and are compared whole, a collision only
     * loses a remembered URL */
    uint64_t h = 0xcbf29ce484222325ULL;
    const uint8_t *parts[2] = {client->b, server->b};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < sizeof client->b; i++)
            h = (h ^ parts[k][i]) * 0x100000001b3ULL;
    h = (h ^ client->family) * 0x100000001b3ULL;
    h = (h ^ ((uint64_t)cport << 16 | sport)) * 0x100000001b3ULL;
    return h | 1; /* never 0, the empty slot's key */
}

/* Builds "http://" host uri into x->url (an absolute-form target, as sent
 * to a proxy, is the URL already). Returns its length, 0 if too long. */
static size_t build_url(fsc_extractor *x, const fsc_packet *pkt, const fsc_http_request *h)
{
    size_t n = 0;
    if (h->uri_len >= 7 && (memcmp(h->uri, "http://", 7) == 0 ||
                            (h->uri_len >= 8 && memcmp(h->uri, "https://", 8) == 0))) {
        if (h->uri_len > sizeof x->url)
            return 0;
        memcpy(x->url, h->uri, h->uri_len);
        return h->uri_len;
    }
    char addr[FSC_ADDR_STRLEN + 2];
    const char *host = h->host;
    size_t hl = h->host_len;
    if (!host || hl == 0) {
        /* HTTP/1.0 without Host: the server's address names it */
        char a[FSC_ADDR_STRLEN];
        fsc_addr_format(&pkt->dst, a);
        hl = (size_t)snprintf(addr, sizeof addr, pkt->dst.family == 6 ? "[%s]" : "%s", a);
        host = addr;
    }
    if (7 + hl + h->uri_len > sizeof x->url)
        return 0;
    memcpy(x->url, "http://", 7);
    n = 7;
    memcpy(x->url + n, host, hl);
    n += hl;
    memcpy(x->url + n, h->uri, h->uri_len);
    return n + h->uri_len;
}

static void on_http(fsc_extractor *x, const fsc_packet *pkt, const fsc_http_request *h)
{
    x->c.v[FSC_C_HTTP_REQUESTS]++;
    size_t ulen = build_url(x, pkt, h);
    if (!ulen) {
        x->c.v[FSC_C_HTTP_URL_TOO_LONG]++;
    } else {
        uint64_t key = conn_key(&pkt->src, pkt->sport, &pkt->dst, pkt->dport);
        url_slot *u = &x->urls[key % URL_SLOTS];
        u->conn = key;
        u->ts = x->ts;
        u->len = (uint32_t)ulen;
        memcpy(u->url, x->url, ulen);
    }
    rec_start(x, pkt);
    rec_add(x, FSC_F_HTTP_URI, h->uri, h->uri_len);
    if (h->host) {
        size_t n = fsc_http_host_normalize(h->host, h->host_len, x->host, sizeof x->host);
        if (n == (size_t)-1)
            x->c.v[FSC_C_HTTP_HOST_TOO_LONG]++;
        else
            rec_add(x, FSC_F_HTTP_HOST, x->host, n);
    }
    if (h->user_agent)
        rec_add(x, FSC_F_HTTP_USER_AGENT, h->user_agent, h->user_agent_len);
    if (ulen && fsc_http_is_apk_path(h->uri, h->uri_len)) {
        x->c.v[FSC_C_HTTP_APK_URLS]++;
        rec_add(x, FSC_F_HTTP_APK_URL, x->url, ulen);
    }
    x->cb(x->cb_ctx, &x->rec);
}

static bool is_apk_type(const fsc_http_response *r)
{
    static const char t[] = "application/vnd.android.package-archive";
    if (!r->content_type || r->content_type_len != sizeof t - 1)
        return false;
    for (size_t i = 0; i < sizeof t - 1; i++) {
        char c = r->content_type[i];
        if ((c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c) != t[i])
            return false;
    }
    return true;
}

/* A response with the APK media type: one record with the URL of the
 * request it answers, when this connection's last request is remembered. */
static void on_http_response(fsc_extractor *x, const fsc_packet *pkt, const fsc_http_response *r)
{
    x->c.v[FSC_C_HTTP_RESPONSES]++;
    if (!is_apk_type(r))
        return;
    uint64_t key = conn_key(&pkt->dst, pkt->dport, &pkt->src, pkt->sport);
    const url_slot *u = &x->urls[key % URL_SLOTS];
    if (u->conn != key || !u->len || x->ts - u->ts > x->url_timeout)
        return;
    x->c.v[FSC_C_HTTP_APK_URLS]++;
    rec_start(x, pkt);
    rec_add(x, FSC_F_HTTP_APK_URL, u->url, u->len);
    x->cb(x->cb_ctx, &x->rec);
}

/* One record per ClientHello: the name when there is one, and the
 * fingerprints (JA3 is not defined for QUIC). */
static void on_hello(fsc_extractor *x, const fsc_packet *pkt, const fsc_tls_hello *h, bool quic)
{
    rec_start(x, pkt);
    if (h->sni)
        rec_add(x, quic ? FSC_F_QUIC_SNI : FSC_F_TLS_SNI, h->sni, h->sni_len);
    else
        x->c.v[FSC_C_TLS_NO_SNI]++;
    if (!quic) {
        if (fsc_ja3(x->ja, h, x->ja3) == FSC_OK)
            rec_add(x, FSC_F_TLS_JA3, x->ja3, FSC_JA3_HEX_LEN);
        else
            x->c.v[FSC_C_TLS_FINGERPRINT_BAD]++;
    }
    if (fsc_ja4(x->ja, h, quic, x->ja4) == FSC_OK)
        rec_add(x, FSC_F_TLS_JA4, x->ja4, FSC_JA4_LEN);
    else
        x->c.v[FSC_C_TLS_FINGERPRINT_BAD]++;
    if (x->rec.nvalues)
        x->cb(x->cb_ctx, &x->rec);
}

static void on_quic(fsc_extractor *x, const fsc_packet *pkt)
{
    const uint8_t *msg;
    size_t len;
    uint32_t version;
    if (fsc_quic_datagram(x->quic, pkt->payload, pkt->payload_len, x->ts, &msg, &len,
                          &version) != FSC_OK)
        return;
    fsc_tls_hello h;
    fsc_status st = fsc_tls_parse_handshake(msg, len, &h);
    if (st != FSC_OK) {
        x->c.v[FSC_C_QUIC_MALFORMED]++;
        return;
    }
    x->c.v[FSC_C_QUIC_CLIENT_HELLOS]++;
    on_hello(x, pkt, &h, true);
}

static bool is_dns_port(const fsc_packet *p)
{
    /* mDNS (5353) and LLMNR (5355) speak DNS too but are local noise, not
     * lookups of the subscriber */
    if (p->sport == 5353 || p->dport == 5353 || p->sport == 5355 || p->dport == 5355)
        return false;
    return p->sport == 53 || p->dport == 53;
}

/* The client byte stream consumer of flow.h: DNS over TCP on port 53, then
 * by content a TLS ClientHello or HTTP requests (pipelined ones in turn). */
static bool on_stream(void *ctx, const fsc_packet *pkt, const uint8_t *data, size_t len,
                      size_t *used)
{
    fsc_extractor *x = ctx;
    size_t off = 0;
    bool more = false;
    bool dns = is_dns_port(pkt);
    while (off < len) {
        const uint8_t *p = data + off;
        size_t n = len - off;
        if (dns) {
            /* RFC 1035 4.2.2: each message has a 2-byte length prefix */
            if (n < 2) {
                more = true;
                break;
            }
            size_t mlen = fsc_be16(p);
            if (n >= 5 && (p[4] & 0x80) && n < 2 + mlen)
                break; /* a response's tail: nothing to wait for */
            if (n < 2 + mlen) {
                more = true;
                break;
            }
            on_dns(x, pkt, p + 2, mlen);
            off += 2 + mlen;
            continue;
        }
        if (p[0] == 0x16) {
            fsc_tls_hello h;
            fsc_status st =
                fsc_tls_parse_client_hello(p, n, x->tls_scratch, x->tls_scratch_len, &h);
            if (st == FSC_EPARTIAL) {
                more = true;
            } else if (st == FSC_OK) {
                x->c.v[FSC_C_TLS_CLIENT_HELLOS]++;
                on_hello(x, pkt, &h, false);
                off = len; /* what follows a ClientHello is not ours to read */
            } else if (st != FSC_EUNSUPPORTED) {
                x->c.v[h.anomaly]++;
            }
            break;
        }
        if (p[0] == 'H') {
            fsc_http_response r;
            fsc_status st = fsc_http_parse_response(p, n, &r);
            if (st == FSC_EPARTIAL) {
                more = true;
                break;
            }
            if (st == FSC_OK) {
                on_http_response(x, pkt, &r);
                off = len; /* the body follows: not ours to read */
                break;
            }
            if (st != FSC_EUNSUPPORTED) {
                x->c.v[r.anomaly]++;
                break;
            }
        }
        /* most segments of bulk TCP start with no method at all: the parser
         * would answer FSC_EUNSUPPORTED for them too, after clearing its
         * output (the check alone costs a fifth of the parse's setup) */
        if (!fsc_http_may_be_request(p, n))
            break;
        fsc_http_request h;
        fsc_status st = fsc_http_parse_request(p, n, &h);
        if (st == FSC_EPARTIAL) {
            more = true;
            break;
        }
        if (st != FSC_OK) {
            if (st != FSC_EUNSUPPORTED)
                x->c.v[h.anomaly]++;
            break;
        }
        on_http(x, pkt, &h);
        off += h.header_len;
        if (h.chunked || h.content_length > len - off) {
            /* the body runs past these bytes; later requests on this
             * connection are found at the start of their own segment */
            off = len;
            break;
        }
        off += (size_t)h.content_length;
    }
    *used = off;
    return more;
}

fsc_status fsc_extract_frame(fsc_extractor *x, int linktype, fsc_time ts, uint64_t frame,
                             const uint8_t *buf, size_t caplen, fsc_record_fn cb, void *ctx)
{
    x->c.v[FSC_C_PACKETS]++;
    x->c.v[FSC_C_BYTES] += caplen;
    x->ts = ts;
    x->frame = frame;
    x->cb = cb;
    x->cb_ctx = ctx;
    fsc_packet pkt;
    fsc_status st = fsc_decode_frame(x->dec, linktype, ts, buf, caplen, &pkt);
    if (st == FSC_EPARTIAL)
        return FSC_OK; /* a fragment, kept until its datagram is whole */
    if (st != FSC_OK)
        return st;
    if (pkt.l4proto == 17) {
        if (is_dns_port(&pkt))
            on_dns(x, &pkt, pkt.payload, pkt.payload_len);
        else if (pkt.payload_len && (pkt.payload[0] & 0xc0) == 0xc0)
            on_quic(x, &pkt); /* a long header with the fixed bit: QUIC */
    } else if (pkt.l4proto == 6) {
        fsc_flow_segment(x->flows, &pkt, ts, on_stream, x);
    }
    return FSC_OK;
}
