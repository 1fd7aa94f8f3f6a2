/* test_rules.c: the rule loader, the Hyperscan compiler and the matcher.
 *
 *  - loader errors: a table of broken snippets, each written to a temp dir,
 *    must be refused with the exact file:line:col of the offending node;
 *  - semantics of every modifier (domain-aware suffix and its near misses,
 *    caseless hosts and hashes, |all, multi-field AND, OR lists);
 *  - a differential test against a naive matcher written plainly here;
 *  - the shipped pack (argv[1] = the source tree's rules/ directory) must
 *    catch every demo indicator with the intended fraud type and nothing in
 *    the background traffic;
 *  - matchers in two threads over one shared set. */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fraud_type.h"
#include "rules.h"
#include "rules_int.h" /* aliases: that the tests below do exercise them */
#include "unit.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct capture {
    size_t errors, warnings;
    char file[512];
    unsigned long line, col;
    char msg[1024];
} capture;

static void capture_fn(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                       unsigned long col, const char *msg)
{
    capture *c = ctx;
    if (sev != FSC_SEV_ERROR) {
        c->warnings++;
        return;
    }
    if (c->errors++ == 0) {
        snprintf(c->file, sizeof c->file, "%s", file ? file : "");
        c->line = line;
        c->col = col;
        snprintf(c->msg, sizeof c->msg, "%s", msg);
    }
}

static char tmproot[256];

/* snprintf that refuses to truncate: test paths must be exact */
#define PATHF(buf, cap, ...)                                                 \
    do {                                                                     \
        int n_ = snprintf(buf, cap, __VA_ARGS__);                            \
        if (n_ < 0 || (size_t)n_ >= (size_t)(cap)) {                         \
            fprintf(stderr, "path too long\n");                              \
            exit(2);                                                         \
        }                                                                    \
    } while (0)

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static unsigned dircount;

/* A fresh directory under tmproot holding `name` with `text`; the file's
 * path is written to path. */
static void fresh_file(const char *name, const char *text, char *dir, size_t dcap, char *path,
                       size_t pcap)
{
    PATHF(dir, dcap, "%s/d%u", tmproot, dircount++);
    mkdir(dir, 0700);
    PATHF(path, pcap, "%s/%s", dir, name);
    write_file(path, text);
}

/* Loads a fresh directory under tmproot holding files[] (name, text pairs,
 * NULL after the last; a name may have one directory, as "lists/x.txt"). */
static fsc_status load_files(const char *const *files, capture *cap, fsc_ruleset **rs)
{
    char dir[512], path[512];
    fsc_diag d = {capture_fn, cap, 0, 0};
    memset(cap, 0, sizeof *cap);
    PATHF(dir, sizeof dir, "%s/d%u", tmproot, dircount++);
    mkdir(dir, 0700);
    for (size_t i = 0; files[i]; i += 2) {
        const char *slash = strchr(files[i], '/');
        if (slash) {
            PATHF(path, sizeof path, "%s/%.*s", dir, (int)(slash - files[i]), files[i]);
            mkdir(path, 0700);
        }
        PATHF(path, sizeof path, "%s/%s", dir, files[i]);
        write_file(path, files[i + 1]);
    }
    return fsc_ruleset_load(dir, &d, rs);
}

static fsc_status load_text(const char *text, capture *cap, fsc_ruleset **rs, char *path,
                            size_t pcap)
{
    char dir[512];
    fsc_diag d = {capture_fn, cap, 0, 0};
    memset(cap, 0, sizeof *cap);
    fresh_file("r.yaml", text, dir, sizeof dir, path, pcap);
    return fsc_ruleset_load(dir, &d, rs);
}

typedef struct hits {
    size_t n;
    const fsc_rule *rule[64];
    const fsc_value *ev[64];
} hits;

static void on_hit(void *ctx, const fsc_rule *rule, const fsc_value *v)
{
    hits *h = ctx;
    if (h->n < 64) {
        h->rule[h->n] = rule;
        h->ev[h->n] = v;
    }
    h->n++;
}

static void rec_add(fsc_record *r, fsc_field f, const char *s)
{
    r->values[r->nvalues].field = f;
    r->values[r->nvalues].ptr = s;
    r->values[r->nvalues].len = (uint32_t)strlen(s);
    r->nvalues++;
}

/* The ids that hit, sorted and comma-joined, for readable comparisons. */
static void hit_ids(const hits *h, char *out, size_t cap)
{
    const char *ids[64];
    size_t n = h->n < 64 ? h->n : 64;
    for (size_t i = 0; i < n; i++)
        ids[i] = h->rule[i]->id;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
            const char *t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && at < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%s", i ? "," : "", ids[i]);
}

/* ---- loader errors ------------------------------------------------------ */

#define HEAD "id: r1\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"

