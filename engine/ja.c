/* ja.c: JA3 and JA4 fingerprints (ja.h). */
#include "ja.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct fsc_ja {
    EVP_MD_CTX *md;
    EVP_MD *md5, *sha256;
    char text[FSC_JA3_TEXT_MAX];
    /* JA4's lists, GREASE left out */
    uint16_t ciphers[FSC_JA_MAX_LIST], exts[FSC_JA_MAX_LIST], sigs[FSC_JA_MAX_LIST];
    size_t nciphers, nexts, nsigs;
};

fsc_ja *fsc_ja_new(void)
{
    fsc_ja *j = calloc(1, sizeof *j);
    if (!j)
        goto fail;
    j->md = EVP_MD_CTX_new();
    j->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    j->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!j->md || !j->md5 || !j->sha256)
        goto fail;
    return j;
fail:
    fsc_ja_free(j);
    return NULL;
}

void fsc_ja_free(fsc_ja *j)
{
    if (!j)
        return;
    EVP_MD_CTX_free(j->md);
    EVP_MD_free(j->md5);
    EVP_MD_free(j->sha256);
    free(j);
}

static bool grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* An append-only text with a hard cap: once it overflows, it stays failed. */
typedef struct text {
    char *p;
    size_t n, cap;
    bool failed;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->failed || t->cap - t->n <= n) {
        t->failed = true;
        return;
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

/* v (at most 65535) in decimal, after sep unless it is the first: by hand,
 * not snprintf, which was half of a JA3's cost (tens of numbers each). */
static void put_dec(text *t, unsigned v, bool *first, char sep)
{
    char b[8];
    size_t i = sizeof b;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 1);
    if (!*first)
        b[--i] = sep;
    put(t, b + i, sizeof b - i);
    *first = false;
}

static void put_hex4(text *t, uint16_t v, bool *first)
{
    static const char hx[] = "0123456789abcdef";
    char b[5] = {',', hx[v >> 12], hx[(v >> 8) & 15], hx[(v >> 4) & 15], hx[v & 15]};
    if (*first)
        put(t, b + 1, 4);
    else
        put(t, b, 5);
    *first = false;
}

/* Walks the extensions of h: ext_next() gives each one's type, data and
 * length, and sets *bad when one does not lie within the block
 * (parse_tls.c already checked; this keeps ja.c safe on its own). */
typedef struct ext_it {
    const uint8_t *p;
    size_t off, len;
} ext_it;

static bool ext_next(ext_it *it, uint16_t *type, const uint8_t **data, size_t *dlen, bool *bad)
{
    if (it->len - it->off < 4) {
        *bad = it->len != it->off;
        return false;
    }
    *type = fsc_be16(it->p + it->off);
    *dlen = fsc_be16(it->p + it->off + 2);
    if (it->len - it->off - 4 < *dlen) {
        *bad = true;
        return false;
    }
    *data = it->p + it->off + 4;
    it->off += 4 + *dlen;
    return true;
}

/* A vector<lenbytes> of 2-byte values inside an extension's data. */
static bool u16_list(const uint8_t *d, size_t n, const uint8_t **items, size_t *count)
{
    if (n < 2)
        return false;
    size_t l = fsc_be16(d);
    if (l > n - 2)
        return false;
    *items = d + 2;
    *count = l / 2;
    return true;
}

size_t fsc_ja3_text(const fsc_tls_hello *h, char *out, size_t cap)
{
    if (cap == 0)
        return (size_t)-1;
    text t = {out, 0, cap, false};
    out[0] = '\0';
    bool first = true;
    put_dec(&t, h->version, &first, ',');
    put(&t, ",", 1);
    first = true;
    for (size_t i = 0; i + 2 <= h->ciphers_len; i += 2) {
        uint16_t c = fsc_be16(h->ciphers + i);
        if (!grease(c))
            put_dec(&t, c, &first, '-');
    }
    put(&t, ",", 1);
    const uint8_t *groups = NULL, *formats = NULL;
    size_t ngroups = 0, nformats = 0;
    ext_it it = {h->exts, 0, h->exts ? h->exts_len : 0};
    uint16_t type;
    const uint8_t *d;
    size_t dl;
    bool bad = false;
    first = true;
    while (ext_next(&it, &type, &d, &dl, &bad)) {
        if (grease(type))
            continue;
        put_dec(&t, type, &first, '-');
        if (type == 10 && !groups && !u16_list(d, dl, &groups, &ngroups))
            bad = true;
        if (type == 11 && !formats) {
            if (dl < 1 || d[0] > dl - 1) {
                bad = true;
            } else {
                formats = d + 1;
                nformats = d[0];
            }
        }
    }
    put(&t, ",", 1);
    first = true;
    for (size_t i = 0; i < ngroups; i++) {
        uint16_t g = fsc_be16(groups + 2 * i);
        if (!grease(g))
            put_dec(&t, g, &first, '-');
    }
    put(&t, ",", 1);
    first = true;
    for (size_t i = 0; i < nformats; i++)
        put_dec(&t, formats[i], &first, '-');
    if (bad || t.failed)
        return (size_t)-1;
    return t.n;
}

