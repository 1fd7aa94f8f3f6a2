/* extract.c: frames to records (extract.h): decode, then DNS over UDP/TCP,
 * TLS ClientHello and HTTP request headers over TCP, through the flow table
 * for PDUs that span segments. */
#include "extract.h"

#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "flow.h"
#include "parse.h"

#define DEFAULT_MAX_FLOWS 1024
#define DEFAULT_MAX_FLOW_BYTES 16384
#define DEFAULT_FLOW_TIMEOUT (60 * 1000000LL)
/* Host values are lower-cased into our own buffer; a DNS name is at most
 * 253 characters, give URLs' authorities some slack beyond that. */
#define HOST_MAX 1024

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
    if (!x->dec || !x->flows || !x->tls_scratch)
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

static void on_http(fsc_extractor *x, const fsc_packet *pkt, const fsc_http_request *h)
{
    x->c.v[FSC_C_HTTP_REQUESTS]++;
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
    x->cb(x->cb_ctx, &x->rec);
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
                if (h.sni) {
                    rec_start(x, pkt);
                    rec_add(x, FSC_F_TLS_SNI, h.sni, h.sni_len);
                    x->cb(x->cb_ctx, &x->rec);
                } else {
                    x->c.v[FSC_C_TLS_NO_SNI]++;
                }
                off = len; /* what follows a ClientHello is not ours to read */
            } else if (st != FSC_EUNSUPPORTED) {
                x->c.v[h.anomaly]++;
            }
            break;
        }
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
    } else if (pkt.l4proto == 6) {
        fsc_flow_segment(x->flows, &pkt, ts, on_stream, x);
    }
    return FSC_OK;
}
