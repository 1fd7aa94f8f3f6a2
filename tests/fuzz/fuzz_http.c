/* fuzz_http.c: fsc_http_parse_request over arbitrary bytes, and the
 * pipelined walk the extractor does; fsc_http_parse_response and the .apk
 * path test over the same bytes. */
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
        (void)fsc_http_is_apk_path(h.uri, h.uri_len);
        off += h.header_len;
    }
    fsc_http_response r;
    if (fsc_http_parse_response(data, size, &r) == FSC_OK) {
        if (r.header_len == 0 || r.header_len > size)
            __builtin_trap();
        /* the media type lies inside the header */
        if (r.content_type && ((const uint8_t *)r.content_type < data ||
                               (const uint8_t *)r.content_type + r.content_type_len >
                                   data + r.header_len))
            __builtin_trap();
    }
    return 0;
}
