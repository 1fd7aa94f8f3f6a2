/* identity_int.h: what the feed readers share inside feeds/ (not an API).
 *
 * The CSV splitter of the identity and profiles loaders, reused by the
 * RADIUS accounting loader (radius.c) so every CSV feed quotes alike; with
 * it the name compare and the prefix mask, so both feeds match column
 * names and mask addresses alike. */
#ifndef FSC_IDENTITY_INT_H
#define FSC_IDENTITY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "identity.h"
#include "status.h"

typedef struct fsc_csv_field {
    const char *p;     /* unquoted, unescaped text (into the line or scratch) */
    size_t len;
    unsigned long col; /* 1-based byte column where the field starts */
} fsc_csv_field;

/* Splits line[0..len) (no line end) into at most `max` fields, RFC 4180-like
 * (docs/feeds.md, "Quoting"). Quoted fields are unescaped into scratch,
 * which must hold at least len bytes; other fields point into line and are
 * trimmed of blanks. Returns NULL with *nf set, or a static error message
 * with *errcol the 1-based byte column of the problem. */
const char *fsc_csv_split(const char *line, size_t len, char *scratch, fsc_csv_field *f,
                          size_t max, size_t *nf, unsigned long *errcol);

/* True when p[0..n) equals `lower` ignoring ASCII case; lower must be in
 * lower case. How header names and RADIUS keys are matched. */
bool fsc_csv_ieq(const char *p, size_t n, const char *lower);

/* Clears the bits of a past its first plen, in place: the network of an
 * identity holding or of a RADIUS Framed-IPv6-Prefix. (engine/addr.c would
 * be its natural home; it lives here while only the feeds need it.) */
void fsc_identity_mask(fsc_addr *a, unsigned plen);

/* A bounded line source over a file or a memory buffer: lines of at most
 * FSC_CSV_LINE_MAX bytes (identity.h), the rest of a longer line consumed
 * and dropped. fsc_lsrc_open reads `path`, or buf[0..len) when buf is not
 * NULL (path is then only a name); NULL with *st set (reported through
 * diag) on failure. fsc_lsrc_next gives the next line without its '\n'
 * (a '\r' is left), owned by the source until the next call: FSC_OK,
 * FSC_EOF or FSC_EIO; *too_long when the line was cut. */
typedef struct fsc_lsrc fsc_lsrc;
fsc_lsrc *fsc_lsrc_open(const char *path, const char *buf, size_t len, fsc_diag *diag,
                        fsc_status *st);
fsc_status fsc_lsrc_next(fsc_lsrc *src, const char **line, size_t *len, bool *too_long);
void fsc_lsrc_close(fsc_lsrc *src);

/* An empty profiles table (NULL when out of memory), and one profile added
 * to it, for loaders other than the CSV one (profiles_redis.c). Strings
 * are copied; age_band, occupation, group and precinct may be NULL or
 * empty. Returns FSC_OK; FSC_EMALFORMED with a message in err for an empty
 * subscriber, an unknown group or a subscriber already present (the first
 * is kept); FSC_ELIMIT past FSC_IDENTITY_MAX_ROWS; FSC_ENOMEM. */
fsc_profiles *fsc_profiles_new(void);
fsc_status fsc_profiles_put(fsc_profiles *p, const char *subscriber, size_t sublen,
                            const char *age_band, const char *occupation, const char *group,
                            const char *precinct, char *err, size_t errcap);

#endif
