/* unit.h: a tiny TAP producer for the unit tests (meson reads TAP).
 *
 * CHECK(cond, fmt, ...) prints "ok N - msg" or "not ok N - msg" with the
 * file:line of the failed check; unit_done() prints the plan and returns the
 * exit status. Tests assert real behaviour: never a check that cannot fail. */
#ifndef FSC_UNIT_H
#define FSC_UNIT_H

#include <stdio.h>
#include <string.h>

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

static inline int unit_done(void)
{
    printf("1..%d\n", unit_n);
    return unit_failed ? 1 : 0;
}

#endif
