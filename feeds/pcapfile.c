/* pcapfile.c: classic pcap records walked in place (see pcapfile.h). */
#include "pcapfile.h"

#include <string.h>

#define PREFETCH_AHEAD 16384

static uint32_t rd32(const uint8_t *p, bool swapped)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

fsc_status fsc_pcapfile_open(const uint8_t *buf, size_t len, fsc_pcapfile *f)
{
    if (len < 4)
        return len == 0 ? FSC_EUNSUPPORTED : FSC_ETRUNC;
    uint32_t magic;
    memcpy(&magic, buf, 4);
    memset(f, 0, sizeof *f);
    switch (magic) {
    case 0xa1b2c3d4: break;
    case 0xa1b23c4d: f->nanos = true; break;
    case 0xd4c3b2a1: f->swapped = true; break;
    case 0x4d3cb2a1: f->swapped = f->nanos = true; break;
    default: return FSC_EUNSUPPORTED;
    }
    if (len < 24)
        return FSC_ETRUNC;
    f->linktype = (int)(rd32(buf + 20, f->swapped) & 0x0fffffff); /* high bits: FCS info */
    f->off = 24;
    return FSC_OK;
}

fsc_status fsc_pcapfile_next(const uint8_t *buf, size_t len, fsc_pcapfile *f, fsc_time *ts,
                             const uint8_t **data, size_t *caplen, size_t *wirelen)
{
    if (f->off >= len)
        return FSC_EOF;
    if (len - f->off < 16)
        return FSC_ETRUNC;
    const uint8_t *h = buf + f->off;
    uint32_t sec = rd32(h, f->swapped), frac = rd32(h + 4, f->swapped);
    uint32_t incl = rd32(h + 8, f->swapped), orig = rd32(h + 12, f->swapped);
    if (incl > FSC_PCAP_MAX_CAPLEN)
        return FSC_EMALFORMED;
    if (len - f->off - 16 < incl)
        return FSC_ETRUNC;
    *ts = (fsc_time)sec * 1000000 + (f->nanos ? frac / 1000 : frac);
    *data = h + 16;
    *caplen = incl;
    *wirelen = orig;
    f->off += 16 + (size_t)incl;
    /* Records are read in file order, so the bytes ahead are wanted soon:
     * keep the cache lines up to PREFETCH_AHEAD bytes past this record on
     * their way, so memory latency overlaps the frames' work (without it,
     * the first touch of each record was 44% of replay time on a 1 GB
     * capture: the reader that copies with read() streams, we must too). */
    size_t want = f->off + PREFETCH_AHEAD < len ? f->off + PREFETCH_AHEAD : len;
    if (f->prefetched < f->off)
        f->prefetched = f->off;
    for (; f->prefetched < want; f->prefetched += 64)
        __builtin_prefetch(buf + f->prefetched);
    return FSC_OK;
}
