/* curve.c: CURVE key files, fsc_curve_apply, and the ZAP handler that
 * admits only listed client keys (see curve.h). */
#include "curve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_MAX_KEYS 4096

fsc_status fsc_curve_read_key(const char *path, char out[41], char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return FSC_EIO;
    }
    char buf[64];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    uint8_t raw[32];
    if (n != 40) {
        snprintf(err, errcap, "%s:1:1: a CURVE key file holds 40 Z85 characters, this one %zu",
                 path, n);
        return FSC_EMALFORMED;
    }
    memcpy(out, buf, 40);
    out[40] = '\0';
    if (!zmq_z85_decode(raw, out)) {
        snprintf(err, errcap, "%s:1:1: not a Z85 key", path);
        out[0] = '\0';
        return FSC_EMALFORMED;
    }
    return FSC_OK;
}

fsc_status fsc_curve_load_client(const char *secret_file, const char *server_public_file,
                                 fsc_curve *out, char *err, size_t errcap)
{
    fsc_curve c;
    memset(&c, 0, sizeof c);
    fsc_status st = fsc_curve_read_key(secret_file, c.secret_key, err, errcap);
    if (st == FSC_OK)
        st = fsc_curve_read_key(server_public_file, c.server_key, err, errcap);
    if (st != FSC_OK)
        return st;
    if (zmq_curve_public(c.public_key, c.secret_key) != 0) {
        snprintf(err, errcap, "%s: cannot derive the public key: %s", secret_file,
                 zmq_strerror(zmq_errno()));
        return FSC_EMALFORMED;
    }
    *out = c;
    return FSC_OK;
}

fsc_status fsc_curve_load_server(const char *secret_file, const char *public_file,
                                 fsc_curve *out, char *err, size_t errcap)
{
    fsc_curve c;
    memset(&c, 0, sizeof c);
    char derived[41];
    fsc_status st = fsc_curve_read_key(secret_file, c.secret_key, err, errcap);
    if (st == FSC_OK)
        st = fsc_curve_read_key(public_file, c.public_key, err, errcap);
    if (st != FSC_OK)
        return st;
    if (zmq_curve_public(derived, c.secret_key) != 0 || strcmp(derived, c.public_key) != 0) {
        snprintf(err, errcap, "%s is not the public key of %s", public_file, secret_file);
        return FSC_EMALFORMED;
    }
    *out = c;
    return FSC_OK;
}

static int write_new(const char *path, const char *text, mode_t mode, char *err, size_t errcap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

fsc_status fsc_curve_generate(const char *dir, const char *name, char *err, size_t errcap)
{
    char pub[41], sec[41], kpath[4096], ppath[4096], line[48];
    if (!*name || strchr(name, '/')) {
        snprintf(err, errcap, "a key name is a file name, not '%s'", name);
        return FSC_EINVAL;
    }
    if (zmq_curve_keypair(pub, sec) != 0) {
        snprintf(err, errcap, "cannot make a CURVE key pair: %s (libzmq without CURVE?)",
                 zmq_strerror(zmq_errno()));
        return FSC_EUNSUPPORTED;
    }
    snprintf(kpath, sizeof kpath, "%s/%s.key", dir, name);
    snprintf(ppath, sizeof ppath, "%s/%s.pub", dir, name);
    snprintf(line, sizeof line, "%s\n", sec);
    if (write_new(kpath, line, 0600, err, errcap) != 0)
        return FSC_EIO;
    snprintf(line, sizeof line, "%s\n", pub);
    if (write_new(ppath, line, 0644, err, errcap) != 0) {
        unlink(kpath);
        return FSC_EIO;
    }
    return FSC_OK;
}

int fsc_curve_apply(void *s, const fsc_curve *curve, bool as_server)
{
    if (!curve || !curve->secret_key[0])
        return 0;
    if (as_server) {
        int one = 1;
        if (zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
            zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, curve->secret_key, 40) != 0 ||
            zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, curve->public_key, 40) != 0)
            return -1;
        /* a domain makes libzmq always ask the ZAP handler */
        return zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "fraudscan", 9);
    }
    if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, curve->server_key, 40) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, curve->public_key, 40) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, curve->secret_key, 40) != 0)
        return -1;
    return 0;
}

