/* test_decode.c: link layers, tunnels, IPv4/IPv6, UDP/TCP and fragment
 * reassembly. Rows are {linktype, frame bytes, expected result}; each frame
 * is also cut at every length, which must never crash, never over-read (the
 * copies are exact-size heap blocks for ASan) and always count an anomaly. */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "unit.h"

static uint64_t anomalies(const fsc_counters *c)
{
    /* every decode.* row is an anomaly except the fragment bookkeeping */
    uint64_t n = 0;
    for (unsigned i = 0; i < FSC_C_COUNT; i++)
        if (strncmp(fsc_counter_name(i), "decode.", 7) == 0 && i != FSC_C_IPV4_FRAGMENT &&
            i != FSC_C_IPV6_FRAGMENT && i != FSC_C_FRAG_REASSEMBLED)
            n += c->v[i];
    return n;
}

#define ETH_HDR(type) "020000000002 020000000001 " type
/* 10.0.0.1:12345 -> 10.0.0.2:53, UDP, payload "abcd" */
#define IP4_UDP                                                                               \
    "4500 0020 0001 0000 4011 0000 0a000001 0a000002 "                                        \
    "3039 0035 000c 0000 61626364"
/* 10.0.0.1:40000 -> 10.0.0.2:443, TCP seq 0x01020304 flags PSH|ACK, payload "abcd" */
#define IP4_TCP                                                                               \
    "4500 002c 0001 0000 4006 0000 0a000001 0a000002 "                                        \
    "9c40 01bb 01020304 00000000 5018 ffff 0000 0000 61626364"
#define IP6_ADDRS "20010db8000000000000000000000001 20010db8000000000000000000000002"
#define IP6_UDP "6000 0000 000c 11 40 " IP6_ADDRS " 3039 0035 000c 0000 61626364"

