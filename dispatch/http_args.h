/* http_args.h: what the HTTP API parses itself, as pure functions of
 * (buf, len) that never read past len: request bodies (one flat JSON
 * object), path templates, query values, the kind of a stored entry.
 * libmicrohttpd does the HTTP framing and the percent-decoding; everything
 * a client chooses inside a request is checked here, and fuzzed
 * (tests/fuzz/fuzz_http_args.c). */
#ifndef FSC_HTTP_ARGS_H
#define FSC_HTTP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum fsc_harg_type { FSC_HARG_STR, FSC_HARG_NUM } fsc_harg_type;

/* One key a body may hold. The caller fills key, type, required and, for
 * strings, str/cap (its own buffer); the parser fills the rest. */
typedef struct fsc_harg {
    const char *key;
    fsc_harg_type type;
    bool required;
    char *str;             /* FSC_HARG_STR: receives the value, NUL-terminated */
    size_t cap;            /* bytes of str, the NUL included */
    double num;            /* FSC_HARG_NUM: the value (finite) */
    bool present;          /* the key was given (a JSON null counts as absent) */
    size_t at;             /* byte offset just past its value, for messages */
} fsc_harg;

/* Parses body (len bytes; empty or blank means {}) as one JSON object
 * whose keys are all among args, each once, with the right type, no
 * nesting, strings valid UTF-8 without NUL and shorter than their cap.
 * FSC_OK, or FSC_EMALFORMED with "... at byte N" in err (N = bytes read
 * when the problem was seen). */
fsc_status fsc_http_parse_body(const char *body, size_t len, fsc_harg *args, size_t nargs,
                               char *err, size_t errcap);

/* Matches path (len bytes) against pattern, whose "*" segments match one
 * non-empty segment (copied into id, idcap bytes; the last "*" wins).
 * 1: match; 0: no match; -1: the shape matches but a "*" segment is not an
 * id (1..64 bytes of [A-Za-z0-9._:-]): err says which byte. */
int fsc_http_route_match(const char *pattern, const char *path, size_t len, char *id,
                         size_t idcap, char *err, size_t errcap);

/* A level: "0".."4" or "low", "medium", "high", "critical". -1 otherwise. */
int fsc_http_parse_level(const char *s, size_t len);

/* A decimal uint64 with no sign, space or excess digits. */
bool fsc_http_parse_u64(const char *s, size_t len, uint64_t *out);

/* The top-level "kind" string of an entry (JSON object text) into out
 * (cap bytes); false when there is none or it does not fit. */
bool fsc_http_entry_kind(const char *json, size_t len, char *out, size_t cap);

#endif
