/* quic.c: QUIC client Initial packets to the ClientHello (quic.h). */
#include "quic.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "parse.h"

#define DEFAULT_CONNS 64
#define DEFAULT_TIMEOUT (30 * 1000000LL)
/* Largest UDP payload: the plaintext buffer holds a whole packet. */
#define DGRAM_MAX 65535
/* CRYPTO frames read from one packet before the rest is ignored. */
#define MAX_FRAMES 256

static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
static const uint8_t salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};

typedef struct conn {
    bool used;
    bool done;                 /* ClientHello read: later Initials are repeats */
    uint8_t dcid_len, scid_len;
    uint8_t dcid[FSC_QUIC_CID_MAX], scid[FSC_QUIC_CID_MAX];
    uint32_t version;
    fsc_quic_keys keys;
    fsc_time last_seen;
    uint32_t need;             /* handshake message length once bytes 0..3 came; 0 before */
    uint8_t data[FSC_QUIC_CRYPTO_MAX];
    uint8_t have[FSC_QUIC_CRYPTO_MAX / 8]; /* one bit per byte received */
} conn;

struct fsc_quic {
    fsc_counters *c;
    size_t nconns;
    fsc_time timeout;
    conn *conns;
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac;
    /* HMAC-SHA256 keyed with the v1 and the v2 salt once, here: the
     * Initial secret of each new connection then starts from the salt's
     * prepared state instead of setting the key again (OpenSSL's key setup
     * allocates and hashes both pads) */
    EVP_MAC_CTX *salted[2];
    EVP_CIPHER_CTX *gcm, *ecb;
    uint8_t plain[DGRAM_MAX];
};

