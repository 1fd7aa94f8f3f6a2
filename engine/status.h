/* status.h: the one error enum of fraudscan.
 *
 * Every function that can fail returns an fsc_status. The list below is the
 * only place a status is defined; fsc_strerror() and fsc_status_name() are
 * generated from it, so a new status is one row. Never renumber: values are
 * appended at the end. */
#ifndef FSC_STATUS_H
#define FSC_STATUS_H

#define FSC_STATUS_LIST(X)                                                   \
    X(FSC_OK, "success")                                                     \
    X(FSC_EOF, "end of input")                                               \
    X(FSC_ENOMEM, "out of memory")                                           \
    X(FSC_EIO, "input/output error")                                         \
    X(FSC_EINVAL, "invalid argument")                                        \
    X(FSC_ETRUNC, "truncated input")                                         \
    X(FSC_EMALFORMED, "malformed input")                                     \
    X(FSC_EPARTIAL, "incomplete, more bytes needed")                         \
    X(FSC_EUNSUPPORTED, "unsupported")                                       \
    X(FSC_ELIMIT, "a configured bound was exceeded")                         \
    X(FSC_ERULE, "rule error")                                               \
    X(FSC_EHYPERSCAN, "hyperscan error")                                     \
    X(FSC_EZMQ, "zeromq error")                                              \
    X(FSC_EREDIS, "redis error")                                             \
    X(FSC_ENOTFOUND, "not found")                                            \
    X(FSC_EDENIED, "not allowed for this user")                              \
    X(FSC_ESTATE, "not allowed in the current state")

typedef enum fsc_status {
#define FSC_X_ENUM(name, msg) name,
    FSC_STATUS_LIST(FSC_X_ENUM)
#undef FSC_X_ENUM
    FSC_STATUS_COUNT
} fsc_status;

/* Human text for a status; never NULL, static storage. */
const char *fsc_strerror(fsc_status s);
/* The enum's own name ("FSC_ETRUNC"); never NULL, static storage. */
const char *fsc_status_name(fsc_status s);

#endif