/* ---- the ZAP handler (RFC 27: ZeroMQ Authentication Protocol) */

struct fsc_zap {
    void *zctx;
    char dir[4096];
    pthread_mutex_t keys_mu;          /* guards keys (reload vs handler) */
    uint8_t (*keys)[32];
    size_t nkeys;
    fsc_counters *counters;
    pthread_mutex_t *lock;
    pthread_t thread;
    atomic_bool stop;
    void *rep;                        /* bound before the thread starts */
};

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Every *.pub in dir, decoded and sorted; a bad file is an error (a key an
 * operator meant to allow must not be ignored silently). */
static fsc_status load_keys(const char *dir, uint8_t (**out)[32], size_t *n, char *err,
                            size_t errcap)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errcap, "curve.clients_keys_dir %s: %s", dir, strerror(errno));
        return FSC_EIO;
    }
    uint8_t(*keys)[32] = calloc(ZAP_MAX_KEYS, 32);
    size_t k = 0;
    fsc_status st = FSC_OK;
    struct dirent *de;
    if (!keys) {
        closedir(d);
        snprintf(err, errcap, "out of memory");
        return FSC_ENOMEM;
    }
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".pub") != 0 || de->d_name[0] == '.')
            continue;
        if (k == ZAP_MAX_KEYS) {
            snprintf(err, errcap, "%s: more than %d client keys", dir, ZAP_MAX_KEYS);
            st = FSC_ELIMIT;
            break;
        }
        char path[4400], z85[41];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        st = fsc_curve_read_key(path, z85, err, errcap);
        if (st != FSC_OK)
            break;
        zmq_z85_decode(keys[k++], z85);
    }
    closedir(d);
    if (st != FSC_OK) {
        free(keys);
        return st;
    }
    qsort(keys, k, 32, cmp_key);
    *out = keys;
    *n = k;
    return FSC_OK;
}

static bool allowed(fsc_zap *z, const uint8_t *key)
{
    pthread_mutex_lock(&z->keys_mu);
    bool ok = z->keys && bsearch(key, z->keys, z->nkeys, 32, cmp_key) != NULL;
    pthread_mutex_unlock(&z->keys_mu);
    return ok;
}

/* One request: version, request id, domain, address, identity, mechanism,
 * credentials...; the reply echoes version and id with a status code. */
static void answer(fsc_zap *z)
{
    enum { NF = 8 };
    zmq_msg_t f[NF];
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, z->rep, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        more = zmq_msg_more(&m);
        if (n < NF)
            f[n++] = m;
        else
            zmq_msg_close(&m);
    }
    if (n < 6) { /* not a ZAP request: REP must still answer something */
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
        zmq_send(z->rep, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(z->rep, "", 0, ZMQ_SNDMORE);
        zmq_send(z->rep, "500", 3, ZMQ_SNDMORE);
        zmq_send(z->rep, "bad request", 11, ZMQ_SNDMORE);
        zmq_send(z->rep, "", 0, ZMQ_SNDMORE);
        zmq_send(z->rep, "", 0, 0);
        return;
    }
    char address[128] = "?", mech[16] = "";
    size_t al = zmq_msg_size(&f[3]) < sizeof address - 1 ? zmq_msg_size(&f[3]) : sizeof address - 1;
    memcpy(address, zmq_msg_data(&f[3]), al);
    address[al] = '\0';
    size_t ml = zmq_msg_size(&f[5]) < sizeof mech - 1 ? zmq_msg_size(&f[5]) : sizeof mech - 1;
    memcpy(mech, zmq_msg_data(&f[5]), ml);
    mech[ml] = '\0';
    bool ok = false;
    char z85[41] = "";
    if (strcmp(mech, "CURVE") == 0 && n >= 7 && zmq_msg_size(&f[6]) == 32) {
        const uint8_t *key = zmq_msg_data(&f[6]);
        zmq_z85_encode(z85, key, 32);
        ok = allowed(z, key);
    }
    if (!ok) {
        if (z->lock)
            pthread_mutex_lock(z->lock);
        if (z->counters)
            z->counters->v[FSC_C_CURVE_REFUSED]++;
        if (z->lock)
            pthread_mutex_unlock(z->lock);
        fprintf(stderr, "fraudscan dispatch: refused a %s connection from %s: %s\n",
                mech[0] ? mech : "?", address,
                z85[0] ? "its public key is not in curve.clients_keys_dir" : "no CURVE key");
        if (z85[0])
            fprintf(stderr, "fraudscan dispatch:   refused key %s\n", z85);
    }
    zmq_send(z->rep, zmq_msg_data(&f[0]), zmq_msg_size(&f[0]), ZMQ_SNDMORE);
    zmq_send(z->rep, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
    zmq_send(z->rep, ok ? "200" : "400", 3, ZMQ_SNDMORE);
    zmq_send(z->rep, ok ? "OK" : "key not allowed", ok ? 2 : 15, ZMQ_SNDMORE);
    zmq_send(z->rep, z85, strlen(z85), ZMQ_SNDMORE); /* user id: the key */
    zmq_send(z->rep, "", 0, 0);
    for (int i = 0; i < n; i++)
        zmq_msg_close(&f[i]);
}

static void *zap_main(void *arg)
{
    fsc_zap *z = arg;
    while (!atomic_load(&z->stop)) {
        zmq_pollitem_t it = {z->rep, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 200) > 0)
            answer(z);
    }
    zmq_close(z->rep);
    return NULL;
}

