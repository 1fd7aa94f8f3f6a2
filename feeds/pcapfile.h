/* pcapfile.h: the classic pcap file format, read straight from memory.
 *
 * The engine's fast path for capture files: the file is mapped and its
 * records are walked in place, so a frame handed to a worker thread is a
 * pointer into the mapping, not a copy (bench/traffic measured libpcap's
 * copying reader as the bound on replay throughput). pcapng and anything
 * else still goes through libpcap (capture.c falls back to it).
 *
 * File layout (all fields in the writer's byte order, told by the magic):
 *   offset size  global header
 *   0      4     magic 0xa1b2c3d4 (microseconds) or 0xa1b23c4d (nanoseconds)
 *   4      2+2   version major, minor (2.4)
 *   8      4+4   thiszone, sigfigs (unused)
 *   16     4     snaplen
 *   20     4     link type (DLT_*)
 *   then records:
 *   0      4     ts seconds
 *   4      4     ts micro- or nanoseconds
 *   8      4     captured length (bytes that follow)
 *   12     4     original length on the wire
 *   16     ...   the frame */
#ifndef FSC_PCAPFILE_H
#define FSC_PCAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "status.h"

#define FSC_PCAP_MAX_CAPLEN 262144 /* larger records are corrupt, not frames */

typedef struct fsc_pcapfile {
    bool swapped;   /* the writer's byte order is not ours */
    bool nanos;     /* timestamps in nanoseconds */
    int linktype;
    size_t off;     /* next record */
    size_t prefetched; /* bytes up to here are on their way to the cache */
} fsc_pcapfile;

/* Reads the global header of buf (len bytes). Returns FSC_OK and fills *f
 * (off at the first record), FSC_EUNSUPPORTED when the magic is not classic
 * pcap (try another reader), FSC_ETRUNC when the header is cut short. */
fsc_status fsc_pcapfile_open(const uint8_t *buf, size_t len, fsc_pcapfile *f);

/* The record at f->off: *data points into buf, *caplen bytes. Advances
 * f->off. Returns FSC_OK, FSC_EOF at the end, FSC_ETRUNC when the record is
 * cut short, FSC_EMALFORMED when its length is impossible (> the bound);
 * never reads past len. */
fsc_status fsc_pcapfile_next(const uint8_t *buf, size_t len, fsc_pcapfile *f, fsc_time *ts,
                             const uint8_t **data, size_t *caplen, size_t *wirelen);

#endif
