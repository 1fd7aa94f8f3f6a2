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

/* A line's head as engine/spool.c reads it: 1 to 19 digits (no sign; 19
 * always fit in 64 bits), not 0, a space, something after it. A number
 * past that (the spool's own next one after 19 nines) is not readable. */
static bool head_like_spool(const char *line, size_t len, uint64_t *seq)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < len && i < 19 && line[i] >= '0' && line[i] <= '9')
        v = v * 10 + (uint64_t)(line[i++] - '0');
    *seq = v;
    return i > 0 && i + 1 < len && line[i] == ' ' && v != 0;
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
         * between good ones (the reader skips them); the last line is ours,
         * numbered above every good line before it */
        uint64_t prev = 0;
        size_t pos = 0;
        int lines = 0;
        while (b && pos < n) {
            char *nl = memchr(b + pos, '\n', n - pos);
            if (!nl)
                __builtin_trap(); /* a cut tail left behind */
            size_t ll = (size_t)(nl - (b + pos));
            uint64_t q;
            bool good = head_like_spool(b + pos, ll, &q) && nl[-1] == '}';
            bool ours = (size_t)(nl - b) + 1 == n;
            if (ours && good && prev && q <= prev)
                __builtin_trap(); /* ours is not numbered after the good ones */
            if (!ours && good && (!prev || q > prev))
                prev = q;
            lines++;
            pos = (size_t)(nl - b) + 1;
        }
        if (!b || lines == 0 || n < 18 || memcmp(b + n - 18, " {\"alert_id\":\"z\"}\n", 18) != 0)
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
