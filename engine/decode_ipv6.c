/* decode_ipv6.c: IPv6 header (RFC 8200), extension headers and fragments. */
#include <string.h>

#include "decode_int.h"

enum {
    NH_HOPOPTS = 0,
    NH_ROUTING = 43,
    NH_FRAGMENT = 44,
    NH_ESP = 50,
    NH_AH = 51,
    NH_NONE = 59,
    NH_DSTOPTS = 60,
    NH_MOBILITY = 135,
    NH_HIP = 139,
    NH_SHIM6 = 140,
};

/* Walks extension headers starting with next header `nh` at buf, then
 * decodes the upper layer. `fragmentable` is false once we are inside a
 * reassembled datagram: a second fragment header there is not valid. */
static fsc_status walk(fsc_decoder *d, uint8_t nh, const uint8_t *buf, size_t len,
                       fsc_packet *pkt, bool fragmentable)
{
    for (unsigned n = 0;; n++) {
        if (n > FSC_DECODE_MAX_EXTHDR) {
            d->c->v[FSC_C_IPV6_EXTHDR_TOO_MANY]++;
            return FSC_ELIMIT;
        }
        size_t hlen;
        switch (nh) {
        case NH_HOPOPTS:
        case NH_ROUTING:
        case NH_DSTOPTS:
        case NH_MOBILITY:
        case NH_HIP:
        case NH_SHIM6:
            /* 0 next header  1 length in 8-byte units, not counting the first 8 */
            if (len < 2) {
                d->c->v[FSC_C_IPV6_EXTHDR_TRUNCATED]++;
                return FSC_ETRUNC;
            }
            hlen = ((size_t)buf[1] + 1) * 8;
            break;
        case NH_AH:
            /* 0 next header  1 length in 4-byte units, minus 2 */
            if (len < 2) {
                d->c->v[FSC_C_IPV6_EXTHDR_TRUNCATED]++;
                return FSC_ETRUNC;
            }
            hlen = ((size_t)buf[1] + 2) * 4;
            break;
        case NH_FRAGMENT: {
            /* 0 next header  1 reserved  2 offset(13 bits)/res(2)/M(1)  4 id */
            if (len < 8) {
                d->c->v[FSC_C_IPV6_EXTHDR_TRUNCATED]++;
                return FSC_ETRUNC;
            }
            uint16_t om = fsc_be16(buf + 2);
            uint32_t offset = (uint32_t)(om & 0xfff8);
            bool more = (om & 1) != 0;
            uint8_t inner = buf[0];
            if (!more && offset == 0) {
                /* atomic fragment (RFC 6946): the datagram is whole */
                nh = inner;
                buf += 8;
                len -= 8;
                continue;
            }
            d->c->v[FSC_C_IPV6_FRAGMENT]++;
            if (!fragmentable) {
                d->c->v[FSC_C_FRAG_BAD]++;
                return FSC_EMALFORMED;
            }
            const uint8_t *whole;
            size_t whole_len;
            fsc_status st = fsc_frag_add(d, 6, &pkt->src, &pkt->dst, fsc_be32(buf + 4), inner,
                                         offset, more, buf + 8, len - 8, &whole, &whole_len);
            if (st != FSC_OK)
                return st;
            pkt->reassembled = true;
            return walk(d, inner, whole, whole_len, pkt, false);
        }
        case NH_ESP:
        case NH_NONE:
            d->c->v[FSC_C_L4_OTHER]++;
            return FSC_EUNSUPPORTED;
        default:
            return fsc_decode_l4(d, nh, buf, len, pkt);
        }
        if (len < hlen) {
            d->c->v[FSC_C_IPV6_EXTHDR_TRUNCATED]++;
            return FSC_ETRUNC;
        }
        nh = buf[0];
        buf += hlen;
        len -= hlen;
    }
}

/* Header: 0 version/class/flow(4)  4 payload length  6 next header
 *   7 hop limit  8 src(16)  24 dst(16)  40 extension headers or payload. */
fsc_status fsc_decode_ipv6(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    if (++pkt->depth > FSC_DECODE_MAX_DEPTH) {
        d->c->v[FSC_C_TUNNEL_TOO_DEEP]++;
        return FSC_ELIMIT;
    }
    if (len < 40) {
        d->c->v[FSC_C_IPV6_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    if (buf[0] >> 4 != 6) {
        d->c->v[FSC_C_IPV6_BAD_VERSION]++;
        return FSC_EMALFORMED;
    }
    size_t plen = fsc_be16(buf + 4);
    size_t avail = len - 40;
    if (plen == 0) {
        /* a jumbogram (RFC 2675) or offload: use what was captured */
        d->c->v[FSC_C_IPV6_BAD_PAYLOAD_LEN]++;
        plen = avail;
    }
    if (plen > avail) {
        d->c->v[FSC_C_IPV6_TRUNCATED]++;
        plen = avail;
    }
    pkt->src.family = pkt->dst.family = 6;
    memcpy(pkt->src.b, buf + 8, 16);
    memcpy(pkt->dst.b, buf + 24, 16);
    return walk(d, buf[6], buf + 40, plen, pkt, true);
}
