/* fuzz_ingest.c: an engine's alert JSON (untrusted bytes) into a real
 * service on a real journal in a temporary directory. Whatever the bytes,
 * ingest returns a status; an accepted alert, sent again, must come back as
 * a duplicate of the same entry. Commits every 256 inputs, and starts over
 * on a fresh journal every 4096 so a long run stays bounded on disk. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], journal[96], roster[96], tokens[96];
static fsc_svc *svc;
static unsigned long runs;

static void quiet(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                  unsigned long col, const char *msg)
{
    (void)ctx; (void)sev; (void)file; (void)line; (void)col; (void)msg;
}

static void rm_dir(void)
{
    char cmd[128];
    if (svc)
        fsc_svc_close(svc);
    svc = NULL;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (dir[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void start(void)
{
    char cmd[160];
    FILE *f;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fsc-fuzz-ingest-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(rm_dir);
        snprintf(journal, sizeof journal, "%s/journal", dir);
        snprintf(roster, sizeof roster, "%s/roster.yaml", dir);
        snprintf(tokens, sizeof tokens, "%s/tokens.yaml", dir);
        f = fopen(roster, "w");
        fputs("desk: DESK\nshifts:\n  - officer: o\n    precincts: [P-EAST]\n"
              "    weekly: \"Mon-Fri 08:00-20:00\"\n", f);
        fclose(f);
        f = fopen(tokens, "w");
        fputs("tokens: []\n", f);
        fclose(f);
    }
    if (svc)
        fsc_svc_close(svc);
    svc = NULL;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", journal);
    if (system(cmd) != 0)
        abort();
    mkdir(journal, 0700);
    fsc_svc_config cfg = {.journal_dir = journal, .roster_path = roster, .tokens_path = tokens};
    fsc_diag diag = {.fn = quiet};
    if (fsc_svc_open(&cfg, NULL, &diag, &svc) != FSC_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    uint64_t seq = 0, seq2 = 0;
    bool dup = false, dup2 = false;
    if (!svc || runs % 4096 == 0)
        start();
    runs++;
    fsc_status st = fsc_svc_ingest(svc, "fuzz", (const char *)data, size, 1795939200.0, &seq,
                                   &dup, err, sizeof err);
    if (st != FSC_OK && !memchr(err, '\0', sizeof err))
        __builtin_trap();
    if (st == FSC_OK) {
        if (seq == 0)
            __builtin_trap();
        st = fsc_svc_ingest(svc, "fuzz", (const char *)data, size, 1795939201.0, &seq2, &dup2,
                            err, sizeof err);
        if (st != FSC_OK || !dup2 || seq2 != seq)
            __builtin_trap();
    }
    if (runs % 256 == 0 && fsc_svc_commit(svc) != FSC_OK)
        __builtin_trap();
    return 0;
}
