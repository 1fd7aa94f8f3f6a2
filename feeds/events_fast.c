/* events_fast.c: the common shape of an event line, scanned directly.
 *
 * Why not yajl here: on the bench's install events yajl's lexer and
 * yajl_parse were 40 % of all instructions of a replay and our callbacks
 * another 13 % (docs/benchmarks.md, "Events"); a scanner that knows the
 * one shape is several times cheaper. yajl stays the reference: every
 * line this file declines goes to it, so error messages, columns and the
 * handling of odd but valid lines are yajl's.
 *
 * What is accepted must come out exactly as events.c's callbacks make it.
 * The rules mirrored here, and where they come from:
 *   - strings are validated as yajl 2.1 validates them (yajl_lex.c): raw
 *     bytes below 0x20 are refused; escapes are \" \\ \/ \b \f \n \r \t and
 *     \u with four hex digits; a byte >= 0x80 must start a sequence of the
 *     length its top bits say (110xxxxx: 2, 1110xxxx: 3, 11110xxx: 4) whose
 *     other bytes are 10xxxxxx. yajl checks nothing more (no overlong or
 *     surrogate check) and neither do we: the bytes are copied as they are;
 *   - \uXXXX decodes to UTF-8 as yajl_string_decode does; a high surrogate
 *     followed by an escaped low one is one code point. A lone high
 *     surrogate (yajl writes '?' and eats a byte) and \u0000 (a NUL in a
 *     value is an error for a known key) are declined;
 *   - blanks between tokens: only ' ' and '\t' (yajl also skips \r \n \f \v;
 *     such a line is declined, and yajl takes it);
 *   - numbers follow JSON's grammar; yajl hands their text to cb_number;
 *   - everything a callback of events.c would refuse is declined here. */
#include "events_fast.h"

#include <stdint.h>
#include <string.h>

#include "events_int.h"
#include "timefmt.h"

/* What a byte inside a string asks of the scanner. */
enum {
    B_PLAIN, /* copied as it is */
    B_QUOTE, /* ends the string */
    B_ESC,   /* starts an escape */
    B_U2,    /* leads a 2-byte UTF-8 sequence */
    B_U3,
    B_U4,
    B_BAD, /* a control character, a stray continuation byte, 0xf8.. */
};

static const uint8_t bclass[256] = {
    [0x00 ... 0x1f] = B_BAD, ['"'] = B_QUOTE,         ['\\'] = B_ESC,
    [0x80 ... 0xbf] = B_BAD, [0xc0 ... 0xdf] = B_U2,  [0xe0 ... 0xef] = B_U3,
    [0xf0 ... 0xf7] = B_U4,  [0xf8 ... 0xff] = B_BAD,
};

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at s (all readable) as a number; -1 when one is not. */
static long hex4(const unsigned char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hexval(s[i]);
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static bool cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

/* p is just past an opening quote. Returns the closing quote, or NULL when
 * the string is not one yajl would take or does not end before `end`.
 * *esc is set when the string holds an escape (it must be decoded). */
/* The special bytes of a string (below 0x20, '"', '\\', 0x80 and above)
 * among the 8 at p: the top bit of each such byte is set in the result.
 * A borrow may also flag a byte after (above) a special one, never one
 * before it, so a word of plain bytes gives 0 and the lowest flag is the
 * first special byte. */
static uint64_t special8(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    return ((x - ones * 0x20) | (q - ones) | (b - ones) | x) & high;
}

/* The first byte at or after p that is special in a string, or end. */
static const unsigned char *next_special(const unsigned char *p, const unsigned char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* strings are mostly plain ASCII: 8 bytes at a time; the lowest flag
     * is the lowest address on a little-endian machine */
    while (end - p >= 8) {
        uint64_t t = special8(p);
        if (t)
            return p + (__builtin_ctzll(t) >> 3);
        p += 8;
    }
#endif
    while (p < end && bclass[*p] == B_PLAIN)
        p++;
    return p;
}

static const unsigned char *scan_string(const unsigned char *p, const unsigned char *end, bool *esc)
{
    for (;;) {
        p = next_special(p, end);
        if (p == end)
            return NULL;
        size_t left = (size_t)(end - p);
        switch (bclass[*p]) {
        case B_QUOTE: return p;
        case B_ESC:
            if (left < 2)
                return NULL;
            *esc = true;
            switch (p[1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't': p += 2; break;
            case 'u':
                if (left < 6 || hex4(p + 2) < 0)
                    return NULL;
                p += 6;
                break;
            default: return NULL;
            }
            break;
        case B_U2:
            if (left < 2 || !cont(p[1]))
                return NULL;
            p += 2;
            break;
        case B_U3:
            if (left < 3 || !cont(p[1]) || !cont(p[2]))
                return NULL;
            p += 3;
            break;
        case B_U4:
            if (left < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3]))
                return NULL;
            p += 4;
            break;
        default: return NULL;
        }
    }
}

