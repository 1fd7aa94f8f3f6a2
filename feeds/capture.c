/* capture.c: reading capture files with libpcap. */
#include "capture.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapfile.h"

struct fsc_capture {
    /* fast path: a classic pcap file, mapped and walked in place */
    const uint8_t *map;
    size_t maplen;
    fsc_pcapfile pf;
    /* otherwise libpcap (pcapng, anything else it reads) */
    pcap_t *pcap;
    FILE *file;       /* ours, so we can give libpcap a large buffer */
    char *iobuf;
    uint64_t size;
    uint64_t frames;
};

/* libpcap's stdio reads in BUFSIZ pieces by default; a 1 MiB buffer halves
 * the syscalls on big files (measured in bench/). */
#define CAPTURE_IOBUF (1u << 20)

/* Maps a classic pcap file. Returns 1 when c now reads from the mapping, 0
 * when the file is something else for libpcap to try (pcapng, garbage: its
 * message is better than ours), -1 on an error already written to err. */
static int open_mapped(fsc_capture *c, const char *path, int fd, size_t size, char *err,
                       size_t errcap)
{
    if (size < 24)
        return 0;
    void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return 0; /* libpcap reads it the slow way */
    fsc_status st = fsc_pcapfile_open(m, size, &c->pf);
    if (st != FSC_OK) {
        munmap(m, size);
        if (st == FSC_EUNSUPPORTED)
            return 0;
        snprintf(err, errcap, "%s: truncated pcap file header", path);
        return -1;
    }
    /* two pieces of advice, two calls: the values are not flags (their OR
     * was MADV_WILLNEED alone) */
    madvise(m, size, MADV_SEQUENTIAL);
    madvise(m, size, MADV_WILLNEED);
    c->map = m;
    c->maplen = size;
    return 1;
}

fsc_capture *fsc_capture_open(const char *path, char *err, size_t errcap)
{
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    fsc_capture *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    c->file = fopen(path, "rb");
    if (!c->file) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(fileno(c->file), &st) == 0 && S_ISREG(st.st_mode)) {
        c->size = (uint64_t)st.st_size;
        int m = open_mapped(c, path, fileno(c->file), (size_t)st.st_size, err, errcap);
        if (m < 0)
            goto fail;
        if (m > 0) {
            fclose(c->file);
            c->file = NULL;
            return c;
        }
    }
    c->iobuf = malloc(CAPTURE_IOBUF);
    if (c->iobuf)
        setvbuf(c->file, c->iobuf, _IOFBF, CAPTURE_IOBUF);
    c->pcap = pcap_fopen_offline_with_tstamp_precision(c->file, PCAP_TSTAMP_PRECISION_MICRO,
                                                       pcap_err);
    if (!c->pcap) {
        snprintf(err, errcap, "%s: %s", path, pcap_err);
        goto fail;
    }
    c->file = NULL; /* pcap_close closes it now */
    return c;
fail:
    if (c->file)
        fclose(c->file);
    free(c->iobuf);
    free(c);
    return NULL;
}

void fsc_capture_close(fsc_capture *c)
{
    if (!c)
        return;
    if (c->map)
        munmap((void *)c->map, c->maplen);
    if (c->pcap)
        pcap_close(c->pcap);
    free(c->iobuf);
    free(c);
}

int fsc_capture_linktype(const fsc_capture *c)
{
    return c->map ? c->pf.linktype : pcap_datalink(c->pcap);
}

bool fsc_capture_stable(const fsc_capture *c)
{
    return c->map != NULL;
}

uint64_t fsc_capture_offset(const fsc_capture *c)
{
    if (c->map)
        return c->pf.off;
    FILE *f = pcap_file(c->pcap);
    long off = f ? ftell(f) : -1;
    return off > 0 ? (uint64_t)off : 0;
}

uint64_t fsc_capture_size(const fsc_capture *c)
{
    return c->size;
}

fsc_status fsc_capture_next(fsc_capture *c, fsc_frame *out, char *err, size_t errcap)
{
    if (c->map) {
        fsc_status st = fsc_pcapfile_next(c->map, c->maplen, &c->pf, &out->ts, &out->data,
                                          &out->caplen, &out->wirelen);
        if (st == FSC_OK) {
            out->number = ++c->frames;
            return FSC_OK;
        }
        if (st != FSC_EOF)
            snprintf(err, errcap, "after frame %llu: %s", (unsigned long long)c->frames,
                     st == FSC_ETRUNC ? "truncated dump file; the last record is cut short"
                                      : "a record claims an impossible length: file damaged");
        return st;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(c->pcap, &h, &data);
    if (rc == 1) {
        c->frames++;
        out->number = c->frames;
        out->ts = (fsc_time)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        out->caplen = h->caplen;
        out->wirelen = h->len;
        out->data = data;
        return FSC_OK;
    }
    if (rc == PCAP_ERROR_BREAK)
        return FSC_EOF;
    const char *msg = pcap_geterr(c->pcap);
    snprintf(err, errcap, "after frame %llu: %s", (unsigned long long)c->frames,
             msg && *msg ? msg : "read error");
    return strstr(msg ? msg : "", "truncated") ? FSC_ETRUNC : FSC_EIO;
}
