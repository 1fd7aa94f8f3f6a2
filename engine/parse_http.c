/* parse_http.c: HTTP/1.x request headers (http.uri, http.host,
 * http.user_agent), and the Content-Type of responses (http.apk_url). */
#include <stdbool.h>
#include <string.h>

#include "parse.h"

/* Methods whose token, followed by a space, starts a request. The list
 * follows what tshark's HTTP dissector recognises (RFC 9110, WebDAV,
 * CalDAV), so detection by content agrees with the reference. Lengths are
 * kept with the names: this runs on every TCP payload that starts a
 * segment of interest, most of which are not HTTP at all. */
#define M(s) {s, sizeof s - 1}
static const struct {
    const char *name;
    size_t len;
} methods[] = {
    M("GET"), M("POST"), M("HEAD"), M("PUT"), M("DELETE"), M("OPTIONS"), M("CONNECT"),
    M("TRACE"), M("PATCH"), M("PROPFIND"), M("PROPPATCH"), M("MKCOL"), M("COPY"), M("MOVE"),
    M("LOCK"), M("UNLOCK"), M("SEARCH"), M("REPORT"), M("CHECKOUT"), M("CHECKIN"), M("MERGE"),
    M("MKACTIVITY"), M("MKWORKSPACE"), M("VERSION-CONTROL"), M("BASELINE-CONTROL"),
    M("UPDATE"), M("LABEL"), M("UNCHECKOUT"), M("ACL"), M("BIND"), M("REBIND"), M("UNBIND"),
    M("MKCALENDAR"), M("ORDERPATCH"), M("NOTIFY"), M("SUBSCRIBE"), M("UNSUBSCRIBE"),
    M("PURGE"), M("POLL"), M("BMOVE"), M("BDELETE"), M("BPROPFIND"), M("BPROPPATCH"),
    M("BCOPY"),
};
#undef M

/* Can c start a method? One test rejects almost every binary payload
 * before any string comparison (measured: the method scan was a third of
 * the per-packet time on bulk TCP before this). */
static bool method_start(uint8_t c)
{
    switch (c) {
    case 'A': case 'B': case 'C': case 'D': case 'G': case 'H': case 'L': case 'M':
    case 'N': case 'O': case 'P': case 'R': case 'S': case 'T': case 'U': case 'V':
        return true;
    default:
        return false;
    }
}

size_t fsc_http_method_len(const uint8_t *buf, size_t len)
{
    if (len == 0 || !method_start(buf[0]))
        return 0;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t m = methods[i].len;
        if (len > m && buf[m] == ' ' && buf[0] == (uint8_t)methods[i].name[0] &&
            memcmp(buf, methods[i].name, m) == 0)
            return m;
    }
    return 0;
}

bool fsc_http_may_be_request(const uint8_t *buf, size_t len)
{
    if (len == 0 || !method_start(buf[0]))
        return false;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t m = methods[i].len;
        if (buf[0] != (uint8_t)methods[i].name[0])
            continue;
        if (len > m) {
            if (buf[m] == ' ' && memcmp(buf, methods[i].name, m) == 0)
                return true;
        } else if (memcmp(buf, methods[i].name, len) == 0) {
            return true;
        }
    }
    return false;
}

/* The header line at *pos (without its CR LF) in *line, *ll, and *pos moved
 * past it. Returns FSC_OK, FSC_EOF at the blank line that ends the header
 * (*pos is then the header's length), or FSC_EPARTIAL when the header goes
 * on past len. */
static fsc_status header_line(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **line,
                              size_t *ll)
{
    if (*pos >= len)
        return FSC_EPARTIAL;
    const uint8_t *nl = memchr(buf + *pos, '\n', len - *pos);
    if (!nl)
        return FSC_EPARTIAL;
    size_t e = (size_t)(nl - buf), ve = e;
    if (ve > *pos && buf[ve - 1] == '\r')
        ve--;
    *line = buf + *pos;
    *ll = ve - *pos;
    *pos = e + 1;
    return *ll ? FSC_OK : FSC_EOF;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool name_is(const uint8_t *p, size_t n, const char *want)
{
    size_t w = strlen(want);
    if (n != w)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != want[i])
            return false;
    return true;
}

static bool is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

