/* gen_traffic.c: a deterministic benchmark capture and its indicators.
 *
 *   gen_traffic OUT.pcap LISTS_DIR MEGABYTES [PHISHING_LIST]
 *
 * Writes a classic pcap of at least MEGABYTES MiB: flows between 20,000
 * phones and 5,000 servers, about a third of which start with DNS, TLS
 * (ClientHello with SNI), QUIC (a real, encrypted v1 Initial) or HTTP, the
 * rest bulk TCP and UDP payload, as on a mobile core's user plane. Also
 * writes LISTS_DIR/domains.txt with 100,000 domain indicators (the real
 * phishing domains of PHISHING_LIST first when given, then synthetic ones)
 * and LISTS_DIR/regex.yaml with 2,000 regex rules. About 1% of the names
 * the phones look up are indicators (or names under one), and as many
 * are near misses (one letter changed). Same arguments, same bytes. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NDOMAINS 100000
#define NREGEX 2000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static unsigned below(unsigned n) { return (unsigned)(next() % n); }

static FILE *out;
static uint64_t written, t_us = 1795939200ULL * 1000000;
static uint8_t pkt[2048];

static void put32(uint32_t v) { fwrite(&v, 4, 1, out); }

static void emit(size_t len)
{
    t_us += 1 + below(40);
    put32((uint32_t)(t_us / 1000000));
    put32((uint32_t)(t_us % 1000000));
    put32((uint32_t)len);
    put32((uint32_t)len);
    fwrite(pkt, 1, len, out);
    written += 16 + len;
}

static void be16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, v >> 16); be16(p + 2, v & 0xffff); }

/* Ethernet + IPv4 + (TCP|UDP) header for a payload of n bytes, TCP with
 * acknowledgement number ack (a real one: a stateful peer such as Suricata
 * ignores a session whose SYN/ACK does not acknowledge the SYN); returns
 * the payload offset. */
static size_t hdr_ack(uint32_t src, uint32_t dst, unsigned sp, unsigned dp, int tcp,
                      unsigned flags, uint32_t seq, uint32_t ack, size_t n)
{
    size_t l4 = tcp ? 20 : 8;
    memset(pkt, 0, 34 + l4); /* the header only: the payload may be written already */
    memcpy(pkt, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
    uint8_t *ip = pkt + 14;
    ip[0] = 0x45;
    be16(ip + 2, (unsigned)(20 + l4 + n));
    ip[8] = 64;
    ip[9] = tcp ? 6 : 17;
    be32(ip + 12, src);
    be32(ip + 16, dst);
    uint8_t *t = ip + 20;
    be16(t, sp);
    be16(t + 2, dp);
    if (tcp) {
        be32(t + 4, seq);
        be32(t + 8, ack);
        t[12] = 0x50;
        t[13] = (uint8_t)flags;
        be16(t + 14, 65535);
    } else {
        be16(t + 4, (unsigned)(8 + n));
    }
    return 14 + 20 + l4;
}
static size_t hdr(uint32_t src, uint32_t dst, unsigned sp, unsigned dp, int tcp, unsigned flags,
                  uint32_t seq, size_t n)
{
    return hdr_ack(src, dst, sp, dp, tcp, flags, seq, 0, n);
}
/* A server's initial sequence number, from the client's: no draw from the
 * generator, so the rest of the capture keeps its bytes. */
static uint32_t isn_of(uint32_t client) { return client * 2654435761u + 12345u; }

static char **names;   /* indicators */
static size_t nnames;
static const char *popular[] = {"www.baidu.com", "www.qq.com", "weixin.qq.com", "www.taobao.com",
                                "www.jd.com", "api.weibo.cn", "www.apple.com", "www.google.com",
                                "dldir1.qq.com", "map.baidu.com", "mcs.taobao.com",
                                "img.alicdn.com", "www.douyin.com", "v.qq.com", "www.bilibili.com"};

/* A name a phone looks up: mostly ordinary, 1% an indicator (or under one),
 * 1% a near miss of one. */
static void pick_name(char *buf, size_t cap)
{
    unsigned r = below(1000);
    if (r < 10) {
        snprintf(buf, cap, "%s%s", below(2) ? "www." : "", names[below((unsigned)nnames)]);
    } else if (r < 20) {
        snprintf(buf, cap, "%s", names[below((unsigned)nnames)]);
        buf[0] = buf[0] == 'q' ? 'z' : 'q';
    } else if (r < 600) {
        snprintf(buf, cap, "%s", popular[below(sizeof popular / sizeof popular[0])]);
    } else {
        snprintf(buf, cap, "cdn%u.svc%u.example-%u.com", below(50), below(500), below(2000));
    }
}

static size_t dns_query(uint8_t *p, const char *name, unsigned id)
{
    be16(p, id);
    be16(p + 2, 0x0100);
    be16(p + 4, 1);
    memset(p + 6, 0, 6);
    size_t o = 12;
    const char *s = name;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t l = dot ? (size_t)(dot - s) : strlen(s);
        p[o++] = (uint8_t)l;
        memcpy(p + o, s, l);
        o += l;
        s += l + (dot ? 1 : 0);
    }
    p[o++] = 0;
    be16(p + o, 1);
    be16(p + o + 2, 1);
    return o + 4;
}

