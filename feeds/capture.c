/* capture.c: reading capture files with libpcap. */
#include "capture.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

struct fsc_capture {
    pcap_t *pcap;
    FILE *file;       /* ours, so we can give libpcap a large buffer */
    char *iobuf;
    uint64_t size;
    uint64_t frames;
};

/* libpcap's stdio reads in BUFSIZ pieces by default; a 1 MiB buffer halves
 * the syscalls on big files (measured in bench/). */
#define CAPTURE_IOBUF (1u << 20)

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
    c->iobuf = malloc(CAPTURE_IOBUF);
    if (c->iobuf)
        setvbuf(c->file, c->iobuf, _IOFBF, CAPTURE_IOBUF);
    struct stat st;
    if (fstat(fileno(c->file), &st) == 0 && S_ISREG(st.st_mode))
        c->size = (uint64_t)st.st_size;
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
    if (c->pcap)
        pcap_close(c->pcap);
    free(c->iobuf);
    free(c);
}

int fsc_capture_linktype(const fsc_capture *c)
{
    return pcap_datalink(c->pcap);
}

uint64_t fsc_capture_offset(const fsc_capture *c)
{
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
