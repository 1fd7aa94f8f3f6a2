/* test_rules_lang.c: the second version of the rule language and its
 * structures: condition expressions (table of expressions and their truth
 * tables, and of broken ones with the offset of the error), list files,
 * the domain set against a naive suffix matcher, CIDR lookups, sequence
 * rules through the matcher (order, window, eviction bound), test status,
 * per-group instructions, reference counting and the database cache
 * (including a corrupt entry). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules_int.h"
#include "sequence.h"
#include "unit.h"

static char tmproot[256];
static unsigned ndirs;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        exit(2);
    fputs(text, f);
    fclose(f);
}

static fsc_status load(const char *text, const char *list, unit_diags *d, fsc_ruleset **rs,
                       const char *cache)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/d%u", tmproot, ndirs++);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/r.yaml", dir);
    write_file(path, text);
    if (list) {
        snprintf(path, sizeof path, "%s/l.txt", dir);
        write_file(path, list);
    }
    memset(d, 0, sizeof *d);
    fsc_diag dg = {unit_diag_capture, d, 0, 0};
    return fsc_ruleset_load_cached(dir, cache, &dg, rs);
}

/* ---- condition expressions ---------------------------------------------- */

static void test_cond(void)
{
    static const char *const names[] = {"a", "b", "sel_x", "sel_y", "filter"};
    static const struct {
        const char *expr;
        const char *truth; /* 32 chars: result for masks 0..31 (bit i: names[i]) */
    } good[] = {
        {"a", "01010101010101010101010101010101"},
        {"a and b", "00010001000100010001000100010001"},
        {"a or b", "01110111011101110111011101110111"},
        {"a and not b", "01000100010001000100010001000100"},
        {"not (a or b) or sel_x", "10001111100011111000111110001111"},
        {"1 of sel_*", "00001111111111110000111111111111"},
        {"all of sel_*", "00000000000011110000000000001111"},
        {"1 of them", "01111111111111111111111111111111"},
        {"all of them", "00000000000000000000000000000001"},
        {"(a or b) and not filter", "01110111011101110000000000000000"},
        {"any of sel_*", "00001111111111110000111111111111"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint32_t ops[64];
        size_t n = 0, off = 0;
        char msg[200];
        fsc_status st = fsc_cond_parse(good[i].expr, strlen(good[i].expr), names, 5, ops, 64, &n,
                                       &off, msg, sizeof msg);
        char got[33];
        for (unsigned m = 0; m < 32; m++) {
            bool sel[5];
            for (int k = 0; k < 5; k++)
                sel[k] = (m >> k) & 1;
            got[m] = fsc_cond_eval(ops, n, sel, 5) ? '1' : '0';
        }
        got[32] = '\0';
        /* truth strings are written with mask 0 first; "a" is bit 0 */
        CHECK(st == FSC_OK && strcmp(got, good[i].truth) == 0, "cond '%s': %s (%s)",
              good[i].expr, got, msg);
    }
    static const struct {
        const char *expr;
        size_t off;
        const char *msg;
    } bad[] = {
        {"", 0, "empty"},
        {"a and", 5, "ends where"},
        {"a or c", 5, "'c' is not defined"},
        {"(a or b", 0, "never closed"},
        {"a b", 2, "Expected 'and', 'or'"},
        {"a)", 1, "no matching"},
        {"1 of zz_*", 5, "No selection matches"},
        {"sel_*", 0, "needs a quantifier"},
        {"all sel_x", 4, "Expected 'of'"},
        {"a & b", 2, "Expected 'and', 'or'"},
        {"& b", 0, "Unexpected character"},
        {"not not not not not not not not not not not not not not not not not not not not not "
         "not not not not not not not not not not not not not a",
         128, "nests too deeply"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t ops[64];
        size_t n = 0, off = 99;
        char msg[200];
        fsc_status st = fsc_cond_parse(bad[i].expr, strlen(bad[i].expr), names, 5, ops, 64, &n,
                                       &off, msg, sizeof msg);
        CHECK(st == FSC_ERULE && off == bad[i].off && strstr(msg, bad[i].msg),
              "bad cond '%.30s': off %zu msg %s", bad[i].expr, off, msg);
    }
    /* a program longer than its buffer is refused, not overflowed */
    uint32_t ops[3];
    size_t n, off;
    char msg[100];
    CHECK(fsc_cond_parse("1 of them", 9, names, 5, ops, 3, &n, &off, msg, sizeof msg) ==
              FSC_ERULE,
          "program bound");
}

/* ---- domain set vs a naive matcher ---------------------------------------- */

static bool naive_suffix(const char *name, const char *sfx)
{
    size_t n = strlen(name), s = strlen(sfx);
    if (n == s)
        return strcasecmp(name, sfx) == 0;
    return n > s && name[n - s - 1] == '.' && strcasecmp(name + n - s, sfx) == 0;
}

static void count_id(void *ctx, uint32_t id)
{
    (void)id;
    (*(size_t *)ctx)++;
}

static void test_domainset(void)
{
    static const char *const sfx[] = {"example.com", "b.c", "bet", "x.y.z", "Mixed.Case"};
    static const char *const exact[] = {"only.example.org", "a.b.c"};
    fsc_domainset *ds = fsc_domainset_new(4);
    for (size_t i = 0; i < 5; i++)
        fsc_domainset_add(ds, 0, sfx[i], (uint32_t)strlen(sfx[i]), true, true, (uint32_t)i);
    for (size_t i = 0; i < 2; i++)
        fsc_domainset_add(ds, 0, exact[i], (uint32_t)strlen(exact[i]), false, true,
                          (uint32_t)(10 + i));
    static const char *const names[] = {
        "example.com", "www.example.com", "badexample.com", "EXAMPLE.COM", "a.b.c", "b.c",
        "xb.c", "alphabet", "lucky.bet", "bet", "z", "y.z", "w.x.y.z", "only.example.org",
        "sub.only.example.org", "mixed.case", "q.MIXED.case", "", ".", "..b.c", "c",
    };
    size_t bad = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t want = 0;
        for (size_t k = 0; k < 5; k++)
            want += naive_suffix(names[i], sfx[k]);
        for (size_t k = 0; k < 2; k++)
            want += strcasecmp(names[i], exact[k]) == 0;
        size_t got = 0;
        fsc_domainset_lookup(ds, 0, names[i], strlen(names[i]), true, count_id, &got);
        if (got != want) {
            bad++;
            printf("# %s: got %zu want %zu\n", names[i], got, want);
        }
        /* another field sees nothing */
        got = 0;
        fsc_domainset_lookup(ds, 1, names[i], strlen(names[i]), true, count_id, &got);
        bad += got != 0;
    }
    CHECK(bad == 0, "domain set agrees with a naive suffix matcher");
    /* growth past the initial size keeps every entry */
    char buf[64][32];
    for (int i = 0; i < 64; i++) {
        snprintf(buf[i], sizeof buf[i], "host%d.test", i);
        fsc_domainset_add(ds, 2, buf[i], (uint32_t)strlen(buf[i]), false, false, 100);
    }
    size_t found = 0;
    for (int i = 0; i < 64; i++)
        found += fsc_domainset_lookup(ds, 2, buf[i], strlen(buf[i]), false, NULL, NULL);
    CHECK(found == 64 && fsc_domainset_count(ds) == 71, "growth keeps entries (%zu)", found);
    fsc_domainset_free(ds);
}

static void test_cidr(void)
{
    fsc_cidr *t = fsc_cidr_new();
    fsc_addr a;
    unsigned p;
    CHECK(fsc_cidr_parse("10.0.0.0/8", 10, &a, &p) && p == 8, "parse /8");
    CHECK(!fsc_cidr_parse("10.0.0.1/8", 10, &a, &p), "host bits refused");
    CHECK(!fsc_cidr_parse("10.0.0.0/33", 11, &a, &p), "length refused");
    CHECK(!fsc_cidr_parse("10.0.0/8", 8, &a, &p), "bad address refused");
    fsc_cidr_parse("10.0.0.0/8", 10, &a, &p);
    fsc_cidr_add(t, 1, &a, p, 1);
    fsc_cidr_parse("10.1.2.0/24", 11, &a, &p);
    fsc_cidr_add(t, 1, &a, p, 2);
    fsc_cidr_parse("2001:db8::/32", 13, &a, &p);
    fsc_cidr_add(t, 1, &a, p, 3);
    fsc_addr q;
    fsc_addr_parse("10.1.2.3", 8, &q);
    CHECK(fsc_cidr_lookup(t, 1, &q, NULL, NULL) == 2, "nested prefixes both match");
    CHECK(fsc_cidr_lookup(t, 0, &q, NULL, NULL) == 0, "ip.src slot apart");
    fsc_addr_parse("11.1.2.3", 8, &q);
    CHECK(fsc_cidr_lookup(t, 1, &q, NULL, NULL) == 0, "outside");
    fsc_addr_parse("2001:db8:1::5", 13, &q);
    CHECK(fsc_cidr_lookup(t, 1, &q, NULL, NULL) == 1, "IPv6 prefix");
    fsc_cidr_free(t);
}

/* ---- lists ----------------------------------------------------------------- */

typedef struct lines {
    int good, bad;
    unsigned long last_bad_line, last_bad_col;
} lines;

static void on_value(void *ctx, unsigned long line, unsigned long col, const char *v, size_t len,
                     const char *reason)
{
    lines *l = ctx;
    (void)v;
    (void)len;
    if (reason) {
        l->bad++;
        l->last_bad_line = line;
        l->last_bad_col = col;
    } else {
        l->good++;
    }
}

static void test_lists(void)
{
    const char *t = "\xEF\xBB\xBF# header\nexample.com\n\n  a.example.org   # note\nbad domain\n"
                    "x..y\nok-host.cn.\r\n   #only comment\nhash#notcomment.com";
    lines l = {0};
    fsc_list_parse(t, strlen(t), FSC_LIST_DOMAIN, on_value, &l);
    CHECK(l.good == 3 && l.bad == 3 && l.last_bad_line == 9 && l.last_bad_col == 1,
          "domain list: %d good, %d bad, last bad %lu:%lu", l.good, l.bad, l.last_bad_line,
          l.last_bad_col);
    const char *ips = "192.0.2.1\n10.0.0.0/8\n2001:db8::/32\n10.0.0.1/8\n999.1.1.1\n";
    memset(&l, 0, sizeof l);
    fsc_list_parse(ips, strlen(ips), FSC_LIST_IP, on_value, &l);
    CHECK(l.good == 3 && l.bad == 2, "ip list");
}

/* ---- sequence rules ---------------------------------------------------------- */

#define SEQ_RULE                                                                   \
    "id: seq\ntitle: t\nfraud_type: FT11\nlevel: high\nweight: 3\n"                \
    "match:\n  sel_app:\n    app.package: com.carriez.flutter_hbb\n"               \
    "  sel_dns:\n    dns.query|suffix: fake-bank.example\n"                        \
    "sequence: {within: 30m, steps: [sel_app, sel_dns]}\n"

typedef struct got {
    int n;
    char ev[64];
} got;

static void on_seq(void *ctx, const fsc_rule *r, const fsc_value *v)
{
    got *g = ctx;
    (void)r;
    g->n++;
    snprintf(g->ev, sizeof g->ev, "%.*s", (int)v->len, v->ptr);
}

static int feed(fsc_matcher *m, fsc_seq *s, const char *sub, int64_t minute, fsc_field f,
                const char *val, got *g)
{
    fsc_record rec = {0};
    rec.ts = minute * 60 * 1000000LL;
    rec.values[0].field = f;
    rec.values[0].ptr = val;
    rec.values[0].len = (uint32_t)strlen(val);
    rec.nvalues = 1;
    CHECK(fsc_match_record(m, &rec, NULL, NULL) == 0, "a sequence rule is not a plain hit");
    return fsc_seq_feed(s, m, sub, &rec, on_seq, g);
}

static void test_sequence(void)
{
    unit_diags d;
    fsc_ruleset *rs = NULL;
    fsc_status st = load(SEQ_RULE, NULL, &d, &rs, NULL);
    CHECK(st == FSC_OK, "sequence rule loads (%s)", d.n ? d.msg[0] : "");
    if (st != FSC_OK)
        return;
    CHECK(fsc_rule_is_sequence(fsc_ruleset_rule(rs, 0)) &&
              fsc_ruleset_rule(rs, 0)->within == 30LL * 60 * 1000000,
          "within 30m");
    fsc_matcher *m = fsc_matcher_new(rs);
    fsc_seq *s = fsc_seq_new(rs, 2);
    got g = {0};
    feed(m, s, "S1", 0, FSC_F_APP_PACKAGE, "com.carriez.flutter_hbb", &g);
    feed(m, s, "S2", 1, FSC_F_DNS_QUERY, "www.fake-bank.example", &g);
    CHECK(g.n == 0, "another subscriber's lookup does not complete S1's sequence");
    feed(m, s, "S1", 20, FSC_F_DNS_QUERY, "www.fake-bank.example", &g);
    CHECK(g.n == 1 && strcmp(g.ev, "www.fake-bank.example") == 0,
          "in order within 30 minutes: one hit, evidence the last step (%d %s)", g.n, g.ev);
    feed(m, s, "S1", 21, FSC_F_DNS_QUERY, "www.fake-bank.example", &g);
    CHECK(g.n == 1, "one alert per chain");
    feed(m, s, "S3", 100, FSC_F_APP_PACKAGE, "com.carriez.flutter_hbb", &g);
    feed(m, s, "S3", 131, FSC_F_DNS_QUERY, "fake-bank.example", &g);
    CHECK(g.n == 1, "31 minutes is outside the window");
    feed(m, s, "S4", 200, FSC_F_DNS_QUERY, "fake-bank.example", &g);
    feed(m, s, "S4", 201, FSC_F_APP_PACKAGE, "com.carriez.flutter_hbb", &g);
    CHECK(g.n == 1, "wrong order does not match");
    /* the table holds 2 subscribers: S5 and S6 push older ones out */
    feed(m, s, "S5", 300, FSC_F_APP_PACKAGE, "com.carriez.flutter_hbb", &g);
    feed(m, s, "S6", 301, FSC_F_APP_PACKAGE, "com.carriez.flutter_hbb", &g);
    CHECK(fsc_seq_evictions(s) >= 1, "bounded: evictions counted (%llu)",
          (unsigned long long)fsc_seq_evictions(s));
    feed(m, s, "S6", 305, FSC_F_DNS_QUERY, "fake-bank.example", &g);
    CHECK(g.n == 2, "the most recent subscriber kept its progress");
    fsc_seq_free(s);
    fsc_matcher_free(m);
    fsc_ruleset_free(rs);

    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"id: s\nfraud_type: FT11\nlevel: low\nweight: 1\nmatch:\n  a: {dns.query: x.com}\n"
         "sequence: {within: 30m, steps: [a, zz]}\n",
         "'zz' is not defined"},
        {"id: s\nfraud_type: FT11\nlevel: low\nweight: 1\nmatch:\n  a: {dns.query: x.com}\n"
         "sequence: {within: 30x, steps: [a, a]}\n",
         "'within'"},
        {"id: s\nfraud_type: FT11\nlevel: low\nweight: 1\nmatch:\n  a: {dns.query: x.com}\n"
         "sequence: {within: 5m, steps: [a]}\n",
         "2 to 8 steps"},
        {"id: s\nfraud_type: FT11\nlevel: low\nweight: 1\nmatch:\n  a: {dns.query: x.com}\n"
         "  f: {dns.query: y.com}\ncondition: not f\n",
         "holds when no selection matches"},
        {"id: s\nfraud_type: FT11\nlevel: low\nweight: 1\nmatch:\n  a: {dns.query: x.com}\n"
         "  b: {dns.query: y.com}\n",
         "no 'condition'"},
        {"id: s\nfraud_type: FT11\nlevel: low\nweight: 1\nstatus: beta\nmatch:\n"
         "  dns.query: x.com\n",
         "Unknown status"},
        {"id: s\nfraud_type: FT11\nlevel: low\nweight: 1\ninstruction: {grandma: x}\nmatch:\n"
         "  dns.query: x.com\n",
         "Unknown victim group"},
        {"id: s\nfraud_type: FT11\nlevel: low\nweight: 1\nmatch:\n  ip.dst|cidr: 10.0.0.1/8\n",
         "not an IPv4"},
        {"id: s\nfraud_type: FT11\nlevel: low\nweight: 1\nmatch:\n  dns.query|cidr: 10.0.0.0/8\n",
         "'cidr' applies"},
        {"id: s\nfraud_type: FT11\nlevel: low\nweight: 1\nmatch:\n  dns.query: '@nofile.txt'\n",
         "Cannot read the list"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fsc_ruleset *x = NULL;
        st = load(bad[i].text, NULL, &d, &x, NULL);
        bool found = false;
        for (int k = 0; k < d.n; k++)
            found = found || strstr(d.msg[k], bad[i].msg);
        CHECK(st == FSC_ERULE && !x && found, "refused: %s (%s)", bad[i].msg,
              d.n ? d.msg[0] : "-");
    }
}

