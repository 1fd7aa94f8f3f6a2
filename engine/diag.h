/* diag.h: user-facing diagnostics that say where.
 *
 * Loaders (rules, identity, profiles, events) report each problem through a
 * fsc_diag: a location (file, line, column; 0 when unknown), a severity and
 * a message. The default sink prints "file:line:col: error: message" to
 * stderr, the form editors and CI logs understand. */
#ifndef FSC_DIAG_H
#define FSC_DIAG_H

#include <stddef.h>

typedef enum fsc_severity { FSC_SEV_WARNING, FSC_SEV_ERROR } fsc_severity;

typedef struct fsc_diag fsc_diag;
typedef void (*fsc_diag_fn)(void *ctx, fsc_severity sev, const char *file,
                            unsigned long line, unsigned long col, const char *msg);

struct fsc_diag {
    fsc_diag_fn fn;    /* NULL: print to stderr */
    void *ctx;
    size_t errors;     /* counted by fsc_diagf */
    size_t warnings;
};

/* Reports one problem; printf-style message. file may be NULL. */
void fsc_diagf(fsc_diag *d, fsc_severity sev, const char *file, unsigned long line,
               unsigned long col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* A sink that keeps diagnostics as text for a reply (`ctl reload`, POST
 * /admin/reload): each as "file:line:col: error: message", with sep before
 * every one but the first and end after every one (NULL: none). Bounded
 * by buf: what does not fit is cut; buf always ends with a NUL. Start it
 * zeroed but for sep and end, e.g. {.end = "\n"}. */
typedef struct fsc_diag_text {
    char buf[4096];
    size_t len;
    const char *sep, *end;
} fsc_diag_text;
/* The fsc_diag fn for a fsc_diag_text ctx: {.fn = fsc_diag_to_text, .ctx = &text}. */
void fsc_diag_to_text(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                      unsigned long col, const char *msg);

#endif