/* A code point as UTF-8, as yajl's Utf32toUtf8 writes it (below 0x200000,
 * which is all four hex digits or a surrogate pair can make). */
static size_t utf8_put(char *d, unsigned long cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | cp >> 6);
        d[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xe0 | cp >> 12);
        d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        d[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | cp >> 18);
    d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    d[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the n bytes of a string scan_string accepted into d (room for n
 * bytes: no escape decodes longer than it is written). Returns the decoded
 * length, or SIZE_MAX to decline (\u0000, a lone high surrogate). */
static size_t decode(char *d, const unsigned char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            d[o++] = (char)s[i++];
            continue;
        }
        unsigned char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b': d[o++] = '\b'; break;
        case 'f': d[o++] = '\f'; break;
        case 'n': d[o++] = '\n'; break;
        case 'r': d[o++] = '\r'; break;
        case 't': d[o++] = '\t'; break;
        case 'u': {
            unsigned long cp = (unsigned long)hex4(s + i);
            i += 4;
            if (cp == 0)
                return SIZE_MAX;
            if ((cp & 0xfc00) == 0xd800) {
                /* the low half must follow as an escape of its own */
                if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
                    return SIZE_MAX;
                unsigned long lo = (unsigned long)hex4(s + i + 2);
                if ((lo & 0xfc00) != 0xdc00)
                    return SIZE_MAX;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
            o += utf8_put(d + o, cp);
            break;
        }
        default: /* '"', '\\', '/' */ d[o++] = (char)e; break;
        }
    }
    return o;
}

