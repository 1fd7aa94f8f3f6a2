/* fuzz_pcapfile.c: the in-place pcap file walker on arbitrary bytes: every
 * record it returns must lie inside the input, and it must end. */
#include <stdint.h>
#include <stdlib.h>

#include "pcapfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fsc_pcapfile f;
    if (fsc_pcapfile_open(data, size, &f) != FSC_OK)
        return 0;
    fsc_time ts;
    const uint8_t *d;
    size_t caplen, wirelen, n = 0;
    while (fsc_pcapfile_next(data, size, &f, &ts, &d, &caplen, &wirelen) == FSC_OK) {
        if (d < data || d + caplen > data + size)
            abort();
        if (++n > size)
            abort(); /* every record takes 16 bytes: it cannot loop */
    }
    return 0;
}