fsc_status fsc_zap_start(void *zctx, const char *keys_dir, fsc_counters *counters,
                         pthread_mutex_t *lock, fsc_zap **out, char *err, size_t errcap)
{
    fsc_zap *z = calloc(1, sizeof *z);
    if (!z) {
        snprintf(err, errcap, "out of memory");
        return FSC_ENOMEM;
    }
    z->zctx = zctx;
    z->counters = counters;
    z->lock = lock;
    snprintf(z->dir, sizeof z->dir, "%s", keys_dir);
    pthread_mutex_init(&z->keys_mu, NULL);
    atomic_init(&z->stop, false);
    fsc_status st = load_keys(keys_dir, &z->keys, &z->nkeys, err, errcap);
    if (st != FSC_OK)
        goto fail;
    /* bound here, before any CURVE socket takes a connection */
    z->rep = zmq_socket(zctx, ZMQ_REP);
    int linger = 0;
    if (!z->rep || zmq_setsockopt(z->rep, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(z->rep, ZAP_ENDPOINT) != 0) {
        snprintf(err, errcap, "ZAP handler: %s", zmq_strerror(zmq_errno()));
        st = FSC_EZMQ;
        goto fail;
    }
    if (pthread_create(&z->thread, NULL, zap_main, z) != 0) {
        snprintf(err, errcap, "ZAP handler: cannot start its thread");
        st = FSC_ENOMEM;
        goto fail;
    }
    *out = z;
    return FSC_OK;
fail:
    if (z->rep)
        zmq_close(z->rep);
    free(z->keys);
    pthread_mutex_destroy(&z->keys_mu);
    free(z);
    return st;
}

fsc_status fsc_zap_reload(fsc_zap *z, char *err, size_t errcap)
{
    uint8_t(*keys)[32];
    size_t n;
    fsc_status st = load_keys(z->dir, &keys, &n, err, errcap);
    if (st != FSC_OK)
        return st;
    pthread_mutex_lock(&z->keys_mu);
    free(z->keys);
    z->keys = keys;
    z->nkeys = n;
    pthread_mutex_unlock(&z->keys_mu);
    return FSC_OK;
}

size_t fsc_zap_nkeys(fsc_zap *z)
{
    pthread_mutex_lock(&z->keys_mu);
    size_t n = z->nkeys;
    pthread_mutex_unlock(&z->keys_mu);
    return n;
}

void fsc_zap_stop(fsc_zap *z)
{
    if (!z)
        return;
    atomic_store(&z->stop, true);
    pthread_join(z->thread, NULL);
    free(z->keys);
    pthread_mutex_destroy(&z->keys_mu);
    free(z);
}