static const struct {
    const char *name, *text;
    unsigned long line, col;
    const char *msg; /* a substring of the first error */
} bad[] = {
    {"unknown field", HEAD "match:\n  dns.qery: a.com\n", 7, 3, "Unknown field 'dns.qery'"},
    {"unknown modifier", HEAD "match:\n  dns.query|endswith: a.com\n", 7, 13,
     "Unknown modifier 'endswith'"},
    {"two modifiers", HEAD "match:\n  dns.query|suffix|contains: a.com\n", 7, 20,
     "at most one"},
    {"empty modifier", HEAD "match:\n  dns.query|: a.com\n", 7, 13, "Empty modifier"},
    {"all twice", HEAD "match:\n  app.permissions|all|all: [A, B]\n", 7, 23, "twice"},
    {"empty contains", HEAD "match:\n  http.uri|contains: ''\n", 7, 22,
     "would match every value"},
    {"empty exact", HEAD "match:\n  app.package: \"\"\n", 7, 16, "could never hold"},
    {"null value", HEAD "match:\n  dns.query: ~\n", 7, 14, "YAML null"},
    {"regex .*", HEAD "match:\n  http.uri|regex: '.*'\n", 7, 19, "empty string"},
    {"regex .+", HEAD "match:\n  http.uri|regex: '.+'\n", 7, 19, "matches every value"},
    {"bad regex", HEAD "match:\n  http.uri|regex: 'a(b'\n", 7, 19,
     "Hyperscan cannot compile the regex: Missing close parenthesis"},
    {"bad regex in list", HEAD "match:\n  http.uri|regex:\n    - '\\.apk\\z'\n    - 'x[z'\n", 9,
     7, "Hyperscan cannot compile the regex"},
    {"bad fraud type", "id: r1\ntitle: t\nfraud_type: FT14\nlevel: low\nweight: 1\nmatch:\n"
                       "  dns.query: a.com\n",
     3, 13, "Unknown fraud type 'FT14'"},
    {"negative weight", "id: r1\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: -1\nmatch:\n"
                        "  dns.query: a.com\n",
     5, 9, "positive"},
    {"zero weight", "id: r1\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 0\nmatch:\n"
                    "  dns.query: a.com\n",
     5, 9, "positive"},
    {"weight not number", "id: r1\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: heavy\n"
                          "match:\n  dns.query: a.com\n",
     5, 9, "not a number"},
    {"weight inf", "id: r1\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: .inf\nmatch:\n"
                   "  dns.query: a.com\n",
     5, 9, "not a number"},
    {"bad level", "id: r1\ntitle: t\nfraud_type: FT01\nlevel: urgent\nweight: 1\nmatch:\n"
                  "  dns.query: a.com\n",
     4, 8, "Unknown level 'urgent'"},
    {"bad id", "id: Rule 1\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\nmatch:\n"
               "  dns.query: a.com\n",
     1, 5, "is not valid"},
    {"missing weight", "id: r1\ntitle: t\nfraud_type: FT01\nlevel: low\nmatch:\n"
                       "  dns.query: a.com\n",
     1, 1, "no 'weight'"},
    {"missing match", HEAD, 1, 1, "no 'match'"},
    {"missing id", "fraud_type: FT01\nlevel: low\nweight: 1\nmatch:\n  dns.query: a.com\n", 1,
     1, "no 'id'"},
    {"missing fraud type", "id: r1\nlevel: low\nweight: 1\nmatch:\n  dns.query: a.com\n", 1, 1,
     "no 'fraud_type'"},
    {"missing level", "id: r1\nfraud_type: FT02\nweight: 1\nmatch:\n  dns.query: a.com\n", 1, 1,
     "no 'level'"},
    {"unknown key", HEAD "severity: high\nmatch:\n  dns.query: a.com\n", 6, 1,
     "Unknown key 'severity'"},
    {"field at top level", HEAD "dns.query: a.com\n", 6, 1, "Unknown key 'dns.query'"},
    {"duplicate key", HEAD "weight: 2\nmatch:\n  dns.query: a.com\n", 6, 1, "given twice"},
    {"duplicate condition", HEAD "match:\n  dns.query: a.com\n  dns.query: b.com\n", 8, 3,
     "given twice"},
    {"empty list", HEAD "match:\n  dns.query: []\n", 7, 14, "list of values is empty"},
    {"nested list", HEAD "match:\n  dns.query: [a.com, [b.com]]\n", 7, 22, "nested list"},
    {"host wildcard", HEAD "match:\n  tls.sni: '*.a.com'\n", 7, 12, "not a wildcard"},
    {"suffix leading dot", HEAD "match:\n  dns.query|suffix: .a.com\n", 7, 21,
     "without the leading dot"},
    {"sha256 length", HEAD "match:\n  app.apk_sha256: abcd\n", 7, 19, "64 hex digits"},
    {"match not mapping", HEAD "match: a.com\n", 6, 8, "must be a mapping"},
    {"match empty", HEAD "match: {}\n", 6, 8, "'match' is empty"},
    {"not a mapping", "- a\n- b\n", 1, 1, "must be a YAML mapping"},
    {"yaml syntax", "id: [r1\ntitle: t\n", 2, 6, "not valid YAML"},
    {"title is a list", "id: r1\ntitle: [a, b]\nfraud_type: FT01\nlevel: low\nweight: 1\n"
                        "match:\n  dns.query: a.com\n",
     2, 8, "'title' must be a single value"},
    {"second document", HEAD "match:\n  dns.query: a.com\n---\nid: r2\ntitle: t\n"
                             "fraud_type: FT01\nlevel: high\nweight: 1\nmatch:\n"
                             "  dns.query|suffix: ''\n",
     15, 21, "would match every value"},
    {"same id twice in a file", HEAD "match:\n  dns.query: a.com\n---\n" HEAD
                                     "match:\n  dns.query: b.com\n",
     9, 5, "already used"},
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        capture cap;
        fsc_ruleset *rs = (fsc_ruleset *)(uintptr_t)1; /* must stay untouched */
        char path[512];
        fsc_status st = load_text(bad[i].text, &cap, &rs, path, sizeof path);
        CHECK(st == FSC_ERULE && rs == (fsc_ruleset *)(uintptr_t)1, "%s: refused (%s)",
              bad[i].name, fsc_status_name(st));
        CHECK(cap.errors >= 1 && strcmp(cap.file, path) == 0 && cap.line == bad[i].line &&
                  cap.col == bad[i].col && strstr(cap.msg, bad[i].msg) != NULL,
              "%s: got %s:%lu:%lu: %s; want %lu:%lu: ...%s...", bad[i].name, cap.file,
              cap.line, cap.col, cap.msg, bad[i].line, bad[i].col, bad[i].msg);
    }

    /* one file, several problems: all reported, not just the first */
    {
        capture cap;
        fsc_ruleset *rs = NULL;
        char path[512];
        fsc_status st = load_text("id: r1\nfraud_type: FT99\nlevel: x\nweight: 0\nmatch:\n"
                                  "  foo: a\n",
                                  &cap, &rs, path, sizeof path);
        CHECK(st == FSC_ERULE && cap.errors == 4, "all errors reported (%zu)", cap.errors);
    }

    /* duplicate id across files; the second is blamed and names the first */
    {
        char dir[512], a[600], b[600];
        capture cap = {0};
        fsc_diag d = {capture_fn, &cap, 0, 0};
        fsc_ruleset *rs = NULL;
        PATHF(dir, sizeof dir, "%s/dup", tmproot);
        mkdir(dir, 0700);
        PATHF(a, sizeof a, "%s/a.yaml", dir);
        PATHF(b, sizeof b, "%s/b.yml", dir);
        write_file(a, HEAD "match:\n  dns.query: a.com\n");
        write_file(b, "# comment\n" HEAD "match:\n  dns.query: b.com\n");
        fsc_status st = fsc_ruleset_load(dir, &d, &rs);
        char want[700];
        PATHF(want, sizeof want, "already used by the rule at %s:1", a);
        CHECK(st == FSC_ERULE && strcmp(cap.file, b) == 0 && cap.line == 2 && cap.col == 5 &&
                  strstr(cap.msg, want),
              "duplicate id across files: %s:%lu:%lu: %s", cap.file, cap.line, cap.col, cap.msg);
    }

    /* a directory with no rule files, and a missing path */
    {
        char dir[512];
        capture cap = {0};
        fsc_diag d = {capture_fn, &cap, 0, 0};
        fsc_ruleset *rs = NULL;
        PATHF(dir, sizeof dir, "%s/empty", tmproot);
        mkdir(dir, 0700);
        char txt[600];
        PATHF(txt, sizeof txt, "%s/readme.txt", dir);
        write_file(txt, "id: not a rule\n");
        CHECK(fsc_ruleset_load(dir, &d, &rs) == FSC_ERULE && strstr(cap.msg, "no *.yaml"),
              "no rule files: %s", cap.msg);
        memset(&cap, 0, sizeof cap);
        PATHF(dir, sizeof dir, "%s/does-not-exist", tmproot);
        CHECK(fsc_ruleset_load(dir, &d, &rs) == FSC_EIO && cap.errors == 1, "missing path");
    }

    /* a good file next to a broken one: the whole set is refused */
    {
        char dir[512], a[600], b[600];
        capture cap = {0};
        fsc_diag d = {capture_fn, &cap, 0, 0};
        fsc_ruleset *rs = NULL;
        PATHF(dir, sizeof dir, "%s/mixed", tmproot);
        mkdir(dir, 0700);
        PATHF(a, sizeof a, "%s/a.yaml", dir);
        PATHF(b, sizeof b, "%s/b.yaml", dir);
        write_file(a, HEAD "match:\n  dns.query: a.com\n");
        write_file(b, "id: r2\nfraud_type: FT01\nlevel: low\nweight: 1\nmatch:\n"
                      "  dns.query|regex: '('\n");
        CHECK(fsc_ruleset_load(dir, &d, &rs) == FSC_ERULE && rs == NULL && cap.line == 6 &&
                  cap.col == 20,
              "one broken file refuses the set: %s:%lu:%lu", cap.file, cap.line, cap.col);
    }
}

