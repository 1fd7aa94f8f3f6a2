/* decode_link.c: link layers: Ethernet with 802.1Q/QinQ tags, Linux cooked
 * capture v1 and v2, BSD null/loopback, raw IP, PPPoE session. */
#include "decode_int.h"

/* Ethernet II: 0 dst(6) 6 src(6) 12 ethertype(2) 14 payload.
 * A value <= 1500 at 12 is an 802.3 length (LLC follows): not IP. */
fsc_status fsc_decode_eth(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    if (len < 14) {
        d->c->v[FSC_C_ETH_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    return fsc_decode_ethertype(d, fsc_be16(buf + 12), buf + 14, len - 14, pkt);
}

/* 802.1Q tag after its ethertype: 0 TCI(2) 2 inner ethertype(2). Several
 * tags (QinQ) are walked in a loop, at most FSC_DECODE_MAX_VLAN. */
fsc_status fsc_decode_ethertype(fsc_decoder *d, uint16_t type, const uint8_t *buf, size_t len,
                                fsc_packet *pkt)
{
    unsigned tags = 0;
    while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
        if (++tags > FSC_DECODE_MAX_VLAN) {
            d->c->v[FSC_C_TUNNEL_TOO_DEEP]++;
            return FSC_ELIMIT;
        }
        if (len < 4) {
            d->c->v[FSC_C_VLAN_TRUNCATED]++;
            return FSC_ETRUNC;
        }
        type = fsc_be16(buf + 2);
        buf += 4;
        len -= 4;
    }
    switch (type) {
    case 0x0800:
        return fsc_decode_ipv4(d, buf, len, pkt);
    case 0x86dd:
        return fsc_decode_ipv6(d, buf, len, pkt);
    case 0x8864:
        return fsc_decode_pppoe(d, buf, len, pkt);
    case 0x8847: /* MPLS unicast */
    case 0x8848: /* MPLS multicast */
        return fsc_decode_mpls(d, buf, len, pkt);
    default:
        d->c->v[FSC_C_ETHERTYPE_OTHER]++;
        return FSC_EUNSUPPORTED;
    }
}

/* Linux cooked v1 (16 bytes): 0 packet type  2 ARPHRD  4 address length
 *   6 address(8)  14 protocol (an ethertype for the types we follow). */
fsc_status fsc_decode_sll(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    if (len < 16) {
        d->c->v[FSC_C_SLL_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    return fsc_decode_ethertype(d, fsc_be16(buf + 14), buf + 16, len - 16, pkt);
}

/* Linux cooked v2 (20 bytes): 0 protocol  2 reserved  4 ifindex
 *   8 ARPHRD  10 packet type  11 address length  12 address(8). */
fsc_status fsc_decode_sll2(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    if (len < 20) {
        d->c->v[FSC_C_SLL_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    return fsc_decode_ethertype(d, fsc_be16(buf), buf + 20, len - 20, pkt);
}

/* BSD loopback: a 4-byte address family. DLT_NULL writes it in the byte
 * order of the machine that captured, DLT_LOOP in network order; reading
 * both orders and keeping the small one covers either. AF_INET is 2
 * everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD)
 * or 30 (Darwin). */
fsc_status fsc_decode_null(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    if (len < 4) {
        d->c->v[FSC_C_NULL_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    uint32_t le = fsc_le32(buf), be = fsc_be32(buf);
    uint32_t af = le < be ? le : be;
    switch (af) {
    case 2:
        return fsc_decode_ipv4(d, buf + 4, len - 4, pkt);
    case 10:
    case 24:
    case 28:
    case 30:
        return fsc_decode_ipv6(d, buf + 4, len - 4, pkt);
    default:
        d->c->v[FSC_C_NULL_FAMILY_OTHER]++;
        return FSC_EUNSUPPORTED;
    }
}

/* Raw IP: no link header; the version nibble says which IP. */
fsc_status fsc_decode_raw(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    if (len < 1) {
        d->c->v[FSC_C_IPV4_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    if (buf[0] >> 4 == 6)
        return fsc_decode_ipv6(d, buf, len, pkt);
    return fsc_decode_ipv4(d, buf, len, pkt);
}

/* PPP (RFC 1661): an optional address/control pair 0xff 0x03 (HDLC
 * framing, seen in PPTP), then the protocol: 2 bytes, or 1 when protocol
 * field compression is on (6.5): an odd first byte ends the field.
 * Protocols: 0x0021 IPv4, 0x0057 IPv6. */
fsc_status fsc_decode_ppp(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    if (len >= 2 && buf[0] == 0xff && buf[1] == 0x03) {
        buf += 2;
        len -= 2;
    }
    if (len < 1) {
        d->c->v[FSC_C_PPPOE_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    uint16_t proto;
    if (buf[0] & 1) {
        proto = buf[0];
        buf += 1;
        len -= 1;
    } else {
        if (len < 2) {
            d->c->v[FSC_C_PPPOE_TRUNCATED]++;
            return FSC_ETRUNC;
        }
        proto = fsc_be16(buf);
        buf += 2;
        len -= 2;
    }
    switch (proto) {
    case 0x0021:
        return fsc_decode_ipv4(d, buf, len, pkt);
    case 0x0057:
        return fsc_decode_ipv6(d, buf, len, pkt);
    default:
        d->c->v[FSC_C_PPP_PROTO_OTHER]++;
        return FSC_EUNSUPPORTED;
    }
}

/* PPPoE session (RFC 2516): 0 ver/type (0x11)  1 code (0 in a session)
 *   2 session id  4 length (PPP protocol + payload)  6 PPP. */
fsc_status fsc_decode_pppoe(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    if (len < 6) {
        d->c->v[FSC_C_PPPOE_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    if (buf[0] != 0x11 || buf[1] != 0) {
        d->c->v[FSC_C_PPP_PROTO_OTHER]++;
        return FSC_EUNSUPPORTED;
    }
    size_t plen = fsc_be16(buf + 4);
    /* the length field, not the frame, says where PPP ends: Ethernet pads
     * short frames; a capture cut shorter than the field is decoded as far
     * as it goes */
    if (plen + 6 < len)
        len = plen + 6;
    return fsc_decode_ppp(d, buf + 6, len - 6, pkt);
}