fsc_quic *fsc_quic_new(size_t max_conns, fsc_time timeout, fsc_counters *counters)
{
    fsc_quic *q = calloc(1, sizeof *q);
    if (!q)
        goto fail;
    q->c = counters;
    q->nconns = max_conns ? max_conns : DEFAULT_CONNS;
    q->timeout = timeout ? timeout : DEFAULT_TIMEOUT;
    q->conns = calloc(q->nconns, sizeof *q->conns);
    q->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    q->mac = q->hmac ? EVP_MAC_CTX_new(q->hmac) : NULL;
    q->salted[0] = q->hmac ? EVP_MAC_CTX_new(q->hmac) : NULL;
    q->salted[1] = q->hmac ? EVP_MAC_CTX_new(q->hmac) : NULL;
    q->gcm = EVP_CIPHER_CTX_new();
    q->ecb = EVP_CIPHER_CTX_new();
    if (!q->conns || !q->mac || !q->salted[0] || !q->salted[1] || !q->gcm || !q->ecb)
        goto fail;
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                      OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(q->mac, p) != 1 ||
        EVP_MAC_init(q->salted[0], salt_v1, sizeof salt_v1, p) != 1 ||
        EVP_MAC_init(q->salted[1], salt_v2, sizeof salt_v2, p) != 1)
        goto fail;
    if (EVP_DecryptInit_ex(q->gcm, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_EncryptInit_ex(q->ecb, EVP_aes_128_ecb(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(q->ecb, 0) != 1)
        goto fail;
    return q;
fail:
    fsc_quic_free(q);
    return NULL;
}

void fsc_quic_free(fsc_quic *q)
{
    if (!q)
        return;
    EVP_CIPHER_CTX_free(q->gcm);
    EVP_CIPHER_CTX_free(q->ecb);
    EVP_MAC_CTX_free(q->mac);
    EVP_MAC_CTX_free(q->salted[0]);
    EVP_MAC_CTX_free(q->salted[1]);
    EVP_MAC_free(q->hmac);
    free(q->conns);
    free(q);
}

/* HMAC-SHA256(key, msg) into out[32] on m; key NULL: the key m was last
 * given (re-initialising from its prepared pads costs no key setup). */
static bool hmac(EVP_MAC_CTX *m, const uint8_t *key, size_t klen, const uint8_t *msg,
                 size_t mlen, uint8_t out[32])
{
    size_t n = 0;
    return EVP_MAC_init(m, key, klen, NULL) == 1 && EVP_MAC_update(m, msg, mlen) == 1 &&
           EVP_MAC_final(m, out, &n, 32) == 1 && n == 32;
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context, for outputs of at
 * most 32 bytes: one HMAC block of info || 0x01. secret NULL: the secret of
 * the previous call again. */
static bool expand_label(fsc_quic *q, const uint8_t *secret, const char *label, uint8_t *out,
                         size_t len)
{
    uint8_t info[2 + 1 + 6 + 32 + 1 + 1];
    size_t ll = strlen(label);
    if (ll > 32 || len > 32)
        return false;
    size_t n = 0;
    info[n++] = (uint8_t)(len >> 8);
    info[n++] = (uint8_t)len;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = 0; /* context length */
    info[n++] = 1; /* HKDF block counter */
    uint8_t t[32];
    if (!hmac(q->mac, secret, secret ? 32 : 0, info, n, t))
        return false;
    memcpy(out, t, len);
    return true;
}

fsc_status fsc_quic_client_keys(fsc_quic *q, uint32_t version, const uint8_t *dcid,
                                size_t dcid_len, fsc_quic_keys *out)
{
    bool v2 = version == FSC_QUIC_V2;
    if (version != FSC_QUIC_V1 && !v2)
        return FSC_EUNSUPPORTED;
    uint8_t initial[32], client[32];
    /* HKDF-Extract(salt, dcid), the salt keyed in by fsc_quic_new(); the
     * three labels under `client` share its key setup */
    if (!hmac(q->salted[v2], NULL, 0, dcid, dcid_len, initial) ||
        !expand_label(q, initial, "client in", client, 32) ||
        !expand_label(q, client, v2 ? "quicv2 key" : "quic key", out->key, 16) ||
        !expand_label(q, NULL, v2 ? "quicv2 iv" : "quic iv", out->iv, 12) ||
        !expand_label(q, NULL, v2 ? "quicv2 hp" : "quic hp", out->hp, 16))
        return FSC_ELIMIT;
    return FSC_OK;
}

/* A QUIC variable-length integer (RFC 9000 16) at buf[*off]. */
static bool varint(const uint8_t *buf, size_t len, size_t *off, uint64_t *v)
{
    if (*off >= len)
        return false;
    size_t n = (size_t)1 << (buf[*off] >> 6);
    if (len - *off < n)
        return false;
    uint64_t x = buf[*off] & 0x3f;
    for (size_t i = 1; i < n; i++)
        x = x << 8 | buf[*off + i];
    *off += n;
    *v = x;
    return true;
}

static conn *conn_find(fsc_quic *q, const uint8_t *dcid, size_t dcid_len, const uint8_t *scid,
                       size_t scid_len, fsc_time now)
{
    conn *hit = NULL;
    for (size_t i = 0; i < q->nconns; i++) {
        conn *k = &q->conns[i];
        if (!k->used)
            continue;
        if (now - k->last_seen > q->timeout) {
            k->used = false;
            continue;
        }
        if (!hit && ((k->dcid_len == dcid_len && memcmp(k->dcid, dcid, dcid_len) == 0) ||
                     /* a client that already heard the server's connection
                      * ID keeps its own source ID */
                     (scid_len && k->scid_len == scid_len &&
                      memcmp(k->scid, scid, scid_len) == 0)))
            hit = k;
    }
    return hit;
}

/* True when a server's packet: its DCID is a known client's SCID. */
static bool from_server(const fsc_quic *q, const uint8_t *dcid, size_t dcid_len)
{
    for (size_t i = 0; i < q->nconns; i++) {
        const conn *k = &q->conns[i];
        if (k->used && dcid_len && k->scid_len == dcid_len &&
            memcmp(k->scid, dcid, dcid_len) == 0)
            return true;
    }
    return false;
}

static conn *conn_new(fsc_quic *q, fsc_time now)
{
    conn *slot = NULL;
    for (size_t i = 0; i < q->nconns; i++) {
        conn *k = &q->conns[i];
        if (!k->used) {
            slot = k;
            break;
        }
        if (!slot || k->last_seen < slot->last_seen)
            slot = k;
    }
    if (slot->used)
        q->c->v[FSC_C_QUIC_CONNS_EVICTED]++;
    slot->used = true;
    slot->done = false;
    slot->need = 0;
    slot->last_seen = now;
    memset(slot->have, 0, sizeof slot->have);
    return slot;
}

/* Marks stream bytes [from, to) received: whole bitmap bytes at once, so a
 * ClientHello of 2 KB costs a few hundred steps, not one per byte. */
static void have_set(conn *k, size_t from, size_t to)
{
    for (; from < to && (from & 7); from++)
        k->have[from >> 3] |= (uint8_t)(1u << (from & 7));
    if (to - from >= 8) {
        memset(k->have + (from >> 3), 0xff, (to - from) >> 3);
        from += (to - from) & ~(size_t)7;
    }
    for (; from < to; from++)
        k->have[from >> 3] |= (uint8_t)(1u << (from & 7));
}

/* True when stream bytes [0, end) have all been received. */
static bool have_all(const conn *k, size_t end)
{
    size_t i = 0;
    for (; i + 8 <= end; i += 8)
        if (k->have[i >> 3] != 0xff)
            return false;
    for (; i < end; i++)
        if (!(k->have[i >> 3] >> (i & 7) & 1))
            return false;
    return true;
}

/* Walks the frames of a decrypted Initial payload, copying CRYPTO data into
 * the connection. Returns false on a frame an Initial may not carry. */
static bool frames(fsc_quic *q, conn *k, const uint8_t *p, size_t n)
{
    size_t off = 0;
    unsigned crypto = 0;
    while (off < n) {
        uint64_t type, a, b, c;
        if (!varint(p, n, &off, &type))
            return false;
        switch (type) {
        case 0x00: /* PADDING: a client pads its Initial to 1200 bytes with
                    * runs of them, skipped here in one pass */
            while (off < n && p[off] == 0)
                off++;
            break;
        case 0x01: /* PING */
            break;
        case 0x02: /* ACK: largest, delay, range count, first range, ranges */
        case 0x03: /* ACK with ECN counts */
            if (!varint(p, n, &off, &a) || !varint(p, n, &off, &b) ||
                !varint(p, n, &off, &c) || !varint(p, n, &off, &a))
                return false;
            for (uint64_t i = 0; i < c; i++)
                if (!varint(p, n, &off, &a) || !varint(p, n, &off, &b))
                    return false;
            if (type == 0x03 &&
                (!varint(p, n, &off, &a) || !varint(p, n, &off, &b) || !varint(p, n, &off, &c)))
                return false;
            break;
        case 0x06: { /* CRYPTO: offset, length, data */
            if (!varint(p, n, &off, &a) || !varint(p, n, &off, &b) || b > n - off)
                return false;
            if (++crypto > MAX_FRAMES)
                return false;
            if (a >= FSC_QUIC_CRYPTO_MAX || b > FSC_QUIC_CRYPTO_MAX - a) {
                q->c->v[FSC_C_QUIC_CRYPTO_EXCEEDED]++;
                off += (size_t)b;
                break;
            }
            memcpy(k->data + a, p + off, (size_t)b);
            have_set(k, (size_t)a, (size_t)(a + b));
            off += (size_t)b;
            break;
        }
        case 0x1c: /* CONNECTION_CLOSE: error, frame type, reason */
            if (!varint(p, n, &off, &a) || !varint(p, n, &off, &b) ||
                !varint(p, n, &off, &c) || c > n - off)
                return false;
            off += (size_t)c;
            break;
        default:
            return false;
        }
    }
    return true;
}

/* Opens one long-header Initial packet pkt[0..plen) whose header fields
 * were read by the caller (pn_off: where the packet number starts). On
 * success the payload is in q->plain[0..*out_len). */
static fsc_status open_packet(fsc_quic *q, const fsc_quic_keys *keys, const uint8_t *pkt,
                              size_t plen, size_t pn_off, size_t *out_len)
{
    /* the header protection sample starts 4 bytes after the packet number
     * offset, whatever the packet number's length (RFC 9001 5.4.2) */
    if (plen < pn_off + 4 + 16)
        return FSC_ETRUNC;
    uint8_t mask[32];
    int ml = 0;
    if (EVP_EncryptInit_ex(q->ecb, NULL, NULL, keys->hp, NULL) != 1 ||
        EVP_EncryptUpdate(q->ecb, mask, &ml, pkt + pn_off + 4, 16) != 1 || ml != 16)
        return FSC_ELIMIT;
    uint8_t first = pkt[0] ^ (mask[0] & 0x0f);
    size_t pn_len = (size_t)(first & 3) + 1;
    uint32_t pn = 0;
    for (size_t i = 0; i < pn_len; i++)
        pn = pn << 8 | (uint8_t)(pkt[pn_off + i] ^ mask[1 + i]);
    size_t hlen = pn_off + pn_len;
    if (plen < hlen + 16)
        return FSC_ETRUNC;
    /* the additional data is the header with protection removed; the
     * plaintext buffer holds it first, then the payload after it */
    uint8_t *aad = q->plain;
    size_t ct_len = plen - hlen - 16;
    if (hlen + ct_len > sizeof q->plain)
        return FSC_ELIMIT;
    memcpy(aad, pkt, hlen);
    aad[0] = first;
    for (size_t i = 0; i < pn_len; i++)
        aad[pn_off + i] = (uint8_t)(pkt[pn_off + i] ^ mask[1 + i]);
    uint8_t nonce[12];
    memcpy(nonce, keys->iv, 12);
    for (size_t i = 0; i < 4; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    int n = 0, fin = 0;
    uint8_t *out = q->plain + hlen;
    if (EVP_DecryptInit_ex(q->gcm, NULL, NULL, keys->key, nonce) != 1 ||
        EVP_DecryptUpdate(q->gcm, NULL, &n, aad, (int)hlen) != 1 ||
        EVP_DecryptUpdate(q->gcm, out, &n, pkt + hlen, (int)ct_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(q->gcm, EVP_CTRL_GCM_SET_TAG, 16, (void *)(pkt + hlen + ct_len)) != 1 ||
        EVP_DecryptFinal_ex(q->gcm, out + n, &fin) != 1)
        return FSC_EMALFORMED;
    memmove(q->plain, out, ct_len);
    *out_len = ct_len;
    return FSC_OK;
}

/* Long header (RFC 9000 17.2): 0 form(1)=1 fixed(1) type(2) bits(4)
 *   1 version(4)  5 DCID length(1) DCID  SCID length(1) SCID; an Initial
 *   then has token length (varint) token, length (varint: packet number
 *   and payload), packet number (1..4, protected), payload. */
fsc_status fsc_quic_datagram(fsc_quic *q, const uint8_t *buf, size_t len, fsc_time now,
                             const uint8_t **hello, size_t *hello_len, uint32_t *version)
{
    fsc_status result = FSC_EUNSUPPORTED;
    size_t pos = 0;
    /* coalesced packets (RFC 9000 12.2): each long header says its length */
    while (len - pos >= 7 && (buf[pos] & 0x80)) {
        const uint8_t *pkt = buf + pos;
        size_t avail = len - pos;
        uint32_t ver = fsc_be32(pkt + 1);
        if (ver != FSC_QUIC_V1 && ver != FSC_QUIC_V2)
            return result;
        unsigned type = (pkt[0] >> 4) & 3;
        bool initial = ver == FSC_QUIC_V1 ? type == 0 : type == 1;
        size_t off = 5;
        size_t dl = pkt[off++];
        if (dl > FSC_QUIC_CID_MAX || avail - off < dl + 1) {
            q->c->v[FSC_C_QUIC_MALFORMED]++;
            return FSC_EMALFORMED;
        }
        const uint8_t *dcid = pkt + off;
        off += dl;
        size_t sl = pkt[off++];
        if (sl > FSC_QUIC_CID_MAX || avail - off < sl) {
            q->c->v[FSC_C_QUIC_MALFORMED]++;
            return FSC_EMALFORMED;
        }
        const uint8_t *scid = pkt + off;
        off += sl;
        uint64_t tlen = 0, plen;
        if (initial && (!varint(pkt, avail, &off, &tlen) || tlen > avail - off)) {
            q->c->v[FSC_C_QUIC_MALFORMED]++;
            return FSC_EMALFORMED;
        }
        off += (size_t)tlen;
        if (type == 3 && ver == FSC_QUIC_V1) /* Retry: no length, ends the datagram */
            return result;
        if (!varint(pkt, avail, &off, &plen) || plen > avail - off) {
            q->c->v[FSC_C_QUIC_MALFORMED]++;
            return FSC_EMALFORMED;
        }
        size_t pkt_len = off + (size_t)plen;
        pos += pkt_len;
        if (!initial)
            continue;
        if (from_server(q, dcid, dl))
            continue;
        q->c->v[FSC_C_QUIC_INITIALS]++;
        conn *k = conn_find(q, dcid, dl, scid, sl, now);
        fsc_quic_keys keys;
        if (k) {
            keys = k->keys;
        } else if (fsc_quic_client_keys(q, ver, dcid, dl, &keys) != FSC_OK) {
            return FSC_ELIMIT;
        }
        size_t plain_len;
        fsc_status st = open_packet(q, &keys, pkt, pkt_len, off, &plain_len);
        if (st != FSC_OK) {
            /* a server's Initial (server keys) lands here too */
            q->c->v[FSC_C_QUIC_DECRYPT_FAILED]++;
            result = st;
            continue;
        }
        if (!k) {
            k = conn_new(q, now);
            k->dcid_len = (uint8_t)dl;
            memcpy(k->dcid, dcid, dl);
            k->scid_len = (uint8_t)sl;
            memcpy(k->scid, scid, sl);
            k->version = ver;
            k->keys = keys;
        }
        k->last_seen = now;
        if (k->done) {
            q->c->v[FSC_C_QUIC_REPEATED]++;
            result = FSC_EPARTIAL;
            continue;
        }
        if (!frames(q, k, q->plain, plain_len)) {
            q->c->v[FSC_C_QUIC_MALFORMED]++;
            result = FSC_EMALFORMED;
            continue;
        }
        result = FSC_EPARTIAL;
        if (!k->need && have_all(k, 4)) {
            size_t need = 4 + ((size_t)k->data[1] << 16 | (size_t)k->data[2] << 8 | k->data[3]);
            if (k->data[0] != 1) {
                /* not a ClientHello: nothing here for us */
                k->done = true;
                continue;
            }
            if (need > FSC_QUIC_CRYPTO_MAX) {
                q->c->v[FSC_C_QUIC_CRYPTO_EXCEEDED]++;
                k->done = true;
                continue;
            }
            k->need = (uint32_t)need;
        }
        if (k->need && have_all(k, k->need)) {
            k->done = true;
            *hello = k->data;
            *hello_len = k->need;
            *version = k->version;
            return FSC_OK;
        }
    }
    return result;
}
