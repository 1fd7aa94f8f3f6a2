/* decode_l4.c: what follows an IP header: UDP, TCP, or another IP header
 * (IP-in-IP, 6in4) or GRE, which recurse under the depth cap; UDP hands the
 * tunnel ports of decode_tunnel.c on. */
#include "decode_int.h"

fsc_status fsc_decode_l4(fsc_decoder *d, uint8_t proto, const uint8_t *buf, size_t len,
                         fsc_packet *pkt)
{
    pkt->l4proto = proto;
    switch (proto) {
    case 6:
        return fsc_decode_tcp(d, buf, len, pkt);
    case 17:
        return fsc_decode_udp(d, buf, len, pkt);
    case 4:
        return fsc_decode_ipv4(d, buf, len, pkt);
    case 41:
        return fsc_decode_ipv6(d, buf, len, pkt);
    case 47:
        if (++pkt->depth > FSC_DECODE_MAX_DEPTH) {
            d->c->v[FSC_C_TUNNEL_TOO_DEEP]++;
            return FSC_ELIMIT;
        }
        return fsc_decode_gre(d, buf, len, pkt);
    default:
        d->c->v[FSC_C_L4_OTHER]++;
        return FSC_EUNSUPPORTED;
    }
}

/* UDP encapsulations, by destination port (IANA): one row each. */
static const struct {
    uint16_t port;
    fsc_status (*fn)(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);
} udp_tunnels[] = {
    {4789, fsc_decode_vxlan},
    {6081, fsc_decode_geneve},
    {2152, fsc_decode_gtpu},
};

/* UDP (RFC 768): 0 src port  2 dst port  4 length (header included)  6 checksum. */
fsc_status fsc_decode_udp(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    pkt->l4proto = 17;
    if (len < 8) {
        d->c->v[FSC_C_UDP_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    pkt->sport = fsc_be16(buf);
    pkt->dport = fsc_be16(buf + 2);
    size_t ulen = fsc_be16(buf + 4);
    if (ulen == 0)
        ulen = len; /* IPv6 jumbogram (RFC 2675) or offload */
    if (ulen < 8) {
        d->c->v[FSC_C_UDP_TRUNCATED]++;
        return FSC_EMALFORMED;
    }
    if (ulen > len) {
        d->c->v[FSC_C_UDP_TRUNCATED]++;
        ulen = len;
    }
    pkt->payload = buf + 8;
    pkt->payload_len = ulen - 8;
    for (size_t i = 0; i < sizeof udp_tunnels / sizeof udp_tunnels[0]; i++)
        if (pkt->dport == udp_tunnels[i].port)
            return udp_tunnels[i].fn(d, buf + 8, ulen - 8, pkt);
    return FSC_OK;
}

/* TCP (RFC 9293): 0 src port  2 dst port  4 seq  8 ack  12 data offset
 *   (4 bits, 32-bit words)  13 flags  14 window  16 checksum  18 urgent. */
fsc_status fsc_decode_tcp(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    pkt->l4proto = 6;
    if (len < 20) {
        d->c->v[FSC_C_TCP_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    size_t hlen = (size_t)(buf[12] >> 4) * 4;
    if (hlen < 20) {
        d->c->v[FSC_C_TCP_BAD_HLEN]++;
        return FSC_EMALFORMED;
    }
    if (hlen > len) {
        d->c->v[FSC_C_TCP_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    pkt->sport = fsc_be16(buf);
    pkt->dport = fsc_be16(buf + 2);
    pkt->seq = fsc_be32(buf + 4);
    pkt->tcp_flags = buf[13];
    pkt->payload = buf + hlen;
    pkt->payload_len = len - hlen;
    return FSC_OK;
}