/* ---- semantics ----------------------------------------------------------- */

static const char semantics_rules[] =
    "id: sfx\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\nmatch:\n"
    "  dns.query|suffix: example.com\n"
    "---\n"
    "id: exact-host\ntitle: t\nfraud_type: FT02\nlevel: medium\nweight: 2\nmatch:\n"
    "  http.host: Exact.Example.ORG\n"
    "---\n"
    "id: pre\ntitle: t\nfraud_type: FT03\nlevel: low\nweight: 1\nmatch:\n"
    "  http.uri|prefix: /download/\n"
    "---\n"
    "id: con\ntitle: t\nfraud_type: FT03\nlevel: low\nweight: 1\nmatch:\n"
    "  http.user_agent|contains: Dalvik\n"
    "---\n"
    "id: re\ntitle: t\nfraud_type: FT03\nlevel: low\nweight: 1\nmatch:\n"
    "  http.uri|regex: '\\.(?:apk|dex)\\z'\n"
    "---\n"
    "id: uri-sfx\ntitle: t\nfraud_type: FT03\nlevel: low\nweight: 1\nmatch:\n"
    "  http.uri|suffix: a.b\n"
    "---\n"
    "id: perms-all\ntitle: t\nfraud_type: FT05\nlevel: high\nweight: 2\nmatch:\n"
    "  app.permissions|all: [READ_SMS, CAMERA]\n"
    "---\n"
    "id: and-or\ntitle: t\nfraud_type: FT05\nlevel: high\nweight: 2\nmatch:\n"
    "  app.label|contains: [贷, loan]\n"
    "  app.package|prefix: com.loan.\n"
    "---\n"
    "id: hash\ntitle: t\nfraud_type: FT08\nlevel: critical\nweight: 4\nmatch:\n"
    "  app.apk_sha256: 0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef\n"
    "---\n"
    "id: label-exact\ntitle: t\nfraud_type: FT07\nlevel: low\nweight: 1\nmatch:\n"
    "  app.label: BossLink\n"
    "---\n"
    "id: contains-all\ntitle: t\nfraud_type: FT06\nlevel: low\nweight: 1\nmatch:\n"
    "  app.label|contains|all: [征信, 修复]\n";

typedef struct sem_case {
    const char *name;
    const char *vals[8][2]; /* {field name, value}, NULL-terminated */
    const char *want;       /* sorted ids */
    const char *evidence;   /* value the first hit names, or NULL */
} sem_case;

static const sem_case sem[] = {
    {"suffix: the domain itself", {{"dns.query", "example.com"}}, "sfx", "example.com"},
    {"suffix: a subdomain", {{"dns.query", "a.b.example.com"}}, "sfx", NULL},
    {"suffix: caseless host", {{"dns.query", "WWW.EXAMPLE.Com"}}, "sfx", NULL},
    {"suffix: near miss, no dot", {{"dns.query", "badexample.com"}}, "", NULL},
    {"suffix: near miss, longer TLD", {{"dns.query", "example.com.cn"}}, "", NULL},
    {"suffix: near miss, hyphen", {{"dns.query", "my-example.com"}}, "", NULL},
    {"suffix: near miss, shorter", {{"dns.query", "xample.com"}}, "", NULL},
    {"suffix: other field", {{"tls.sni", "example.com"}}, "", NULL},
    {"exact host caseless", {{"http.host", "exact.example.org"}}, "exact-host", NULL},
    {"exact host, subdomain misses", {{"http.host", "a.exact.example.org"}}, "", NULL},
    {"exact host, prefix misses", {{"http.host", "exact.example.org.evil"}}, "", NULL},
    {"prefix", {{"http.uri", "/download/x"}}, "pre", NULL},
    {"prefix is case-sensitive on uri", {{"http.uri", "/DOWNLOAD/x"}}, "", NULL},
    {"prefix: not at start", {{"http.uri", "/a/download/x"}}, "", NULL},
    {"prefix + regex", {{"http.uri", "/download/x.apk"}}, "pre,re", NULL},
    {"regex", {{"http.uri", "/a.dex"}}, "re", NULL},
    {"regex: not at end", {{"http.uri", "/a.apk?x=1"}}, "", NULL},
    {"contains", {{"http.user_agent", "Dalvik/2.1.0 (Linux)"}}, "con", NULL},
    {"contains is case-sensitive off hosts", {{"http.user_agent", "dalvik/2.1.0"}}, "", NULL},
    {"non-host suffix is plain", {{"http.uri", "/xa.b"}}, "uri-sfx", NULL},
    {"literal dot is not a wildcard", {{"http.uri", "/xaxb"}}, "", NULL},
    {"all: both present",
     {{"app.permissions", "INTERNET"}, {"app.permissions", "CAMERA"},
      {"app.permissions", "READ_SMS"}},
     "perms-all", "CAMERA"},
    {"all: one missing", {{"app.permissions", "READ_SMS"}, {"app.permissions", "INTERNET"}}, "",
     NULL},
    {"all: exact values only", {{"app.permissions", "READ_SMS_X"}, {"app.permissions", "CAMERA"}},
     "", NULL},
    {"AND + OR: first alternative",
     {{"app.package", "com.loan.fast"}, {"app.label", "极速贷"}}, "and-or", "极速贷"},
    {"AND + OR: second alternative",
     {{"app.label", "quick loan"}, {"app.package", "com.loan.q"}}, "and-or", "quick loan"},
    {"AND: one condition missing", {{"app.label", "quick loan"}}, "", NULL},
    {"AND: other condition fails", {{"app.label", "quick loan"}, {"app.package", "com.lo"}}, "",
     NULL},
    {"hash caseless",
     {{"app.apk_sha256", "0123456789ABCDEF0123456789abcdef0123456789ABCDEF0123456789ABCDEF"}},
     "hash", NULL},
    {"hash differs",
     {{"app.apk_sha256", "0123456789ABCDEF0123456789abcdef0123456789ABCDEF0123456789ABCDE0"}}, "",
     NULL},
    {"label exact is exact", {{"app.label", "BossLink Pro"}}, "", NULL},
    {"label exact", {{"app.label", "BossLink"}}, "label-exact", NULL},
    {"label is case-sensitive", {{"app.label", "bosslink"}}, "", NULL},
    {"contains|all", {{"app.label", "征信快速修复"}}, "contains-all", NULL},
    {"contains|all: one missing", {{"app.label", "征信查询"}}, "", NULL},
    {"a value of another field does not count",
     {{"app.package", "com.loan.x"}, {"app.cert_sha256", "贷"}}, "", NULL},
    {"empty record", {{NULL, NULL}}, "", NULL},
    {"empty value", {{"dns.query", ""}}, "", NULL},
    {"two rules in one record",
     {{"app.label", "BossLink"}, {"app.permissions", "READ_SMS"}, {"app.permissions", "CAMERA"}},
     "label-exact,perms-all", NULL},
};

