/* test_events_fast.c: the scanner of the common event line shape
 * (feeds/events_fast.c) against the yajl parser (fsc_event_parse_ex).
 *
 * Differential: wherever the fast path accepts a line, the yajl path must
 * accept it too and make the same record and meta. Run on every line of
 * the events files in the tree (argv[1] is the source root: the sample,
 * the fuzz seeds, the event lines written in the e2e scripts), on lines of
 * bench/events_gen.py's shape, on hostile lines, on every truncation and
 * many one-byte changes of good lines, and with small stores. Any further
 * argument is an events file compared line by line too (bench output).
 * Every fast parse runs with its input right before an unreadable page.
 * Rows also say whether the fast path must take the line: a scanner that
 * declined everything would agree with yajl and be useless. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "events_fast.h"
#include "events_int.h"
#include "events_same.h"
#include "unit.h"

#define STORE (2 * FSC_EVENTS_LINE_MAX + 64)
static char fstore[STORE], ystore[STORE];

/* Both parsers on (s, n), the fast one against the guard page. Returns
 * what events_compare returns; a disagreement is a failed check. */
static int compare(const char *s, size_t n, const char *what)
{
    const char *why;
    int r = events_compare(unit_guarded(s, n), n, fstore, ystore, STORE, &why);
    if (r < 0)
        CHECK(0, "%s: fast path and yajl differ: %s: %.*s", what, why, (int)(n > 200 ? 200 : n), s);
    return r;
}

/* ---- the shapes the feed sends ------------------------------------------ */

