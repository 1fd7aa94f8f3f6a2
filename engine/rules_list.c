/* rules_list.c: indicator list files, one value per line.
 *
 * A list is data from outside (feeds, imports, analysts' spreadsheets), so
 * a bad line is reported with its line and column and skipped; the good
 * lines still load. Pure over (buf, len): never reads past len. */
#include <string.h>

#include "rules_int.h"

static bool hexdigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static const char *check_domain(const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0)
        return "an empty host name";
    if (len > 253)
        return "longer than 253 characters, so not a host name";
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return "an empty label ('..' or a leading dot), so not a host name";
            label = 0;
            continue;
        }
        if (c == '*')
            return "a wildcard; list the domain itself, which covers its subdomains";
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return "a character that no host name holds";
        if (++label > 63)
            return "a label longer than 63 characters, so not a host name";
    }
    return NULL;
}

const char *fsc_list_check(fsc_list_kind kind, const char *s, size_t len)
{
    switch (kind) {
    case FSC_LIST_DOMAIN:
        return check_domain(s, len);
    case FSC_LIST_IP: {
        fsc_addr a;
        unsigned plen;
        if (!fsc_cidr_parse(s, len, &a, &plen))
            return "not an IPv4 or IPv6 address or CIDR prefix (host bits must be zero)";
        return NULL;
    }
    case FSC_LIST_SHA256:
        if (len != 64)
            return "not a SHA-256 (64 hex digits)";
        for (size_t i = 0; i < len; i++)
            if (!hexdigit(s[i]))
                return "not a SHA-256 (64 hex digits)";
        return NULL;
    case FSC_LIST_TEXT:
        if (len > FSC_RULES_MAX_VALUE)
            return "longer than the 1024-byte limit of a value";
        for (size_t i = 0; i < len; i++)
            if (s[i] == '\0')
                return "a NUL character";
        return NULL;
    }
    return "an unknown list kind";
}

fsc_list_kind fsc_list_kind_for(unsigned field, fsc_mod mod)
{
    if (fsc_rf_is_ip(field))
        return FSC_LIST_IP;
    if (fsc_rf_is_host(field) && (mod == FSC_MOD_EXACT || mod == FSC_MOD_SUFFIX))
        return FSC_LIST_DOMAIN;
    if (fsc_rf_is_hash(field) && mod == FSC_MOD_EXACT)
        return FSC_LIST_SHA256;
    return FSC_LIST_TEXT;
}

size_t fsc_list_parse(const char *buf, size_t len, fsc_list_kind kind, fsc_list_fn fn, void *ctx)
{
    size_t at = 0, lines = 0;
    /* a UTF-8 byte order mark is not part of the first value */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        at = 3;
    while (at < len) {
        const char *nl = memchr(buf + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - buf) : len;
        size_t s = at, e = end;
        lines++;
        while (s < e && (buf[s] == ' ' || buf[s] == '\t'))
            s++;
        /* a comment runs from a '#' at the start or after white space */
        for (size_t i = s; i < e; i++)
            if (buf[i] == '#' && (i == s || buf[i - 1] == ' ' || buf[i - 1] == '\t')) {
                e = i;
                break;
            }
        while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t' || buf[e - 1] == '\r'))
            e--;
        if (e > s) {
            const char *reason = fsc_list_check(kind, buf + s, e - s);
            if (!reason && kind != FSC_LIST_TEXT) {
                for (size_t i = s; i < e; i++)
                    if (buf[i] == ' ' || buf[i] == '\t') {
                        reason = "white space inside the value";
                        break;
                    }
            }
            fn(ctx, (unsigned long)lines, (unsigned long)(s - at + 1), buf + s, e - s, reason);
        }
        at = end + 1;
    }
    return lines;
}