static void test_frames(void)
{
    static const struct {
        const char *what;
        int dlt;
        const char *hex;
        fsc_status st;
        uint8_t l4;
        const char *src; /* expected innermost source */
        uint16_t dport;
        size_t plen;
    } rows[] = {
        {"ethernet ipv4 udp", FSC_DLT_EN10MB, ETH_HDR("0800") IP4_UDP, FSC_OK, 17, "10.0.0.1", 53,
         4},
        {"ethernet padding dropped", FSC_DLT_EN10MB, ETH_HDR("0800") IP4_UDP "000000000000",
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"ethernet ipv4 tcp", FSC_DLT_EN10MB, ETH_HDR("0800") IP4_TCP, FSC_OK, 6, "10.0.0.1", 443,
         4},
        {"802.1Q", FSC_DLT_EN10MB, ETH_HDR("8100") "0064 0800" IP4_UDP, FSC_OK, 17, "10.0.0.1",
         53, 4},
        {"QinQ", FSC_DLT_EN10MB, ETH_HDR("88a8") "0064 8100 00c8 0800" IP4_UDP, FSC_OK, 17,
         "10.0.0.1", 53, 4},
        {"five VLAN tags", FSC_DLT_EN10MB,
         ETH_HDR("8100") "0001 8100 0001 8100 0001 8100 0001 8100 0001 0800" IP4_UDP, FSC_ELIMIT,
         0, NULL, 0, 0},
        {"ethernet ipv6 udp", FSC_DLT_EN10MB, ETH_HDR("86dd") IP6_UDP, FSC_OK, 17, "2001:db8::1",
         53, 4},
        {"ARP is not followed", FSC_DLT_EN10MB, ETH_HDR("0806") "0001 0800 0604 0001",
         FSC_EUNSUPPORTED, 0, NULL, 0, 0},
        {"linux cooked v1", FSC_DLT_LINUX_SLL, "0000 0001 0006 020000000001 0000 0800" IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"linux cooked v2", FSC_DLT_LINUX_SLL2, "0800 0000 00000002 0001 00 06 0200000000010000"
         IP4_UDP, FSC_OK, 17, "10.0.0.1", 53, 4},
        {"raw ip 101", FSC_DLT_RAW_101, IP4_UDP, FSC_OK, 17, "10.0.0.1", 53, 4},
        {"raw ip 12, ipv6", FSC_DLT_RAW, IP6_UDP, FSC_OK, 17, "2001:db8::1", 53, 4},
        {"raw ip 14", FSC_DLT_RAW_14, IP4_TCP, FSC_OK, 6, "10.0.0.1", 443, 4},
        {"null, little-endian AF_INET", FSC_DLT_NULL, "02000000" IP4_UDP, FSC_OK, 17, "10.0.0.1",
         53, 4},
        {"null, big-endian AF_INET6 (Darwin)", FSC_DLT_NULL, "0000001e" IP6_UDP, FSC_OK, 17,
         "2001:db8::1", 53, 4},
        {"loop, AF_INET", FSC_DLT_LOOP, "00000002" IP4_UDP, FSC_OK, 17, "10.0.0.1", 53, 4},
        {"null, unknown family", FSC_DLT_NULL, "07000000" IP4_UDP, FSC_EUNSUPPORTED, 0, NULL, 0,
         0},
        {"pppoe session", FSC_DLT_EN10MB, ETH_HDR("8864") "1100 0001 0022 0021" IP4_UDP, FSC_OK,
         17, "10.0.0.1", 53, 4},
        {"pppoe, compressed protocol field", FSC_DLT_EN10MB,
         ETH_HDR("8864") "1100 0001 0021 21" IP4_UDP, FSC_OK, 17, "10.0.0.1", 53, 4},
        {"gre to ipv4", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0038 0001 0000 402f 0000 c0a80001 c0a80002 0000 0800" IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"gre with key and sequence", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0040 0001 0000 402f 0000 c0a80001 c0a80002 3000 0800 00000001 "
                         "00000002" IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"gre transparent ethernet bridging", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0046 0001 0000 402f 0000 c0a80001 c0a80002 0000 6558 "
             ETH_HDR("0800") IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"gre version 1 (pptp) to ppp ipv4", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0044 0001 0000 402f 0000 c0a80001 c0a80002 3001 880b 0024 0001 "
                         "00000001 ff03 0021" IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"gre routing is refused", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0038 0001 0000 402f 0000 c0a80001 c0a80002 4000 0800" IP4_UDP,
         FSC_EUNSUPPORTED, 0, NULL, 0, 0},
        {"ip in ip", FSC_DLT_RAW_101,
         "4500 0034 0001 0000 4004 0000 c0a80001 c0a80002" IP4_UDP, FSC_OK, 17, "10.0.0.1", 53,
         4},
        {"ipv6 in ipv4 (6in4)", FSC_DLT_RAW_101,
         "4500 0048 0001 0000 4029 0000 c0a80001 c0a80002" IP6_UDP, FSC_OK, 17, "2001:db8::1", 53,
         4},
        {"ipv6 hop-by-hop and destination options", FSC_DLT_RAW_101,
         "6000 0000 001c 00 40 " IP6_ADDRS " 3c00 0000 0000 0000 1100 0000 0000 0000 "
         "3039 0035 000c 0000 61626364",
         FSC_OK, 17, "2001:db8::1", 53, 4},
        {"ipv6 atomic fragment", FSC_DLT_RAW_101,
         "6000 0000 0014 2c 40 " IP6_ADDRS " 1100 0000 00000007 3039 0035 000c 0000 61626364",
         FSC_OK, 17, "2001:db8::1", 53, 4},
        {"ipv6 esp", FSC_DLT_RAW_101, "6000 0000 0008 32 40 " IP6_ADDRS " 00000001 00000001",
         FSC_EUNSUPPORTED, 0, NULL, 0, 0},
        {"ipv4 options", FSC_DLT_RAW_101,
         "4600 0024 0001 0000 4011 0000 0a000001 0a000002 01010100 "
         "3039 0035 000c 0000 61626364",
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"ipv4 header length 4", FSC_DLT_RAW_101,
         "4100 0020 0001 0000 4011 0000 0a000001 0a000002 3039 0035 000c 0000 61626364",
         FSC_EMALFORMED, 0, NULL, 0, 0},
        {"ipv4 version 5", FSC_DLT_EN10MB, ETH_HDR("0800") "5500 0020 0001 0000 4011 0000 0a000001 "
         "0a000002 3039 0035 000c 0000 61626364", FSC_EMALFORMED, 0, NULL, 0, 0},
        {"ipv4 total length shorter than header", FSC_DLT_RAW_101,
         "4500 0010 0001 0000 4011 0000 0a000001 0a000002 3039 0035 000c 0000 61626364",
         FSC_EMALFORMED, 0, NULL, 0, 0},
        {"tcp data offset 4", FSC_DLT_RAW_101,
         "4500 002c 0001 0000 4006 0000 0a000001 0a000002 9c40 01bb 01020304 00000000 4018 ffff "
         "0000 0000 61626364",
         FSC_EMALFORMED, 0, NULL, 0, 0},
        {"icmp is not followed", FSC_DLT_RAW_101,
         "4500 001c 0001 0000 4001 0000 0a000001 0a000002 0800 0000 0001 0001", FSC_EUNSUPPORTED,
         0, NULL, 0, 0},
        {"unknown link type", 9999, IP4_UDP, FSC_EUNSUPPORTED, 0, NULL, 0, 0},
        /* tunnels (decode_tunnel.c) */
        {"vxlan", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0052 0001 0000 4011 0000 c0a80001 c0a80002 c350 12b5 003e 0000 0800 0000 000064 00 " ETH_HDR("0800") IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"geneve with an option, to ethernet", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 005a 0001 0000 4011 0000 c0a80001 c0a80002 c350 17c1 0046 0000 0200 6558 000064 00 0102 0301 00000000 " ETH_HDR("0800") IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"geneve to ipv4", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0044 0001 0000 4011 0000 c0a80001 c0a80002 c350 17c1 0030 0000 0000 0800 000064 00 " IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"gtp-u g-pdu", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0044 0001 0000 4011 0000 c0a80001 c0a80002 c350 0868 0030 0000 30ff 0020 00000001 " IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"gtp-u with sequence and two extension headers", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0054 0001 0000 4011 0000 c0a80001 c0a80002 c350 0868 0040 0000 36ff 0030 00000001 0001 00 85 01 0001 c0 02 000000000000 00 " IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"gtp-u carrying ipv6", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0058 0001 0000 4011 0000 c0a80001 c0a80002 c350 0868 0044 0000 30ff 0034 00000001 " IP6_UDP,
         FSC_OK, 17, "2001:db8::1", 53, 4},
        {"gtp-u echo request is signalling", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0024 0001 0000 4011 0000 c0a80001 c0a80002 c350 0868 0010 0000 3001 0000 00000000",
         FSC_EUNSUPPORTED, 0, NULL, 0, 0},
        {"gtp version 2 is not gtp-u", FSC_DLT_EN10MB,
         ETH_HDR("0800") "4500 0024 0001 0000 4011 0000 c0a80001 c0a80002 c350 0868 0010 0000 50ff 0000 00000000",
         FSC_EMALFORMED, 0, NULL, 0, 0},
        {"mpls two labels to ipv4", FSC_DLT_EN10MB,
         ETH_HDR("8847") "00064040 000c8140 " IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"mpls to ipv6", FSC_DLT_EN10MB,
         ETH_HDR("8847") "00064140 " IP6_UDP,
         FSC_OK, 17, "2001:db8::1", 53, 4},
        {"mpls pseudowire with control word", FSC_DLT_EN10MB,
         ETH_HDR("8847") "00064140 00000000 " ETH_HDR("0800") IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
        {"mpls nine labels", FSC_DLT_EN10MB,
         ETH_HDR("8847") "00064040 00064040 00064040 00064040 00064040 00064040 00064040 00064040 00064140 " IP4_UDP,
         FSC_ELIMIT, 0, NULL, 0, 0},
        {"qinq 0x9100 outer tag", FSC_DLT_EN10MB,
         ETH_HDR("9100") "0064 8100 00c8 0800" IP4_UDP,
         FSC_OK, 17, "10.0.0.1", 53, 4},
    };
    static fsc_counters c;
    fsc_decoder *d = fsc_decoder_new(NULL, &c);
    CHECK(d != NULL, "decoder created");
    if (!d)
        return;
    static uint8_t buf[2048];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = unit_hex(rows[i].hex, buf, sizeof buf);
        uint8_t *f = malloc(n);
        memcpy(f, buf, n);
        fsc_packet p;
        uint64_t before = anomalies(&c);
        fsc_status st = fsc_decode_frame(d, rows[i].dlt, 0, f, n, &p);
        CHECK(st == rows[i].st, "%s: status %s", rows[i].what, fsc_status_name(st));
        if (rows[i].st == FSC_OK && st == FSC_OK) {
            char s[FSC_ADDR_STRLEN];
            fsc_addr_format(&p.src, s);
            CHECK(p.l4proto == rows[i].l4 && strcmp(s, rows[i].src) == 0 &&
                      p.dport == rows[i].dport && p.payload_len == rows[i].plen &&
                      memcmp(p.payload, "abcd", 4) == 0,
                  "%s: l4 %u src %s dport %u payload %zu", rows[i].what, p.l4proto, s, p.dport,
                  p.payload_len);
            CHECK(anomalies(&c) == before, "%s: no anomaly counted", rows[i].what);
            /* every cut of a good frame decodes partly and is counted */
            bool counted = true;
            for (size_t cut = 0; cut < n; cut++) {
                uint8_t *t = malloc(cut ? cut : 1);
                memcpy(t, f, cut);
                uint64_t b = anomalies(&c);
                fsc_status cs = fsc_decode_frame(d, rows[i].dlt, 0, t, cut, &p);
                /* cutting only link padding loses nothing: no anomaly then */
                bool whole = cs == FSC_OK && p.payload_len == rows[i].plen;
                if (anomalies(&c) == b && !whole)
                    counted = false;
                free(t);
            }
            CHECK(counted, "%s: every truncation counts an anomaly", rows[i].what);
        } else if (rows[i].st == FSC_ETRUNC || rows[i].st == FSC_EMALFORMED ||
                   rows[i].st == FSC_ELIMIT) {
            CHECK(anomalies(&c) > before, "%s: counted", rows[i].what);
        }
        free(f);
    }
    fsc_decoder_free(d);
}

