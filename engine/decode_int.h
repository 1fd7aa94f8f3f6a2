/* decode_int.h: what the decode_*.c files share and nobody else needs: the
 * decoder's state and the IP fragment reassembly table. */
#ifndef FSC_DECODE_INT_H
#define FSC_DECODE_INT_H

#include "decode.h"
#include "parse.h"

/* Largest IP datagram: the fragment offset field cannot address more. */
#define FSC_FRAG_MAX 65535u
/* One bit per 8-byte fragment block of a datagram. */
#define FSC_FRAG_MAP_BYTES ((FSC_FRAG_MAX / 8 + 1 + 7) / 8)

typedef struct fsc_frag_slot {
    bool used;
    bool release;        /* reassembled for the current frame: freed at the
                          * start of the next, so records may point into it */
    uint8_t family;      /* 4 or 6 */
    uint8_t proto;       /* protocol of the reassembled payload */
    uint32_t id;         /* IPv4 id (16 bits) or IPv6 fragment id */
    fsc_addr src, dst;
    fsc_time first_seen;
    uint32_t total;      /* payload length, known once the last fragment came */
    uint8_t *data;       /* FSC_FRAG_MAX bytes */
    uint8_t map[FSC_FRAG_MAP_BYTES];
} fsc_frag_slot;

struct fsc_decoder {
    fsc_counters *c;
    fsc_time now;        /* timestamp of the frame being decoded */
    fsc_time frag_timeout;
    size_t nslots;
    fsc_frag_slot *slots;
    uint8_t *slab;       /* one allocation holding every slot's data */
    /* fsc_frag_housekeep() runs for every frame, and fragments are rare: these
     * let it return without walking the slots (each on cache lines of its
     * own) when no slot can be due. */
    size_t nused;        /* slots with used set */
    bool release_pending; /* a slot was reassembled since the last walk */
    fsc_time oldest;     /* at most the earliest first_seen of a used slot */
};

/* Adds one fragment (payload bytes only, at byte `offset` of the datagram;
 * `more` is the MF flag). Returns FSC_OK and points *out and *out_len at the
 * whole datagram payload when this fragment completed it, FSC_EPARTIAL when
 * it was stored and more are needed, FSC_EMALFORMED (counted) for a fragment
 * that cannot belong to a valid datagram. */
fsc_status fsc_frag_add(fsc_decoder *d, uint8_t family, const fsc_addr *src,
                        const fsc_addr *dst, uint32_t id, uint8_t proto, uint32_t offset,
                        bool more, const uint8_t *data, size_t len, const uint8_t **out,
                        size_t *out_len);
/* Frees the slots reassembled for the previous frame and those that timed out. */
void fsc_frag_housekeep(fsc_decoder *d);

#endif
