/* fuzz_rules_stix.c: arbitrary bytes as a STIX 2.1 pattern, then as a whole
 * STIX bundle (JSON). Nothing may crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>

#include "rules_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_ioc(void *ctx, fsc_ioc_kind kind, const char *v, size_t len, size_t off)
{
    size_t *n = ctx;
    if ((unsigned)kind >= FSC_IOC_COUNT || len > 1024)
        abort();
    *n += len + off + (v ? 0 : 1);
}

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
    size_t n = 0, off = 0;
    char msg[300];
    (void)fsc_stix_pattern_parse(copy, size, on_ioc, &n, &off, msg, sizeof msg);
    fsc_diag d = {quiet, NULL, 0, 0};
    fsc_import *imp = fsc_import_new(&d);
    if (imp) {
        fsc_import_stix(imp, copy, size, "fuzz");
        fsc_import_free(imp);
    }
    free(copy);
    return 0;
}