static void test_semantics(void)
{
    capture cap;
    fsc_ruleset *rs = NULL;
    char path[512];
    fsc_status st = load_text(semantics_rules, &cap, &rs, path, sizeof path);
    CHECK(st == FSC_OK && cap.errors == 0 && cap.warnings == 0,
          "semantics rules load (%s; %s:%lu:%lu: %s)", fsc_status_name(st), cap.file, cap.line,
          cap.col, cap.msg);
    if (st != FSC_OK)
        return;
    CHECK(fsc_ruleset_count(rs) == 11, "11 rules");
    const fsc_rule *r0 = fsc_ruleset_rule(rs, 0);
    CHECK(r0 && strcmp(r0->id, "sfx") == 0 && r0->line == 1 && strcmp(r0->file, path) == 0 &&
              r0->level == FSC_LEVEL_LOW && r0->weight == 1.0 && r0->fraud_type == 1 &&
              r0->instruction == NULL,
          "rule 0 fields");
    const fsc_rule *r8 = fsc_ruleset_rule(rs, 8);
    CHECK(r8 && strcmp(r8->id, "hash") == 0 && r8->line == 66 && r8->level == FSC_LEVEL_CRITICAL,
          "rule 8 line %lu", r8 ? r8->line : 0);
    CHECK(fsc_ruleset_rule(rs, 11) == NULL, "rule out of range");
    const char *ver = fsc_ruleset_version(rs);
    CHECK(ver && strlen(ver) == 16 && strspn(ver, "0123456789abcdef") == 16, "version %s", ver);

    fsc_matcher *m = fsc_matcher_new(rs);
    CHECK(m != NULL, "matcher");
    for (size_t i = 0; m && i < sizeof sem / sizeof sem[0]; i++) {
        fsc_record rec = {0};
        for (size_t j = 0; j < 8 && sem[i].vals[j][0]; j++)
            rec_add(&rec, fsc_field_lookup(sem[i].vals[j][0], strlen(sem[i].vals[j][0])),
                    sem[i].vals[j][1]);
        hits h = {0};
        int n = fsc_match_record(m, &rec, on_hit, &h);
        char got[512];
        hit_ids(&h, got, sizeof got);
        CHECK(n == (int)h.n && strcmp(got, sem[i].want) == 0, "%s: got [%s] want [%s]",
              sem[i].name, got, sem[i].want);
        if (sem[i].evidence && h.n > 0)
            CHECK(h.ev[0] >= rec.values && h.ev[0] < rec.values + rec.nvalues &&
                      h.ev[0]->len == strlen(sem[i].evidence) &&
                      memcmp(h.ev[0]->ptr, sem[i].evidence, h.ev[0]->len) == 0,
                  "%s: evidence is the first condition's value", sem[i].name);
    }
    /* the same matcher again after all that: no state left behind */
    if (m) {
        fsc_record rec = {0};
        rec_add(&rec, FSC_F_APP_PERMISSIONS, "READ_SMS");
        CHECK(fsc_match_record(m, &rec, NULL, NULL) == 0, "no state leaks between records");
        rec_add(&rec, FSC_F_APP_PERMISSIONS, "CAMERA");
        CHECK(fsc_match_record(m, &rec, NULL, NULL) == 1, "hit without a callback");
    }
    fsc_matcher_free(m);
    fsc_ruleset_free(rs);
}

/* ---- version ------------------------------------------------------------- */

static void test_version(void)
{
    capture cap;
    fsc_ruleset *a = NULL, *b = NULL, *c = NULL;
    char path[512];
    const char *t1 = HEAD "match:\n  dns.query: a.com\n";
    const char *t2 = HEAD "match:\n  dns.query: b.com\n";
    load_text(t1, &cap, &a, path, sizeof path);
    load_text(t1, &cap, &b, path, sizeof path);
    load_text(t2, &cap, &c, path, sizeof path);
    CHECK(a && b && c, "three loads");
    if (a && b && c) {
        CHECK(strcmp(fsc_ruleset_version(a), fsc_ruleset_version(b)) == 0,
              "same bytes, same version (different directories)");
        CHECK(strcmp(fsc_ruleset_version(a), fsc_ruleset_version(c)) != 0,
              "one byte changed, version changed");
    }
    fsc_ruleset_free(a);
    fsc_ruleset_free(b);
    fsc_ruleset_free(c);
}

/* ---- differential test against a naive matcher ---------------------------- */

enum { DIFF_RULES = 300, DIFF_RECORDS = 4000, DIFF_MAXCOND = 3, DIFF_MAXVAL = 4 };
/* list files shared by the rules' host conditions: each list is loaded once
 * and the later conditions naming it alone are aliases of its values */
enum { DIFF_LISTS = 6, DIFF_LISTVAL = 3 };

typedef struct naive_cond {
    fsc_field field;
    int mod; /* 0 exact, 1 suffix, 2 contains, 3 prefix */
    bool all;
    int nval;
    char val[DIFF_MAXVAL][8];
} naive_cond;

typedef struct naive_rule {
    int ncond;
    naive_cond cond[DIFF_MAXCOND];
} naive_rule;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* short strings over a tiny alphabet, so matches and near misses abound */
static void rnd_str(char *out, int minlen, int maxlen, const char *alphabet)
{
    int len = minlen + (int)rnd((unsigned)(maxlen - minlen + 1));
    size_t na = strlen(alphabet);
    for (int i = 0; i < len; i++)
        out[i] = alphabet[rnd((unsigned)na)];
    out[len] = '\0';
}

static bool eq(const char *a, const char *b, size_t n, bool caseless)
{
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (caseless) {
            x = (char)tolower((unsigned char)x);
            y = (char)tolower((unsigned char)y);
        }
        if (x != y)
            return false;
    }
    return true;
}

static bool naive_one(const naive_cond *c, const char *v, size_t vl, const char *p)
{
    size_t pl = strlen(p);
    bool ci = fsc_field_is_host(c->field);
    switch (c->mod) {
    case 0:
        return vl == pl && eq(v, p, pl, ci);
    case 1:
        if (vl < pl || !eq(v + vl - pl, p, pl, ci))
            return false;
        return !ci || vl == pl || v[vl - pl - 1] == '.';
    case 2:
        for (size_t i = 0; i + pl <= vl; i++)
            if (eq(v + i, p, pl, ci))
                return true;
        return false;
    default:
        return vl >= pl && eq(v, p, pl, ci);
    }
}

/* Returns the index of the first value satisfying the condition, or -1. */
static int naive_cond_holds(const naive_cond *c, const fsc_record *rec)
{
    int first = -1;
    bool every = true;
    for (int k = 0; k < c->nval; k++) {
        bool found = false;
        for (size_t i = 0; i < rec->nvalues; i++) {
            const fsc_value *v = &rec->values[i];
            if (v->field == c->field && naive_one(c, v->ptr, v->len, c->val[k])) {
                found = true;
                if (first < 0 || (int)i < first)
                    first = (int)i;
                break;
            }
        }
        if (!found)
            every = false;
    }
    if (c->all && !every)
        return -1;
    if (c->all) {
        /* evidence under |all: the first value matching any of the values */
        first = -1;
        for (size_t i = 0; i < rec->nvalues && first < 0; i++)
            for (int k = 0; k < c->nval; k++)
                if (rec->values[i].field == c->field &&
                    naive_one(c, rec->values[i].ptr, rec->values[i].len, c->val[k]))
                    first = (int)i;
    }
    return first;
}

