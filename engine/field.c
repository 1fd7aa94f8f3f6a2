/* field.c: names and properties of the rows in field.h. */
#include "field.h"

#include <string.h>

static const struct {
    const char *name;
    bool host;
} fields[] = {
#define FSC_X_ROW(e, name, host) {name, host},
    FSC_FIELD_LIST(FSC_X_ROW)
#undef FSC_X_ROW
};

const char *fsc_field_name(fsc_field f)
{
    return (unsigned)f < FSC_F_COUNT ? fields[f].name : "?";
}

bool fsc_field_is_host(fsc_field f)
{
    return (unsigned)f < FSC_F_COUNT && fields[f].host;
}

fsc_field fsc_field_lookup(const char *name, size_t len)
{
    for (unsigned i = 0; i < FSC_F_COUNT; i++)
        if (strlen(fields[i].name) == len && memcmp(fields[i].name, name, len) == 0)
            return (fsc_field)i;
    return FSC_F_COUNT;
}
