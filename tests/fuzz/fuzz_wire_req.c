/* fuzz_wire_req.c: clients' requests (wire_req.h) from untrusted bytes.
 * Input: the verb, a newline, then the args JSON (no newline: all verb).
 * The parser must never read past either length, and what it accepts must
 * be a complete request: required strings set, numbers in range. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"
#include "wire_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    size_t vlen = nl ? (size_t)(nl - (const char *)data) : size;
    /* exact-size copies, so ASan sees any read past either part */
    char *verb = malloc(vlen ? vlen : 1);
    size_t alen = nl ? size - vlen - 1 : 0;
    char *args = malloc(alen ? alen : 1);
    if (!verb || !args)
        abort();
    memcpy(verb, data, vlen);
    if (alen)
        memcpy(args, nl + 1, alen);
    fsc_wire_req r;
    char err[200];
    fsc_status st = fsc_wire_req_parse(verb, vlen, args, alen, &r, err, sizeof err);
    if (strlen(err) >= sizeof err)
        abort();
    if (st == FSC_OK) {
        if ((unsigned)r.verb >= FSC_VERB_COUNT || r.min_level < 0 || r.min_level > 4)
            abort();
        switch (r.verb) {
        case FSC_VERB_CLAIM:
        case FSC_VERB_SHOW:
        case FSC_VERB_CLOSE:
            if (!r.alert_id[0])
                abort();
            break;
        case FSC_VERB_OUTCOME:
            if (!r.alert_id[0] || r.outcome <= FSC_OUTCOME_NONE || !(r.amount >= 0))
                abort();
            break;
        case FSC_VERB_PAYSTOP_REQUEST:
            if (!r.bank[0] || !r.account[0] || !r.reason[0] || !(r.amount > 0) ||
                !isfinite(r.amount))
                abort();
            break;
        case FSC_VERB_REPORT:
        case FSC_VERB_PAYSTOP_STATS:
            if (!(r.to >= r.from))
                abort();
            break;
        default:
            break;
        }
        char q[6 * sizeof r.note + 3];   /* every byte may become \u00XX */
        if (fsc_json_quote(q, sizeof q, r.note) >= sizeof q)
            abort();
    } else if (!err[0]) {
        abort();   /* every refusal says why */
    }
    free(verb);
    free(args);
    return 0;
}
