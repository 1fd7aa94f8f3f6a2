/* wire_req.h: the clients' requests (wire.h's ["REQ", id, token, verb,
 * args-json]) parsed into one flat struct, and their replies' bodies.
 *
 * The parser is a pure function of (verb, args) bytes: it never reads past
 * the lengths given, allocates only inside yajl (freed before it returns),
 * and checks every field a verb needs, so clients.c only maps a parsed
 * request to a service call. Fuzzed by tests/fuzz/fuzz_wire_req.c.
 *
 * Args per verb (JSON object; unknown keys are ignored so newer clients can
 * talk to older servers):
 *   subscribe       {"queue"?, "min_level"? 0..4, "after"? seq, "kinds"? "alerts"|"all"}
 *   claim           {"alert_id"}
 *   contact         {"alert_id", "channel": "phone"|"visit", "note"?}
 *   outcome         {"alert_id", "outcome", "amount"? >= 0, "note"?}
 *   close           {"alert_id", "note"?}
 *   list            {"queue"?, "state"?, "min_level"?}
 *   show            {"alert_id"}
 *   report          {"from"?, "to"?}     unix seconds; default: all time
 *   paystop_request {"alert_id", "bank", "account", "amount" > 0, "reason"}
 *   paystop_show    {"paystop_id"}
 *   paystop_stats   {"from"?, "to"?}
 *   reload          {}
 *   ping            {} */
#ifndef FSC_WIRE_REQ_H
#define FSC_WIRE_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define FSC_WIRE_ARGS_MAX 65536 /* bytes of args JSON a request may carry */

typedef enum fsc_verb {
    FSC_VERB_SUBSCRIBE,
    FSC_VERB_CLAIM,
    FSC_VERB_CONTACT,
    FSC_VERB_OUTCOME,
    FSC_VERB_CLOSE,
    FSC_VERB_LIST,
    FSC_VERB_SHOW,
    FSC_VERB_REPORT,
    FSC_VERB_PAYSTOP_REQUEST,
    FSC_VERB_PAYSTOP_SHOW,
    FSC_VERB_PAYSTOP_STATS,
    FSC_VERB_RELOAD,
    FSC_VERB_PING,
    FSC_VERB_COUNT
} fsc_verb;

typedef struct fsc_wire_req {
    fsc_verb verb;
    char alert_id[64];
    char queue[32];
    char state[16];
    char channel[16];
    char bank[64];
    char account[64];
    char paystop_id[32];
    char note[1024];
    char reason[512];
    int outcome;            /* fsc_outcome, outcome verb only */
    double amount;          /* 0 when absent */
    int min_level;          /* 0..4 */
    bool alerts_only;       /* subscribe: kinds "alerts" (the default) */
    uint64_t after;         /* subscribe: the last seq the client has */
    double from, to;        /* report, paystop_stats: [from, to) */
} fsc_wire_req;

/* The verb's wire name ("paystop_request"); "?" when out of range. */
const char *fsc_verb_name(fsc_verb v);

/* Parses verb (verblen bytes) and its args (len bytes; len 0 means {})
 * into *out. FSC_OK, or FSC_EUNSUPPORTED for an unknown verb,
 * FSC_EMALFORMED / FSC_ELIMIT / FSC_EINVAL with the reason in err (always
 * NUL-terminated when errcap > 0). Neither input need be NUL-terminated. */
fsc_status fsc_wire_req_parse(const char *verb, size_t verblen, const char *args, size_t len,
                              fsc_wire_req *out, char *err, size_t errcap);

/* Writes s as a JSON string (quotes included) into buf of cap bytes, NUL-
 * terminated; returns the length it needs (like snprintf: >= cap means cut). */
size_t fsc_json_quote(char *buf, size_t cap, const char *s);

#endif
