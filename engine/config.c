/* config.c: the YAML configuration file (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Every key `fraudscan run` understands. A new key is one row here (and a
 * line in docs/operations.md). */
static const fsc_config_key known[] = {
    {"capture.interface", "network interface to capture from"},
    {"capture.file", "capture file to read instead of an interface (tests, demos)"},
    {"capture.bpf", "BPF filter expression"},
    {"capture.snaplen", "bytes captured per packet"},
    {"capture.buffer_mb", "kernel ring buffer size, MiB"},
    {"capture.promisc", "promiscuous mode"},
    {"capture.workers", "worker threads (flows hashed symmetrically onto them)"},
    {"capture.queue_packets", "packets queued per worker before the reader waits"},
    {"rules.path", "rule file or directory"},
    {"rules.cache", "compiled-rule cache directory, or none (default ~/.cache/fraudscan)"},
    {"identity.file", "IP -> subscriber CSV"},
    {"identity.radius", "RADIUS accounting (JSON lines or CSV): read at start, then followed; "
                        "or zmq:ENDPOINT"},
    {"identity.radius_follow", "follow identity.radius like tail -F (default true)"},
    {"profiles.file", "subscriber profiles CSV"},
    {"events.file", "app-install events: a JSON-lines file, or zmq:ENDPOINT for a PULL socket"},
    {"events.follow", "follow the file like tail -F (default true)"},
    {"events.dead_letter", "bad event lines are appended here with the reason"},
    {"model.file", "the risk model (default: models/default.yaml beside the rules)"},
    {"state.file", "snapshot of people's scores: restored at start, written every interval"},
    {"state.snapshot_interval", "seconds between snapshots (default 60)"},
    {"state.redis", "people's state in Redis (host:port, or a cluster seed list)"},
    {"state.redis_prefix", "key prefix in Redis (default fsc:s)"},
    {"alerts.file", "alert JSON lines are appended here"},
    {"alerts.publish", "ZeroMQ endpoint for the alert PUB socket"},
    {"alerts.redis", "host:port of a Redis server for the alert stream"},
    {"alerts.redis_stream", "the stream's key"},
    {"alerts.dispatch", "dispatch's endpoint for engines (its dispatch.listen)"},
    {"alerts.spool", "spool directory: each alert is kept there until dispatch stored it"},
    {"alerts.dispatch_wait", "seconds to wait at stop for dispatch's acknowledgements (5)"},
    {"alerts.curve_server_key", "file with dispatch's CURVE public key"},
    {"alerts.curve_key", "file with this engine's CURVE secret key"},
    {"control.endpoint", "ZeroMQ endpoint of the control socket (fraudscan ctl)"},
    {"stats.interval", "seconds between counter lines on stderr (0: none)"},
    {"metrics.listen", "HOST:PORT for Prometheus GET /metrics (e.g. 127.0.0.1:9100)"},
};
#define NKNOWN (sizeof known / sizeof known[0])

typedef struct entry {
    char *key, *value;
    unsigned long line, col;
} entry;

struct fsc_config {
    char *file;
    const fsc_config_key *keys; /* the schema: `run`'s table, or dispatch's */
    size_t nkeys;
    entry *e;
    size_t n, cap;
};

/* A row "section.*" admits every key of that section (banks.<NAME>). */
static bool is_known(const fsc_config *c, const char *key)
{
    for (size_t i = 0; i < c->nkeys; i++) {
        const char *k = c->keys[i].key;
        size_t kl = strlen(k);
        if (kl >= 2 && strcmp(k + kl - 2, ".*") == 0 ? strncmp(k, key, kl - 1) == 0
                                                      : strcmp(k, key) == 0)
            return true;
    }
    return false;
}

static const entry *find(const fsc_config *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].key, key) == 0)
            return &c->e[i];
    return NULL;
}

static int add(fsc_config *c, const char *key, const char *value, const yaml_mark_t *m)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        entry *ne = realloc(c->e, ncap * sizeof *ne);
        if (!ne)
            return -1;
        c->e = ne;
        c->cap = ncap;
    }
    entry *e = &c->e[c->n];
    e->key = strdup(key);
    e->value = strdup(value);
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        return -1;
    }
    e->line = m->line + 1;
    e->col = m->column + 1;
    c->n++;
    return 0;
}

