/* decode_frag.c: IPv4 and IPv6 fragment reassembly in a fixed table.
 *
 * Each slot holds one datagram being rebuilt: a 64 KiB buffer (the most an
 * offset can address) and a bitmap of the 8-byte blocks received. Slots are
 * found by a linear scan: the table is small (tens of slots) and fragments
 * are rare, so a hash would buy nothing. Overlapping fragments overwrite
 * (last wins); RFC 5722 says to drop the datagram, but tshark keeps the
 * data, and we want what it shows. */
#include <string.h>

#include "decode_int.h"

static void slot_free(fsc_decoder *d, fsc_frag_slot *s)
{
    s->used = false;
    s->release = false;
    d->nused--;
}

void fsc_frag_housekeep(fsc_decoder *d)
{
    /* nothing held, or nothing released and even the oldest slot not yet
     * timed out: no slot would change */
    if (d->nused == 0 || (!d->release_pending && d->now - d->oldest <= d->frag_timeout))
        return;
    d->release_pending = false;
    for (size_t i = 0; i < d->nslots; i++) {
        fsc_frag_slot *s = &d->slots[i];
        if (!s->used)
            continue;
        if (s->release) {
            slot_free(d, s);
        } else if (d->now - s->first_seen > d->frag_timeout) {
            d->c->v[FSC_C_FRAG_TIMEOUT]++;
            slot_free(d, s);
        }
    }
    bool first = true;
    for (size_t i = 0; i < d->nslots && d->nused; i++) {
        const fsc_frag_slot *s = &d->slots[i];
        if (s->used && (first || s->first_seen < d->oldest)) {
            d->oldest = s->first_seen;
            first = false;
        }
    }
}

static bool map_get(const uint8_t *map, size_t i)
{
    return (map[i >> 3] >> (i & 7)) & 1;
}

static fsc_frag_slot *slot_find(fsc_decoder *d, uint8_t family, const fsc_addr *src,
                                const fsc_addr *dst, uint32_t id, uint8_t proto)
{
    fsc_frag_slot *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < d->nslots; i++) {
        fsc_frag_slot *s = &d->slots[i];
        if (!s->used) {
            if (!free_slot)
                free_slot = s;
            continue;
        }
        if (s->release)
            continue; /* still referenced by this frame's records */
        if (s->family == family && s->id == id && s->proto == proto &&
            fsc_addr_equal(&s->src, src) && fsc_addr_equal(&s->dst, dst))
            return s;
        if (!oldest || s->first_seen < oldest->first_seen)
            oldest = s;
    }
    fsc_frag_slot *s = free_slot;
    if (!s) {
        if (!oldest)
            return NULL;
        d->c->v[FSC_C_FRAG_TABLE_FULL]++;
        s = oldest;
    } else {
        d->nused++;
    }
    if (d->nused == 1 || d->now < d->oldest)
        d->oldest = d->now;
    s->used = true;
    s->release = false;
    s->family = family;
    s->id = id;
    s->proto = proto;
    s->src = *src;
    s->dst = *dst;
    s->first_seen = d->now;
    s->total = 0;
    memset(s->map, 0, sizeof s->map);
    return s;
}

fsc_status fsc_frag_add(fsc_decoder *d, uint8_t family, const fsc_addr *src,
                        const fsc_addr *dst, uint32_t id, uint8_t proto, uint32_t offset,
                        bool more, const uint8_t *data, size_t len, const uint8_t **out,
                        size_t *out_len)
{
    /* a non-final fragment must carry whole 8-byte blocks, and no fragment
     * may reach past what the offset field can address */
    if ((more && (len == 0 || len % 8 != 0)) || offset + len > FSC_FRAG_MAX) {
        d->c->v[FSC_C_FRAG_BAD]++;
        return FSC_EMALFORMED;
    }
    fsc_frag_slot *s = slot_find(d, family, src, dst, id, proto);
    if (!s) {
        d->c->v[FSC_C_FRAG_OVERFLOW]++;
        return FSC_ELIMIT;
    }
    uint32_t end = offset + (uint32_t)len;
    if (!more) {
        if (s->total && s->total != end) {
            d->c->v[FSC_C_FRAG_BAD]++;
            slot_free(d, s);
            return FSC_EMALFORMED;
        }
        s->total = end;
    } else if (s->total && end > s->total) {
        d->c->v[FSC_C_FRAG_BAD]++;
        slot_free(d, s);
        return FSC_EMALFORMED;
    }
    memcpy(s->data + offset, data, len);
    for (size_t b = offset / 8; b < (end + 7) / 8; b++)
        s->map[b >> 3] |= (uint8_t)(1u << (b & 7));
    if (!s->total)
        return FSC_EPARTIAL;
    for (size_t b = 0; b < (s->total + 7) / 8; b++)
        if (!map_get(s->map, b))
            return FSC_EPARTIAL;
    d->c->v[FSC_C_FRAG_REASSEMBLED]++;
    s->release = true;
    d->release_pending = true;
    *out = s->data;
    *out_len = s->total;
    return FSC_OK;
}