static const struct {
    const char *line;
    int fast; /* 1: the fast path must take it; 0: must decline; -1: either */
} rows[] = {
    /* good lines of the common shape */
    {"{\"ts\":\"2026-11-29T08:00:00Z\",\"subscriber\":\"S1\",\"event\":\"install\","
     "\"package\":\"com.x\",\"label\":\"X\",\"cert_sha256\":\"AB:CD:ef\",\"apk_sha256\":\"00FF\","
     "\"installer\":\"sideload\",\"permissions\":[\"android.permission.READ_SMS\",\"CAMERA\"]}",
     1},
    {"{\"ts\":1795939200,\"subscriber\":\"S1\"}", 1},
    {"{\"ts\":1795939200.5,\"subscriber\":\"S1\"}", 1},
    {"{\"ts\":1.7959392e9,\"subscriber\":\"S1\"}", -1},
    {"  {\"ts\":1,\"subscriber\":\"S1\"}  \t", 1},
    {"{ \"ts\" : 1 , \"subscriber\" : \"S1\" , \"permissions\" : [ \"A\" , \"B\" ] }", 1},
    {"{\"subscriber\":\"S1\",\"ts\":1}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"event\":\"update\"}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"event\":\"app_opened\"}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"permissions\":[]}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"permissions\":null,\"label\":null,\"event\":null}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"package\":\"\",\"installer\":\"\",\"cert_sha256\":\":\"}",
     1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"device\":\"D\",\"version\":\"1.0\"}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"fraud_type\":\"FT05\",\"disposition\":\"x\"}", 1},
    /* unknown keys with scalar values are skipped */
    {"{\"ts\":1,\"x\":\"y\",\"n\":-0.5e+3,\"t\":true,\"f\":false,\"z\":null,\"subscriber\":\"S1\"}",
     1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"\":\"\"}", 1},
    /* permissions: prefix dropped, repeats dropped, the bare prefix kept */
    {"{\"ts\":1,\"subscriber\":\"S1\",\"permissions\":[\"android.permission.A\",\"A\",\"A\","
     "\"\",\"android.permission.\",\"android.permission.\"]}",
     1},
    /* escapes and UTF-8, decoded as yajl decodes them */
    {"{\"ts\":1,\"subscriber\":\"S\\u00e9\\u4e2d\\ud83d\\ude00\",\"label\":\"a\\\"b\\\\c\\/"
     "d\\b\\f\\n\\r\\t\"}",
     1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\\udc00 lone low\"}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\xe5\xbe\xae\xe4\xbf\xa1 \xf0\x9f\x98\x80\"}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\xc0\x80 overlong, as yajl takes it\"}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\xf5\x80\x80\x80\"}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"permissions\":[\"\\u0041\\u0042\",\"AB\"]}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"cert_sha256\":\"\\u0041B:cD\"}", 1},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"x\":\"\\u0000\\ud800\"}", -1},
    /* declined: the yajl path decides (good or bad) */
    {"{\"ts\":1,\"subscriber\":\"S1\",\"x\":{\"y\":[1,{\"z\":null}]}}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"x\":[1,2]}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"ev\\u0065nt\":\"update\"}", 0},
    {"{\"ts\":\"2026-11-29T08:00:00\\u005a\",\"subscriber\":\"S1\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"event\":\"disposition\",\"fraud_type\":\"FT05\","
     "\"disposition\":\"confirmed_safe\"}",
     0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\\ud800\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\\ud800\\u0041\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"a\\u0000b\"}", 0},
    {"{\"ts\":1,\r\"subscriber\":\"S1\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\"}\r", 0},
    /* bad lines: declined, and yajl reports them */
    {"", 0},
    {"   ", 0},
    {"{}", 0},
    {"[]", 0},
    {"\"s\"", 0},
    {"{\"ts\":1}", 0},
    {"{\"subscriber\":\"S1\"}", 0},
    {"{\"ts\":null,\"subscriber\":\"S1\"}", 0},
    {"{\"ts\":1,\"subscriber\":null}", 0},
    {"{\"ts\":1,\"subscriber\":\"\"}", 0},
    {"{\"ts\":\"yesterday\",\"subscriber\":\"S1\"}", 0},
    {"{\"ts\":true,\"subscriber\":\"S1\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"ts\":2}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":null,\"label\":\"x\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"event\":\"reboot\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"package\":7}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"package\":[\"a\"]}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"permissions\":\"READ_SMS\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"permissions\":[1]}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"permissions\":[\"a\",]}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"permissions\":[\"a\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\"", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\"} x", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\"} 12", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\"}{}", 0},
    {"{\"ts\":01,\"subscriber\":\"S1\"}", 0},
    {"{\"ts\":1.,\"subscriber\":\"S1\"}", 0},
    {"{\"ts\":-,\"subscriber\":\"S1\"}", 0},
    {"{\"ts\":1e,\"subscriber\":\"S1\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"x\":tru}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"x\":nul}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"x\":truex}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"x\":+1}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"a\\x\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"a\\u12g4\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"a\\u12\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"a\tb\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\xc3\x28\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\x80\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\xf8\x80\x80\x80\x80\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\xe4\xb8\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"\xf0\x9f\x98\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"la\xc3\xa9\":\"x\"}", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"a\\", 0},
    {"{\"ts\":1,\"subscriber\":\"S1\",\"label\":\"a", 0},
    {"{\"ts\":1 \"subscriber\":\"S1\"}", 0},
    {"{\"ts\" 1,\"subscriber\":\"S1\"}", 0},
    {"{ts:1,\"subscriber\":\"S1\"}", 0},
};

static void test_rows(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "row %zu", i);
        int r = compare(rows[i].line, strlen(rows[i].line), what);
        if (r >= 0 && rows[i].fast >= 0)
            CHECK(r == rows[i].fast, "row %zu: fast path %s: %s", i, r ? "took it" : "declined",
                  rows[i].line);
    }
}

