/* cmd_extract.c: `fraudscan extract CAPTURE...`, what the engine sees.
 *
 * One line per extracted value, tab-separated:
 *   frame  src_ip  dst_ip  field  value
 * so analysts see exactly what a rule is matched against, and tests compare
 * it with tshark. Values are escaped (\\ \t \r \n \xHH) so a line is a row. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "cmd.h"
#include "extract.h"

typedef struct extract_ctx {
    FILE *out;
    uint64_t values;
} extract_ctx;

static void put_escaped(FILE *f, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        switch (c) {
        case '\\': fputs("\\\\", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        case '\n': fputs("\\n", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\x%02x", c);
            else
                fputc(c, f);
        }
    }
}

static void print_record(void *ctx, const fsc_record *rec)
{
    extract_ctx *x = ctx;
    char s[FSC_ADDR_STRLEN], d[FSC_ADDR_STRLEN];
    fsc_addr_format(&rec->src, s);
    fsc_addr_format(&rec->dst, d);
    for (size_t i = 0; i < rec->nvalues; i++) {
        const fsc_value *v = &rec->values[i];
        fprintf(x->out, "%llu\t%s\t%s\t%s\t", (unsigned long long)rec->frame, s, d,
                fsc_field_name(v->field));
        put_escaped(x->out, v->ptr, v->len);
        fputc('\n', x->out);
        x->values++;
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: fraudscan extract [--no-header] [--stats] CAPTURE...\n"
               "  prints frame, src, dst, field and value of every field the engine\n"
               "  extracts: dns.query, tls.sni, tls.ja3, tls.ja4, quic.sni, http.host,\n"
               "  http.uri, http.user_agent, http.apk_url (docs/traffic.md)\n");
}

int fsc_cmd_extract(int argc, char **argv)
{
    static const struct option opts[] = {
        {"no-header", no_argument, NULL, 'H'},
        {"stats", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int header = 1, stats = 0, c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'H': header = 0; break;
        case 's': stats = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    extract_ctx x = {stdout, 0};
    if (header)
        fputs("#frame\tsrc_ip\tdst_ip\tfield\tvalue\n", stdout);
    for (int i = optind; i < argc; i++) {
        char err[512];
        fsc_capture *cap = fsc_capture_open(argv[i], err, sizeof err);
        if (!cap) {
            fprintf(stderr, "fraudscan extract: %s\n", err);
            rc = 1;
            continue;
        }
        fsc_extractor *ex = fsc_extractor_new(NULL);
        if (!ex) {
            fprintf(stderr, "fraudscan extract: out of memory\n");
            fsc_capture_close(cap);
            return 1;
        }
        int lt = fsc_capture_linktype(cap);
        fsc_frame fr;
        fsc_status st;
        while ((st = fsc_capture_next(cap, &fr, err, sizeof err)) == FSC_OK)
            fsc_extract_frame(ex, lt, fr.ts, fr.number, fr.data, fr.caplen, print_record, &x);
        if (st != FSC_EOF) {
            fprintf(stderr, "fraudscan extract: %s: %s\n", argv[i], err);
            rc = 1;
        }
        if (stats) {
            fprintf(stderr, "%s:\n", argv[i]);
            fsc_counters_print(fsc_extractor_counters(ex), stderr);
        }
        fsc_extractor_free(ex);
        fsc_capture_close(cap);
    }
    fflush(stdout);
    return rc;
}
