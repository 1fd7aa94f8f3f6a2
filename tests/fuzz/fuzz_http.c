/* fuzz_http.c: fsc_http_parse_request over arbitrary bytes, and the
 * pipelined walk the extractor does. */
#include <stdint.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        fsc_http_request h;
        if (fsc_http_parse_request(data + off, size - off, &h) != FSC_OK)
            break;
        if (h.header_len == 0 || h.header_len > size - off)
            __builtin_trap();
        char host[256];
        if (h.host)
            fsc_http_host_normalize(h.host, h.host_len, host, sizeof host);
        off += h.header_len;
    }
    return 0;
}
