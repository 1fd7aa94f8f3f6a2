/* decode.c: the decoder object and the link-type table that starts each
 * frame's decoding. */
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

typedef fsc_status (*link_fn)(fsc_decoder *d, const uint8_t *buf, size_t len, fsc_packet *pkt);

/* One row per libpcap link type we follow; anything else is counted as
 * decode.linktype_unsupported. */
static const struct {
    int dlt;
    link_fn fn;
} link_types[] = {
    {FSC_DLT_EN10MB, fsc_decode_eth},
    {FSC_DLT_LINUX_SLL, fsc_decode_sll},
    {FSC_DLT_LINUX_SLL2, fsc_decode_sll2},
    {FSC_DLT_NULL, fsc_decode_null},
    {FSC_DLT_LOOP, fsc_decode_null},
    {FSC_DLT_RAW, fsc_decode_raw},
    {FSC_DLT_RAW_14, fsc_decode_raw},
    {FSC_DLT_RAW_101, fsc_decode_raw},
    {FSC_DLT_IPV4, fsc_decode_raw},
    {FSC_DLT_IPV6, fsc_decode_raw},
};

fsc_decoder *fsc_decoder_new(const fsc_decode_config *cfg, fsc_counters *counters)
{
    fsc_decoder *d = calloc(1, sizeof *d);
    if (!d)
        goto fail;
    d->c = counters;
    d->nslots = cfg && cfg->frag_slots ? cfg->frag_slots : 32;
    d->frag_timeout = cfg && cfg->frag_timeout ? cfg->frag_timeout : 30 * 1000000LL;
    d->slots = calloc(d->nslots, sizeof *d->slots);
    d->slab = malloc(d->nslots * (size_t)FSC_FRAG_MAX);
    if (!d->slots || !d->slab)
        goto fail;
    for (size_t i = 0; i < d->nslots; i++)
        d->slots[i].data = d->slab + i * (size_t)FSC_FRAG_MAX;
    return d;
fail:
    fsc_decoder_free(d);
    return NULL;
}

void fsc_decoder_free(fsc_decoder *d)
{
    if (!d)
        return;
    free(d->slab);
    free(d->slots);
    free(d);
}

fsc_counters *fsc_decoder_counters(fsc_decoder *d)
{
    return d->c;
}

fsc_status fsc_decode_frame(fsc_decoder *d, int linktype, fsc_time ts, const uint8_t *buf,
                            size_t len, fsc_packet *pkt)
{
    memset(pkt, 0, sizeof *pkt);
    d->now = ts;
    fsc_frag_housekeep(d);
    for (size_t i = 0; i < sizeof link_types / sizeof link_types[0]; i++)
        if (link_types[i].dlt == linktype)
            return link_types[i].fn(d, buf, len, pkt);
    d->c->v[FSC_C_LINKTYPE_UNSUPPORTED]++;
    return FSC_EUNSUPPORTED;
}
