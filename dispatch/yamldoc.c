/* yamldoc.c: bounded YAML files for dispatch (see yamldoc.h). */
#include "yamldoc.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fsc_status fsc_yamldoc_read(const char *path, size_t max, fsc_diag *diag, char **buf,
                            size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
        return FSC_EIO;
    }
    char *b = malloc(max + 1);
    if (!b) {
        fclose(f);
        return FSC_ENOMEM;
    }
    size_t n = fread(b, 1, max + 1, f);
    bool rerr = ferror(f) != 0;
    fclose(f);
    if (rerr) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "cannot read");
        free(b);
        return FSC_EIO;
    }
    if (n > max) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "larger than %zu bytes", max);
        free(b);
        return FSC_ELIMIT;
    }
    *buf = b;
    *len = n;
    return FSC_OK;
}

bool fsc_yamldoc_parse(const char *name, const char *buf, size_t len, fsc_diag *diag,
                       yaml_document_t *doc)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return false;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    bool ok = yaml_parser_load(&parser, doc) != 0;
    if (!ok)
        fsc_diagf(diag, FSC_SEV_ERROR, name, parser.problem_mark.line + 1,
                  parser.problem_mark.column + 1, "not valid YAML: %s",
                  parser.problem ? parser.problem : "parse error");
    yaml_parser_delete(&parser);
    return ok;
}

void fsc_yamldoc_error(fsc_diag *d, const char *name, const yaml_node_t *n, const char *fmt,
                       ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fsc_diagf(d, FSC_SEV_ERROR, name, n ? n->start_mark.line + 1 : 0,
              n ? n->start_mark.column + 1 : 0, "%s", msg);
}

const char *fsc_yamldoc_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

void fsc_sha256_hex(const void *buf, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    hex[0] = '\0';
    if (!EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) || n != 32)
        return;
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

fsc_status fsc_yamldoc_load(const char *path, size_t max, fsc_diag *diag, fsc_yamldoc_load_fn load,
                            void *out)
{
    char *buf;
    size_t len;
    fsc_diag stderr_diag = {0};
    if (!diag)
        diag = &stderr_diag;
    fsc_status st = fsc_yamldoc_read(path, max, diag, &buf, &len);
    if (st != FSC_OK)
        return st;
    st = load(path, buf, len, diag, out);
    free(buf);
    return st;
}

fsc_status fsc_yamldoc_open(const char *name, const char *buf, size_t len, size_t max,
                            const char *shape, fsc_diag *diag, yaml_document_t *doc,
                            yaml_node_t **root)
{
    if (len > max) {
        fsc_diagf(diag, FSC_SEV_ERROR, name, 0, 0, "larger than %zu bytes", max);
        return FSC_ELIMIT;
    }
    if (!fsc_yamldoc_parse(name, buf, len, diag, doc))
        return FSC_EMALFORMED;
    yaml_node_t *r = yaml_document_get_root_node(doc);
    if (!r || r->type != YAML_MAPPING_NODE) {
        /* an empty file has no root: its problem is at its first line */
        fsc_diagf(diag, FSC_SEV_ERROR, name, r ? r->start_mark.line + 1 : 1,
                  r ? r->start_mark.column + 1 : 1, "%s", shape);
        yaml_document_delete(doc);
        return FSC_EMALFORMED;
    }
    *root = r;
    return FSC_OK;
}

void fsc_yamldoc_fields(const char *name, yaml_document_t *doc, const yaml_node_t *m,
                        const char *what, const char *const names[], yaml_node_t *slots[],
                        size_t n, fsc_diag *diag)
{
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        const char *key = fsc_yamldoc_scalar(k);
        size_t i = 0;
        while (key && i < n && strcmp(key, names[i]) != 0)
            i++;
        if (!key || i == n) {
            char known[256] = "";
            size_t at = 0;
            for (size_t j = 0; j < n && at < sizeof known; j++)
                at += (size_t)snprintf(known + at, sizeof known - at, "%s%s", j ? ", " : "",
                                       names[j]);
            fsc_yamldoc_error(diag, name, k, "unknown key '%s' in %s (%s)", key ? key : "?",
                              what, known);
            continue;
        }
        if (slots[i]) {
            fsc_yamldoc_error(diag, name, k, "'%s' is set twice", key);
            continue;
        }
        slots[i] = yaml_document_get_node(doc, p->value);
    }
}