/* Tunnels nested deeper than the cap are refused and counted. */
static void test_depth(void)
{
    static fsc_counters c;
    fsc_decoder *d = fsc_decoder_new(NULL, &c);
    static uint8_t buf[1024];
    size_t n = unit_hex(IP4_UDP, buf + 512, 512);
    size_t start = 512;
    for (int k = 0; k < FSC_DECODE_MAX_DEPTH + 2; k++) {
        start -= 20;
        size_t tot = 512 + n - start;
        unit_hex("4500 0000 0001 0000 4004 0000 c0a80001 c0a80002", buf + start, 20);
        buf[start + 2] = (uint8_t)(tot >> 8);
        buf[start + 3] = (uint8_t)tot;
    }
    fsc_packet p;
    fsc_status st = fsc_decode_frame(d, FSC_DLT_RAW_101, 0, buf + start, 512 + n - start, &p);
    CHECK(st == FSC_ELIMIT && c.v[FSC_C_TUNNEL_TOO_DEEP] == 1, "ip-in-ip %d deep: %s",
          FSC_DECODE_MAX_DEPTH + 2, fsc_status_name(st));
    fsc_decoder_free(d);
}

/* A UDP datagram (8 + 20 bytes) in fragments of 8/8/12 bytes. */
#define FRAG4(off_flags, len, payload)                                                        \
    "4500 " len " 0777 " off_flags " 4011 0000 0a000001 0a000002 " payload