static void test_differential(void)
{
    static naive_rule nr[DIFF_RULES];
    static char lists[DIFF_LISTS][DIFF_LISTVAL][8];
    int nlist[DIFF_LISTS];
    char dir[512], path[512];
    PATHF(dir, sizeof dir, "%s/diff", tmproot);
    mkdir(dir, 0700);
    for (int l = 0; l < DIFF_LISTS; l++) {
        char body[128];
        size_t bl = 0;
        nlist[l] = 1 + (int)rnd(DIFF_LISTVAL);
        for (int k = 0; k < nlist[l]; k++) {
            /* host names: no leading, trailing or doubled dot */
            char a[4], b[4];
            rnd_str(a, 1, 2, "abAB-");
            rnd_str(b, 1, 2, "abAB-");
            if (rnd(2))
                snprintf(lists[l][k], sizeof lists[l][k], "%s.%s", a, b);
            else
                snprintf(lists[l][k], sizeof lists[l][k], "%s", a);
            bl += (size_t)snprintf(body + bl, sizeof body - bl, "%s\n", lists[l][k]);
        }
        PATHF(path, sizeof path, "%s/l%d.txt", dir, l);
        write_file(path, body);
    }
    /* two host fields: the domain set keeps them in one namespace, so the
     * same value on both is one entry whose ids each field must sort out */
    static const fsc_field fields[] = {FSC_F_DNS_QUERY, FSC_F_HTTP_URI, FSC_F_APP_PERMISSIONS,
                                       FSC_F_TLS_SNI};
    static const char *const mods[] = {"", "|suffix", "|contains", "|prefix"};
    size_t cap = 1 << 20, at = 0;
    char *text = malloc(cap);

    for (int r = 0; r < DIFF_RULES; r++) {
        naive_rule *R = &nr[r];
        R->ncond = 1 + (int)rnd(DIFF_MAXCOND);
        at += (size_t)snprintf(text + at, cap - at,
                               "%sid: g%d\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
                               "match:\n",
                               r ? "---\n" : "", r);
        bool used[4][4][2] = {{{0}}};
        for (int c = 0; c < R->ncond; c++) {
            naive_cond *C = &R->cond[c];
            int f, m, a;
            do { /* one key per (field, modifier, all) in a rule */
                f = (int)rnd(4);
                m = (int)rnd(4);
                a = rnd(4) == 0;
            } while (used[f][m][a]);
            used[f][m][a] = true;
            C->field = fields[f];
            C->mod = m;
            C->all = a;
            at += (size_t)snprintf(text + at, cap - at, "  %s%s%s: [", fsc_field_name(C->field),
                                   mods[m], a ? "|all" : "");
            if (fsc_field_is_host(C->field) && m <= 1 && rnd(2)) {
                /* a shared list: alone (aliased after its first load), or
                 * now and then with an inline value (copied) */
                int l = (int)rnd(DIFF_LISTS);
                bool mixed = rnd(4) == 0;
                C->nval = nlist[l] + mixed;
                for (int k = 0; k < nlist[l]; k++)
                    memcpy(C->val[k], lists[l][k], sizeof C->val[k]);
                at += (size_t)snprintf(text + at, cap - at, "'@l%d.txt'", l);
                if (mixed) {
                    rnd_str(C->val[nlist[l]], 1, 3, "abAB");
                    at += (size_t)snprintf(text + at, cap - at, ", '%s'", C->val[nlist[l]]);
                }
                at += (size_t)snprintf(text + at, cap - at, "]\n");
                continue;
            }
            C->nval = 1 + (int)rnd(DIFF_MAXVAL - 1);
            for (int k = 0; k < C->nval; k++) {
                /* a host suffix may not start or end with a dot */
                bool host_sfx = m == 1 && fsc_field_is_host(C->field);
                do
                    rnd_str(C->val[k], 1, m == 2 ? 2 : 4, "abAB.-");
                while (host_sfx && (C->val[k][0] == '.' ||
                                    C->val[k][strlen(C->val[k]) - 1] == '.'));
                at += (size_t)snprintf(text + at, cap - at, "%s'%s'", k ? ", " : "", C->val[k]);
            }
            at += (size_t)snprintf(text + at, cap - at, "]\n");
        }
    }
    capture cp;
    memset(&cp, 0, sizeof cp);
    fsc_diag d = {capture_fn, &cp, 0, 0};
    fsc_ruleset *rs = NULL;
    PATHF(path, sizeof path, "%s/r.yaml", dir);
    write_file(path, text);
    free(text);
    fsc_status st = fsc_ruleset_load(dir, &d, &rs);
    CHECK(st == FSC_OK, "differential rules load (%s:%lu:%lu: %s)", cp.file, cp.line, cp.col,
          cp.msg);
    if (st != FSC_OK)
        return;
    CHECK(rs->naliases > 10 && rs->nvirtual > 10,
          "differential: %zu conditions alias a list (%zu virtual ids, %zu real)", rs->naliases,
          rs->nvirtual, rs->npats);
    fsc_matcher *m = fsc_matcher_new(rs);
    size_t mismatches = 0, total_hits = 0, ev_mismatch = 0;
    static char store[DIFF_RECORDS][4][8];
    for (int i = 0; i < DIFF_RECORDS; i++) {
        fsc_record rec = {0};
        int nv = 1 + (int)rnd(4);
        for (int j = 0; j < nv; j++) {
            rnd_str(store[i][j], 0, 6, "abAB.-");
            rec_add(&rec, fields[rnd(4)], store[i][j]);
        }
        hits h = {0};
        int n = fsc_match_record(m, &rec, on_hit, &h);
        bool want[DIFF_RULES] = {0};
        int want_ev[DIFF_RULES];
        size_t nwant = 0;
        for (int r = 0; r < DIFF_RULES; r++) {
            bool all = true;
            for (int c = 0; c < nr[r].ncond && all; c++) {
                int ev = naive_cond_holds(&nr[r].cond[c], &rec);
                if (ev < 0)
                    all = false;
                else if (c == 0)
                    want_ev[r] = ev;
            }
            want[r] = all;
            nwant += all;
        }
        bool ok = n == (int)nwant && h.n == nwant;
        for (size_t k = 0; k < h.n && k < 64; k++) {
            int r = (int)strtol(h.rule[k]->id + 1, NULL, 10);
            if (!want[r])
                ok = false;
            else if (h.ev[k] != &rec.values[want_ev[r]])
                ev_mismatch++;
            if (k > 0 && (int)strtol(h.rule[k - 1]->id + 1, NULL, 10) >= r)
                ok = false; /* hits come in load order, each once */
        }
        total_hits += h.n;
        if (!ok && mismatches++ < 5) {
            printf("# record %d:", i);
            for (size_t j = 0; j < rec.nvalues; j++)
                printf(" %s=%s", fsc_field_name(rec.values[j].field), rec.values[j].ptr);
            printf(" -> got %d want %zu\n", n, nwant);
        }
    }
    CHECK(mismatches == 0, "differential: %d records, %zu hits, %zu mismatches", DIFF_RECORDS,
          total_hits, mismatches);
    CHECK(ev_mismatch == 0, "differential: evidence is the first condition's first value (%zu)",
          ev_mismatch);
    CHECK(total_hits > 500, "differential exercises many hits (%zu)", total_hits);
    fsc_matcher_free(m);
    fsc_ruleset_free(rs);
}