static const char *scalar(yaml_document_t *d, yaml_node_t *n)
{
    (void)d;
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

fsc_status fsc_config_load(const char *path, fsc_diag *diag, fsc_config **out)
{
    return fsc_config_load_schema(path, known, NKNOWN, diag, out);
}

fsc_status fsc_config_load_schema(const char *path, const fsc_config_key *keys, size_t nkeys,
                                  fsc_diag *diag, fsc_config **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
        return FSC_EIO;
    }
    fsc_config *c = calloc(1, sizeof *c);
    yaml_parser_t parser;
    yaml_document_t doc;
    bool have_doc = false, parser_ok = false;
    fsc_status st = FSC_EMALFORMED;
    size_t errors_before = diag->errors;
    if (!c || !(c->file = strdup(path))) {
        st = FSC_ENOMEM;
        goto done;
    }
    c->keys = keys;
    c->nkeys = nkeys;
    if (!yaml_parser_initialize(&parser)) {
        st = FSC_ENOMEM;
        goto done;
    }
    parser_ok = true;
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, parser.problem_mark.line + 1,
                  parser.problem_mark.column + 1, "not valid YAML: %s",
                  parser.problem ? parser.problem : "parse error");
        goto done;
    }
    have_doc = true;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) { /* an empty file: every default */
        st = FSC_OK;
        goto done;
    }
    if (root->type != YAML_MAPPING_NODE) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, root->start_mark.line + 1,
                  root->start_mark.column + 1, "the configuration must be a mapping of sections");
        goto done;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *sk = yaml_document_get_node(&doc, p->key);
        yaml_node_t *sv = yaml_document_get_node(&doc, p->value);
        const char *section = scalar(&doc, sk);
        if (!section || !sv || sv->type != YAML_MAPPING_NODE) {
            fsc_diagf(diag, FSC_SEV_ERROR, path, sk->start_mark.line + 1,
                      sk->start_mark.column + 1, "expected a section name with a mapping of keys");
            continue;
        }
        for (yaml_node_pair_t *q = sv->data.mapping.pairs.start; q < sv->data.mapping.pairs.top;
             q++) {
            yaml_node_t *kn = yaml_document_get_node(&doc, q->key);
            yaml_node_t *vn = yaml_document_get_node(&doc, q->value);
            const char *k = scalar(&doc, kn), *v = scalar(&doc, vn);
            char full[256];
            if (!k || !v) {
                fsc_diagf(diag, FSC_SEV_ERROR, path, kn->start_mark.line + 1,
                          kn->start_mark.column + 1, "expected 'key: value' in section '%s'",
                          section);
                continue;
            }
            snprintf(full, sizeof full, "%s.%s", section, k);
            if (!is_known(c, full)) {
                fsc_diagf(diag, FSC_SEV_ERROR, path, kn->start_mark.line + 1,
                          kn->start_mark.column + 1, "unknown key '%s'", full);
                continue;
            }
            if (find(c, full)) {
                fsc_diagf(diag, FSC_SEV_ERROR, path, kn->start_mark.line + 1,
                          kn->start_mark.column + 1, "'%s' is set twice", full);
                continue;
            }
            if (add(c, full, v, &vn->start_mark) != 0) {
                st = FSC_ENOMEM;
                goto done;
            }
        }
    }
    if (diag->errors == errors_before)
        st = FSC_OK;
done:
    if (have_doc)
        yaml_document_delete(&doc);
    if (parser_ok)
        yaml_parser_delete(&parser);
    fclose(f);
    if (st != FSC_OK) {
        fsc_config_free(c);
        return st;
    }
    *out = c;
    return FSC_OK;
}

void fsc_config_free(fsc_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].key);
        free(c->e[i].value);
    }
    free(c->e);
    free(c->file);
    free(c);
}

void fsc_config_each(const fsc_config *c, const char *prefix, fsc_config_fn fn, void *ctx)
{
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < c->n; i++)
        if (strncmp(c->e[i].key, prefix, pl) == 0)
            fn(ctx, c->e[i].key, c->e[i].value, c->e[i].line, c->e[i].col);
}

const char *fsc_config_file(const fsc_config *c)
{
    return c->file;
}

const char *fsc_config_str(const fsc_config *c, const char *key, const char *def)
{
    const entry *e = find(c, key);
    return e ? e->value : def;
}

long fsc_config_long(const fsc_config *c, const char *key, long def, long min, long max,
                     fsc_diag *diag, bool *ok)
{
    const entry *e = find(c, key);
    if (!e)
        return def;
    char *end;
    errno = 0;
    long v = strtol(e->value, &end, 10);
    if (errno || end == e->value || *end || v < min || v > max) {
        fsc_diagf(diag, FSC_SEV_ERROR, c->file, e->line, e->col,
                  "'%s' wants a whole number from %ld to %ld, not '%s'", key, min, max, e->value);
        *ok = false;
        return def;
    }
    return v;
}

bool fsc_config_bool(const fsc_config *c, const char *key, bool def, fsc_diag *diag, bool *ok)
{
    const entry *e = find(c, key);
    if (!e)
        return def;
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(e->value, yes[i]) == 0)
            return true;
        if (strcmp(e->value, no[i]) == 0)
            return false;
    }
    fsc_diagf(diag, FSC_SEV_ERROR, c->file, e->line, e->col,
              "'%s' wants true or false, not '%s'", key, e->value);
    *ok = false;
    return def;
}
