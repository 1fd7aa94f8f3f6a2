/* fuzz_rules_cond.c: arbitrary bytes as a rule's condition expression over
 * five selections. The parser must never read past len nor overflow its
 * program buffer; a program it accepts must evaluate without fault. */
#include <stdint.h>
#include <stdlib.h>

#include "rules_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"a", "b", "sel_x", "sel_y", "filter"};
    uint32_t ops[128];
    size_t n = 0, off = 0;
    char msg[200];
    char *copy = malloc(size ? size : 1); /* exact size: ASan sees an over-read */
    if (!copy)
        return 0;
    for (size_t i = 0; i < size; i++)
        copy[i] = (char)data[i];
    if (fsc_cond_parse(copy, size, names, 5, ops, 128, &n, &off, msg, sizeof msg) == FSC_OK) {
        if (n > 128)
            abort();
        for (unsigned m = 0; m < 32; m++) {
            bool sel[5];
            for (int k = 0; k < 5; k++)
                sel[k] = (m >> k) & 1;
            (void)fsc_cond_eval(ops, n, sel, 5);
        }
    } else if (off > size) {
        abort();
    }
    free(copy);
    return 0;
}