/* A line of bench/events_gen.py, and the sample's longest shape. */
static const char *const good[] = {
    "{\"ts\": 1795939207, \"subscriber\": \"S00007\", \"event\": \"install\", \"package\": "
    "\"com.yidai.jinrong\", \"label\": \"\xe6\x98\x93\xe8\xb4\xb7\xe9\x87\x91\xe8\x9e\x8d\", "
    "\"installer\": \"sideload\", \"permissions\": [\"android.permission.INTERNET\", "
    "\"android.permission.CAMERA\", \"android.permission.ACCESS_FINE_LOCATION\", "
    "\"android.permission.READ_CONTACTS\", \"android.permission.READ_SMS\"]}",
    "{\"ts\":\"2026-11-29T08:02:30Z\",\"subscriber\":\"S2001\",\"device\":\"A-56eb9ecd4ecb\","
    "\"event\":\"install\",\"package\":\"com.tencent.mm\",\"label\":\"\xe5\xbe\xae\xe4\xbf\xa1\","
    "\"version\":\"8.0.54\",\"cert_sha256\":\"9DB8030435f27c42087a132d9255066f4b9c047679369a0bab4"
    "752e32cb30d38\",\"apk_sha256\":\"5a:36:66\",\"installer\":\"store\",\"permissions\":"
    "[\"android.permission.INTERNET\",\"android.permission.CAMERA\"],\"x\":\"\\u00e9\"}",
};

/* Every cut of a good line, and every byte replaced by bytes that matter
 * to a JSON scanner: each must agree (mostly a decline and an error). */
static void test_mutations(void)
{
    static const unsigned char subst[] = {'"',  '\\', ',',  ':', '{',  '}',  '[',  ']',  ' ',
                                          '\t', '\r', '\n', 0,   0x1f, 0x7f, 0x80, 0xc3, 0xe4,
                                          0xf0, 0xff, 'u',  '0', 'e',  '-',  '.',  'n'};
    for (size_t g = 0; g < sizeof good / sizeof good[0]; g++) {
        size_t n = strlen(good[g]);
        CHECK(compare(good[g], n, "good line") == 1, "good line %zu taken by the fast path", g);
        size_t took = 0;
        for (size_t cut = 0; cut < n; cut++)
            took += compare(good[g], cut, "a cut") == 1;
        /* a line cut inside its object never closes it */
        CHECK(took == 0, "good line %zu: no cut taken (%zu were)", g, took);
        char *m = malloc(n);
        for (size_t i = 0; i < n; i++)
            for (size_t s = 0; s < sizeof subst; s++) {
                memcpy(m, good[g], n);
                m[i] = (char)subst[s];
                compare(m, n, "one byte changed");
            }
        /* and two bytes swapped */
        for (size_t i = 0; i + 1 < n; i++) {
            memcpy(m, good[g], n);
            char t = m[i];
            m[i] = m[i + 1];
            m[i + 1] = t;
            compare(m, n, "two bytes swapped");
        }
        free(m);
    }
}

/* Small stores: when the fast path takes a line with a store of N bytes,
 * the yajl path with N bytes takes it the same (it needs no more). */
static void test_small_stores(void)
{
    for (size_t g = 0; g < sizeof good / sizeof good[0]; g++) {
        size_t n = strlen(good[g]), took = 0;
        for (size_t cap = 0; cap < n + 16; cap++) {
            const char *why;
            int r = events_compare(unit_guarded(good[g], n), n, fstore, ystore, cap, &why);
            CHECK(r >= 0, "good line %zu, store of %zu: %s", g, cap, why ? why : "");
            took += r == 1;
        }
        CHECK(took > 0, "good line %zu taken with a store of its length", g);
    }
}

/* The longest permission lists: the bound of MAX_PERMISSIONS, repeats. */
static void test_many_permissions(void)
{
    static char line[32768];
    for (int many = MAX_PERMISSIONS - 2; many <= MAX_PERMISSIONS + 40; many += 21) {
        size_t o = (size_t)snprintf(line, sizeof line,
                                    "{\"ts\":1,\"subscriber\":\"S1\",\"package\":\"p\","
                                    "\"permissions\":[");
        for (int i = 0; i < many; i++)
            o += (size_t)snprintf(line + o, sizeof line - o, "%s\"android.permission.P%d\"",
                                  i ? "," : "", i % (MAX_PERMISSIONS + 7));
        o += (size_t)snprintf(line + o, sizeof line - o,
                              "],\"label\":\"L\",\"installer\":\"store\",\"cert_sha256\":\"a\","
                              "\"apk_sha256\":\"b\"}");
        CHECK(compare(line, o, "many permissions") == 1, "%d permissions taken", many);
    }
}