/* ---- the shipped pack ------------------------------------------------------ */

typedef struct demo {
    const char *name;
    int ft;              /* 0: background, must not hit */
    fsc_level min_level; /* the highest level among the hits must reach this */
    const char *vals[12][2];
} demo;

static const demo demos[] = {
    {"S1001 install", 1, FSC_LEVEL_LOW,
     {{"app.package", "com.taskhub.rebate"}, {"app.label", "任务赚钱 TaskHub"},
      {"app.installer", "sideload"}, {"app.event", "install"}}},
    {"S1001 store install", 0, 0,
     {{"app.package", "com.taskhub.rebate"}, {"app.label", "任务赚钱 TaskHub"},
      {"app.installer", "store"}, {"app.event", "install"}}},
    {"S1001 dns", 1, FSC_LEVEL_LOW, {{"dns.query", "m.taskhub-rebate.top"}}},
    {"S1001 sni", 1, FSC_LEVEL_LOW, {{"tls.sni", "api.taskhub-rebate.top"}}},
    {"S1002 dns", 8, FSC_LEVEL_MEDIUM, {{"dns.query", "ga-case-verify.com"}}},
    {"S1002 http", 8, FSC_LEVEL_HIGH,
     {{"http.host", "ga-case-verify.com"},
      {"http.uri", "/download/safe-guard.apk"},
      {"http.user_agent", "Mozilla/5.0 (Linux; Android 10)"}}},
    {"S1002 install", 8, FSC_LEVEL_CRITICAL,
     {{"app.package", "com.gov.safeguard"},
      {"app.label", "公安安全防护"},
      {"app.permissions", "BIND_ACCESSIBILITY_SERVICE"},
      {"app.permissions", "SYSTEM_ALERT_WINDOW"},
      {"app.permissions", "READ_SMS"},
      {"app.permissions", "RECEIVE_SMS"},
      {"app.permissions", "BIND_DEVICE_ADMIN"},
      {"app.permissions", "REQUEST_INSTALL_PACKAGES"},
      {"app.installer", "sideload"}, {"app.event", "install"}}},
    {"S1002 uninstall", 0, 0,
     {{"app.package", "com.gov.safeguard"},
      {"app.label", "公安安全防护"},
      {"app.permissions", "BIND_ACCESSIBILITY_SERVICE"},
      {"app.permissions", "SYSTEM_ALERT_WINDOW"},
      {"app.permissions", "READ_SMS"},
      {"app.event", "uninstall"}}},
    {"S1003 RustDesk", 11, FSC_LEVEL_LOW,
     {{"app.package", "com.carriez.flutter_hbb"}, {"app.label", "RustDesk"},
      {"app.installer", "store"}, {"app.event", "install"}}},
    {"S1003 sni", 4, FSC_LEVEL_MEDIUM, {{"tls.sni", "kefu-refund-jd.com"}}},
    {"S1004 install", 7, FSC_LEVEL_LOW,
     {{"app.package", "com.bosslink.chat"}, {"app.label", "BossLink"},
      {"app.installer", "sideload"}, {"app.event", "install"}}},
    {"S1004 dns", 7, FSC_LEVEL_LOW, {{"dns.query", "bosslink-im.cc"}}},
    {"S1005 install", 5, FSC_LEVEL_HIGH,
     {{"app.package", "com.yidai.jinrong"},
      {"app.label", "易贷金融"},
      {"app.permissions", "READ_CONTACTS"},
      {"app.permissions", "READ_SMS"},
      {"app.permissions", "CAMERA"},
      {"app.permissions", "INTERNET"},
      {"app.installer", "sideload"}, {"app.event", "install"}}},
    {"S1005 sni", 5, FSC_LEVEL_LOW, {{"tls.sni", "api.yidai-loan.xyz"}}},
    {"S1006 dns", 2, FSC_LEVEL_HIGH, {{"dns.query", "mt5-global-trade.vip"}}},
    {"S1006 http", 2, FSC_LEVEL_HIGH,
     {{"http.host", "www.mt5-global-trade.vip"}, {"http.uri", "/"}}},
    {"unknown phone dns", 13, FSC_LEVEL_LOW, {{"dns.query", "lucky-casino88.bet"}}},
    {"bg baidu", 0, 0, {{"dns.query", "www.baidu.com"}}},
    {"bg qq", 0, 0, {{"dns.query", "www.qq.com"}}},
    {"bg weixin", 0, 0, {{"tls.sni", "weixin.qq.com"}}},
    {"bg taobao", 0, 0, {{"tls.sni", "www.taobao.com"}}},
    {"bg apple", 0, 0, {{"dns.query", "www.apple.com"}}},
    {"bg google", 0, 0, {{"tls.sni", "www.google.com"}}},
    {"bg near miss dns", 0, 0, {{"dns.query", "mytaskhub-rebate.top"}}},
    {"bg near miss sni", 0, 0, {{"tls.sni", "mytaskhub-rebate.top"}}},
    {"bg http baidu", 0, 0, {{"http.host", "www.baidu.com"}, {"http.uri", "/s?wd=apk"}}},
    {"bg wechat install", 0, 0,
     {{"app.package", "com.tencent.mm"},
      {"app.label", "微信"},
      {"app.permissions", "READ_CONTACTS"},
      {"app.permissions", "CAMERA"},
      {"app.permissions", "RECORD_AUDIO"},
      {"app.installer", "store"}, {"app.event", "install"}}},
};

static void check_demo(fsc_matcher *m, const demo *d, bool verbose)
{
    fsc_record rec = {0};
    for (size_t j = 0; j < 12 && d->vals[j][0]; j++)
        rec_add(&rec, fsc_field_lookup(d->vals[j][0], strlen(d->vals[j][0])), d->vals[j][1]);
    hits h = {0};
    int n = fsc_match_record(m, &rec, on_hit, &h);
    char got[1024];
    hit_ids(&h, got, sizeof got);
    bool right_type = true;
    fsc_level top = FSC_LEVEL_NONE;
    for (size_t k = 0; k < h.n && k < 64; k++) {
        if (h.rule[k]->fraud_type != d->ft)
            right_type = false;
        if (h.rule[k]->level > top)
            top = h.rule[k]->level;
    }
    if (!verbose)
        return;
    if (d->ft == 0)
        CHECK(n == 0, "pack: %s hits nothing [%s]", d->name, got);
    else
        CHECK(n > 0 && right_type && top >= d->min_level, "pack: %s -> %s, level >= %d [%s]",
              d->name, fsc_fraud_type_code(d->ft), (int)d->min_level, got);
}

typedef struct thread_arg {
    const fsc_ruleset *rs;
    long mismatches;
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    fsc_matcher *m = fsc_matcher_new(a->rs);
    if (!m) {
        a->mismatches = -1;
        return NULL;
    }
    for (int round = 0; round < 2000; round++) {
        const demo *d = &demos[round % (sizeof demos / sizeof demos[0])];
        fsc_record rec = {0};
        for (size_t j = 0; j < 12 && d->vals[j][0]; j++)
            rec_add(&rec, fsc_field_lookup(d->vals[j][0], strlen(d->vals[j][0])),
                    d->vals[j][1]);
        int n = fsc_match_record(m, &rec, NULL, NULL);
        if ((d->ft == 0) != (n == 0))
            a->mismatches++;
    }
    fsc_matcher_free(m);
    return NULL;
}

