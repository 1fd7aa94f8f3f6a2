/* test_http.c: what the HTTP API parses itself (dispatch/http_args.h):
 * request bodies, path templates, levels, entry numbers, entry kinds.
 * Inputs are placed right before an unreadable page, so a parser that
 * reads past len faults here instead of passing. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "http_args.h"
#include "unit.h"

static char *page_end;   /* the first byte of a PROT_NONE page */

static const char *at_end(const char *s, size_t len)
{
    char *p = page_end - len;
    memcpy(p, s, len);
    return p;
}

typedef struct {
    const char *body;
    fsc_status want;
    const char *err;     /* a substring of the message */
} body_row;

static void bodies(void)
{
    static const body_row rows[] = {
        {"", FSC_OK, NULL},
        {"  \n", FSC_OK, NULL},
        {"{}", FSC_OK, NULL},
        {"{\"outcome\":\"dissuaded\",\"amount\":1200,\"note\":\"talked\"}", FSC_OK, NULL},
        {"{\"outcome\":\"dissuaded\",\"amount\":null}", FSC_OK, NULL},
        {"{\"outcome\":\"x\",\"amount\":1,\"amount\":2}", FSC_EMALFORMED, "'amount' is given twice at byte 34"},
        {"{\"outcme\":\"x\"}", FSC_EMALFORMED, "unknown key 'outcme' (accepted: outcome, amount, note) at byte 9"},
        {"{\"outcome\":3}", FSC_EMALFORMED, "'outcome' must be a string at byte 12"},
        {"{\"amount\":\"3\"}", FSC_EMALFORMED, "'amount' must be a number at byte 13"},
        {"{\"amount\":true}", FSC_EMALFORMED, "'amount' must be a number, not true"},
        {"{\"note\":{\"a\":1}}", FSC_EMALFORMED, "nested values are not accepted at byte 9"},
        {"{\"note\":[1]}", FSC_EMALFORMED, "nested values are not accepted at byte 9"},
        {"[1]", FSC_EMALFORMED, "the body must be a JSON object at byte 1"},
        {"\"x\"", FSC_EMALFORMED, "the body must be a JSON object"},
        {"{\"note\":\"a\\u0000b\"}", FSC_EMALFORMED, "NUL"},
        {"{\"note\": \"unterminated", FSC_EMALFORMED, "invalid JSON at byte"},
        {"{\"note\":\"x\"} trailing", FSC_EMALFORMED, "invalid JSON at byte 15: parse error: trailing garbage"},
        {"{\"amount\":1e999}", FSC_EMALFORMED, "not a finite number"},
        {"{\"note\":\"\xff\xfe\"}", FSC_EMALFORMED, "invalid JSON"},
        {"{'note':1}", FSC_EMALFORMED, "invalid JSON at byte 2: lexical error"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char outcome[16], note[8];
        fsc_harg args[] = {
            {.key = "outcome", .type = FSC_HARG_STR, .str = outcome, .cap = sizeof outcome},
            {.key = "amount", .type = FSC_HARG_NUM},
            {.key = "note", .type = FSC_HARG_STR, .str = note, .cap = sizeof note},
        };
        char err[256] = "";
        size_t len = strlen(rows[i].body);
        fsc_status st = fsc_http_parse_body(at_end(rows[i].body, len), len, args, 3, err,
                                            sizeof err);
        CHECK(st == rows[i].want && (!rows[i].err || strstr(err, rows[i].err)),
              "body %zu %s -> %s '%s'", i, rows[i].body, fsc_status_name(st), err);
    }

    /* values land where they belong; null means absent; offsets point past */
    char outcome[16], note[8];
    fsc_harg args[] = {
        {.key = "outcome", .type = FSC_HARG_STR, .required = true, .str = outcome,
         .cap = sizeof outcome},
        {.key = "amount", .type = FSC_HARG_NUM},
        {.key = "note", .type = FSC_HARG_STR, .str = note, .cap = sizeof note},
    };
    char err[256];
    const char *b = "{\"outcome\":\"dissuaded\",\"amount\":1200.5,\"note\":null}";
    fsc_status st = fsc_http_parse_body(b, strlen(b), args, 3, err, sizeof err);
    CHECK(st == FSC_OK && strcmp(outcome, "dissuaded") == 0 && args[1].present &&
              args[1].num == 1200.5 && !args[2].present && args[0].at == 22,
          "values: %s outcome=%s amount=%g note present=%d at=%zu", fsc_status_name(st), outcome,
          args[1].num, args[2].present, args[0].at);
    b = "{\"amount\":5}";
    st = fsc_http_parse_body(b, strlen(b), args, 3, err, sizeof err);
    CHECK(st == FSC_EMALFORMED && strstr(err, "'outcome' is required"), "required: %s", err);
    b = "{\"outcome\":\"x\",\"note\":\"12345678\"}";
    st = fsc_http_parse_body(b, strlen(b), args, 3, err, sizeof err);
    CHECK(st == FSC_EMALFORMED && strstr(err, "'note' is longer than 7 bytes"), "cap: %s", err);
    b = "{\"outcome\":\"x\",\"note\":\"1234567\"}";
    st = fsc_http_parse_body(b, strlen(b), args, 3, err, sizeof err);
    CHECK(st == FSC_OK && strcmp(note, "1234567") == 0, "exactly cap-1 bytes fit: %s", note);
    /* no keys accepted at all (POST /admin/reload) */
    st = fsc_http_parse_body("{\"x\":1}", 7, NULL, 0, err, sizeof err);
    CHECK(st == FSC_EMALFORMED && strstr(err, "accepted: none"), "no keys: %s", err);
}

static void routes(void)
{
    static const struct {
        const char *pattern, *path;
        int want;
        const char *id;
    } rows[] = {
        {"/alerts", "/alerts", 1, ""},
        {"/alerts", "/alerts/", 0, NULL},
        {"/alerts/*", "/alerts/9f3a0c1d2e4b5a69", 1, "9f3a0c1d2e4b5a69"},
        {"/alerts/*", "/alerts/", 0, NULL},
        {"/alerts/*", "/alerts/a/claim", 0, NULL},
        {"/alerts/*/claim", "/alerts/a-b_c.d:e/claim", 1, "a-b_c.d:e"},
        {"/alerts/*/claim", "/alerts/abc/clai", 0, NULL},
        {"/alerts/*/claim", "/alerts/abc/claimx", 0, NULL},
        {"/alerts/*/claim", "/alerts/a b/claim", -1, NULL},
        {"/alerts/*", "/alerts/\xc3\xa9", -1, NULL},
        {"/paystops/stats", "/paystops/stats", 1, ""},
        {"/paystops/*", "/paystops/PS-0123456789abcdef", 1, "PS-0123456789abcdef"},
        {"/alerts/*",
         "/alerts/0123456789012345678901234567890123456789012345678901234567890123456789", -1,
         NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char id[80] = "", err[160] = "";
        size_t len = strlen(rows[i].path);
        int m = fsc_http_route_match(rows[i].pattern, at_end(rows[i].path, len), len, id,
                                     sizeof id, err, sizeof err);
        CHECK(m == rows[i].want && (m != 1 || strcmp(id, rows[i].id) == 0),
              "route %s ~ %s -> %d id '%s' %s", rows[i].pattern, rows[i].path, m, id, err);
    }
    char id[80], err[160];
    int m = fsc_http_route_match("/alerts/*", "/alerts/x%y", 11, id, sizeof id, err, sizeof err);
    CHECK(m == -1 && strstr(err, "at byte 9"), "bad id names its byte: %s", err);
}

static void values(void)
{
    static const struct {
        const char *s;
        int want;
    } lv[] = {{"0", 0}, {"4", 4}, {"5", -1}, {"high", 3}, {"critical", 4}, {"High", -1},
              {"", -1}, {"44", -1}, {"low ", -1}};
    for (size_t i = 0; i < sizeof lv / sizeof lv[0]; i++) {
        size_t len = strlen(lv[i].s);
        int got = fsc_http_parse_level(at_end(lv[i].s, len), len);
        CHECK(got == lv[i].want, "level '%s' -> %d", lv[i].s, got);
    }
    static const struct {
        const char *s;
        bool ok;
        uint64_t v;
    } u[] = {{"0", true, 0}, {"42", true, 42}, {"18446744073709551615", true, UINT64_MAX},
             {"18446744073709551616", false, 0}, {"-1", false, 0}, {" 1", false, 0},
             {"", false, 0}, {"1x", false, 0}, {"000000000000000000001", false, 0}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        uint64_t v = 7;
        size_t len = strlen(u[i].s);
        bool ok = fsc_http_parse_u64(at_end(u[i].s, len), len, &v);
        CHECK(ok == u[i].ok && (!ok || v == u[i].v), "u64 '%s' -> %d %llu", u[i].s, ok,
              (unsigned long long)v);
    }
    static const struct {
        const char *json, *kind;
    } k[] = {
        {"{\"kind\":\"claim\",\"ts\":\"x\"}", "claim"},
        {"{\"ts\":1,\"alert\":{\"kind\":\"inner\"},\"kind\":\"alert\"}", "alert"},
        {"{\"a\":[{\"kind\":\"no\"}],\"kind\":\"escalate\"}", "escalate"},
        {"{\"kind\":3}", NULL},
        {"{\"x\":1}", NULL},
        {"{\"kind\":\"averyveryverylongkindname_over_cap\"}", NULL},
        {"not json", NULL},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        char out[24] = "";
        size_t len = strlen(k[i].json);
        bool ok = fsc_http_entry_kind(at_end(k[i].json, len), len, out, sizeof out);
        CHECK(k[i].kind ? ok && strcmp(out, k[i].kind) == 0 : !ok, "kind of %s -> %d '%s'",
              k[i].json, ok, out);
    }
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (m == MAP_FAILED || mprotect(m + pg, (size_t)pg, PROT_NONE) != 0) {
        printf("Bail out! cannot map a guard page\n");
        return 1;
    }
    page_end = m + pg;
    bodies();
    routes();
    values();
    return unit_done();
}
