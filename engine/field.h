/* field.h: the fields the engine extracts and rules match on.
 *
 * One row per field: enum name, the name analysts write in rules and
 * `fraudscan extract` prints, and whether values are host names (compared
 * case-insensitively, suffix matching is label-aware). Adding a field is one
 * row here plus the code that extracts it. */
#ifndef FSC_FIELD_H
#define FSC_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#define FSC_FIELD_LIST(X)                                                    \
    X(FSC_F_DNS_QUERY, "dns.query", true)                                    \
    X(FSC_F_TLS_SNI, "tls.sni", true)                                        \
    X(FSC_F_TLS_JA3, "tls.ja3", false)                                       \
    X(FSC_F_TLS_JA4, "tls.ja4", false)                                       \
    X(FSC_F_QUIC_SNI, "quic.sni", true)                                      \
    X(FSC_F_HTTP_HOST, "http.host", true)                                    \
    X(FSC_F_HTTP_URI, "http.uri", false)                                     \
    X(FSC_F_HTTP_USER_AGENT, "http.user_agent", false)                       \
    X(FSC_F_HTTP_APK_URL, "http.apk_url", false)                             \
    X(FSC_F_APP_PACKAGE, "app.package", false)                               \
    X(FSC_F_APP_LABEL, "app.label", false)                                   \
    X(FSC_F_APP_CERT_SHA256, "app.cert_sha256", false)                       \
    X(FSC_F_APP_APK_SHA256, "app.apk_sha256", false)                         \
    X(FSC_F_APP_PERMISSIONS, "app.permissions", false)                       \
    X(FSC_F_APP_INSTALLER, "app.installer", false)                           \
    X(FSC_F_APP_EVENT, "app.event", false)

typedef enum fsc_field {
#define FSC_X_ENUM(e, name, host) e,
    FSC_FIELD_LIST(FSC_X_ENUM)
#undef FSC_X_ENUM
    FSC_F_COUNT
} fsc_field;

/* The field's rule/extract name ("dns.query"); static storage. */
const char *fsc_field_name(fsc_field f);
/* True when the field holds host names (case-insensitive, label-aware). */
bool fsc_field_is_host(fsc_field f);
/* Finds a field by name (len bytes, not NUL-terminated). Returns FSC_F_COUNT
 * when there is no such field. */
fsc_field fsc_field_lookup(const char *name, size_t len);

#endif
