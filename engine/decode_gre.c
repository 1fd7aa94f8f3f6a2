/* decode_gre.c: GRE tunnels (RFC 2784/2890, and RFC 2637 enhanced GRE for
 * PPTP) to the inner IP packet or Ethernet frame. */
#include "decode_int.h"

#define GRE_C 0x8000   /* checksum present */
#define GRE_R 0x4000   /* routing present (RFC 1701; obsolete) */
#define GRE_K 0x2000   /* key present */
#define GRE_S 0x1000   /* sequence number present */
#define GRE_A 0x0080   /* acknowledgment present (version 1 only) */

/* Header: 0 flags+version(2)  2 protocol type(2)  4 optional words, in the
 * order checksum+reserved, key, sequence, ack; 4 bytes each. */
fsc_status fsc_decode_gre(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    if (len < 4) {
        d->c->v[FSC_C_GRE_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    uint16_t flags = fsc_be16(buf);
    uint16_t proto = fsc_be16(buf + 2);
    unsigned version = flags & 7;
    if (version > 1 || (flags & GRE_R)) {
        d->c->v[FSC_C_GRE_UNSUPPORTED]++;
        return FSC_EUNSUPPORTED;
    }
    size_t hlen = 4;
    if (flags & GRE_C)
        hlen += 4;
    if (flags & GRE_K)
        hlen += 4;
    if (flags & GRE_S)
        hlen += 4;
    if (version == 1 && (flags & GRE_A))
        hlen += 4;
    if (len < hlen) {
        d->c->v[FSC_C_GRE_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    buf += hlen;
    len -= hlen;
    switch (proto) {
    case 0x0800:
        return fsc_decode_ipv4(d, buf, len, pkt);
    case 0x86dd:
        return fsc_decode_ipv6(d, buf, len, pkt);
    case 0x6558: /* transparent Ethernet bridging */
        if (++pkt->depth > FSC_DECODE_MAX_DEPTH) {
            d->c->v[FSC_C_TUNNEL_TOO_DEEP]++;
            return FSC_ELIMIT;
        }
        return fsc_decode_eth(d, buf, len, pkt);
    case 0x880b: /* PPP, as PPTP carries it */
        return fsc_decode_ppp(d, buf, len, pkt);
    default:
        d->c->v[FSC_C_GRE_UNSUPPORTED]++;
        return FSC_EUNSUPPORTED;
    }
}
