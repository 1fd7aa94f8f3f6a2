/* dconfig.c: dispatch.yaml's keys and their checks (see dconfig.h). */
#include "dconfig.h"

#include <string.h>

/* Every key dispatch.yaml may hold. A new key is one row here and a line in
 * docs/operations.md. */
static const fsc_config_key keys[] = {
    {"dispatch.listen", "ZeroMQ endpoint the engines send alerts to (ROUTER)"},
    {"dispatch.clients", "ZeroMQ endpoint for officers' and liaisons' clients (ROUTER)"},
    {"dispatch.http", "HOST:PORT of the HTTP API, event streams and /metrics"},
    {"dispatch.journal", "directory of the journal (the store, unless dispatch.redis)"},
    {"dispatch.redis", "HOST:PORT of a Redis server holding the store instead"},
    {"dispatch.redis_prefix", "key prefix in Redis (default fsc:dispatch)"},
    {"dispatch.roster", "the duty roster (YAML)"},
    {"dispatch.tokens", "the API tokens (YAML, SHA-256 of each token)"},
    {"dispatch.batch", "alerts stored per group commit at most (default 512)"},
    {"escalate.low", "seconds a low alert may stay queued before the desk gets it"},
    {"escalate.medium", "... a medium one"},
    {"escalate.high", "... a high one"},
    {"escalate.critical", "... a critical one"},
    {"paystop.expire_after", "seconds a payment stop may wait for the bank's final answer"},
    {"banks.*", "banks.NAME: ZeroMQ endpoint of that bank's payment-stop gateway"},
    {"curve.secret_key_file", "this server's CURVE secret key (fraudscan keys generate)"},
    {"curve.public_key_file", "this server's CURVE public key"},
    {"curve.clients_keys_dir", "directory of the *.pub keys of allowed engines and clients"},
};

typedef struct banks_ctx {
    fsc_dconfig *c;
    fsc_diag *diag;
    const char *file;
} banks_ctx;

static void add_bank(void *ctx, const char *key, const char *value, unsigned long line,
                     unsigned long col)
{
    banks_ctx *b = ctx;
    const char *name = key + strlen("banks.");
    if (b->c->nbanks == FSC_DCONFIG_MAX_BANKS) {
        fsc_diagf(b->diag, FSC_SEV_ERROR, b->file, line, col, "more than %d banks",
                  FSC_DCONFIG_MAX_BANKS);
        return;
    }
    if (!*name || !*value) {
        fsc_diagf(b->diag, FSC_SEV_ERROR, b->file, line, col,
                  "a bank is 'NAME: endpoint' under banks:");
        return;
    }
    b->c->bank_names[b->c->nbanks] = name;
    b->c->bank_endpoints[b->c->nbanks] = value;
    b->c->nbanks++;
}

fsc_status fsc_dconfig_load(const char *path, fsc_diag *diag, fsc_dconfig *out)
{
    static const char *const levels[] = {NULL, "escalate.low", "escalate.medium",
                                         "escalate.high", "escalate.critical"};
    memset(out, 0, sizeof *out);
    size_t errors = diag->errors;
    fsc_status st = fsc_config_load_schema(path, keys, sizeof keys / sizeof keys[0], diag,
                                           &out->cfg);
    if (st != FSC_OK)
        return st;
    fsc_config *cfg = out->cfg;
    bool ok = true;
    out->listen = fsc_config_str(cfg, "dispatch.listen", NULL);
    out->clients = fsc_config_str(cfg, "dispatch.clients", NULL);
    out->http = fsc_config_str(cfg, "dispatch.http", NULL);
    out->journal = fsc_config_str(cfg, "dispatch.journal", NULL);
    out->redis = fsc_config_str(cfg, "dispatch.redis", NULL);
    out->redis_prefix = fsc_config_str(cfg, "dispatch.redis_prefix", NULL);
    out->roster = fsc_config_str(cfg, "dispatch.roster", NULL);
    out->tokens = fsc_config_str(cfg, "dispatch.tokens", NULL);
    out->batch = (int)fsc_config_long(cfg, "dispatch.batch", 512, 1, 65536, diag, &ok);
    for (int l = 1; l <= 4; l++)
        out->escalate_after[l] =
            (double)fsc_config_long(cfg, levels[l], 0, 1, 30L * 86400, diag, &ok);
    out->paystop_expire_after =
        (double)fsc_config_long(cfg, "paystop.expire_after", 0, 1, 30L * 86400, diag, &ok);
    banks_ctx b = {out, diag, path};
    fsc_config_each(cfg, "banks.", add_bank, &b);
    out->curve_secret = fsc_config_str(cfg, "curve.secret_key_file", NULL);
    out->curve_public = fsc_config_str(cfg, "curve.public_key_file", NULL);
    out->curve_clients_dir = fsc_config_str(cfg, "curve.clients_keys_dir", NULL);

    /* what is missing has no position of its own: the file's start */
    static const struct {
        const char *key;
        size_t off;
    } required[] = {
        {"dispatch.listen", offsetof(fsc_dconfig, listen)},
        {"dispatch.roster", offsetof(fsc_dconfig, roster)},
        {"dispatch.tokens", offsetof(fsc_dconfig, tokens)},
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!*(const char **)((char *)out + required[i].off))
            fsc_diagf(diag, FSC_SEV_ERROR, path, 1, 1, "'%s' is required", required[i].key);
    if (!out->journal == !out->redis)
        fsc_diagf(diag, FSC_SEV_ERROR, path, 1, 1,
                  "set exactly one of dispatch.journal and dispatch.redis");
    int ncurve = !!out->curve_secret + !!out->curve_public + !!out->curve_clients_dir;
    if (ncurve != 0 && ncurve != 3)
        fsc_diagf(diag, FSC_SEV_ERROR, path, 1, 1,
                  "CURVE needs all of curve.secret_key_file, curve.public_key_file and "
                  "curve.clients_keys_dir");
    if (!ok || diag->errors != errors) {
        fsc_dconfig_free(out);
        return FSC_EMALFORMED;
    }
    return FSC_OK;
}

void fsc_dconfig_free(fsc_dconfig *c)
{
    fsc_config_free(c->cfg);
    memset(c, 0, sizeof *c);
}
