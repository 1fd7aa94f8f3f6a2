/* yamldoc.h: what dispatch's two YAML files (roster.c, auth.c) share:
 * reading a bounded file, parsing it into a libyaml document whose root is
 * a mapping, with the parser's own error at file:line:col, sorting a
 * mapping's keys into fields, positions of nodes for diagnostics, and the
 * SHA-256 digest a reload records. Private to dispatch/. */
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
/* Turns len bytes at buf into the caller's object: what a file's
 * *_load_buf does, with out the caller's typed out-parameter. */
typedef fsc_status (*fsc_yamldoc_load_fn)(const char *name, const char *buf, size_t len,
                                          fsc_diag *diag, void *out);
/* Reads the file at path (at most max bytes) and hands its bytes, named
 * path, to load with diag and out; returns what load returns, or the
 * read's FSC_EIO / FSC_ELIMIT / FSC_ENOMEM (load not called). diag NULL:
 * problems go to stderr. The bytes are freed before this returns, so
 * load must copy what it keeps. */
fsc_status fsc_yamldoc_load(const char *path, size_t max, fsc_diag *diag, fsc_yamldoc_load_fn load,
                            void *out);
/* Opens len bytes at buf (at most max; never read past len) as a document
 * whose root is a mapping. FSC_OK: *root is that mapping and the caller
 * deletes doc with yaml_document_delete. Otherwise doc needs no delete:
 * FSC_ELIMIT (too large), or FSC_EMALFORMED (not YAML, or the root is not
 * a mapping: reported at the root as `shape`, which says what the file
 * should be); each reported through diag. */
fsc_status fsc_yamldoc_open(const char *name, const char *buf, size_t len, size_t max,
                            const char *shape, fsc_diag *diag, yaml_document_t *doc,
                            yaml_node_t **root);
/* Sorts the pairs of mapping m into fields: slots[i] gets the value of the
 * key names[i] (slots the caller set to NULL; n names). A key not in names
 * is reported as "unknown key 'K' in WHAT (names, ...)" and a key given
 * again as "'K' is set twice"; the first value stays. m must be a mapping
 * node of doc; the slots point into doc. */
void fsc_yamldoc_fields(const char *name, yaml_document_t *doc, const yaml_node_t *m,
                        const char *what, const char *const names[], yaml_node_t *slots[],
                        size_t n, fsc_diag *diag);
/* Reports fmt at node n's start (line and column 1-based). */
void fsc_yamldoc_error(fsc_diag *d, const char *name, const yaml_node_t *n, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
/* n's text when it is a scalar, else NULL. */
const char *fsc_yamldoc_scalar(const yaml_node_t *n);
/* SHA-256 of len bytes as 64 lowercase hex digits and a NUL. */
void fsc_sha256_hex(const void *buf, size_t len, char hex[65]);

#endif
