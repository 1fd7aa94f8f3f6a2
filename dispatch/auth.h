/* auth.h: who may do what in dispatch.
 *
 * Every request to dispatch (ZeroMQ or HTTP) carries an API token. The
 * tokens file binds each token to a principal: a name, a role and, for
 * officers, the precincts they serve. Tokens are stored as the SHA-256 of
 * the token (hex), never in clear, so the file can be read by admins
 * without handing out credentials. YAML:
 *
 *   tokens:
 *     - name: o.chen
 *       role: officer                 # analyst | officer | liaison | admin
 *       precincts: [P-EAST, DESK]     # officers only; "*" = every precinct
 *       sha256: 9f86d08...            # sha256 of the token text
 *
 * `fraudscan keys token --name N --role R [--precinct P]...` prints a new
 * random token and the YAML entry for it.
 *
 * What each role may do (fsc_auth_allows):
 *   analyst  read alerts and reports of every precinct; no workflow actions
 *   officer  read and act (claim, contact, outcome, close) on alerts of
 *            their precincts only
 *   liaison  read every alert; request payment stops; read payment stops
 *   admin    everything, including reloads
 * A refusal is the caller's to log (service.c appends a "refused" entry). */
#ifndef FSC_AUTH_H
#define FSC_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "status.h"

typedef enum fsc_role {
    FSC_ROLE_NONE = 0,
    FSC_ROLE_ANALYST,
    FSC_ROLE_OFFICER,
    FSC_ROLE_LIAISON,
    FSC_ROLE_ADMIN,
} fsc_role;

#define FSC_AUTH_MAX_PRECINCTS 16

typedef struct fsc_principal {
    char name[64];
    fsc_role role;
    int nprecincts;                                 /* officers */
    char precincts[FSC_AUTH_MAX_PRECINCTS][32];     /* "*" = all */
} fsc_principal;

typedef enum fsc_action {
    FSC_ACT_READ,       /* see an alert, its history, reports */
    FSC_ACT_WORK,       /* claim, contact, outcome, close */
    FSC_ACT_PAYSTOP,    /* request a payment stop */
    FSC_ACT_ADMIN,      /* reload roster and tokens, anything else */
} fsc_action;

typedef struct fsc_auth fsc_auth;

/* Loads the tokens file; problems reported through diag as file:line:col.
 * FSC_OK and *out, or FSC_EIO / FSC_EMALFORMED. */
fsc_status fsc_auth_load(const char *path, fsc_diag *diag, fsc_auth **out);
/* The same from len bytes at buf (never read past); name is the file name
 * diagnostics give. At most FSC_AUTH_MAX_BYTES, FSC_AUTH_MAX_TOKENS. */
#define FSC_AUTH_MAX_BYTES (4 * 1024 * 1024)
#define FSC_AUTH_MAX_TOKENS 10000
fsc_status fsc_auth_load_buf(const char *name, const char *buf, size_t len, fsc_diag *diag,
                             fsc_auth **out);
void fsc_auth_free(fsc_auth *a);
/* SHA-256 of the file's bytes, 64 hex digits (the "reload" entry's digest). */
const char *fsc_auth_digest(const fsc_auth *a);
/* The sha256 line of a token: SHA-256 of its text as 64 lowercase hex
 * digits and a NUL in hex (65 bytes). */
void fsc_auth_token_hash(const char *token, char hex[65]);

/* The principal a token (its clear text) belongs to, copied to *out.
 * false for an unknown token. Constant-time in the token's bytes. */
bool fsc_auth_lookup(const fsc_auth *a, const char *token, fsc_principal *out);

/* May p do act on an alert of precinct (NULL: an action on no alert)? */
bool fsc_auth_allows(const fsc_principal *p, fsc_action act, const char *precinct);

const char *fsc_role_name(fsc_role r);
fsc_role fsc_role_parse(const char *s);

#endif
