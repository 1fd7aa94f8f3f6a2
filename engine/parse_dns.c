/* parse_dns.c: DNS query names (RFC 1035 4.1), for the dns.query field. */
#include <string.h>

#include "parse.h"

fsc_status fsc_dns_read_name(const uint8_t *msg, size_t len, size_t *off, char *out,
                             size_t *out_len, fsc_counter_id *anomaly)
{
    size_t pos = *off;
    size_t after = 0;      /* where the name ends in place; 0 until a pointer */
    size_t wire = 0;       /* wire length so far, for the 255-byte bound */
    size_t n = 0;          /* bytes written to out */
    /* each pointer must point strictly before the previous jump's target,
     * so the walk always ends: no loop can be built */
    size_t limit = pos;
    for (;;) {
        if (pos >= len) {
            *anomaly = FSC_C_DNS_MALFORMED;
            return FSC_ETRUNC;
        }
        uint8_t b = msg[pos];
        if ((b & 0xc0) == 0xc0) {
            if (pos + 1 >= len) {
                *anomaly = FSC_C_DNS_MALFORMED;
                return FSC_ETRUNC;
            }
            size_t target = (size_t)(b & 0x3f) << 8 | msg[pos + 1];
            if (!after)
                after = pos + 2;
            if (target >= limit) {
                *anomaly = FSC_C_DNS_NAME_LOOP;
                return FSC_EMALFORMED;
            }
            limit = target;
            pos = target;
            continue;
        }
        if (b & 0xc0) {
            /* 0x40/0x80: extended label types (RFC 6891 dropped them) */
            *anomaly = FSC_C_DNS_MALFORMED;
            return FSC_EMALFORMED;
        }
        wire += (size_t)b + 1;
        if (wire > FSC_DNS_NAME_MAX) {
            *anomaly = FSC_C_DNS_NAME_TOO_LONG;
            return FSC_ELIMIT;
        }
        if (b == 0) {
            pos++;
            break;
        }
        if (pos + 1 + b > len) {
            *anomaly = FSC_C_DNS_MALFORMED;
            return FSC_ETRUNC;
        }
        if (n)
            out[n++] = '.';
        for (size_t i = 0; i < b; i++) {
            uint8_t c = msg[pos + 1 + i];
            out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
        pos += 1 + (size_t)b;
    }
    /* wire <= 255 bounds n to 254: labels plus dots never exceed it */
    out[n] = '\0';
    *out_len = n;
    *off = after ? after : pos;
    return FSC_OK;
}

fsc_status fsc_dns_parse(const uint8_t *buf, size_t len, fsc_dns_query *q)
{
    q->is_response = false;
    q->nquestions = 0;
    q->anomaly = FSC_C_DNS_MALFORMED;
    if (len < 12)
        return FSC_ETRUNC;
    uint16_t flags = fsc_be16(buf + 2);
    if (flags & 0x8000) {
        q->is_response = true;
        return FSC_OK;
    }
    unsigned qdcount = fsc_be16(buf + 4);
    size_t off = 12;
    for (unsigned i = 0; i < qdcount; i++) {
        if (i == FSC_DNS_MAX_QUESTIONS) {
            q->anomaly = FSC_C_DNS_TOO_MANY_QUESTIONS;
            return FSC_ELIMIT;
        }
        size_t nlen;
        fsc_status st = fsc_dns_read_name(buf, len, &off, q->names[i], &nlen, &q->anomaly);
        if (st != FSC_OK)
            return st;
        if (len - off < 4) {
            q->anomaly = FSC_C_DNS_MALFORMED;
            return FSC_ETRUNC;
        }
        q->qtype[i] = fsc_be16(buf + off);
        q->name_len[i] = (uint16_t)nlen;
        off += 4;
        q->nquestions = i + 1;
    }
    return FSC_OK;
}