static const unsigned char *blanks(const unsigned char *p, const unsigned char *end)
{
    if (p<end && * p> ' ')
        return p; /* the usual case: no blank at all */
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* p is at a number's first byte. Returns the byte after it, or NULL when it
 * is not a JSON number. What follows is checked by the caller (a number
 * must be followed by a blank, ',' or '}'; yajl's "01" is two tokens). */
static const unsigned char *scan_number(const unsigned char *p, const unsigned char *end)
{
    if (p < end && *p == '-')
        p++;
    if (p == end)
        return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    } else {
        return NULL;
    }
    if (p < end && *p == '.') {
        const unsigned char *d = ++p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        const unsigned char *d = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return NULL;
    }
    return p;
}

/* The row of the known key whose name, then '"', is at s; -1 when none is.
 * A name followed by the quote is the whole key (no name holds a
 * backslash), so the key's end need not be searched for first. Lines write
 * the keys in the table's order: the row after the last one found is
 * tried first. */
static int known_key(const unsigned char *s, const unsigned char *end, size_t *hint)
{
    size_t left = (size_t)(end - s), i = *hint;
    for (size_t t = 0; t < FSC_EVENT_NKEYS; t++) {
        const fsc_event_key *key = &fsc_event_keys[i];
        if (left > key->len && s[0] == (unsigned char)key->name[0] && s[key->len] == '"' &&
            memcmp(s, key->name, key->len) == 0) {
            *hint = i + 1 == FSC_EVENT_NKEYS ? 0 : i + 1;
            return (int)i;
        }
        i = i + 1 == FSC_EVENT_NKEYS ? 0 : i + 1;
    }
    return -1;
}

typedef struct fctx {
    fsc_record *rec;
    fsc_event_meta *meta;
    char *store;
    size_t storecap, used;
    size_t budget;     /* what the yajl path would have stored, at most: the
                        * raw length + 1 of every string kept, copied or not.
                        * Within storecap, so the yajl path never runs out of
                        * store where this one took the line */
    size_t nperms;     /* permissions kept */
    size_t first_perm; /* index of the first of them in rec->values */
} fctx;

static bool add_value(fsc_record *r, fsc_field f, const char *p, size_t n)
{
    if (r->nvalues >= FSC_RECORD_MAX_VALUES)
        return false;
    r->values[r->nvalues].field = f;
    r->values[r->nvalues].ptr = p;
    r->values[r->nvalues].len = (uint32_t)n;
    r->nvalues++;
    return true;
}

/* True when a string of raw length n fits the budget; it is then counted.
 * (The store itself holds at most what the budget counts.) */
static bool room(fctx *c, size_t n)
{
    if (n + 1 > c->storecap - c->budget)
        return false;
    c->budget += n + 1;
    return true;
}

/* The string s[0..n) (raw, with escapes when esc) decoded into the store
 * at c->used, not yet kept. Returns its length, or SIZE_MAX to decline
 * (no room for the raw length plus a NUL, which is more than the decoded
 * string needs: when we have room, events.c's sdup has too). */
static size_t put(fctx *c, const unsigned char *s, size_t n, bool esc)
{
    if (!room(c, n))
        return SIZE_MAX;
    char *d = c->store + c->used;
    if (esc)
        return decode(d, s, n);
    memcpy(d, s, n);
    return n;
}

/* One string of the permissions array, as cb_string's in_perms branch:
 * the android.permission. prefix dropped, empty ones ignored, repeats and
 * those beyond MAX_PERMISSIONS counted as dropped. */
static bool perm(fctx *c, const unsigned char *s, size_t n, bool esc)
{
    static const char prefix[] = FSC_EVENT_PERM_PREFIX;
    const size_t pl = sizeof prefix - 1;
    /* without escapes the value is the line's own bytes: not copied */
    size_t m = n;
    const char *v = (const char *)s;
    if (esc) {
        m = put(c, s, n, esc);
        if (m == SIZE_MAX)
            return false;
        v = c->store + c->used;
    } else if (!room(c, n)) {
        return false;
    }
    if (m > pl && memcmp(v, prefix, pl) == 0) {
        v += pl;
        m -= pl;
    }
    if (m == 0)
        return true;
    fsc_record *r = c->rec;
    if (c->nperms == 0)
        c->first_perm = r->nvalues;
    /* the permissions kept so far are values[first_perm..]: one array
     * (a second "permissions" key is refused) and nothing else in between */
    for (size_t i = c->first_perm; i < c->first_perm + c->nperms; i++)
        if (r->values[i].len == m && memcmp(r->values[i].ptr, v, m) == 0) {
            c->meta->dropped_permissions++;
            return true;
        }
    if (c->nperms >= MAX_PERMISSIONS) {
        c->meta->dropped_permissions++;
        return true;
    }
    if (esc) {
        char *d = c->store + c->used;
        memmove(d, v, m);
        c->used += m;
        v = d;
    }
    c->nperms++;
    return add_value(r, FSC_F_APP_PERMISSIONS, v, m);
}

/* A string value of known key row k (not permissions), as cb_string. */
static bool string_value(fctx *c, int k, const unsigned char *s, size_t n, bool esc)
{
    const fsc_event_key *key = &fsc_event_keys[k];
    fsc_record *r = c->rec;
    switch (key->id) {
    case K_TS: {
        fsc_time t;
        if (esc || !fsc_time_parse((const char *)s, n, &t))
            return false;
        r->ts = t;
        return true;
    }
    case K_EVENT:
        if (esc)
            return false;
        for (size_t i = 0; i < FSC_EVENT_NKINDS; i++)
            if (strncmp(fsc_event_names[i], (const char *)s, n) == 0 &&
                fsc_event_names[i][n] == '\0') {
                r->event = fsc_event_names[i];
                return true;
            }
        return false;
    default: break;
    }
    if (key->dest == DEST_VALUE && !key->hash && !esc) {
        /* package, label: the line's own bytes, not copied */
        if (!room(c, n))
            return false;
        return n == 0 || add_value(r, key->field, (const char *)s, n);
    }
    size_t m = put(c, s, n, esc);
    if (m == SIZE_MAX)
        return false;
    char *d = c->store + c->used;
    if (key->hash) {
        /* hex digests: lower-cased, ':' separators dropped (as sdup) */
        size_t o = 0;
        for (size_t i = 0; i < m; i++)
            if (d[i] != ':')
                d[o++] = (char)(d[i] >= 'A' && d[i] <= 'Z' ? d[i] - 'A' + 'a' : d[i]);
        m = o;
    }
    bool nul = key->dest == DEST_NONE; /* C strings; record values are not */
    if (nul)
        d[m] = '\0';
    c->used += m + (nul ? 1 : 0);
    switch (key->id) {
    case K_SUBSCRIBER:
        if (m == 0)
            return false;
        r->subscriber = d;
        return true;
    case K_DEVICE: c->meta->device = d; return true;
    case K_VERSION: c->meta->version = d; return true;
    case K_FRAUD_TYPE: c->meta->fraud_type = d; return true;
    case K_DISPOSITION: c->meta->disposition = d; return true;
    case K_INSTALLER:
        c->meta->installer = d;
        return m == 0 || add_value(r, FSC_F_APP_INSTALLER, d, m);
    default: return m == 0 || add_value(r, key->field, d, m);
    }
}

/* "permissions": [ "S", ... ]; p is just past the '['. Returns the byte
 * after the ']', or NULL to decline. */
static const unsigned char *perm_array(fctx *c, const unsigned char *p, const unsigned char *end)
{
    p = blanks(p, end);
    if (p < end && *p == ']')
        return p + 1;
    for (;;) {
        if (p == end || *p != '"')
            return NULL;
        bool esc = false;
        const unsigned char *q = scan_string(p + 1, end, &esc);
        if (!q || !perm(c, p + 1, (size_t)(q - p - 1), esc))
            return NULL;
        p = blanks(q + 1, end);
        if (p == end)
            return NULL;
        if (*p == ']')
            return p + 1;
        if (*p != ',')
            return NULL;
        p = blanks(p + 1, end);
    }
}

/* The value of key row k (-1: unknown) at p. Returns the byte after it,
 * or NULL to decline. */
static const unsigned char *value(fctx *c, int k, const unsigned char *p, const unsigned char *end)
{
    const fsc_event_key *key = k >= 0 ? &fsc_event_keys[k] : NULL;
    size_t left = (size_t)(end - p);
    switch (*p) {
    case '"': {
        bool esc = false;
        const unsigned char *q = scan_string(p + 1, end, &esc);
        if (!q)
            return NULL;
        if (key &&
            (key->kind == KIND_STRING_LIST || !string_value(c, k, p + 1, (size_t)(q - p - 1), esc)))
            return NULL;
        return q + 1;
    }
    case '[':
        if (!key || key->kind != KIND_STRING_LIST)
            return NULL; /* nested under an unknown key: yajl skips it */
        return perm_array(c, p + 1, end);
    case 'n':
        if (left < 4 || memcmp(p, "null", 4) != 0)
            return NULL;
        /* null in an optional key means absent; ts and subscriber need one */
        if (key && (key->id == K_TS || key->id == K_SUBSCRIBER))
            return NULL;
        return p + 4;
    case 't': return key || left < 4 || memcmp(p, "true", 4) != 0 ? NULL : p + 4;
    case 'f': return key || left < 5 || memcmp(p, "false", 5) != 0 ? NULL : p + 5;
    default: {
        const unsigned char *q = scan_number(p, end);
        if (!q)
            return NULL;
        if (!key)
            return q;
        fsc_time t;
        if (key->id != K_TS || !fsc_time_parse((const char *)p, (size_t)(q - p), &t))
            return NULL;
        c->rec->ts = t;
        return q;
    }
    }
}

bool fsc_event_parse_fast(const char *buf, size_t len, fsc_record *rec, fsc_event_meta *meta,
                          char *store, size_t storecap)
{
    fsc_event_meta m0;
    fctx c = {.rec = rec, .meta = meta ? meta : &m0, .store = store, .storecap = storecap};
    /* the header only: clearing the 160 value slots would cost more than
     * the scan of a short line, and nothing reads past nvalues */
    memset(rec, 0, offsetof(fsc_record, values));
    rec->source = FSC_SRC_APP;
    rec->event = fsc_event_names[0];
    memset(c.meta, 0, sizeof *c.meta);

    const unsigned char *p = (const unsigned char *)buf, *end = p + len;
    unsigned seen = 0;
    size_t hint = 0;
    p = blanks(p, end);
    if (p == end || *p != '{')
        return false;
    p = blanks(p + 1, end);
    for (;;) {
        /* a key: plain printable ASCII, as every key we know is */
        if (p == end || *p != '"')
            return false;
        const unsigned char *ks = ++p;
        int k = known_key(ks, end, &hint);
        if (k >= 0) {
            p = ks + fsc_event_keys[k].len;
        } else {
            /* an unknown key: skipped, with its value */
            while (p < end && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80)
                p++;
            if (p == end || *p != '"')
                return false;
        }
        if (k >= 0) {
            if (seen & 1u << k)
                return false; /* a duplicate key */
            seen |= 1u << k;
        }
        p = blanks(p + 1, end);
        if (p == end || *p != ':')
            return false;
        p = blanks(p + 1, end);
        if (p == end)
            return false;
        p = value(&c, k, p, end);
        if (!p)
            return false;
        p = blanks(p, end);
        if (p == end)
            return false;
        if (*p == '}')
            break;
        if (*p != ',')
            return false;
        p = blanks(p + 1, end);
    }
    if (blanks(p + 1, end) != end)
        return false;
    if (!(seen & 1u << K_TS_ROW) || !rec->subscriber)
        return false;
    if (strcmp(rec->event, "disposition") == 0)
        return false; /* its checks (and their messages) are events.c's */
    /* the event kind as a value, so a rule can ask for installs only */
    return add_value(rec, FSC_F_APP_EVENT, rec->event, strlen(rec->event));
}