/* ---- the events files in the tree ---------------------------------------- */

static size_t lines_taken, lines_seen;

/* Every line of a file through both parsers. */
static void compare_lines(const char *path, const char *buf, size_t n)
{
    size_t ln = 0;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(buf + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - buf) : n;
        char what[512];
        snprintf(what, sizeof what, "%s:%zu", path, ++ln);
        lines_taken += compare(buf + i, e - i, what) == 1;
        lines_seen++;
        i = e + 1;
    }
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap);
    for (;;) {
        if (len == cap)
            b = realloc(b, cap *= 2);
        size_t got = fread(b + len, 1, cap - len, f);
        if (got == 0)
            break;
        len += got;
    }
    fclose(f);
    *n = len;
    return b;
}

/* A fuzz corpus: each file whole (one input) and line by line. */
static void compare_corpus(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n;
        char *b = slurp(path, &n);
        if (!b)
            continue;
        compare(b, n, path);
        compare_lines(path, b, n);
        free(b);
    }
    closedir(d);
}

/* The event lines written inside the e2e scripts: from the first '{' to
 * the last '}' of every line that names a subscriber. */
static void compare_scripts(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n;
        char *b = strstr(e->d_name, ".sh") || strstr(e->d_name, ".py") ? slurp(path, &n) : NULL;
        if (!b)
            continue;
        for (size_t i = 0; i < n;) {
            const char *nl = memchr(b + i, '\n', n - i);
            size_t end = nl ? (size_t)(nl - b) : n;
            char *l = b + i;
            size_t ln = end - i;
            const char *o = memchr(l, '{', ln);
            const char *c = NULL;
            for (size_t k = ln; k > 0 && !c; k--)
                if (l[k - 1] == '}')
                    c = l + k - 1;
            if (o && c && c > o && memmem(l, ln, "subscriber", 10))
                compare(o, (size_t)(c - o + 1), path);
            i = end + 1;
        }
        free(b);
    }
    closedir(d);
}

static void test_files(const char *root, int nextra, char **extra)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/feeds/sample/events.jsonl", root);
    size_t n;
    char *b = slurp(path, &n);
    CHECK(b != NULL, "read %s", path);
    if (b) {
        lines_taken = lines_seen = 0;
        compare_lines(path, b, n);
        /* the sample is all installs and updates of the common shape */
        CHECK(lines_seen > 10 && lines_taken == lines_seen, "sample: %zu of %zu lines taken",
              lines_taken, lines_seen);
        free(b);
    }
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/fuzz_events", root);
    compare_corpus(path);
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/fuzz_events_fast", root);
    compare_corpus(path);
    snprintf(path, sizeof path, "%s/tests/e2e", root);
    compare_scripts(path);
    for (int i = 0; i < nextra; i++) {
        b = slurp(extra[i], &n);
        CHECK(b != NULL, "read %s", extra[i]);
        if (!b)
            continue;
        lines_taken = lines_seen = 0;
        compare_lines(extra[i], b, n);
        printf("# %s: %zu of %zu lines taken by the fast path\n", extra[i], lines_taken,
               lines_seen);
        free(b);
    }
}

int main(int argc, char **argv)
{
    test_rows();
    test_mutations();
    test_small_stores();
    test_many_permissions();
    if (argc > 1)
        test_files(argv[1], argc - 2, argv + 2);
    else
        CHECK(0, "usage: test_events_fast SRCDIR [EVENTS FILE...]");
    return unit_done();
}
