/* test_auth.c: the tokens file (SHA-256 of each token, never the token),
 * lookups, what each role may do, and mistakes at file:line:col. */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "unit.h"

static fsc_status load(const char *text, unit_diags *d, fsc_auth **out)
{
    memset(d, 0, sizeof *d);
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = d};
    *out = NULL;
    return fsc_auth_load_buf("tokens.yaml", text, strlen(text), &diag, out);
}

int main(void)
{
    char hex[65], text[2048];
    unit_diags d;
    fsc_auth *a;
    fsc_principal p;

    fsc_auth_token_hash("test", hex);
    CHECK_STR(hex, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
              "sha256 of \"test\"");
    char h_chen[65], h_an[65], h_li[65], h_ad[65];
    fsc_auth_token_hash("tok-chen", h_chen);
    fsc_auth_token_hash("tok-analyst", h_an);
    fsc_auth_token_hash("tok-liaison", h_li);
    fsc_auth_token_hash("tok-admin", h_ad);
    snprintf(text, sizeof text,
             "tokens:\n"
             "  - name: o.chen\n    role: officer\n    precincts: [P-EAST, DESK]\n    sha256: %s\n"
             "  - name: a.n\n    role: analyst\n    sha256: %s\n"
             "  - name: l.i\n    role: liaison\n    sha256: %s\n"
             "  - name: root\n    role: admin\n    sha256: %s\n",
             h_chen, h_an, h_li, h_ad);
    CHECK(load(text, &d, &a) == FSC_OK && a && d.errors == 0, "a good tokens file loads");
    if (a) {
        CHECK(fsc_auth_lookup(a, "tok-chen", &p) && strcmp(p.name, "o.chen") == 0 &&
                  p.role == FSC_ROLE_OFFICER && p.nprecincts == 2 &&
                  strcmp(p.precincts[1], "DESK") == 0,
              "o.chen's token gives o.chen, officer of P-EAST and DESK");
        CHECK(!fsc_auth_lookup(a, "tok-che", &p) && !fsc_auth_lookup(a, "", &p) &&
                  !fsc_auth_lookup(a, h_chen, &p),
              "a wrong token, an empty one, and the hash itself are unknown");
        CHECK(fsc_auth_allows(&p, FSC_ACT_WORK, "P-EAST") &&
                  fsc_auth_allows(&p, FSC_ACT_READ, "DESK") &&
                  !fsc_auth_allows(&p, FSC_ACT_WORK, "P-WEST") &&
                  !fsc_auth_allows(&p, FSC_ACT_PAYSTOP, "P-EAST") &&
                  !fsc_auth_allows(&p, FSC_ACT_ADMIN, NULL),
              "an officer works their precincts only, no stops, no admin");
        CHECK(fsc_auth_lookup(a, "tok-analyst", &p) && fsc_auth_allows(&p, FSC_ACT_READ, "X") &&
                  !fsc_auth_allows(&p, FSC_ACT_WORK, "X") &&
                  !fsc_auth_allows(&p, FSC_ACT_PAYSTOP, "X"),
              "an analyst reads everything, acts on nothing");
        CHECK(fsc_auth_lookup(a, "tok-liaison", &p) && fsc_auth_allows(&p, FSC_ACT_PAYSTOP, "X") &&
                  fsc_auth_allows(&p, FSC_ACT_READ, "X") && !fsc_auth_allows(&p, FSC_ACT_WORK, "X"),
              "a liaison reads and requests stops, does not work alerts");
        CHECK(fsc_auth_lookup(a, "tok-admin", &p) && fsc_auth_allows(&p, FSC_ACT_ADMIN, NULL) &&
                  fsc_auth_allows(&p, FSC_ACT_WORK, "X"),
              "an admin does everything");
        CHECK(strlen(fsc_auth_digest(a)) == 64, "digest of the file");
        fsc_auth_free(a);
    }
    CHECK(fsc_role_parse("liaison") == FSC_ROLE_LIAISON && fsc_role_parse("root") == FSC_ROLE_NONE &&
              strcmp(fsc_role_name(FSC_ROLE_ANALYST), "analyst") == 0,
          "role names");
    fsc_principal star = {.role = FSC_ROLE_OFFICER, .nprecincts = 1, .precincts = {"*"}};
    CHECK(fsc_auth_allows(&star, FSC_ACT_WORK, "ANY"), "\"*\": every precinct");
    CHECK(!fsc_auth_allows(NULL, FSC_ACT_READ, NULL), "no principal: nothing");

    static const struct {
        const char *fmt;
        unsigned long line, col;
        const char *says;
    } bad[] = {
        {"tokens:\n  - name: x\n    role: boss\n    sha256: %s\n", 3, 11, "'role'"},
        {"tokens:\n  - name: x\n    role: analyst\n    sha256: abc%.0s\n", 4, 13, "'sha256'"},
        {"tokens:\n  - name: x\n    role: officer\n    sha256: %s\n", 2, 5, "needs 'precincts'"},
        {"tokens:\n  - name: x\n    role: analyst\n    sha: %s\n", 4, 5, "unknown key 'sha'"},
        {"tokens:\n  - name: x\n    role: officer\n    precincts: [\"a b\"]\n    sha256: %s\n", 4,
         17, "precinct"},
        {"tokenz:\n  - name: x%.0s\n", 1, 1, "unknown"},
        {"tokens:\n  - name: x\n    role: [analyst\n    sha256: %s\n", 4, 11, "YAML"},
        {"tokens:\n  - role: analyst\n    sha256: %s\n", 2, 5, "'name'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, bad[i].fmt, h_an);
        fsc_status st = load(text, &d, &a);
        CHECK(st == FSC_EMALFORMED && !a && d.errors >= 1 && d.line[0] == bad[i].line &&
                  d.col[0] == bad[i].col && strstr(d.msg[0], bad[i].says),
              "bad tokens %zu: %s at %lu:%lu (got %s %lu:%lu \"%s\")", i, bad[i].says,
              bad[i].line, bad[i].col, fsc_status_name(st), d.line[0], d.col[0], d.msg[0]);
        fsc_auth_free(a);
    }
    snprintf(text, sizeof text,
             "tokens:\n  - name: x\n    role: analyst\n    sha256: %s\n"
             "  - name: y\n    role: admin\n    sha256: %s\n",
             h_an, h_an);
    CHECK(load(text, &d, &a) == FSC_EMALFORMED && d.line[0] == 7 && strstr(d.msg[0], "same"),
          "two names with one token refused at 7 (%lu \"%s\")", d.line[0], d.msg[0]);
    snprintf(text, sizeof text,
             "tokens:\n  - name: x\n    role: analyst\n    precincts: [A]\n    sha256: %s\n", h_an);
    CHECK(load(text, &d, &a) == FSC_OK && d.warnings == 1 && d.line[0] == 4,
          "precincts on an analyst: a warning at line 4");
    fsc_auth_free(a);
    return unit_done();
}