static void test_fragments(void)
{
    static const char *const v4[] = {
        FRAG4("2000", "001c", "3039 0035 001c 0000"),         /* offset 0, MF */
        FRAG4("2001", "001c", "6162636465666768"),            /* offset 8, MF */
        FRAG4("0002", "0020", "696a6b6c6d6e6f7071727374"),    /* offset 16, last */
    };
    static const struct {
        const char *what;
        int order[3];
        int n;
        fsc_status last;
    } rows[] = {
        {"ipv4 fragments in order", {0, 1, 2}, 3, FSC_OK},
        {"ipv4 fragments reversed", {2, 1, 0}, 3, FSC_OK},
        {"ipv4 fragments shuffled, one twice", {1, 1, 2}, 3, FSC_EPARTIAL},
        {"ipv4 first and last only", {0, 2, 0}, 2, FSC_EPARTIAL},
    };
    static uint8_t buf[256];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        static fsc_counters c;
        memset(&c, 0, sizeof c);
        fsc_decoder *d = fsc_decoder_new(NULL, &c);
        fsc_packet p;
        fsc_status st = FSC_EINVAL;
        for (int k = 0; k < rows[i].n; k++) {
            size_t n = unit_hex(v4[rows[i].order[k]], buf, sizeof buf);
            st = fsc_decode_frame(d, FSC_DLT_RAW_101, 1000, buf, n, &p);
        }
        CHECK(st == rows[i].last, "%s: %s", rows[i].what, fsc_status_name(st));
        if (st == FSC_OK)
            CHECK(p.reassembled && p.l4proto == 17 && p.dport == 53 && p.payload_len == 20 &&
                      memcmp(p.payload, "abcdefghijklmnopqrst", 20) == 0,
                  "%s: datagram rebuilt", rows[i].what);
        fsc_decoder_free(d);
    }

    static fsc_counters c;
    fsc_decoder *d = fsc_decoder_new(&(fsc_decode_config){2, 1000000}, &c);
    fsc_packet p;
    /* a non-final fragment whose length is not a multiple of 8 */
    size_t n = unit_hex(FRAG4("2000", "001b", "3039 0035 001c 00"), buf, sizeof buf);
    CHECK(fsc_decode_frame(d, FSC_DLT_RAW_101, 0, buf, n, &p) == FSC_EMALFORMED &&
              c.v[FSC_C_FRAG_BAD] == 1,
          "fragment of 7 bytes with MF set is refused");
    /* a fragment reaching past 65535 */
    n = unit_hex(FRAG4("3fff", "0024", "0000000000000000 0000000000000000"), buf, sizeof buf);
    CHECK(fsc_decode_frame(d, FSC_DLT_RAW_101, 0, buf, n, &p) == FSC_EMALFORMED &&
              c.v[FSC_C_FRAG_BAD] == 2,
          "fragment past 64 KiB is refused");
    /* a table of 2 slots: a third datagram evicts the oldest */
    for (int k = 0; k < 3; k++) {
        n = unit_hex(v4[0], buf, sizeof buf);
        buf[5] = (uint8_t)k; /* id */
        fsc_decode_frame(d, FSC_DLT_RAW_101, k, buf, n, &p);
    }
    CHECK(c.v[FSC_C_FRAG_TABLE_FULL] == 1, "full fragment table evicts and counts");
    /* timeout: 1 s later the stored fragments are dropped */
    n = unit_hex(IP4_UDP, buf, sizeof buf);
    fsc_decode_frame(d, FSC_DLT_RAW_101, 5000000, buf, n, &p);
    CHECK(c.v[FSC_C_FRAG_TIMEOUT] == 2, "stale fragments time out (%llu)",
          (unsigned long long)c.v[FSC_C_FRAG_TIMEOUT]);
    fsc_decoder_free(d);

    /* IPv6: a fragment header, two pieces, the second first */
    static const char *const v6[] = {
        "6000 0000 0010 2c 40 " IP6_ADDRS " 1100 0001 0000abcd 3039 0035 0014 0000",
        "6000 0000 0014 2c 40 " IP6_ADDRS " 1100 0008 0000abcd 6162636465666768696a6b6c",
    };
    memset(&c, 0, sizeof c);
    d = fsc_decoder_new(NULL, &c);
    n = unit_hex(v6[1], buf, sizeof buf);
    fsc_status st = fsc_decode_frame(d, FSC_DLT_RAW_101, 0, buf, n, &p);
    CHECK(st == FSC_EPARTIAL, "ipv6 second fragment kept: %s", fsc_status_name(st));
    n = unit_hex(v6[0], buf, sizeof buf);
    st = fsc_decode_frame(d, FSC_DLT_RAW_101, 0, buf, n, &p);
    CHECK(st == FSC_OK && p.l4proto == 17 && p.payload_len == 12 &&
              memcmp(p.payload, "abcdefghijkl", 12) == 0 && c.v[FSC_C_FRAG_REASSEMBLED] == 1,
          "ipv6 fragments reassembled: %s", fsc_status_name(st));
    fsc_decoder_free(d);
}

int main(void)
{
    test_frames();
    test_depth();
    test_fragments();
    return unit_done();
}
