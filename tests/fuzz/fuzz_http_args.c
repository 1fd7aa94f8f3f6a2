/* fuzz_http_args.c: everything the HTTP API parses itself
 * (dispatch/http_args.h). The first byte picks the parser, the rest is its
 * input: a request body against the widest route's keys (POST /paystops),
 * a path against every route pattern, a level, an entry number, the kind
 * of an entry. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const patterns[] = {
    "/healthz", "/metrics", "/alerts", "/alerts/*", "/alerts/*/claim", "/alerts/*/contact",
    "/alerts/*/outcome", "/alerts/*/close", "/paystops", "/paystops/stats", "/paystops/*",
    "/reports", "/events", "/admin/reload",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* an exact-size copy, so ASan sees any read past the end */
    size_t len = size - 1;
    char *in = malloc(len ? len : 1);
    if (!in)
        return 0;
    memcpy(in, data + 1, len);
    char err[512];
    switch (data[0] % 5) {
    case 0: {
        char alert_id[65], bank[65], account[129], reason[4097];
        fsc_harg args[] = {
            {.key = "alert_id", .type = FSC_HARG_STR, .required = true, .str = alert_id,
             .cap = sizeof alert_id},
            {.key = "bank", .type = FSC_HARG_STR, .str = bank, .cap = sizeof bank},
            {.key = "account", .type = FSC_HARG_STR, .str = account, .cap = sizeof account},
            {.key = "amount", .type = FSC_HARG_NUM},
            {.key = "reason", .type = FSC_HARG_STR, .str = reason, .cap = sizeof reason},
        };
        if (fsc_http_parse_body(in, len, args, 5, err, sizeof err) == FSC_OK) {
            volatile size_t n = strlen(alert_id) + strlen(bank) + strlen(account) +
                                strlen(reason);
            (void)n;
        } else if (!memchr(err, '\0', sizeof err) || !strstr(err, "at byte")) {
            abort(); /* every refusal says where */
        }
        break;
    }
    case 1:
        for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
            char id[80];
            int m = fsc_http_route_match(patterns[i], in, len, id, sizeof id, err, sizeof err);
            if (m == 1 && strchr(patterns[i], '*') && strlen(id) > 64)
                abort();
        }
        break;
    case 2:
        (void)fsc_http_parse_level(in, len);
        break;
    case 3: {
        uint64_t v;
        (void)fsc_http_parse_u64(in, len, &v);
        break;
    }
    default: {
        char kind[24];
        if (fsc_http_entry_kind(in, len, kind, sizeof kind) && strlen(kind) >= sizeof kind)
            abort();
        break;
    }
    }
    free(in);
    return 0;
}
