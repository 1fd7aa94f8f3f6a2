/* config.h: the engine's configuration file (YAML), for `fraudscan run`.
 *
 * A two-level mapping of sections and keys, e.g.
 *   capture:
 *     interface: eth0
 *     workers: 2
 * read into "section.key" -> text entries that remember their file:line:col,
 * so a bad value is reported where it was written. Every key the engine
 * knows is a row in config.c with its meaning; an unknown key is an error
 * (a typo must not silently fall back to a default). docs/operations.md
 * lists the keys. */
#ifndef FSC_CONFIG_H
#define FSC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "status.h"

typedef struct fsc_config fsc_config;

/* Loads and checks `path`. Every problem is reported through diag as
 * file:line:col. Returns FSC_OK and *out (free with fsc_config_free), or
 * FSC_EIO / FSC_EMALFORMED (nothing stored). */
fsc_status fsc_config_load(const char *path, fsc_diag *diag, fsc_config **out);
void fsc_config_free(fsc_config *c);

/* One key a configuration may hold, with its meaning. A row "section.*"
 * admits every key of the section (dispatch's banks.<NAME>). */
typedef struct fsc_config_key {
    const char *key, *meaning;
} fsc_config_key;
/* fsc_config_load with another table of keys (nkeys rows; the table must
 * outlive the config): how `fraudscan dispatch` reads dispatch.yaml. */
fsc_status fsc_config_load_schema(const char *path, const fsc_config_key *keys, size_t nkeys,
                                  fsc_diag *diag, fsc_config **out);
/* Calls fn for every key that starts with prefix ("banks."), in file order,
 * with the value's position. */
typedef void (*fsc_config_fn)(void *ctx, const char *key, const char *value, unsigned long line,
                              unsigned long col);
void fsc_config_each(const fsc_config *c, const char *prefix, fsc_config_fn fn, void *ctx);
/* The path the configuration was read from (for messages). */
const char *fsc_config_file(const fsc_config *c);

/* The text of "section.key", or def when absent. Owned by the config. */
const char *fsc_config_str(const fsc_config *c, const char *key, const char *def);
/* The value as a whole number in [min, max]; def when absent. A value that
 * is not one is reported through diag at its position and makes *ok false. */
long fsc_config_long(const fsc_config *c, const char *key, long def, long min, long max,
                     fsc_diag *diag, bool *ok);
/* true/false, yes/no, on/off; def when absent; reported like fsc_config_long. */
bool fsc_config_bool(const fsc_config *c, const char *key, bool def, fsc_diag *diag, bool *ok);

#endif
