/* fuzz_dns.c: fsc_dns_parse over arbitrary messages. */
#include <stdint.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fsc_dns_query q;
    if (fsc_dns_parse(data, size, &q) == FSC_OK || q.nquestions) {
        for (unsigned i = 0; i < q.nquestions; i++)
            /* a label may hold any byte, NUL included: only the length is
             * an invariant, and the terminator after it */
            if (q.name_len[i] > 254 || q.names[i][q.name_len[i]] != '\0')
                __builtin_trap();
    }
    return 0;
}
