/* fuzz_rules_misp.c: arbitrary bytes as a MISP event (single event, REST
 * wrapper or bare attributes) and as a CSV indicator file. */
#include <stdint.h>
#include <stdlib.h>

#include "rules_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                  unsigned long col, const char *msg)
{
    (void)ctx, (void)sev, (void)file, (void)line, (void)col, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    for (size_t i = 0; i < size; i++)
        copy[i] = (char)data[i];
    fsc_diag d = {quiet, NULL, 0, 0};
    fsc_import *imp = fsc_import_new(&d);
    if (imp) {
        fsc_import_misp(imp, copy, size, "fuzz");
        fsc_import_csv(imp, copy, size, "fuzz");
        fsc_import_list(imp, copy, size, "fuzz", -1);
        fsc_import_free(imp);
    }
    free(copy);
    return 0;
}
