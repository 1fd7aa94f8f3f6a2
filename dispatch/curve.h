/* curve.h: CURVE keys on disk, and the ZAP handler that admits clients.
 *
 * `fraudscan keys generate NAME` writes NAME.key (the secret key, Z85, mode
 * 0600) and NAME.pub (the public key, Z85). A key file holds the 40 Z85
 * characters and optionally a newline; anything else is refused.
 *
 * The daemon (dispatchd.c) runs one ZAP handler per ZeroMQ context
 * (inproc://zeromq.zap.01): a CURVE client is admitted when its public key
 * is one of the *.pub files in curve.clients_keys_dir. Every refusal is
 * logged with the key and the peer's address, and counted
 * (dispatch.curve_refused). fsc_curve_apply() is declared in dispatchd.h. */
#ifndef FSC_CURVE_H
#define FSC_CURVE_H

#include <pthread.h>
#include <stddef.h>

#include "counters.h"
#include "dispatchd.h"
#include "status.h"

/* Reads one Z85 key from path into out (40 chars + NUL). FSC_EIO or
 * FSC_EMALFORMED with the reason in err. */
fsc_status fsc_curve_read_key(const char *path, char out[41], char *err, size_t errcap);

/* A client's material: its secret key file (public key derived from it)
 * and the server's public key file. */
fsc_status fsc_curve_load_client(const char *secret_file, const char *server_public_file,
                                 fsc_curve *out, char *err, size_t errcap);
/* A server's material: its secret and public key files (checked to be a
 * pair). */
fsc_status fsc_curve_load_server(const char *secret_file, const char *public_file,
                                 fsc_curve *out, char *err, size_t errcap);

/* Writes a new key pair as dir/name.key (0600) and dir/name.pub; refuses
 * to overwrite existing files. */
fsc_status fsc_curve_generate(const char *dir, const char *name, char *err, size_t errcap);

typedef struct fsc_zap fsc_zap;

/* Loads the allowed public keys (every *.pub in keys_dir) and starts the
 * handler on zctx. Refusals are counted in counters[FSC_C_CURVE_REFUSED]
 * with lock held (both may be NULL). */
fsc_status fsc_zap_start(void *zctx, const char *keys_dir, fsc_counters *counters,
                         pthread_mutex_t *lock, fsc_zap **out, char *err, size_t errcap);
/* Reloads the allowed keys (SIGHUP); the old set stays on failure. */
fsc_status fsc_zap_reload(fsc_zap *z, char *err, size_t errcap);
/* How many keys are allowed. */
size_t fsc_zap_nkeys(fsc_zap *z);
/* Stops the handler (before the context is terminated). NULL is fine. */
void fsc_zap_stop(fsc_zap *z);

#endif
