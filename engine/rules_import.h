/* rules_import.h: indicators from threat-intelligence formats to list
 * files and a rule (`fraudscan rules import`).
 *
 * Each reader parses one input and adds what it understands to an
 * fsc_import; every entry it cannot use (unsupported type or pattern,
 * malformed value) is reported through diag with its position (file:line:col
 * for text, file: objects[i] for JSON) and counted: nothing is dropped
 * silently. The parsers of untrusted bytes are pure over (buf, len) and
 * fuzzed (tests/fuzz/fuzz_rules_stix.c, fuzz_rules_misp.c). */
#ifndef FSC_RULES_IMPORT_H
#define FSC_RULES_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "status.h"

/* What an indicator is, and so which list (and rule field) it goes to. */
#define FSC_IOC_LIST(X)                                                      \
    X(FSC_IOC_DOMAIN, "domains", "domain")                                   \
    X(FSC_IOC_URL_HOST, "url-hosts", "URL host")                             \
    X(FSC_IOC_IP, "ips", "IP address")                                       \
    X(FSC_IOC_APK_SHA256, "apk-sha256", "APK SHA-256")                       \
    X(FSC_IOC_CERT_SHA256, "cert-sha256", "signing-certificate SHA-256")     \
    X(FSC_IOC_PACKAGE, "packages", "app package name")

typedef enum fsc_ioc_kind {
#define FSC_X_ENUM(e, file, what) e,
    FSC_IOC_LIST(FSC_X_ENUM)
#undef FSC_X_ENUM
    FSC_IOC_COUNT
} fsc_ioc_kind;

typedef struct fsc_import fsc_import;

/* An empty import; diag receives every skipped entry (NULL: stderr). */
fsc_import *fsc_import_new(fsc_diag *diag);
void fsc_import_free(fsc_import *imp);

/* Adds one indicator (validated: a bad value is reported at file/where and
 * counted as malformed). Duplicates are kept once. */
void fsc_import_add(fsc_import *imp, fsc_ioc_kind kind, const char *value, size_t len,
                    const char *file, unsigned long line, unsigned long col,
                    const char *where);
/* Reports an entry that is not imported because its type is unsupported. */
void fsc_import_unsupported(fsc_import *imp, const char *file, unsigned long line,
                            unsigned long col, const char *where, const char *what);

/* STIX 2.1 patterns: calls fn for each comparison of an OR of
 * comparisons (`[domain-name:value = 'x'] OR [ipv4-addr:value = 'y']`).
 * Returns FSC_OK, FSC_EUNSUPPORTED (AND, FOLLOWEDBY, qualifiers, operators
 * other than '=', other object paths: *err_off and msg say where and why)
 * or FSC_EMALFORMED. Pure: no allocation, never reads past len. */
typedef void (*fsc_stix_fn)(void *ctx, fsc_ioc_kind kind, const char *value, size_t len,
                            size_t off);
fsc_status fsc_stix_pattern_parse(const char *p, size_t len, fsc_stix_fn fn, void *ctx,
                                  size_t *err_off, char *msg, size_t cap);

/* Readers, one per format. file names the input in messages. */
fsc_status fsc_import_stix(fsc_import *imp, const char *buf, size_t len, const char *file);
fsc_status fsc_import_misp(fsc_import *imp, const char *buf, size_t len, const char *file);
fsc_status fsc_import_misp_feed(fsc_import *imp, const char *dir);
/* kind < 0: each line's kind is guessed (address, SHA-256, else domain). */
fsc_status fsc_import_list(fsc_import *imp, const char *buf, size_t len, const char *file,
                           int kind);
fsc_status fsc_import_csv(fsc_import *imp, const char *buf, size_t len, const char *file);

typedef struct fsc_import_counts {
    size_t added[FSC_IOC_COUNT];  /* distinct values per kind */
    size_t duplicates, malformed, unsupported;
} fsc_import_counts;
void fsc_import_get_counts(const fsc_import *imp, fsc_import_counts *c);

/* `fraudscan rules import ...` (cmd_rules.c's table points here). */
int fsc_rules_import_main(int argc, char **argv);

#endif
