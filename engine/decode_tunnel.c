/* decode_tunnel.c: tunnels that carry a whole packet or frame: MPLS (by
 * ethertype), and the UDP encapsulations VXLAN, Geneve and GTP-U (by
 * destination port, see fsc_decode_udp). Each one checks its own header and
 * hands the inner bytes to the layer they name; every level counts towards
 * FSC_DECODE_MAX_DEPTH. */
#include "decode_int.h"

/* Labels walked before giving up: real stacks hold 2 or 3. */
#define MPLS_MAX_LABELS 8
/* GTP-U extension headers walked before giving up: real ones carry 1 or 2
 * (PDU session container, PDCP number). */
#define GTPU_MAX_EXT 8

static fsc_status deeper(fsc_decoder *d, fsc_packet *pkt)
{
    if (++pkt->depth > FSC_DECODE_MAX_DEPTH) {
        d->c->v[FSC_C_TUNNEL_TOO_DEEP]++;
        return FSC_ELIMIT;
    }
    return FSC_OK;
}

static bool ip_ethertype(uint16_t t)
{
    return t == 0x0800 || t == 0x86dd || t == 0x8100 || t == 0x88a8 || t == 0x8847;
}

/* MPLS label stack entry (RFC 3032): label(20) TC(3) S(1) TTL(8), 4 bytes
 * each, until S (bottom of stack). What follows carries no type: the first
 * nibble guesses it: 4 IPv4, 6 IPv6, 0 an Ethernet pseudowire (RFC 4448),
 * with the 4-byte control word of RFC 4385 (all zero in its first nibble)
 * when an IP ethertype sits where the frame after it would hold one, else
 * without (a MAC address may start with a 0 nibble too; Wireshark 4.0 only
 * knows this second form). */
fsc_status fsc_decode_mpls(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    fsc_status st = deeper(d, pkt);
    if (st != FSC_OK)
        return st;
    for (unsigned n = 0;; n++) {
        if (n == MPLS_MAX_LABELS) {
            d->c->v[FSC_C_TUNNEL_TOO_DEEP]++;
            return FSC_ELIMIT;
        }
        if (len < 4) {
            d->c->v[FSC_C_MPLS_TRUNCATED]++;
            return FSC_ETRUNC;
        }
        bool bottom = (buf[2] & 1) != 0;
        buf += 4;
        len -= 4;
        if (bottom)
            break;
    }
    if (len < 1) {
        d->c->v[FSC_C_MPLS_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    switch (buf[0] >> 4) {
    case 4:
        return fsc_decode_ipv4(d, buf, len, pkt);
    case 6:
        return fsc_decode_ipv6(d, buf, len, pkt);
    case 0:
        if (len >= 4 + 14 && ip_ethertype(fsc_be16(buf + 4 + 12)))
            return fsc_decode_eth(d, buf + 4, len - 4, pkt);
        return fsc_decode_eth(d, buf, len, pkt);
    default:
        d->c->v[FSC_C_MPLS_PAYLOAD_OTHER]++;
        return FSC_EUNSUPPORTED;
    }
}

/* VXLAN (RFC 7348), 8 bytes: 0 flags (0x08: VNI valid)  1 reserved(3)
 *   4 VNI(3)  7 reserved; an Ethernet frame follows. */
fsc_status fsc_decode_vxlan(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    fsc_status st = deeper(d, pkt);
    if (st != FSC_OK)
        return st;
    if (len < 8) {
        d->c->v[FSC_C_VXLAN_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    return fsc_decode_eth(d, buf + 8, len - 8, pkt);
}

/* Geneve (RFC 8926): 0 version(2 bits, 0)/options length(6 bits, 4-byte
 *   units)  1 O/C flags  2 protocol type (an ethertype; 0x6558: Ethernet)
 *   4 VNI(3)  7 reserved  8 options. */
fsc_status fsc_decode_geneve(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    fsc_status st = deeper(d, pkt);
    if (st != FSC_OK)
        return st;
    if (len < 8) {
        d->c->v[FSC_C_GENEVE_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    if (buf[0] >> 6 != 0) {
        d->c->v[FSC_C_GENEVE_UNSUPPORTED]++;
        return FSC_EUNSUPPORTED;
    }
    size_t hlen = 8 + (size_t)(buf[0] & 0x3f) * 4;
    if (len < hlen) {
        d->c->v[FSC_C_GENEVE_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    uint16_t proto = fsc_be16(buf + 2);
    if (proto == 0x6558)
        return fsc_decode_eth(d, buf + hlen, len - hlen, pkt);
    return fsc_decode_ethertype(d, proto, buf + hlen, len - hlen, pkt);
}

/* GTP-U (3GPP TS 29.281 5.1): 0 flags: version(3 bits, 1) PT(1) spare E S PN
 *   1 message type (255: G-PDU, a user packet)  2 length (bytes after these
 *   first 8)  4 TEID  8 when E, S or PN is set: sequence(2) N-PDU(1) next
 *   extension type(1)  12 extension headers: length(1, in 4-byte units,
 *   counting itself) content next type(1, the header's last byte), until a
 *   next type 0. The user packet is IPv4 or IPv6 by its version nibble. */
fsc_status fsc_decode_gtpu(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt)
{
    fsc_status st = deeper(d, pkt);
    if (st != FSC_OK)
        return st;
    if (len < 8) {
        d->c->v[FSC_C_GTPU_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    uint8_t flags = buf[0];
    if (flags >> 5 != 1 || !(flags & 0x10)) {
        d->c->v[FSC_C_GTPU_MALFORMED]++;
        return FSC_EMALFORMED;
    }
    if (buf[1] != 255) {
        /* echo, error indication, end marker: signalling, no user packet */
        d->c->v[FSC_C_GTPU_NOT_GPDU]++;
        return FSC_EUNSUPPORTED;
    }
    size_t glen = fsc_be16(buf + 2);
    if (glen + 8 < len)
        len = glen + 8; /* the length field, not the datagram, ends the PDU */
    size_t off = 8;
    if (flags & 0x07) {
        if (len < 12) {
            d->c->v[FSC_C_GTPU_TRUNCATED]++;
            return FSC_ETRUNC;
        }
        uint8_t next = (flags & 0x04) ? buf[11] : 0;
        off = 12;
        for (unsigned n = 0; next != 0; n++) {
            if (n == GTPU_MAX_EXT) {
                d->c->v[FSC_C_GTPU_MALFORMED]++;
                return FSC_ELIMIT;
            }
            if (len - off < 1) {
                d->c->v[FSC_C_GTPU_TRUNCATED]++;
                return FSC_ETRUNC;
            }
            size_t elen = (size_t)buf[off] * 4;
            if (elen == 0) {
                d->c->v[FSC_C_GTPU_MALFORMED]++;
                return FSC_EMALFORMED;
            }
            if (len - off < elen) {
                d->c->v[FSC_C_GTPU_TRUNCATED]++;
                return FSC_ETRUNC;
            }
            next = buf[off + elen - 1];
            off += elen;
        }
    }
    if (len - off < 1) {
        d->c->v[FSC_C_GTPU_TRUNCATED]++;
        return FSC_ETRUNC;
    }
    switch (buf[off] >> 4) {
    case 4:
        return fsc_decode_ipv4(d, buf + off, len - off, pkt);
    case 6:
        return fsc_decode_ipv6(d, buf + off, len - off, pkt);
    default:
        d->c->v[FSC_C_GTPU_MALFORMED]++;
        return FSC_EUNSUPPORTED;
    }
}
