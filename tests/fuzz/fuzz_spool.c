/* fuzz_spool.c: bytes as an engine's spool on disk (the "acked" watermark
 * and a segment file, as a crash or a damaged disk may leave them) through
 * fsc_spool_open's real path. Open must cut the segment back to whole,
 * numbered lines (or refuse), count what it cut, and an append after it must
 * land on a line of its own numbered after the last good one. Never a crash.
 * Input: the watermark's text, a 0x00 byte, then the segment's bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put(const char *name, const uint8_t *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (n)
        fwrite(p, 1, n, f);
    fclose(f);
}

static char *slurp(const char *name, size_t *n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    b[*n] = '\0';
    fclose(f);
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fsc-fuzz-spool-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    const uint8_t *z = memchr(data, 0, size);
    size_t al = z ? (size_t)(z - data) : 0;
    const uint8_t *seg = z ? z + 1 : data;
    size_t sl = size - (size_t)(seg - data);
    if (al > 64)
        return 0;
    put("acked", data, al);
    put("seg-00000000000000000001.log", seg, sl);
    put("engine-id", (const uint8_t *)"fuzz-engine\n", 12);

    fsc_spool_config c = {.dir = dir};
    fsc_spool *s = NULL;
    char err[256];
    if (fsc_spool_open(&c, &s, err, sizeof err) == FSC_OK) {
        fsc_spool_append(s, "{\"alert_id\":\"z\"}", 16);
        fsc_spool_close(s, 0);
        size_t n;
        char *b = slurp("seg-00000000000000000001.log", &n);
        /* whole lines only (a torn tail is cut); damaged lines may stay
         * between good ones (the reader skips them), the good ones rise,
         * and the last line is ours, numbered above every good one */
        uint64_t prev = 0;
        size_t pos = 0;
        int lines = 0;
        bool last_good = false;
        while (b && pos < n) {
            char *nl = memchr(b + pos, '\n', n - pos);
            if (!nl)
                __builtin_trap(); /* a cut tail left behind */
            char *end;
            uint64_t q = strtoull(b + pos, &end, 10);
            /* good as the spool reads it: 1 to 19 digits (no wrap), a space,
             * a line ending in '}', above the good one before */
            last_good = end != b + pos && end - (b + pos) <= 19 && *end == ' ' &&
                        nl[-1] == '}' && (!prev || q > prev);
            if (last_good)
                prev = q;
            lines++;
            pos = (size_t)(nl - b) + 1;
        }
        if (!b || lines == 0 || !last_good || n < 18 ||
            memcmp(b + n - 18, " {\"alert_id\":\"z\"}\n", 18) != 0)
            __builtin_trap(); /* our append is not the last line */
        free(b);
    }
    char path[128];
    static const char *const names[] = {"acked", "seg-00000000000000000001.log", "engine-id",
                                        "dead-letter.jsonl", ".acked.tmp"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    return 0;
}
