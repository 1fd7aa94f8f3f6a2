/* dconfig.h: dispatch.yaml, the configuration of `fraudscan dispatch`.
 *
 * Read by engine/config.c with dispatch's own table of keys (dconfig.c), so
 * a typo is an error at its file:line:col as in the engine's file:
 *
 *   dispatch:
 *     listen: tcp://0.0.0.0:5570     # engines' ALERTs (ROUTER)
 *     clients: tcp://0.0.0.0:5571    # officers' and liaisons' requests
 *     http: 127.0.0.1:8080           # the HTTP API
 *     journal: /var/lib/fraudscan/dispatch   # or redis: host:port
 *     roster: /etc/fraudscan/roster.yaml
 *     tokens: /etc/fraudscan/tokens.yaml
 *   escalate: {low: 14400, medium: 3600, high: 900, critical: 300}
 *   paystop: {expire_after: 900}
 *   banks: {ICBC: tcp://10.1.0.5:6001}
 *   curve: {secret_key_file: .., public_key_file: .., clients_keys_dir: ..}
 *
 * docs/operations.md ("Dispatch") has every key. */
#ifndef FSC_DCONFIG_H
#define FSC_DCONFIG_H

#include "config.h"
#include "diag.h"
#include "status.h"

#define FSC_DCONFIG_MAX_BANKS 64

typedef struct fsc_dconfig {
    fsc_config *cfg;              /* owns every string below */
    const char *listen;           /* required */
    const char *clients, *http;   /* NULL: not served */
    const char *journal, *redis, *redis_prefix;
    const char *roster, *tokens;  /* required */
    int batch;                    /* ALERTs per group commit */
    double escalate_after[5];     /* by level 1..4; 0: the service's default */
    double paystop_expire_after;  /* 0: the service's default */
    int nbanks;
    const char *bank_names[FSC_DCONFIG_MAX_BANKS];
    const char *bank_endpoints[FSC_DCONFIG_MAX_BANKS];
    const char *curve_secret, *curve_public, *curve_clients_dir; /* all or none */
} fsc_dconfig;

/* Loads and checks path into *out. Every problem is reported through diag
 * at its file:line:col; FSC_OK, or FSC_EIO / FSC_EMALFORMED / FSC_ELIMIT
 * (nothing to free then). Free with fsc_dconfig_free. */
fsc_status fsc_dconfig_load(const char *path, fsc_diag *diag, fsc_dconfig *out);
void fsc_dconfig_free(fsc_dconfig *c);

#endif