/* A TLS 1.3 ClientHello handshake message (no record header) with SNI;
 * with pq, also a key share for X25519MLKEM768 (1,216 bytes), as today's
 * browsers send: the message then no longer fits in one TCP segment. */
static size_t client_hello(uint8_t *p, const char *sni, int pq)
{
    size_t o = 4;
    be16(p + o, 0x0303);
    o += 2;
    for (int i = 0; i < 32; i++)
        p[o++] = (uint8_t)next();
    p[o++] = 32;
    for (int i = 0; i < 32; i++)
        p[o++] = (uint8_t)next();
    static const unsigned suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030};
    be16(p + o, 2 * 7);
    o += 2;
    for (int i = 0; i < 7; i++, o += 2)
        be16(p + o, suites[i]);
    p[o++] = 1;
    p[o++] = 0;
    size_t ext = o;
    o += 2;
    size_t n = strlen(sni);
    be16(p + o, 0);           /* server_name */
    be16(p + o + 2, (unsigned)(n + 5));
    be16(p + o + 4, (unsigned)(n + 3));
    p[o + 6] = 0;
    be16(p + o + 7, (unsigned)n);
    memcpy(p + o + 9, sni, n);
    o += 9 + n;
    static const uint8_t rest[] = {
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, /* groups */
        0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, /* sigalgs */
        0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04,                               /* versions */
        0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/',
        '1', '.', '1'};                                                         /* ALPN */
    memcpy(p + o, rest, sizeof rest);
    o += sizeof rest;
    if (pq) {
        be16(p + o, 0x0033); /* key_share */
        be16(p + o + 2, 2 + 4 + 1216 + 4 + 32);
        be16(p + o + 4, 4 + 1216 + 4 + 32);
        o += 6;
        static const unsigned groups[2] = {0x11ec, 0x001d}, lens[2] = {1216, 32};
        for (int g = 0; g < 2; g++) {
            be16(p + o, groups[g]);
            be16(p + o + 2, lens[g]);
            o += 4;
            for (unsigned i = 0; i < lens[g]; i += 8, o += 8) {
                uint64_t r = next();
                memcpy(p + o, &r, 8);
            }
        }
    }
    be16(p + ext, (unsigned)(o - ext - 2));
    p[0] = 1;
    p[1] = 0;
    be16(p + 2, (unsigned)(o - 4));
    return o;
}

/* ---- QUIC v1 Initial (RFC 9001 section 5) ------------------------------ */

static void hkdf_label(const uint8_t *secret, const char *label, uint8_t *outb, size_t outlen)
{
    uint8_t info[64];
    size_t ll = strlen(label) + 6;
    info[0] = 0;
    info[1] = (uint8_t)outlen;
    info[2] = (uint8_t)ll;
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, ll - 6);
    info[3 + ll] = 0;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    EVP_PKEY_derive_init(c);
    EVP_PKEY_CTX_set_hkdf_mode(c, EVP_PKEY_HKDEF_MODE_EXPAND_ONLY);
    EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256());
    EVP_PKEY_CTX_set1_hkdf_key(c, secret, 32);
    EVP_PKEY_CTX_add1_hkdf_info(c, info, (int)(4 + ll));
    size_t l = outlen;
    EVP_PKEY_derive(c, outb, &l);
    EVP_PKEY_CTX_free(c);
}

