/* decode.h: from a captured frame to the innermost IP packet and its UDP or
 * TCP payload.
 *
 * One decoder per thread. Each layer is a function of (buf, len) that never
 * reads past len, checks bounds in a fixed order (too short, version, header
 * length, truncated) and counts each anomaly by name (counters.h) before it
 * gives up on the frame. Tunnels (GRE, IP-in-IP, MPLS, VXLAN, Geneve,
 * GTP-U) recurse at most
 * FSC_DECODE_MAX_DEPTH times. IPv4 and IPv6 fragments are reassembled in a
 * table whose slots and buffers are all allocated by fsc_decoder_new(); a
 * reassembled datagram stays valid until the next call to
 * fsc_decode_frame(), so records pointing into it survive their callback.
 *
 * Link layers are registered by table (decode.c): adding one is one row. */
#ifndef FSC_DECODE_H
#define FSC_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "counters.h"
#include "record.h"
#include "status.h"

/* libpcap link types we decode (values from pcap/dlt.h, copied so the
 * engine does not depend on pcap headers). */
enum {
    FSC_DLT_NULL = 0,
    FSC_DLT_EN10MB = 1,
    FSC_DLT_RAW = 12,          /* OpenBSD's value */
    FSC_DLT_RAW_14 = 14,       /* BSD/OS's value */
    FSC_DLT_LOOP = 108,
    FSC_DLT_LINUX_SLL = 113,
    FSC_DLT_RAW_101 = 101,     /* LINKTYPE_RAW as written in pcap files */
    FSC_DLT_IPV4 = 228,
    FSC_DLT_IPV6 = 229,
    FSC_DLT_LINUX_SLL2 = 276,
};

/* Link-layer header counts plus GRE/IP-in-IP levels; deeper is refused
 * (FSC_C_TUNNEL_TOO_DEEP) so a crafted frame cannot recurse without end. */
#define FSC_DECODE_MAX_DEPTH 8
/* 802.1Q tags stacked in one Ethernet header (QinQ and a bit more). */
#define FSC_DECODE_MAX_VLAN 4
/* IPv6 extension headers walked before giving up. */
#define FSC_DECODE_MAX_EXTHDR 16

#define FSC_TCP_FIN 0x01
#define FSC_TCP_SYN 0x02
#define FSC_TCP_RST 0x04
#define FSC_TCP_ACK 0x10

/* What the decoder found: the innermost IP header's addresses and its UDP
 * or TCP payload. payload points into the frame or into a reassembly
 * buffer of the decoder. */
typedef struct fsc_packet {
    fsc_addr src, dst;       /* innermost IP header */
    uint8_t l4proto;         /* 6 TCP, 17 UDP, other values: no payload */
    uint16_t sport, dport;
    uint32_t seq;            /* TCP: sequence number of payload[0] */
    uint8_t tcp_flags;       /* TCP: FSC_TCP_* bits */
    uint8_t depth;           /* layers walked, for the tunnel cap */
    bool reassembled;        /* payload comes from IP fragment reassembly */
    const uint8_t *payload;
    size_t payload_len;
} fsc_packet;

typedef struct fsc_decode_config {
    size_t frag_slots;       /* datagrams reassembled at once; 0: 32 */
    fsc_time frag_timeout;   /* an incomplete datagram is dropped after; 0: 30 s */
} fsc_decode_config;

typedef struct fsc_decoder fsc_decoder;

/* Creates a decoder counting into `counters` (which must outlive it); cfg
 * may be NULL. Every fragment buffer is allocated here. Returns NULL when
 * out of memory; free with fsc_decoder_free(). */
fsc_decoder *fsc_decoder_new(const fsc_decode_config *cfg, fsc_counters *counters);
void fsc_decoder_free(fsc_decoder *d);

/* Decodes one frame of link type `linktype` down to UDP/TCP. Returns FSC_OK
 * and fills *pkt when an IP packet was found (pkt->l4proto tells whether a
 * payload is there), FSC_EPARTIAL when the frame was a fragment kept for
 * reassembly, FSC_EUNSUPPORTED for link types, ethertypes or protocols we do
 * not follow, FSC_ETRUNC / FSC_EMALFORMED for broken frames (each counted).
 * Releases the datagram reassembled for the previous frame. */
fsc_status fsc_decode_frame(fsc_decoder *d, int linktype, fsc_time ts, const uint8_t *buf,
                            size_t len, fsc_packet *pkt);

/* The layer functions below are what fsc_decode_frame() chains; they are
 * public so unit tests and fuzzers can drive each one alone. Each takes the
 * bytes of its own header onward, fills pkt and calls the next layer. */
fsc_status fsc_decode_eth(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
fsc_status fsc_decode_sll(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
fsc_status fsc_decode_sll2(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
/* DLT_NULL (host byte order of the capturing machine, so both orders are
 * accepted) and DLT_LOOP (network order). */
fsc_status fsc_decode_null(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
/* Raw IP: the version nibble picks IPv4 or IPv6. */
fsc_status fsc_decode_raw(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
/* PPPoE session header (after ethertype 0x8864), then PPP. */
fsc_status fsc_decode_pppoe(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
/* A PPP frame: optional 0xff03, 1- or 2-byte protocol, IPv4 or IPv6. */
fsc_status fsc_decode_ppp(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
/* GRE (IP protocol 47), versions 0 and 1 (PPTP). */
fsc_status fsc_decode_gre(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
/* MPLS label stack (ethertype 0x8847/0x8848) to IPv4, IPv6, or a
 * pseudowire control word and Ethernet (decode_tunnel.c). */
fsc_status fsc_decode_mpls(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
/* UDP tunnels, from the UDP payload on: VXLAN (port 4789) and Geneve (6081)
 * to Ethernet (Geneve also to an ethertype), GTP-U (2152) G-PDUs to the
 * user's IPv4 or IPv6 packet. */
fsc_status fsc_decode_vxlan(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
fsc_status fsc_decode_geneve(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
fsc_status fsc_decode_gtpu(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
/* An ethertype's payload: IPv4, IPv6, VLAN, PPPoE session, MPLS. */
fsc_status fsc_decode_ethertype(fsc_decoder *d, uint16_t type, const uint8_t *buf, size_t len,
                                fsc_packet *pkt);
fsc_status fsc_decode_ipv4(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
fsc_status fsc_decode_ipv6(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
/* The payload of an IP header whose protocol/next header is `proto`. */
fsc_status fsc_decode_l4(fsc_decoder *d, uint8_t proto, const uint8_t *buf, size_t len,
                         fsc_packet *pkt);
fsc_status fsc_decode_udp(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
fsc_status fsc_decode_tcp(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);

/* The counters the decoder writes to. */
fsc_counters *fsc_decoder_counters(fsc_decoder *d);

#endif
