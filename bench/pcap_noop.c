/* pcap_noop.c: the limit: libpcap reading a capture and doing nothing.
 *
 * The same reader loop the engine uses (pcap_next_ex over a FILE with a
 * 1 MiB stdio buffer), counting frames and bytes. bench/traffic compares
 * the engine's frames/s with this, measured in the same run. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CAPTURE\n", argv[0]);
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    pcap_t *p = pcap_fopen_offline(f, err);
    if (!p) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct pcap_pkthdr *h;
    const u_char *d;
    unsigned long long n = 0, bytes = 0, sum = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        n++;
        bytes += h->caplen;
        sum += d[0]; /* touch the frame, as any reader must */
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("frames %llu bytes %llu seconds %.3f frames/s %.0f (check %llu)\n", n, bytes, s,
           (double)n / s, sum & 1);
    pcap_close(p);
    return 0;
}