static void test_pack(const char *dir)
{
    capture cap = {0};
    fsc_diag d = {capture_fn, &cap, 0, 0};
    fsc_ruleset *rs = NULL;
    fsc_status st = fsc_ruleset_load(dir, &d, &rs);
    CHECK(st == FSC_OK && cap.errors == 0 && cap.warnings == 0,
          "shipped pack %s loads cleanly (%s; %s:%lu:%lu: %s)", dir, fsc_status_name(st),
          cap.file, cap.line, cap.col, cap.msg);
    if (st != FSC_OK)
        return;

    /* every fraud type has a rule, and each file holds only its own type */
    int per_ft[FSC_FRAUD_TYPES + 1] = {0};
    size_t misfiled = 0;
    for (size_t i = 0; i < fsc_ruleset_count(rs); i++) {
        const fsc_rule *r = fsc_ruleset_rule(rs, i);
        per_ft[r->fraud_type]++;
        const char *base = strrchr(r->file, '/');
        base = base ? base + 1 : r->file;
        char want[8];
        snprintf(want, sizeof want, "ft%02d-", r->fraud_type);
        if (strncmp(base, want, 5) != 0 || strncmp(r->id, want, 5) != 0) {
            misfiled++;
            printf("# %s in %s\n", r->id, base);
        }
        printf("# %s %s %s w=%.1f\n", fsc_fraud_type_code(r->fraud_type), r->id,
               r->level == FSC_LEVEL_LOW      ? "low"
               : r->level == FSC_LEVEL_MEDIUM ? "medium"
               : r->level == FSC_LEVEL_HIGH   ? "high"
                                              : "critical",
               r->weight);
    }
    int missing = 0;
    for (int ft = 1; ft <= FSC_FRAUD_TYPES; ft++)
        missing += per_ft[ft] == 0;
    CHECK(missing == 0, "every fraud type FT01..FT13 has a rule");
    CHECK(misfiled == 0, "rule files and ids carry their fraud type");

    fsc_matcher *m = fsc_matcher_new(rs);
    CHECK(m != NULL, "pack matcher");
    for (size_t i = 0; m && i < sizeof demos / sizeof demos[0]; i++)
        check_demo(m, &demos[i], true);
    fsc_matcher_free(m);

    /* one shared set, a matcher per thread */
    pthread_t t[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i].rs = rs;
        args[i].mismatches = 0;
        pthread_create(&t[i], NULL, thread_main, &args[i]);
    }
    long bad_threads = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        bad_threads += args[i].mismatches != 0;
    }
    CHECK(bad_threads == 0, "4 threads share one set, each with its own matcher");
    fsc_ruleset_free(rs);
}

/* One list named on three host fields by three rules, and an overlapping
 * inline value on a fourth: the domain set stores each value once for the
 * host fields, and every field still matches only its own rules. */
static void test_shared_list(void)
{
    static const char *const files[] = {
        "lists/bad.txt", "evil.top\npay-x.vip\nEvil-Two.CC\n",
        "r.yaml", "id: s-dns\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
                     "match:\n  dns.query|suffix: '@lists/bad.txt'\n"
                     "---\nid: s-tls\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
                     "match:\n  tls.sni|suffix: '@lists/bad.txt'\n"
                     "---\nid: s-quic\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
                     "match:\n  quic.sni: '@lists/bad.txt'\n"
                     "---\nid: s-http\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
                     "match:\n  http.host: pay-x.vip\n",
        NULL};
    capture cp;
    fsc_ruleset *rs = NULL;
    fsc_status st = load_files(files, &cp, &rs);
    CHECK(st == FSC_OK, "shared list loads (%s)", cp.msg);
    if (st != FSC_OK)
        return;
    fsc_matcher *m = fsc_matcher_new(rs);
    static const struct {
        fsc_field f;
        const char *v, *want; /* the one rule id expected, or NULL */
    } cases[] = {
        {FSC_F_DNS_QUERY, "www.evil.top", "s-dns"},  {FSC_F_TLS_SNI, "a.EVIL.top", "s-tls"},
        {FSC_F_QUIC_SNI, "evil.top", "s-quic"},      {FSC_F_QUIC_SNI, "www.evil.top", NULL},
        {FSC_F_HTTP_HOST, "evil.top", NULL},         {FSC_F_HTTP_HOST, "pay-x.vip", "s-http"},
        {FSC_F_DNS_QUERY, "pay-x.vip", "s-dns"},     {FSC_F_TLS_SNI, "x.evil-two.cc", "s-tls"},
        {FSC_F_DNS_QUERY, "notevil.top", NULL},
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fsc_record rec = {0};
        rec_add(&rec, cases[i].f, cases[i].v);
        hits h = {0};
        fsc_match_record(m, &rec, on_hit, &h);
        bool good = cases[i].want ? h.n == 1 && strcmp(h.rule[0]->id, cases[i].want) == 0
                                  : h.n == 0;
        if (!good) {
            printf("# %s=%s: %zu hits%s%s\n", fsc_field_name(cases[i].f), cases[i].v, h.n,
                   h.n ? ", first " : "", h.n ? h.rule[0]->id : "");
            ok = false;
        }
    }
    CHECK(ok, "each host field matches only its own rules on a shared list");
    fsc_matcher_free(m);
    fsc_ruleset_free(rs);
}

/* One list named alone by many conditions: the first loads it, the later
 * host conditions with a domain-set modifier alias its values (virtual ids,
 * no copies). Two rules on the same field, another field, suffix against
 * exact, |all, an alias next to another condition in its selection, a
 * mixed condition (copied) and a Hyperscan condition on the same file must
 * each match on their own, with the evidence and figures of copies. */
