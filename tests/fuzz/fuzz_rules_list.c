/* fuzz_rules_list.c: arbitrary bytes as an indicator list file, parsed as
 * every list kind. Every reported value must lie inside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "rules_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct span {
    const char *lo, *hi;
} span;

static void on_value(void *ctx, unsigned long line, unsigned long col, const char *v, size_t len,
                     const char *reason)
{
    span *s = ctx;
    if (v < s->lo || v + len > s->hi || line == 0 || col == 0)
        abort();
    (void)reason;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    for (size_t i = 0; i < size; i++)
        copy[i] = (char)data[i];
    span s = {copy, copy + size};
    for (int k = FSC_LIST_TEXT; k <= FSC_LIST_SHA256; k++)
        fsc_list_parse(copy, size, (fsc_list_kind)k, on_value, &s);
    free(copy);
    return 0;
}
