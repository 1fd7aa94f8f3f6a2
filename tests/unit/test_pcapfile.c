/* test_pcapfile.c: the in-place pcap walker against the bundled sample
 * (which libpcap also reads: the two must agree frame by frame), both byte
 * orders, nanosecond files, and every truncation of a small file. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "pcapfile.h"
#include "unit.h"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void agree_with_libpcap(const char *path)
{
    size_t len;
    uint8_t *buf = slurp(path, &len);
    CHECK(buf != NULL, "read %s", path);
    if (!buf)
        return;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    fsc_pcapfile f;
    CHECK(fsc_pcapfile_open(buf, len, &f) == FSC_OK && f.linktype == pcap_datalink(p),
          "header: linktype %d", f.linktype);
    struct pcap_pkthdr *h;
    const u_char *d;
    size_t frames = 0, bad = 0;
    fsc_time ts;
    const uint8_t *data;
    size_t caplen, wirelen;
    while (pcap_next_ex(p, &h, &d) == 1) {
        frames++;
        if (fsc_pcapfile_next(buf, len, &f, &ts, &data, &caplen, &wirelen) != FSC_OK ||
            caplen != h->caplen || wirelen != h->len || memcmp(data, d, caplen) != 0 ||
            ts != (fsc_time)h->ts.tv_sec * 1000000 + h->ts.tv_usec)
            bad++;
    }
    CHECK(frames > 0 && bad == 0, "%s: %zu frames, %zu differ from libpcap", path, frames, bad);
    CHECK(fsc_pcapfile_next(buf, len, &f, &ts, &data, &caplen, &wirelen) == FSC_EOF,
          "then end of file");
    pcap_close(p);
    free(buf);
}

int main(int argc, char **argv)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/feeds/sample/traffic.pcap", argc > 1 ? argv[1] : "..");
    agree_with_libpcap(path);

    /* a two-record file written by hand, then in the other byte order and
     * with nanoseconds */
    uint8_t le[24 + 16 + 4 + 16 + 2] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
    le[16] = 0xff; le[17] = 0xff;           /* snaplen */
    le[20] = 1;                             /* Ethernet */
    le[24] = 10; le[28] = 7; le[32] = 4; le[36] = 60;  /* ts 10.000007, 4 of 60 bytes */
    memcpy(le + 40, "abcd", 4);
    le[44] = 11; le[52] = 2; le[56] = 2;
    memcpy(le + 60, "ef", 2);
    fsc_pcapfile f;
    fsc_time ts;
    const uint8_t *d;
    size_t cl, wl;
    CHECK(fsc_pcapfile_open(le, sizeof le, &f) == FSC_OK && !f.swapped && !f.nanos &&
              f.linktype == 1, "little-endian header");
    CHECK(fsc_pcapfile_next(le, sizeof le, &f, &ts, &d, &cl, &wl) == FSC_OK && cl == 4 &&
              wl == 60 && ts == 10000007 && memcmp(d, "abcd", 4) == 0, "first record");
    CHECK(fsc_pcapfile_next(le, sizeof le, &f, &ts, &d, &cl, &wl) == FSC_OK && cl == 2 &&
              ts == 11000000, "second record");
    CHECK(fsc_pcapfile_next(le, sizeof le, &f, &ts, &d, &cl, &wl) == FSC_EOF, "end");

    /* every cut of the file: header cut -> ETRUNC at open, record cut ->
     * ETRUNC, never a read past the cut (ASan watches the exact-size copy) */
    for (size_t n = 0; n < sizeof le; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, le, n);
        fsc_status st = fsc_pcapfile_open(cut, n, &f);
        size_t recs = 0;
        fsc_status last = st;
        while (st == FSC_OK &&
               (last = fsc_pcapfile_next(cut, n, &f, &ts, &d, &cl, &wl)) == FSC_OK)
            recs++;
        bool want_ok = n == 24 || n == 44 || n == 62;
        CHECK(want_ok ? last == FSC_EOF || (n == 24 && last == FSC_EOF)
                      : (st == FSC_EUNSUPPORTED ? n == 0 : last == FSC_ETRUNC || st == FSC_ETRUNC),
              "cut at %zu: %s after %zu records", n, fsc_status_name(last), recs);
        free(cut);
    }

    /* big-endian, nanoseconds */
    uint8_t be[24 + 16 + 1] = {0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4};
    be[23] = 1;
    be[27] = 5;                                  /* ts 5 s */
    be[28] = 0x00; be[29] = 0x0f; be[30] = 0x42; be[31] = 0x40; /* 1,000,000 ns */
    be[35] = 1; be[39] = 1;
    be[40] = 'x';
    CHECK(fsc_pcapfile_open(be, sizeof be, &f) == FSC_OK && f.swapped && f.nanos &&
              f.linktype == 1, "big-endian nanosecond header");
    CHECK(fsc_pcapfile_next(be, sizeof be, &f, &ts, &d, &cl, &wl) == FSC_OK &&
              ts == 5001000 && cl == 1 && d[0] == 'x', "nanoseconds become microseconds");

    /* an impossible length is damage, not a frame */
    be[32] = 0x7f;
    f.off = 24;
    CHECK(fsc_pcapfile_next(be, sizeof be, &f, &ts, &d, &cl, &wl) == FSC_EMALFORMED,
          "a 2 GB record is refused");
    return unit_done();
}
