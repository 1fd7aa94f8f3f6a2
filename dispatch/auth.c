/* auth.c: the tokens file (auth.h), token lookups and what each role may
 * do. Tokens are never held in clear: the file has their SHA-256, a lookup
 * hashes the presented token and compares digests in constant time. */
#include "auth.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yamldoc.h"

typedef struct tok_entry {
    fsc_principal p;
    unsigned char sha[32];
} tok_entry;

struct fsc_auth {
    tok_entry *t;
    size_t n;
    char digest[65];
};

static const char *const role_names[] = {"none", "analyst", "officer", "liaison", "admin"};

const char *fsc_role_name(fsc_role r)
{
    return (unsigned)r <= FSC_ROLE_ADMIN ? role_names[r] : "none";
}

fsc_role fsc_role_parse(const char *s)
{
    for (int i = FSC_ROLE_ANALYST; s && i <= FSC_ROLE_ADMIN; i++)
        if (strcmp(s, role_names[i]) == 0)
            return (fsc_role)i;
    return FSC_ROLE_NONE;
}

static bool precinct_ok(const char *s)
{
    size_t n = strlen(s);
    if (strcmp(s, "*") == 0)
        return true;
    if (n == 0 || n > 31)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || strchr("-_.:", s[i])))
            return false;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool sha_of_hex(const char *h, unsigned char out[32])
{
    if (!h || strlen(h) != 64)
        return false;
    for (int i = 0; i < 32; i++) {
        int a = hexval(h[2 * i]), b = hexval(h[2 * i + 1]);
        if (a < 0 || b < 0)
            return false;
        out[i] = (unsigned char)(a << 4 | b);
    }
    return true;
}

static void parse_token(fsc_auth *a, const char *name, yaml_document_t *doc, yaml_node_t *m,
                        fsc_diag *diag)
{
    tok_entry t = {0};
    static const char *const keys[] = {"name", "role", "precincts", "sha256"};
    yaml_node_t *field[4] = {0};
    if (m->type != YAML_MAPPING_NODE) {
        fsc_yamldoc_error(diag, name, m, "a token is a mapping (name, role, precincts, sha256)");
        return;
    }
    fsc_yamldoc_fields(name, doc, m, "a token", keys, field, 4, diag);
    yaml_node_t *nn = field[0], *rn = field[1], *pn = field[2], *sn = field[3];
    const char *nm = fsc_yamldoc_scalar(nn), *role = fsc_yamldoc_scalar(rn);
    if (!nn || !nm || !*nm || strlen(nm) >= sizeof t.p.name) {
        fsc_yamldoc_error(diag, name, nn ? nn : m, "a token needs 'name' (1 to 63 bytes)");
        return;
    }
    snprintf(t.p.name, sizeof t.p.name, "%s", nm);
    t.p.role = fsc_role_parse(role);
    if (t.p.role == FSC_ROLE_NONE) {
        fsc_yamldoc_error(diag, name, rn ? rn : m,
                          "token of %s: 'role' is analyst, officer, liaison or admin", nm);
        return;
    }
    if (!sn || !sha_of_hex(fsc_yamldoc_scalar(sn), t.sha)) {
        fsc_yamldoc_error(diag, name, sn ? sn : m,
                          "token of %s: 'sha256' wants the 64 hex digits of the token's "
                          "SHA-256 (fraudscan keys token prints it)", nm);
        return;
    }
    if (pn && t.p.role != FSC_ROLE_OFFICER)
        fsc_diagf(diag, FSC_SEV_WARNING, name, pn->start_mark.line + 1,
                  pn->start_mark.column + 1,
                  "token of %s: 'precincts' matter for officers only (a %s reads every "
                  "precinct)", nm, role);
    if (pn && t.p.role == FSC_ROLE_OFFICER) {
        if (pn->type != YAML_SEQUENCE_NODE) {
            fsc_yamldoc_error(diag, name, pn, "'precincts' wants a list, such as [P-EAST]");
            return;
        }
        for (yaml_node_item_t *it = pn->data.sequence.items.start;
             it < pn->data.sequence.items.top; it++) {
            yaml_node_t *x = yaml_document_get_node(doc, *it);
            const char *pv = fsc_yamldoc_scalar(x);
            if (!pv || !precinct_ok(pv)) {
                fsc_yamldoc_error(diag, name, x ? x : pn,
                                  "a precinct is \"*\" or 1 to 31 of A-Z a-z 0-9 - _ . :");
                return;
            }
            if (t.p.nprecincts == FSC_AUTH_MAX_PRECINCTS) {
                fsc_yamldoc_error(diag, name, x, "more than %d precincts",
                                  FSC_AUTH_MAX_PRECINCTS);
                return;
            }
            snprintf(t.p.precincts[t.p.nprecincts++], sizeof t.p.precincts[0], "%s", pv);
        }
    }
    if (t.p.role == FSC_ROLE_OFFICER && t.p.nprecincts == 0) {
        fsc_yamldoc_error(diag, name, pn ? pn : m, "officer %s needs 'precincts'", nm);
        return;
    }
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(a->t[i].sha, t.sha, 32) == 0) {
            fsc_yamldoc_error(diag, name, sn, "token of %s has the same sha256 as %s's", nm,
                              a->t[i].p.name);
            return;
        }
    if (a->n == FSC_AUTH_MAX_TOKENS) {
        fsc_yamldoc_error(diag, name, m, "more than %d tokens", FSC_AUTH_MAX_TOKENS);
        return;
    }
    tok_entry *nt = realloc(a->t, (a->n + 1) * sizeof *nt);
    if (!nt) {
        fsc_yamldoc_error(diag, name, m, "out of memory");
        return;
    }
    a->t = nt;
    a->t[a->n++] = t;
}

