/* status.c: text for the status list in status.h. */
#include "status.h"

static const char *const messages[] = {
#define FSC_X_MSG(name, msg) msg,
    FSC_STATUS_LIST(FSC_X_MSG)
#undef FSC_X_MSG
};

static const char *const names[] = {
#define FSC_X_NAME(name, msg) #name,
    FSC_STATUS_LIST(FSC_X_NAME)
#undef FSC_X_NAME
};

const char *fsc_strerror(fsc_status s)
{
    if ((unsigned)s >= FSC_STATUS_COUNT)
        return "unknown status";
    return messages[s];
}

const char *fsc_status_name(fsc_status s)
{
    if ((unsigned)s >= FSC_STATUS_COUNT)
        return "FSC_UNKNOWN";
    return names[s];
}
