/* fuzz_events_fast.c: the scanner of the common event line shape
 * (feeds/events_fast.c) against the yajl parser. Wherever the fast path
 * accepts an input, fsc_event_parse_ex must accept it too and make the
 * same record and meta (tests/unit/events_same.h); anything else traps.
 * Checked twice: with the reader's store, and with a small one (the fast
 * path must decline when the yajl path would run out of room). The fast
 * path's reads past `size` are ASan's to catch: libFuzzer hands us a
 * buffer of exactly size bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../unit/events_same.h"

static char fstore[2 * FSC_EVENTS_LINE_MAX + 64], ystore[2 * FSC_EVENTS_LINE_MAX + 64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why;
    if (events_compare((const char *)data, size, fstore, ystore, sizeof fstore, &why) < 0)
        __builtin_trap();
    /* a store a little smaller than the line: room is short for some */
    size_t cap = size > 16 ? size - 16 : size;
    if (events_compare((const char *)data, size, fstore, ystore, cap, &why) < 0)
        __builtin_trap();
    return 0;
}