fsc_status fsc_auth_load_buf(const char *name, const char *buf, size_t len, fsc_diag *diag,
                             fsc_auth **out)
{
    yaml_document_t doc;
    yaml_node_t *root, *list = NULL;
    size_t errors = diag->errors;
    fsc_status st = fsc_yamldoc_open(name, buf, len, FSC_AUTH_MAX_BYTES,
                                     "the tokens file is a mapping with 'tokens'", diag, &doc,
                                     &root);
    if (st != FSC_OK)
        return st;
    fsc_auth *a = calloc(1, sizeof *a);
    if (!a) {
        yaml_document_delete(&doc);
        return FSC_ENOMEM;
    }
    fsc_sha256_hex(buf, len, a->digest);
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&doc, p->value);
        const char *key = fsc_yamldoc_scalar(k);
        if (key && strcmp(key, "tokens") == 0 && !list) {
            if (v->type != YAML_SEQUENCE_NODE)
                fsc_yamldoc_error(diag, name, v, "'tokens' is a list of tokens");
            else
                list = v;
        } else {
            fsc_yamldoc_error(diag, name, k, "unknown or repeated key '%s' (tokens)",
                              key ? key : "?");
        }
    }
    if (list)
        for (yaml_node_item_t *it = list->data.sequence.items.start;
             it < list->data.sequence.items.top; it++)
            parse_token(a, name, &doc, yaml_document_get_node(&doc, *it), diag);
    yaml_document_delete(&doc);
    if (diag->errors != errors) {
        fsc_auth_free(a);
        return FSC_EMALFORMED;
    }
    *out = a;
    return FSC_OK;
}

/* fsc_auth_load_buf with the untyped out fsc_yamldoc_load hands on */
static fsc_status load_bytes(const char *name, const char *buf, size_t len, fsc_diag *diag,
                             void *out)
{
    return fsc_auth_load_buf(name, buf, len, diag, out);
}

fsc_status fsc_auth_load(const char *path, fsc_diag *diag, fsc_auth **out)
{
    return fsc_yamldoc_load(path, FSC_AUTH_MAX_BYTES, diag, load_bytes, out);
}

void fsc_auth_free(fsc_auth *a)
{
    if (!a)
        return;
    if (a->t)
        OPENSSL_cleanse(a->t, a->n * sizeof *a->t);
    free(a->t);
    free(a);
}

const char *fsc_auth_digest(const fsc_auth *a)
{
    return a->digest;
}

void fsc_auth_token_hash(const char *token, char hex[65])
{
    fsc_sha256_hex(token, strlen(token), hex);
}

bool fsc_auth_lookup(const fsc_auth *a, const char *token, fsc_principal *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    size_t found = (size_t)-1;
    if (!a || !token || !EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) ||
        n != 32)
        return false;
    /* every entry compared, each in constant time: neither how much of a
     * digest matched nor where the search stopped depends on the token */
    for (size_t i = 0; i < a->n; i++) {
        int diff = CRYPTO_memcmp(a->t[i].sha, md, 32);
        size_t mask = (size_t)0 - (size_t)(diff == 0);
        found = (found & ~mask) | (i & mask);
    }
    OPENSSL_cleanse(md, sizeof md);
    if (found == (size_t)-1)
        return false;
    if (out)
        *out = a->t[found].p;
    return true;
}

static bool has_precinct(const fsc_principal *p, const char *precinct)
{
    for (int i = 0; i < p->nprecincts && i < FSC_AUTH_MAX_PRECINCTS; i++)
        if (strcmp(p->precincts[i], "*") == 0 || strcmp(p->precincts[i], precinct) == 0)
            return true;
    return false;
}

bool fsc_auth_allows(const fsc_principal *p, fsc_action act, const char *precinct)
{
    if (!p)
        return false;
    switch (p->role) {
    case FSC_ROLE_ADMIN:
        return true;
    case FSC_ROLE_ANALYST:
        return act == FSC_ACT_READ;
    case FSC_ROLE_LIAISON:
        return act == FSC_ACT_READ || act == FSC_ACT_PAYSTOP;
    case FSC_ROLE_OFFICER:
        if (act != FSC_ACT_READ && act != FSC_ACT_WORK)
            return false;
        /* reads of no alert (a report: the service keeps to their rows) */
        if (!precinct)
            return act == FSC_ACT_READ;
        return has_precinct(p, precinct);
    default:
        return false;
    }
}