static size_t quic_initial(uint8_t *p, const char *sni)
{
    static const uint8_t salt[] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                   0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
    uint8_t dcid[8], initial[32], client[32], key[16], iv[12], hp[16];
    for (int i = 0; i < 8; i++)
        dcid[i] = (uint8_t)next();
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    EVP_PKEY_derive_init(c);
    EVP_PKEY_CTX_set_hkdf_mode(c, EVP_PKEY_HKDEF_MODE_EXTRACT_ONLY);
    EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256());
    EVP_PKEY_CTX_set1_hkdf_salt(c, salt, sizeof salt);
    EVP_PKEY_CTX_set1_hkdf_key(c, dcid, sizeof dcid);
    size_t l = 32;
    EVP_PKEY_derive(c, initial, &l);
    EVP_PKEY_CTX_free(c);
    hkdf_label(initial, "client in", client, 32);
    hkdf_label(client, "quic key", key, 16);
    hkdf_label(client, "quic iv", iv, 12);
    hkdf_label(client, "quic hp", hp, 16);

    uint8_t plain[1200];
    memset(plain, 0, sizeof plain); /* PADDING frames */
    uint8_t ch[600];
    size_t chl = client_hello(ch, sni, 0);
    plain[0] = 0x06; /* CRYPTO, offset 0, 2-byte length */
    plain[1] = 0;
    be16(plain + 2, 0x4000 | (unsigned)chl);
    memcpy(plain + 4, ch, chl);
    /* a client pads its Initial to 1,200 bytes of UDP payload (RFC 9000
     * section 14.1; nDPI ignores shorter ones): 22 bytes of header and
     * packet number, the payload, a 16-byte tag */
    size_t plen = 1200 - 22 - 16;

    size_t o = 0;
    p[o++] = 0xc3; /* long header, Initial, 4-byte packet number */
    be32(p + o, 1);
    o += 4;
    p[o++] = 8;
    memcpy(p + o, dcid, 8);
    o += 8;
    p[o++] = 0; /* no source connection id */
    p[o++] = 0; /* no token */
    be16(p + o, 0x4000 | (unsigned)(4 + plen + 16));
    o += 2;
    size_t pn_off = o;
    be32(p + o, 0);
    o += 4;
    uint8_t nonce[12];
    memcpy(nonce, iv, 12); /* packet number 0 */
    EVP_CIPHER_CTX *g = EVP_CIPHER_CTX_new();
    int outl;
    EVP_EncryptInit_ex(g, EVP_aes_128_gcm(), NULL, key, nonce);
    EVP_EncryptUpdate(g, NULL, &outl, p, (int)o);
    EVP_EncryptUpdate(g, p + o, &outl, plain, (int)plen);
    EVP_EncryptFinal_ex(g, p + o + outl, &outl);
    EVP_CIPHER_CTX_ctrl(g, EVP_CTRL_GCM_GET_TAG, 16, p + o + plen);
    EVP_CIPHER_CTX_free(g);
    uint8_t mask[16];
    EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
    EVP_EncryptInit_ex(e, EVP_aes_128_ecb(), NULL, hp, NULL);
    EVP_CIPHER_CTX_set_padding(e, 0);
    EVP_EncryptUpdate(e, mask, &outl, p + pn_off + 4, 16);
    EVP_CIPHER_CTX_free(e);
    p[0] ^= mask[0] & 0x0f;
    for (int i = 0; i < 4; i++)
        p[pn_off + (size_t)i] ^= mask[1 + i];
    return o + plen + 16;
}

/* ---- flows ------------------------------------------------------------ */

static uint32_t phone(void) { return 0x0a400000u + below(20000); }   /* 10.64.0.0/16.. */
static uint32_t server(void) { return 0xcb000000u + below(5000) * 7; } /* public-looking */