/* ---- status, groups, lists, cidr through the matcher ------------------------- */

static int nhits;
static const fsc_rule *last_rule;
static void count_hit(void *ctx, const fsc_rule *r, const fsc_value *v)
{
    (void)ctx;
    (void)v;
    nhits++;
    last_rule = r;
}

static void test_features(void)
{
    const char *text =
        "id: t1\ntitle: t\nstatus: test\nfraud_type: FT05\nlevel: low\nweight: 1\n"
        "instruction: {default: D, elderly: E}\nreferences: [https://a, https://b]\n"
        "match:\n  sel: {dns.query|suffix: '@l.txt'}\n"
        "---\nid: t2\ntitle: t\nstatus: deprecated\nfraud_type: FT05\nlevel: low\nweight: 1\n"
        "match:\n  dns.query: x.example\n"
        "---\nid: t3\ntitle: t\nfraud_type: FT05\nlevel: low\nweight: 1\n"
        "match:\n  ip.dst|cidr: [192.0.2.0/24]\n";
    unit_diags d;
    fsc_ruleset *rs = NULL;
    fsc_status st = load(text, "x.example\nbad domain\n", &d, &rs, NULL);
    CHECK(st == FSC_OK && d.warnings == 1 && d.line[0] == 2, "list with one bad line loads (%s)",
          d.n ? d.msg[0] : "");
    if (st != FSC_OK)
        return;
    const fsc_rule *r = fsc_ruleset_rule(rs, 0);
    CHECK(r->status == FSC_RULE_TEST && strcmp(fsc_rule_instruction(r, FSC_GROUP_ELDERLY), "E") == 0 &&
              strcmp(fsc_rule_instruction(r, FSC_GROUP_STUDENT), "D") == 0 &&
              r->nreferences == 2 && strcmp(r->references[1], "https://b") == 0,
          "status, instructions per group, references");
    fsc_matcher *m = fsc_matcher_new(rs);
    fsc_ruleset_free(rs); /* the matcher's reference keeps the set alive */
    fsc_record rec = {0};
    rec.source = FSC_SRC_TRAFFIC;
    rec.values[0].field = FSC_F_DNS_QUERY;
    rec.values[0].ptr = "www.x.example";
    rec.values[0].len = 13;
    rec.nvalues = 1;
    nhits = 0;
    fsc_match_record(m, &rec, count_hit, NULL);
    CHECK(nhits == 1 && last_rule->status == FSC_RULE_TEST, "test rule reported with its status");
    rec.values[0].ptr = "x.example";
    rec.values[0].len = 9;
    nhits = 0;
    fsc_match_record(m, &rec, count_hit, NULL);
    CHECK(nhits == 1, "deprecated rule never reported");
    fsc_addr_parse("192.0.2.77", 10, &rec.dst);
    rec.values[0].ptr = "other.org";
    nhits = 0;
    last_rule = NULL;
    const fsc_value *ev = NULL;
    fsc_match_record(m, &rec, count_hit, &ev);
    CHECK(nhits == 1 && strcmp(last_rule->id, "t3") == 0, "ip.dst cidr");
    fsc_matcher_free(m); /* frees the set too (ASan checks) */
}