fsc_status fsc_http_parse_request(const uint8_t *buf, size_t len, fsc_http_request *out)
{
    memset(out, 0, sizeof *out);
    out->anomaly = FSC_C_HTTP_MALFORMED;
    size_t m = fsc_http_method_len(buf, len);
    if (!m)
        return fsc_http_may_be_request(buf, len) ? FSC_EPARTIAL : FSC_EUNSUPPORTED;
    const uint8_t *nl = memchr(buf, '\n', len);
    if (!nl)
        return FSC_EPARTIAL;
    size_t line_end = (size_t)(nl - buf);        /* index of '\n' */
    size_t le = line_end;
    if (le > 0 && buf[le - 1] == '\r')
        le--;
    /* request line: method SP target SP HTTP/1.x */
    size_t t = m + 1;
    size_t sp = t;
    while (sp < le && buf[sp] != ' ')
        sp++;
    if (sp == t || sp >= le)
        return FSC_EMALFORMED;
    if (le - sp - 1 != 8 || memcmp(buf + sp + 1, "HTTP/1.", 7) != 0 ||
        buf[sp + 8] < '0' || buf[sp + 8] > '9')
        return FSC_EMALFORMED;
    for (size_t i = t; i < sp; i++)
        if (buf[i] < 0x21 || buf[i] == 0x7f)
            return FSC_EMALFORMED;
    out->method = (const char *)buf;
    out->method_len = m;
    out->uri = (const char *)buf + t;
    out->uri_len = sp - t;

    size_t pos = line_end + 1;
    const uint8_t *line;
    size_t ll;
    fsc_status st;
    while ((st = header_line(buf, len, &pos, &line, &ll)) == FSC_OK) {
        if (is_ows(line[0]))
            continue; /* obsolete line folding: continuation of a value we skip */
        const uint8_t *colon = memchr(line, ':', ll);
        if (!colon)
            continue; /* not a field; servers differ, tshark shows and skips it */
        size_t nlen = (size_t)(colon - line);
        size_t vs = nlen + 1, vend = ll;
        while (vs < vend && is_ows(line[vs]))
            vs++;
        while (vend > vs && is_ows(line[vend - 1]))
            vend--;
        const char *v = (const char *)line + vs;
        size_t vl = vend - vs;
        if (name_is(line, nlen, "host")) {
            if (!out->host) {
                out->host = v;
                out->host_len = vl;
            }
        } else if (name_is(line, nlen, "user-agent")) {
            if (!out->user_agent) {
                out->user_agent = v;
                out->user_agent_len = vl;
            }
        } else if (name_is(line, nlen, "content-length")) {
            uint64_t n = 0;
            for (size_t i = 0; i < vl; i++) {
                if (v[i] < '0' || v[i] > '9' || n > (UINT64_MAX - 9) / 10)
                    return FSC_EMALFORMED;
                n = n * 10 + (uint64_t)(v[i] - '0');
            }
            out->content_length = n;
        } else if (name_is(line, nlen, "transfer-encoding")) {
            out->chunked = true;
        }
    }
    if (st == FSC_EOF)
        out->header_len = pos;
    return st == FSC_EOF ? FSC_OK : st;
}

size_t fsc_http_host_normalize(const char *v, size_t len, char *out, size_t cap)
{
    size_t n = len;
    if (n > 0 && v[0] == '[') {
        const char *rb = memchr(v, ']', n);
        if (rb)
            n = (size_t)(rb - v) + 1;
    } else {
        const char *colon = memchr(v, ':', n);
        if (colon)
            n = (size_t)(colon - v);
    }
    if (n > cap)
        return (size_t)-1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)lower((unsigned char)v[i]);
    return n;
}

fsc_status fsc_http_parse_response(const uint8_t *buf, size_t len, fsc_http_response *out)
{
    memset(out, 0, sizeof *out);
    out->anomaly = FSC_C_HTTP_MALFORMED;
    static const char proto[] = "HTTP/1.";
    size_t pl = sizeof proto - 1;
    if (memcmp(buf, proto, len < pl ? len : pl) != 0)
        return FSC_EUNSUPPORTED;
    /* "HTTP/1.x SSS" */
    if (len < pl + 5)
        return FSC_EPARTIAL;
    if (buf[pl + 1] != ' ')
        return FSC_EUNSUPPORTED;
    for (size_t i = pl + 2; i < pl + 5; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return FSC_EMALFORMED;
        out->status = out->status * 10 + (unsigned)(buf[i] - '0');
    }
    const uint8_t *nl = memchr(buf, '\n', len);
    if (!nl)
        return FSC_EPARTIAL;
    size_t pos = (size_t)(nl - buf) + 1;
    const uint8_t *line;
    size_t ll;
    fsc_status st;
    while ((st = header_line(buf, len, &pos, &line, &ll)) == FSC_OK) {
        const uint8_t *colon = memchr(line, ':', ll);
        if (!colon || is_ows(line[0]))
            continue;
        size_t nlen = (size_t)(colon - line);
        if (!name_is(line, nlen, "content-type") || out->content_type)
            continue;
        size_t vs = nlen + 1, vend = ll;
        while (vs < vend && is_ows(line[vs]))
            vs++;
        const uint8_t *semi = memchr(line + vs, ';', vend - vs);
        if (semi)
            vend = (size_t)(semi - line);
        while (vend > vs && is_ows(line[vend - 1]))
            vend--;
        out->content_type = (const char *)line + vs;
        out->content_type_len = vend - vs;
    }
    if (st == FSC_EOF)
        out->header_len = pos;
    return st == FSC_EOF ? FSC_OK : st;
}

bool fsc_http_is_apk_path(const char *uri, size_t len)
{
    size_t n = 0;
    while (n < len && uri[n] != '?' && uri[n] != '#')
        n++;
    return n >= 4 && uri[n - 4] == '.' && lower((unsigned char)uri[n - 3]) == 'a' &&
           lower((unsigned char)uri[n - 2]) == 'p' && lower((unsigned char)uri[n - 1]) == 'k';
}