static void bulk_tcp(uint32_t a, uint32_t b, unsigned sp, unsigned dp, unsigned n)
{
    uint32_t sa = (uint32_t)next(), sb = (uint32_t)next();
    emit(hdr(a, b, sp, dp, 1, 0x02, sa++, 0));
    emit(hdr_ack(b, a, dp, sp, 1, 0x12, sb++, sa, 0));
    emit(hdr_ack(a, b, sp, dp, 1, 0x10, sa, sb, 0));
    for (unsigned i = 0; i < n; i++) {
        size_t len = 1400 - below(200);
        size_t off = hdr_ack(b, a, dp, sp, 1, 0x18, sb, sa, len);
        memset(pkt + off, (int)(i & 0xff), len);
        sb += (uint32_t)len;
        emit(off + len);
        if (i % 2)
            emit(hdr_ack(a, b, sp, dp, 1, 0x10, sa, sb, 0));
    }
}

static void flow(void)
{
    uint32_t a = phone(), b = server();
    unsigned sp = 1024 + below(60000);
    unsigned kind = below(12);
    char name[256];
    size_t off, n;
    switch (kind) {
    case 0: /* DNS */
        pick_name(name, sizeof name);
        off = hdr(a, 0x0a000035u, sp, 53, 0, 0, 0, 0);
        n = dns_query(pkt + off, name, below(65536));
        hdr(a, 0x0a000035u, sp, 53, 0, 0, 0, n);
        emit(off + n);
        off = hdr(0x0a000035u, a, 53, sp, 0, 0, 0, 0);
        n = dns_query(pkt + off, name, below(65536));
        pkt[off + 2] = 0x81; /* a response: never extracted */
        hdr(0x0a000035u, a, 53, sp, 0, 0, 0, n + 16);
        emit(off + n + 16);
        break;
    case 1: { /* TLS; a third with a post-quantum key share, in two segments */
        pick_name(name, sizeof name);
        int pq = below(3) == 0;
        uint32_t s = (uint32_t)next();
        emit(hdr(a, b, sp, 443, 1, 0x02, s++, 0));
        emit(hdr_ack(b, a, 443, sp, 1, 0x12, isn_of(s), s, 0));
        static uint8_t rec[2048];
        n = client_hello(rec + 5, name, pq);
        rec[0] = 0x16;
        be16(rec + 1, 0x0301);
        be16(rec + 3, (unsigned)n);
        size_t total = n + 5, first = pq ? 1000 : total;
        off = hdr(a, b, sp, 443, 1, 0x18, s, 0);
        memcpy(pkt + off, rec, first);
        hdr_ack(a, b, sp, 443, 1, 0x18, s, isn_of(s) + 1, first);
        emit(off + first);
        if (pq) {
            off = hdr(a, b, sp, 443, 1, 0x18, s + (uint32_t)first, 0);
            memcpy(pkt + off, rec + first, total - first);
            hdr_ack(a, b, sp, 443, 1, 0x18, s + (uint32_t)first, isn_of(s) + 1, total - first);
            emit(off + total - first);
        }
        bulk_tcp(a, b, sp + 1, 443, 4 + below(12));
        break;
    }
    case 2: /* QUIC */
        pick_name(name, sizeof name);
        off = hdr(a, b, sp, 443, 0, 0, 0, 0);
        n = quic_initial(pkt + off, name);
        hdr(a, b, sp, 443, 0, 0, 0, n);
        emit(off + n);
        for (unsigned i = 0; i < 4 + below(10); i++) {
            n = 1200 - below(300);
            off = hdr(b, a, 443, sp, 0, 0, 0, n);
            pkt[off] = 0x40 | (uint8_t)below(64); /* short header */
            emit(off + n);
        }
        break;
    case 3: { /* HTTP */
        pick_name(name, sizeof name);
        uint32_t s = (uint32_t)next();
        emit(hdr(a, b, sp, 80, 1, 0x02, s++, 0));
        emit(hdr_ack(b, a, 80, sp, 1, 0x12, isn_of(s), s, 0));
        off = hdr(a, b, sp, 80, 1, 0x18, s, 0);
        n = (size_t)snprintf((char *)pkt + off, 600,
                             "GET /%s/%u.%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 "
                             "(Linux; Android 12)\r\nAccept: */*\r\n\r\n",
                             below(3) ? "static" : "download", below(100000),
                             below(20) ? "js" : "apk", name);
        hdr_ack(a, b, sp, 80, 1, 0x18, s, isn_of(s) + 1, n);
        emit(off + n);
        bulk_tcp(a, b, sp + 1, 80, 2 + below(10));
        break;
    }
    default:
        if (kind < 9) {
            bulk_tcp(a, b, sp, 443, 8 + below(40));
        } else { /* bulk UDP: media, games */
            unsigned dp = 3478 + below(2000);
            for (unsigned i = 0; i < 5 + below(30); i++) {
                n = 200 + below(1000);
                off = i % 2 ? hdr(b, a, dp, sp, 0, 0, 0, n) : hdr(a, b, sp, dp, 0, 0, 0, n);
                memset(pkt + off, 0x5a, n);
                emit(off + n);
            }
        }
    }
}

