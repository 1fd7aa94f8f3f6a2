/* diag.c: formatting and routing of diagnostics. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

void fsc_diagf(fsc_diag *d, fsc_severity sev, const char *file, unsigned long line,
               unsigned long col, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    if (sev == FSC_SEV_ERROR)
        d->errors++;
    else
        d->warnings++;
    if (d->fn) {
        d->fn(d->ctx, sev, file, line, col, msg);
        return;
    }
    const char *kind = sev == FSC_SEV_ERROR ? "error" : "warning";
    if (!file)
        fprintf(stderr, "%s: %s\n", kind, msg);
    else if (col)
        fprintf(stderr, "%s:%lu:%lu: %s: %s\n", file, line, col, kind, msg);
    else if (line)
        fprintf(stderr, "%s:%lu: %s: %s\n", file, line, kind, msg);
    else
        fprintf(stderr, "%s: %s: %s\n", file, kind, msg);
}

void fsc_diag_to_text(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                      unsigned long col, const char *msg)
{
    fsc_diag_text *t = ctx;
    if (t->len >= sizeof t->buf - 1)
        return;
    int n = snprintf(t->buf + t->len, sizeof t->buf - t->len, "%s%s:%lu:%lu: %s: %s%s",
                     t->len && t->sep ? t->sep : "", file ? file : "-", line, col,
                     sev == FSC_SEV_ERROR ? "error" : "warning", msg, t->end ? t->end : "");
    /* snprintf says what it would have written: count only what it did */
    if (n > 0)
        t->len += (size_t)n < sizeof t->buf - t->len ? (size_t)n : sizeof t->buf - t->len - 1;
}