static void test_alias_list(void)
{
    static const char *const files[] = {
        "l.txt", "evil.top\n# a comment\nPay-X.vip.\nbad line!\n",
        "two.txt", "one.cc\ntwo.cc\n",
        "r.yaml",
               "id: a-dns1\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
               "match:\n  dns.query: '@l.txt'\n"
               "---\nid: a-dns2\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
               "match:\n  dns.query: '@l.txt'\n"
               "---\nid: a-sni-sfx\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
               "match:\n  tls.sni|suffix: '@l.txt'\n"
               "---\nid: a-sni\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
               "match:\n  tls.sni: '@l.txt'\n"
               "---\nid: a-quic\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
               "match:\n  quic.sni: '@two.txt'\n"
               "---\nid: a-all\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
               "match:\n  http.host|all: '@two.txt'\n"
               "---\nid: a-and\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
               "match:\n  app.package: com.x\n  http.host|suffix: '@l.txt'\n"
               "---\nid: a-mixed\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
               "match:\n  quic.sni|suffix: ['@l.txt', inline.cc]\n"
               "---\nid: a-hs\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
               "match:\n  http.host|contains: '@two.txt'\n",
        NULL};
    capture cp;
    fsc_ruleset *rs = NULL;
    fsc_status st = load_files(files, &cp, &rs);
    CHECK(st == FSC_OK, "aliased lists load (%s:%lu:%lu %s)", cp.file, cp.line, cp.col, cp.msg);
    if (st != FSC_OK)
        return;
    /* aliases: dns2, sni-sfx, sni, and (of l.txt), all (of two.txt); mixed
     * copies, hs has its own load (another list kind) */
    CHECK(rs->naliases == 5 && rs->nvirtual == 10 && rs->npats == 10,
          "5 conditions alias their list (%zu, %zu virtual ids, %zu real)", rs->naliases,
          rs->nvirtual, rs->npats);
    fsc_ruleset_stats s;
    fsc_ruleset_get_stats(rs, &s);
    /* l.txt has 2 good values and 1 bad line, named 6 times (once with an
     * inline value), two.txt 2 values named 3 times, plus app.package: the
     * figures copies gave, aliases or not */
    CHECK(s.values == 2 * 6 + 1 + 2 * 3 + 1, "values count every reference (%zu)", s.values);
    CHECK(s.hashed_values[FSC_F_DNS_QUERY] == 4 && s.hashed_values[FSC_F_TLS_SNI] == 4 &&
              s.hashed_values[FSC_F_QUIC_SNI] == 5 && s.hashed_values[FSC_F_HTTP_HOST] == 4 &&
              s.hs_values[FSC_F_HTTP_HOST] == 2,
          "per-field figures: dns %zu tls %zu quic %zu http %zu (+%zu hs)",
          s.hashed_values[FSC_F_DNS_QUERY], s.hashed_values[FSC_F_TLS_SNI],
          s.hashed_values[FSC_F_QUIC_SNI], s.hashed_values[FSC_F_HTTP_HOST],
          s.hs_values[FSC_F_HTTP_HOST]);
    CHECK(s.lists == 9 && s.list_bad == 6 && s.list_values == 18,
          "list references: %zu, bad %zu, values %zu", s.lists, s.list_bad, s.list_values);
    fsc_matcher *m = fsc_matcher_new(rs);
    static const struct {
        const char *v[3][2]; /* field name, value */
        const char *want;    /* sorted rule ids */
        int ev;              /* index of the evidence of every hit, -1: none */
    } cases[] = {
        {{{"dns.query", "evil.top"}}, "a-dns1,a-dns2", 0},
        {{{"dns.query", "PAY-x.vip"}}, "a-dns1,a-dns2", 0},
        {{{"dns.query", "www.evil.top"}}, "", -1},
        {{{"tls.sni", "evil.top"}}, "a-sni,a-sni-sfx", 0},
        {{{"tls.sni", "a.pay-x.vip"}}, "a-sni-sfx", 0},
        {{{"quic.sni", "two.cc"}}, "a-quic", 0},
        {{{"quic.sni", "x.evil.top"}}, "a-mixed", 0},
        {{{"quic.sni", "inline.cc"}}, "a-mixed", 0},
        {{{"http.host", "one.cc"}}, "a-hs", 0},
        {{{"http.host", "one.cc"}, {"http.host", "two.cc"}}, "a-all,a-hs", 0},
        {{{"http.host", "x.evil.top"}}, "", -1},
        {{{"http.host", "x.evil.top"}, {"app.package", "com.x"}}, "a-and", 1},
        {{{"tls.sni", "www.evil.top"}, {"dns.query", "evil.top"}},
         "a-dns1,a-dns2,a-sni-sfx", -1},
        {{{"http.host", "evil.top"}}, "", -1},
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fsc_record rec = {0};
        for (int k = 0; k < 3 && cases[i].v[k][0]; k++)
            rec_add(&rec, fsc_field_lookup(cases[i].v[k][0], strlen(cases[i].v[k][0])),
                    cases[i].v[k][1]);
        hits h = {0};
        int n = fsc_match_record(m, &rec, on_hit, &h);
        char got[256];
        hit_ids(&h, got, sizeof got);
        bool good = strcmp(got, cases[i].want) == 0 && n == (int)h.n;
        for (size_t k = 1; k < h.n; k++) /* load order */
            good &= h.rule[k - 1] < h.rule[k];
        for (size_t k = 0; k < h.n && cases[i].ev >= 0; k++)
            good &= h.ev[k] == &rec.values[cases[i].ev];
        if (!good) {
            printf("# case %zu (%s=%s): got '%s' want '%s'\n", i, cases[i].v[0][0],
                   cases[i].v[0][1], got, cases[i].want);
            ok = false;
        }
    }
    CHECK(ok, "each condition on a shared list matches on its own, with its evidence");
    fsc_matcher_free(m);
    fsc_ruleset_free(rs);
}

/* The bound on values counts aliases as the copies they replace: a list
 * of 2,700,000 lines named three times is over FSC_RULES_MAX_PATTERNS
 * (8,000,000), refused at the line of the list whose copy would have been
 * the 8,000,001st. */
static void test_alias_limit(void)
{
    char dir[512], path[512];
    PATHF(dir, sizeof dir, "%s/alias-limit", tmproot);
    mkdir(dir, 0700);
    PATHF(path, sizeof path, "%s/big.txt", dir);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    for (unsigned i = 0; i < 2700000; i++)
        fprintf(f, "d%u.x\n", i);
    fclose(f);
    PATHF(path, sizeof path, "%s/r.yaml", dir);
    write_file(path, "id: b1\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
                     "match:\n  dns.query: '@big.txt'\n"
                     "---\nid: b2\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
                     "match:\n  tls.sni: '@big.txt'\n"
                     "---\nid: b3\ntitle: t\nfraud_type: FT01\nlevel: low\nweight: 1\n"
                     "match:\n  http.host: '@big.txt'\n");
    capture cp;
    memset(&cp, 0, sizeof cp);
    fsc_diag d = {capture_fn, &cp, 0, 0};
    fsc_ruleset *rs = NULL;
    fsc_status st = fsc_ruleset_load(dir, &d, &rs);
    char want[600];
    PATHF(want, sizeof want, "%s/big.txt", dir);
    CHECK(st == FSC_ERULE && cp.errors == 1 && strcmp(cp.file, want) == 0 &&
              cp.line == 2600001 && cp.col == 1 && strstr(cp.msg, "more than 8000000 values"),
          "three references of a 2.7M list exceed the bound at the right line (%s:%lu:%lu %s)",
          cp.file, cp.line, cp.col, cp.msg);
    fsc_ruleset_free(rs);
}

int main(int argc, char **argv)
{
    snprintf(tmproot, sizeof tmproot, "%s/fsc-rules-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmproot)) {
        perror("mkdtemp");
        return 2;
    }
    test_errors();
    test_semantics();
    test_version();
    test_differential();
    test_shared_list();
    test_alias_list();
    test_alias_limit();
    /* the shipped pack: argv[1], or found from this file's own path, which
     * meson gives relative to the build directory tests run in */
    char pack[1024];
    if (argc > 1) {
        snprintf(pack, sizeof pack, "%s", argv[1]);
    } else {
        const char *me = __FILE__;
        const char *tail = strstr(me, "tests/unit/test_rules.c");
        snprintf(pack, sizeof pack, "%.*srules", tail ? (int)(tail - me) : 0, me);
    }
    test_pack(pack);
    char cmd[600];
    PATHF(cmd, sizeof cmd, "rm -rf '%s'", tmproot);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmproot);
    return unit_done();
}
