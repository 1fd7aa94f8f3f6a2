/* capture.h: packets from a capture file (pcap or pcapng) through libpcap.
 *
 * Classic pcap files are mapped and walked in place (pcapfile.h); pcapng and
 * the rest go through libpcap. Frames are numbered from 1 as Wireshark does,
 * and errors become statuses with the frame where they happened.
 * A file that ends in the middle of a record is reported as truncated after
 * the last whole frame: everything before it is still delivered. */
#ifndef FSC_CAPTURE_H
#define FSC_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "status.h"

typedef struct fsc_capture fsc_capture;

typedef struct fsc_frame {
    uint64_t number;     /* 1-based */
    fsc_time ts;
    size_t caplen;       /* bytes captured, what data holds */
    size_t wirelen;      /* bytes on the wire */
    const uint8_t *data; /* owned by the capture; valid until the next read */
} fsc_frame;

/* Opens a capture file. On failure returns NULL and writes libpcap's reason
 * into err (errcap bytes). Close with fsc_capture_close(). */
fsc_capture *fsc_capture_open(const char *path, char *err, size_t errcap);
void fsc_capture_close(fsc_capture *c);

/* True when frames' data stay valid until the capture is closed (the file
 * is mapped), not just until the next read: a caller may then hand the
 * pointers to other threads without copying. */
bool fsc_capture_stable(const fsc_capture *c);

/* libpcap's link type (DLT_*) of the file. */
int fsc_capture_linktype(const fsc_capture *c);
/* Bytes of the file read so far and its total size (0 when unknown), for
 * progress display. */
uint64_t fsc_capture_offset(const fsc_capture *c);
uint64_t fsc_capture_size(const fsc_capture *c);

/* Reads the next frame. Returns FSC_OK, FSC_EOF at the end, or FSC_ETRUNC /
 * FSC_EIO with libpcap's message in err when the file is damaged (the
 * capture cannot continue after that). */
fsc_status fsc_capture_next(fsc_capture *c, fsc_frame *out, char *err, size_t errcap);

#endif