static const char hexd[] = "0123456789abcdef";

static bool digest(fsc_ja *j, EVP_MD *md, const char *s, size_t n, uint8_t *out)
{
    unsigned len = 0;
    return EVP_DigestInit_ex2(j->md, md, NULL) == 1 && EVP_DigestUpdate(j->md, s, n) == 1 &&
           EVP_DigestFinal_ex(j->md, out, &len) == 1;
}

fsc_status fsc_ja3(fsc_ja *j, const fsc_tls_hello *h, char out[FSC_JA3_HEX_LEN + 1])
{
    size_t n = fsc_ja3_text(h, j->text, sizeof j->text);
    if (n == (size_t)-1)
        return FSC_ELIMIT;
    uint8_t md[EVP_MAX_MD_SIZE];
    if (!digest(j, j->md5, j->text, n, md))
        return FSC_ELIMIT;
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hexd[md[i] >> 4];
        out[2 * i + 1] = hexd[md[i] & 15];
    }
    out[FSC_JA3_HEX_LEN] = '\0';
    return FSC_OK;
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* JA4's part a (10 characters) into a, and the three lists into j. */
static fsc_status ja4_collect(fsc_ja *j, const fsc_tls_hello *h, bool quic, char a[11])
{
    j->nciphers = j->nexts = j->nsigs = 0;
    for (size_t i = 0; i + 2 <= h->ciphers_len; i += 2) {
        uint16_t c = fsc_be16(h->ciphers + i);
        if (grease(c))
            continue;
        if (j->nciphers == FSC_JA_MAX_LIST)
            return FSC_ELIMIT;
        j->ciphers[j->nciphers++] = c;
    }
    uint16_t version = h->version, best = 0;
    bool sni = false, have_versions = false;
    const uint8_t *alpn = NULL;
    size_t alpn_len = 0, next_all = 0;
    ext_it it = {h->exts, 0, h->exts ? h->exts_len : 0};
    uint16_t type;
    const uint8_t *d;
    size_t dl;
    bool bad = false;
    while (ext_next(&it, &type, &d, &dl, &bad)) {
        if (grease(type))
            continue;
        next_all++;
        if (type == 0) {
            sni = true;
        } else if (type == 16) {
            /* protocol_name_list<2> of name<1>: the first name */
            size_t list = dl >= 2 ? fsc_be16(d) : 0;
            if (!alpn && dl >= 3 && list >= 1 && list <= dl - 2 && d[2] <= list - 1) {
                alpn = d + 3;
                alpn_len = d[2];
            }
        } else if (type == 43) {
            /* client: versions<1> of 2-byte versions */
            if (dl >= 1 && d[0] <= dl - 1) {
                for (size_t i = 0; i + 2 <= d[0]; i += 2) {
                    uint16_t v = fsc_be16(d + 1 + i);
                    if (!grease(v) && v > best)
                        best = v;
                }
                have_versions = best != 0;
            }
        } else if (type == 13 && j->nsigs == 0) {
            const uint8_t *items;
            size_t n;
            if (!u16_list(d, dl, &items, &n))
                return FSC_EMALFORMED;
            for (size_t i = 0; i < n; i++) {
                uint16_t s = fsc_be16(items + 2 * i);
                if (grease(s))
                    continue;
                if (j->nsigs == FSC_JA_MAX_LIST)
                    return FSC_ELIMIT;
                j->sigs[j->nsigs++] = s;
            }
        }
        if (type == 0 || type == 16)
            continue;
        if (j->nexts == FSC_JA_MAX_LIST)
            return FSC_ELIMIT;
        j->exts[j->nexts++] = type;
    }
    if (bad)
        return FSC_EMALFORMED;
    if (have_versions)
        version = best;
    const char *vs;
    switch (version) {
    case 0x0304: vs = "13"; break;
    case 0x0303: vs = "12"; break;
    case 0x0302: vs = "11"; break;
    case 0x0301: vs = "10"; break;
    case 0x0300: vs = "s3"; break;
    case 0x0002: vs = "s2"; break;
    default: vs = "00"; break;
    }
    size_t nc = j->nciphers > 99 ? 99 : j->nciphers, ne = next_all > 99 ? 99 : next_all;
    char al[3] = "00";
    if (alpn && alpn_len > 0) {
        uint8_t f = alpn[0], l = alpn[alpn_len - 1];
#define ALNUM(c) (((c) >= '0' && (c) <= '9') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))
        if (ALNUM(f) && ALNUM(l)) {
            al[0] = (char)f;
            al[1] = (char)l;
        } else {
            al[0] = hexd[f >> 4];
            al[1] = hexd[l & 15];
        }
#undef ALNUM
    }
    a[0] = quic ? 'q' : 't';
    a[1] = vs[0];
    a[2] = vs[1];
    a[3] = sni ? 'd' : 'i';
    a[4] = (char)('0' + nc / 10);
    a[5] = (char)('0' + nc % 10);
    a[6] = (char)('0' + ne / 10);
    a[7] = (char)('0' + ne % 10);
    a[8] = al[0];
    a[9] = al[1];
    a[10] = '\0';
    qsort(j->ciphers, j->nciphers, sizeof j->ciphers[0], cmp_u16);
    qsort(j->exts, j->nexts, sizeof j->exts[0], cmp_u16);
    return FSC_OK;
}

