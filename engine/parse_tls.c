/* parse_tls.c: the server name of a TLS ClientHello (tls.sni), and where
 * the lists the fingerprints read (ja.c) lie in it. */
#include <string.h>

#include "parse.h"

bool fsc_tls_looks_like_handshake(const uint8_t *buf, size_t len)
{
    /* type 22, major version 3, a minor version SSL 3.0 .. TLS 1.3 */
    return len >= 3 && buf[0] == 0x16 && buf[1] == 0x03 && buf[2] <= 0x04;
}

/* Reads the ClientHello body (after the 4-byte handshake header). */
static fsc_status parse_body(const uint8_t *b, size_t n, fsc_tls_hello *out)
{
    size_t off = 34; /* client_version(2) random(32) */
    if (n < off + 1)
        return FSC_EMALFORMED;
    out->version = fsc_be16(b);
    size_t sid = b[off];
    if (sid > 32 || n - off - 1 < sid)
        return FSC_EMALFORMED;
    off += 1 + sid;
    if (n - off < 2)
        return FSC_EMALFORMED;
    size_t cs = fsc_be16(b + off);
    if (n - off - 2 < cs)
        return FSC_EMALFORMED;
    out->ciphers = b + off + 2;
    out->ciphers_len = cs & ~(size_t)1;
    off += 2 + cs;
    if (n - off < 1)
        return FSC_EMALFORMED;
    size_t comp = b[off];
    if (n - off - 1 < comp)
        return FSC_EMALFORMED;
    off += 1 + comp;
    if (off == n)
        return FSC_OK; /* no extensions: no SNI (RFC 5246 7.4.1.2 allows it) */
    if (n - off < 2)
        return FSC_EMALFORMED;
    size_t elen = fsc_be16(b + off);
    off += 2;
    if (n - off < elen)
        return FSC_EMALFORMED;
    size_t end = off + elen;
    out->exts = b + off;
    while (end - off >= 4) {
        uint16_t type = fsc_be16(b + off);
        size_t len = fsc_be16(b + off + 2);
        if (end - off - 4 < len) {
            /* the fingerprints see the extensions that lie within; the
             * name, when it came before, is still good */
            return out->sni ? FSC_OK : FSC_EMALFORMED;
        }
        off += 4;
        out->exts_len = off + len - (size_t)(out->exts - b);
        if (type == 0 && !out->sni) {
            /* server_name: list<2> of name_type(1) name<2> */
            const uint8_t *e = b + off;
            if (len < 2)
                return FSC_EMALFORMED;
            size_t llen = fsc_be16(e);
            if (llen > len - 2)
                return FSC_EMALFORMED;
            size_t p = 2, lend = 2 + llen;
            while (lend - p >= 3) {
                uint8_t nt = e[p];
                size_t hl = fsc_be16(e + p + 1);
                p += 3;
                if (lend - p < hl)
                    return FSC_EMALFORMED;
                if (nt == 0 && hl > 0) {
                    out->sni = (const char *)(e + p);
                    out->sni_len = hl;
                    break;
                }
                p += hl;
            }
        }
        off += len;
    }
    return FSC_OK;
}

static void hello_reset(fsc_tls_hello *out)
{
    memset(out, 0, sizeof *out);
    out->anomaly = FSC_C_TLS_MALFORMED;
}

fsc_status fsc_tls_parse_handshake(const uint8_t *buf, size_t len, fsc_tls_hello *out)
{
    hello_reset(out);
    if (len >= 1 && buf[0] != 1)
        return FSC_EUNSUPPORTED;
    if (len < 4)
        return FSC_EPARTIAL;
    size_t hlen = (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
    if (len - 4 < hlen)
        return FSC_EPARTIAL;
    out->consumed = 4 + hlen;
    return parse_body(buf + 4, hlen, out);
}

fsc_status fsc_tls_parse_client_hello(const uint8_t *buf, size_t len, uint8_t *scratch,
                                      size_t scratch_len, fsc_tls_hello *out)
{
    hello_reset(out);
    /* judge the bytes we have before asking for more */
    if ((len >= 1 && buf[0] != 0x16) || (len >= 2 && buf[1] != 0x03) ||
        (len >= 3 && buf[2] > 0x04))
        return FSC_EUNSUPPORTED;
    if (len < 5)
        return FSC_EPARTIAL;
    size_t rlen = fsc_be16(buf + 3);
    if (rlen == 0 || rlen > FSC_TLS_RECORD_MAX)
        return FSC_EMALFORMED;
    size_t avail = len - 5 < rlen ? len - 5 : rlen;
    if (avail >= 1 && buf[5] != 1)
        return FSC_EUNSUPPORTED; /* a handshake, but not a ClientHello */
    if (avail < 4)
        return rlen < 4 && avail == rlen ? FSC_EMALFORMED : FSC_EPARTIAL;
    size_t hlen = (size_t)buf[6] << 16 | (size_t)buf[7] << 8 | buf[8];
    if (4 + hlen <= avail) {
        /* the usual case: the whole message sits in the first record */
        out->consumed = 5 + rlen;
        fsc_status st = parse_body(buf + 9, hlen, out);
        return st;
    }
    if (4 + hlen <= rlen) {
        if (avail < rlen)
            return FSC_EPARTIAL;
        return FSC_EMALFORMED;
    }
    /* the message continues in the following records: join the fragments */
    if (4 + hlen > scratch_len) {
        out->anomaly = FSC_C_TLS_TOO_LARGE;
        return FSC_ELIMIT;
    }
    size_t have = 0, need = 4 + hlen, off = 0;
    while (have < need) {
        if (len - off < 5)
            return FSC_EPARTIAL;
        if (buf[off] != 0x16 || buf[off + 1] != 0x03)
            return FSC_EMALFORMED; /* another content type mid-message */
        size_t rl = fsc_be16(buf + off + 3);
        if (rl == 0 || rl > FSC_TLS_RECORD_MAX)
            return FSC_EMALFORMED;
        size_t a = len - off - 5 < rl ? len - off - 5 : rl;
        size_t take = need - have < a ? need - have : a;
        memcpy(scratch + have, buf + off + 5, take);
        have += take;
        if (have < need && a < rl)
            return FSC_EPARTIAL;
        off += 5 + rl;
    }
    out->consumed = off < len ? off : len;
    return parse_body(scratch + 4, hlen, out);
}
