/* fuzz_journal.c: journal.log bytes through the journal's checker and its
 * real open path. The checker (fsc_journal_check_buf) must only report
 * entries that are whole, in order and inside the buffer; open must agree
 * with it (the same entries kept, a torn tail cut to the same offset, or a
 * refusal), and a scan must give back exactly those entries, after which an
 * append and a reopen continue the numbering. Never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct walk {
    uint64_t n;
    size_t last_off;
    size_t size;
} walk;

static int on_entry(void *ctx, uint64_t seq, size_t off)
{
    walk *w = ctx;
    if (seq != w->n + 1 || off >= w->size || (w->n && off <= w->last_off))
        __builtin_trap();
    w->n = seq;
    w->last_off = off;
    return 0;
}

static int on_scan(void *ctx, uint64_t seq, const char *json, size_t len)
{
    uint64_t *n = ctx;
    if (seq != *n + 1 || len == 0 || len > FSC_STORE_MAX_ENTRY || memchr(json, '\n', len))
        __builtin_trap();
    *n = seq;
    return 0;
}

static char dir[64];
static char path[128];

static void cleanup(void)
{
    char lock[128];
    snprintf(lock, sizeof lock, "%s/journal.lock", dir);
    unlink(path);
    unlink(lock);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk w = {.size = size};
    fsc_journal_check r;
    fsc_status st = fsc_journal_check_buf((const char *)data, size, on_entry, &w, &r);
    if (st == FSC_OK && (r.good_end > size || r.entries != w.n ||
                         (r.good_end < size && r.bad_line == 0)))
        __builtin_trap();
    if (st == FSC_EMALFORMED && r.bad_line == 0)
        __builtin_trap();

    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz_journal_XXXXXX");
        if (!mkdtemp(dir))
            return 0;
        snprintf(path, sizeof path, "%s/journal.log", dir);
        atexit(cleanup);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    fsc_counters c = {0};
    fsc_store *s = NULL;
    char err[512];
    fsc_status ost = fsc_store_open_journal(dir, &c, &s, err, sizeof err);
    if ((ost == FSC_OK) != (st == FSC_OK))
        __builtin_trap(); /* open and the checker disagree */
    if (ost == FSC_OK) {
        struct stat sb;
        if (fsc_store_last(s) != r.entries || stat(path, &sb) != 0 ||
            (size_t)sb.st_size != r.good_end || c.v[FSC_C_STORE_TAIL_CUT] != size - r.good_end)
            __builtin_trap();
        uint64_t n = 0;
        if (fsc_store_scan(s, 0, on_scan, &n) != FSC_OK || n != r.entries)
            __builtin_trap();
        uint64_t seq = 0;
        if (fsc_store_append(s, "{}", 2, &seq) != FSC_OK || seq != r.entries + 1 ||
            fsc_store_commit(s) != FSC_OK)
            __builtin_trap();
        fsc_store_close(s);
        s = NULL;
        if (fsc_store_open_journal(dir, &c, &s, err, sizeof err) != FSC_OK ||
            fsc_store_last(s) != r.entries + 1)
            __builtin_trap();
        fsc_store_close(s);
    }
    unlink(path);
    return 0;
}
