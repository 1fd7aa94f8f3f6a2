/* decode_ipv4.c: IPv4 header (RFC 791) and its fragments. */
#include <string.h>

#include "decode_int.h"

/* Header: 0 version/IHL  1 TOS  2 total length  4 id  6 flags/offset
 *   8 TTL  9 protocol  10 checksum  12 src  16 dst  20 options. */
fsc_status fsc_decode_ipv4(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    if (++pkt->depth > FSC_DECODE_MAX_DEPTH) {
        d->c->v[FSC_C_TUNNEL_TOO_DEEP]++;
        return FSC_ELIMIT;
    }
    if (len < 20) {
        d->c->v[FSC_C_IPV4_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    if (buf[0] >> 4 != 4) {
        d->c->v[FSC_C_IPV4_BAD_VERSION]++;
        return FSC_EMALFORMED;
    }
    size_t hlen = (size_t)(buf[0] & 0x0f) * 4;
    if (hlen < 20) {
        d->c->v[FSC_C_IPV4_BAD_HLEN]++;
        return FSC_EMALFORMED;
    }
    if (hlen > len) {
        d->c->v[FSC_C_IPV4_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    size_t totlen = fsc_be16(buf + 2);
    if (totlen == 0) {
        /* segmentation offload: the NIC fills the length in later, so the
         * capture holds 0; the frame's length is the best we have */
        d->c->v[FSC_C_IPV4_BAD_TOTLEN]++;
        totlen = len;
    }
    if (totlen < hlen) {
        d->c->v[FSC_C_IPV4_BAD_TOTLEN]++;
        return FSC_EMALFORMED;
    }
    if (totlen > len) {
        /* cut short by the snap length: decode what was captured, the
         * layers above check their own lengths */
        d->c->v[FSC_C_IPV4_TRUNCATED]++;
        totlen = len;
    }
    /* totlen < len: link-layer padding after the datagram, dropped */
    len = totlen;

    memset(&pkt->src, 0, sizeof pkt->src);
    memset(&pkt->dst, 0, sizeof pkt->dst);
    pkt->src.family = pkt->dst.family = 4;
    memcpy(pkt->src.b, buf + 12, 4);
    memcpy(pkt->dst.b, buf + 16, 4);
    uint8_t proto = buf[9];
    uint16_t fo = fsc_be16(buf + 6);
    bool more = (fo & 0x2000) != 0;
    uint32_t offset = (uint32_t)(fo & 0x1fff) * 8;
    if (more || offset) {
        d->c->v[FSC_C_IPV4_FRAGMENT]++;
        const uint8_t *whole;
        size_t whole_len;
        fsc_status st = fsc_frag_add(d, 4, &pkt->src, &pkt->dst, fsc_be16(buf + 4), proto,
                                     offset, more, buf + hlen, len - hlen, &whole, &whole_len);
        if (st != FSC_OK)
            return st;
        pkt->reassembled = true;
        return fsc_decode_l4(d, proto, whole, whole_len, pkt);
    }
    return fsc_decode_l4(d, proto, buf + hlen, len - hlen, pkt);
}