static void put_list(text *t, const uint16_t *v, size_t n)
{
    bool first = true;
    for (size_t i = 0; i < n; i++)
        put_hex4(t, v[i], &first);
}

/* Part c's text: sorted extensions, '_', signature algorithms. */
static void ext_text(fsc_ja *j, text *t)
{
    put_list(t, j->exts, j->nexts);
    if (j->nsigs) {
        put(t, "_", 1);
        put_list(t, j->sigs, j->nsigs);
    }
}

size_t fsc_ja4_raw(fsc_ja *j, const fsc_tls_hello *h, bool quic, char *out, size_t cap)
{
    char a[11];
    if (cap == 0 || ja4_collect(j, h, quic, a) != FSC_OK)
        return (size_t)-1;
    text t = {out, 0, cap, false};
    out[0] = '\0';
    put(&t, a, 10);
    put(&t, "_", 1);
    put_list(&t, j->ciphers, j->nciphers);
    put(&t, "_", 1);
    ext_text(j, &t);
    return t.failed ? (size_t)-1 : t.n;
}

/* First 12 hex digits of SHA-256 of s; an empty list is all zeros. */
static bool hash12(fsc_ja *j, const char *s, size_t n, char *out)
{
    if (n == 0) {
        memset(out, '0', 12);
        return true;
    }
    uint8_t md[EVP_MAX_MD_SIZE];
    if (!digest(j, j->sha256, s, n, md))
        return false;
    for (int i = 0; i < 6; i++) {
        out[2 * i] = hexd[md[i] >> 4];
        out[2 * i + 1] = hexd[md[i] & 15];
    }
    return true;
}

fsc_status fsc_ja4(fsc_ja *j, const fsc_tls_hello *h, bool quic, char out[FSC_JA4_LEN + 1])
{
    char a[11];
    fsc_status st = ja4_collect(j, h, quic, a);
    if (st != FSC_OK)
        return st;
    memcpy(out, a, 10);
    out[10] = '_';
    text t = {j->text, 0, sizeof j->text, false};
    put_list(&t, j->ciphers, j->nciphers);
    if (t.failed || !hash12(j, t.p, t.n, out + 11))
        return FSC_ELIMIT;
    out[23] = '_';
    t.n = 0;
    if (j->nexts)
        ext_text(j, &t);
    if (t.failed || !hash12(j, t.p, t.n, out + 24))
        return FSC_ELIMIT;
    out[FSC_JA4_LEN] = '\0';
    return FSC_OK;
}
