/* fuzz_events.c: one app-install event line through fsc_event_parse.
 * The store is the size the reader uses, so any input up to the reader's
 * line bound exercises the real limits; beyond it the store may run out,
 * which must come back as FSC_ELIMIT, never as an overflow. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "events.h"

static char store[2 * FSC_EVENTS_LINE_MAX + 64];
static char small[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fsc_record rec;
    fsc_event_meta meta;
    char err[256];
    unsigned long col;
    fsc_status st = fsc_event_parse_ex((const char *)data, size, &rec, &meta, store,
                                       sizeof store, err, sizeof err, &col);
    if (st == FSC_OK) {
        /* touch every byte a consumer would */
        size_t sum = strlen(rec.subscriber) + strlen(rec.event);
        for (size_t i = 0; i < rec.nvalues; i++)
            for (uint32_t k = 0; k < rec.values[i].len; k++)
                sum += (unsigned char)rec.values[i].ptr[k];
        if (meta.installer)
            sum += strlen(meta.installer);
        (void)sum;
    } else if (st == FSC_EMALFORMED && col > size + 1) {
        __builtin_trap(); /* a column must point into the line or just past it */
    }
    /* the same input with a tiny store: FSC_ELIMIT, not an overflow */
    st = fsc_event_parse((const char *)data, size, &rec, small, sizeof small, err, sizeof err);
    (void)st;
    return 0;
}