static void make_indicators(const char *dir, const char *phishing)
{
    char path[4096];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        perror(dir);
        exit(1);
    }
    names = calloc(NDOMAINS, sizeof *names);
    FILE *in = phishing ? fopen(phishing, "r") : NULL;
    char line[512];
    while (in && nnames < NDOMAINS * 6 / 10 && fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *s = line;
        if (strncmp(s, "0.0.0.0 ", 8) == 0)
            s += 8;
        if (!*s || *s == '#' || !strchr(s, '.') || strchr(s, ' '))
            continue;
        names[nnames++] = strdup(s);
    }
    if (in)
        fclose(in);
    while (nnames < NDOMAINS) {
        snprintf(line, sizeof line, "%s-%u%s.%s",
                 (const char *[]){"pay", "loan", "task", "kefu", "invest", "bet"}[below(6)],
                 (unsigned)nnames, (const char *[]){"-cn", "-vip", "", "-app"}[below(4)],
                 (const char *[]){"top", "xyz", "vip", "cc", "com", "net"}[below(6)]);
        names[nnames++] = strdup(line);
    }
    snprintf(path, sizeof path, "%s/domains.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    for (size_t i = 0; i < nnames; i++)
        fprintf(f, "%s\n", names[i]);
    fclose(f);
    snprintf(path, sizeof path, "%s/regex.yaml", dir);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    static const char *fields[] = {"http.uri", "dns.query", "tls.sni", "http.user_agent"};
    for (int i = 0; i < NREGEX; i++) {
        const char *fld = fields[i % 4];
        fprintf(f, "%sid: bench-regex-%d\ntitle: benchmark regex %d\nfraud_type: FT%02d\n"
                   "level: low\nweight: 1.0\nmatch:\n",
                i ? "---\n" : "", i, i, 1 + i % 13);
        if (i % 4 == 0)
            fprintf(f, "  %s|regex: '^/download/%d[0-9]{2}\\.apk$'\n", fld, i);
        else if (i % 4 == 3)
            fprintf(f, "  %s|regex: 'FraudKit/%d\\.[0-9]+'\n", fld, i);
        else
            fprintf(f, "  %s|regex: '(^|\\.)x%dq[a-z]{2,4}-(pay|loan)\\.(top|vip)$'\n", fld, i);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s OUT.pcap LISTS_DIR MEGABYTES [PHISHING_LIST]\n", argv[0]);
        return 2;
    }
    make_indicators(argv[2], argc > 4 ? argv[4] : NULL);
    out = fopen(argv[1], "wb");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(out, buf, _IOFBF, sizeof buf);
    put32(0xa1b2c3d4);
    uint16_t v[2] = {2, 4};
    fwrite(v, 2, 2, out);
    put32(0);
    put32(0);
    put32(65535);
    put32(1);
    uint64_t target = (uint64_t)strtoull(argv[3], NULL, 10) << 20;
    while (written < target)
        flow();
    fclose(out);
    fprintf(stderr, "%s: %.1f MiB\n", argv[1], (double)written / (1 << 20));
    return 0;
}