static void test_cache(void)
{
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", tmproot);
    const char *text = "id: c\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
                       "match:\n  http.uri|regex: '\\A/x/[0-9]+\\.apk\\z'\n";
    unit_diags d;
    fsc_ruleset *a = NULL, *b = NULL, *c = NULL;
    load(text, NULL, &d, &a, cache);
    load(text, NULL, &d, &b, cache);
    CHECK(a && b && !fsc_ruleset_from_cache(a) && fsc_ruleset_from_cache(b),
          "second load comes from the cache");
    char path[4096];
    if (b && fsc_rules_cache_path(b, cache, path, sizeof path)) {
        FILE *f = fopen(path, "r+b");
        if (f) {
            fseek(f, 100, SEEK_SET);
            fputc(0x5a, f);
            fclose(f);
        }
        load(text, NULL, &d, &c, cache);
        CHECK(c && !fsc_ruleset_from_cache(c), "a corrupt entry is not trusted");
        if (c) {
            fsc_matcher *m = fsc_matcher_new(c);
            fsc_record rec = {0};
            rec.values[0].field = FSC_F_HTTP_URI;
            rec.values[0].ptr = "/x/12.apk";
            rec.values[0].len = 9;
            rec.nvalues = 1;
            CHECK(fsc_match_record(m, &rec, NULL, NULL) == 1, "recompiled set matches");
            fsc_matcher_free(m);
        }
    }
    fsc_ruleset_free(a);
    fsc_ruleset_free(b);
    fsc_ruleset_free(c);
}

int main(void)
{
    snprintf(tmproot, sizeof tmproot, "%s/fsc-lang-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmproot))
        return 2;
    test_cond();
    test_domainset();
    test_cidr();
    test_lists();
    test_sequence();
    test_features();
    test_cache();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmproot);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmproot);
    return unit_done();
}

