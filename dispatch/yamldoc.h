/* yamldoc.h: what dispatch's two YAML files (roster.c, auth.c) share:
 * reading a bounded file, parsing it into a libyaml document with the
 * parser's own error at file:line:col, positions of nodes for diagnostics,
 * and the SHA-256 digest a reload records. Private to dispatch/. */
#ifndef FSC_YAMLDOC_H
#define FSC_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "diag.h"
#include "status.h"

/* Reads the file at path (at most max bytes) into *buf (malloc'd, caller
 * frees). FSC_EIO / FSC_ELIMIT reported through diag. */
fsc_status fsc_yamldoc_read(const char *path, size_t max, fsc_diag *diag, char **buf,
                            size_t *len);
/* Parses len bytes at buf into doc (the caller deletes it with
 * yaml_document_delete when this returns true). A syntax error is
 * reported at its position and false returned. */
bool fsc_yamldoc_parse(const char *name, const char *buf, size_t len, fsc_diag *diag,
                       yaml_document_t *doc);
/* Reports fmt at node n's start (line and column 1-based). */
void fsc_yamldoc_error(fsc_diag *d, const char *name, const yaml_node_t *n, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
/* n's text when it is a scalar, else NULL. */
const char *fsc_yamldoc_scalar(const yaml_node_t *n);
/* SHA-256 of len bytes as 64 lowercase hex digits and a NUL. */
void fsc_sha256_hex(const void *buf, size_t len, char hex[65]);

#endif
