/* fuzz_tokens.c: the tokens file (YAML) from untrusted bytes; when it
 * loads, lookups of tokens cut from the input never crash, and what a
 * looked-up principal may do is consistent with its role. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                  unsigned long col, const char *msg)
{
    (void)ctx; (void)sev; (void)file; (void)line; (void)col; (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fsc_diag diag = {.fn = quiet};
    fsc_auth *a = NULL;
    if (fsc_auth_load_buf("fuzz.yaml", (const char *)data, size, &diag, &a) != FSC_OK)
        return 0;
    static const char *const known[] = {"tok-chen", "tok-admin", "tok-an", "x", ""};
    fsc_principal q;
    for (int k = 0; k < 5; k++)
        if (fsc_auth_lookup(a, known[k], &q) && q.role == FSC_ROLE_NONE)
            __builtin_trap();
    char tok[64];
    for (size_t i = 0; i < size && i < 2048; i += 37) {
        size_t n = size - i < sizeof tok - 1 ? size - i : sizeof tok - 1;
        memcpy(tok, data + i, n);
        tok[n] = '\0';
        fsc_principal p;
        if (fsc_auth_lookup(a, tok, &p)) {
            if (p.role == FSC_ROLE_NONE || !p.name[0] ||
                (p.role == FSC_ROLE_ANALYST && fsc_auth_allows(&p, FSC_ACT_WORK, "P")) ||
                (p.role != FSC_ROLE_ADMIN && fsc_auth_allows(&p, FSC_ACT_ADMIN, NULL)))
                __builtin_trap();
        }
    }
    fsc_auth_free(a);
    return 0;
}
