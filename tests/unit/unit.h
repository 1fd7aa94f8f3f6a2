/* unit.h: a tiny TAP producer for the unit tests (meson reads TAP).
 *
 * CHECK(cond, fmt, ...) prints "ok N - msg" or "not ok N - msg" with the
 * file:line of the failed check; unit_done() prints the plan and returns the
 * exit status. Tests assert real behaviour: never a check that cannot fail. */
#ifndef FSC_UNIT_H
#define FSC_UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "diag.h"

static int unit_n, unit_failed;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        unit_n++;                                                            \
        if (cond) {                                                          \
            printf("ok %d - ", unit_n);                                      \
        } else {                                                             \
            unit_failed++;                                                   \
            printf("not ok %d - %s:%d: ", unit_n, __FILE__, __LINE__);       \
        }                                                                    \
        printf(__VA_ARGS__);                                                 \
        printf("\n");                                                        \
    } while (0)

#define CHECK_STR(got, want, what)                                           \
    do {                                                                     \
        const char *g_ = (got), *w_ = (want);                                \
        CHECK(g_ && strcmp(g_, w_) == 0, "%s: got \"%s\", want \"%s\"", what, \
              g_ ? g_ : "(null)", w_);                                       \
    } while (0)

/* Reads hex digits from s (anything else, such as spaces, is skipped) into
 * out; returns how many bytes the text holds (which may exceed cap: only cap
 * are written). For table rows of packet bytes. */
static inline size_t unit_hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            if (n < cap)
                out[n] = (uint8_t)(hi << 4 | v);
            n++;
            hi = -1;
        }
    }
    return n;
}

/* Diagnostics collected from a loader (an fsc_diag_fn), to assert on the
 * line, column and message of each. */
#define UNIT_DIAGS_MAX 64
typedef struct unit_diags {
    int n, errors, warnings;
    unsigned long line[UNIT_DIAGS_MAX], col[UNIT_DIAGS_MAX];
    char msg[UNIT_DIAGS_MAX][200];
} unit_diags;

static inline void unit_diag_capture(void *ctx, fsc_severity sev, const char *file,
                                     unsigned long line, unsigned long col, const char *msg)
{
    unit_diags *s = ctx;
    (void)file;
    if (sev == FSC_SEV_ERROR)
        s->errors++;
    else
        s->warnings++;
    if (s->n < UNIT_DIAGS_MAX) {
        s->line[s->n] = line;
        s->col[s->n] = col;
        snprintf(s->msg[s->n], sizeof s->msg[0], "%s", msg);
        s->n++;
    }
}

static inline int unit_done(void)
{
    printf("1..%d\n", unit_n);
    return unit_failed ? 1 : 0;
}

/* A copy of s[0..n) whose last byte is the last readable one: the page
 * after it is PROT_NONE, so a parser that reads past n faults (the
 * picohttpparser tests' trick). Valid until the next call; exits 2 when
 * the pages cannot be mapped. */
static inline const char *unit_guarded(const char *s, size_t n)
{
    static char *base;
    static size_t span;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t need = (n + pg - 1) / pg * pg + pg;
    if (base && span != need) {
        munmap(base, span);
        base = NULL;
    }
    if (!base) {
        base = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED) {
            perror("mmap");
            exit(2);
        }
        span = need;
        mprotect(base + need - pg, pg, PROT_NONE);
    }
    char *p = base + need - pg - n;
    memcpy(p, s, n);
    return p;
}

#endif
