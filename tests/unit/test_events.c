/* test_events.c: the app-install feed parser and reader.
 *
 * Every parser row runs with its input placed right before an unreadable
 * page, so a read past `len` faults instead of passing by luck. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "timefmt.h"
#include "unit.h"

#define T0 (1795939200LL * 1000000) /* 2026-11-29T08:00:00Z */

static char store[2 * FSC_EVENTS_LINE_MAX + 64];

static const fsc_value *value_at(const fsc_record *r, fsc_field f, size_t nth)
{
    for (size_t i = 0; i < r->nvalues; i++)
        if (r->values[i].field == f && nth-- == 0)
            return &r->values[i];
    return NULL;
}

static int value_is(const fsc_record *r, fsc_field f, size_t nth, const char *want)
{
    const fsc_value *v = value_at(r, f, nth);
    return v && v->len == strlen(want) && memcmp(v->ptr, want, v->len) == 0;
}

/* ---- good lines ---------------------------------------------------------- */

static void test_good(void)
{
    static const struct {
        const char *line;
        const char *subscriber, *event;
        long long ts;
        size_t nvalues;
        const char *package, *label, *installer, *device, *version;
    } rows[] = {
        {"{\"ts\":\"2026-11-29T08:00:00Z\",\"subscriber\":\"S1001\"}", "S1001", "install", T0, 1,
         NULL, NULL, NULL, NULL, NULL},
        {"{\"ts\":1795939200.5,\"subscriber\":\"S1\",\"event\":\"uninstall\"}", "S1",
         "uninstall", T0 + 500000, 1, NULL, NULL, NULL, NULL, NULL},
        {"  {\"subscriber\":\"S2\",\"ts\":\"2026-11-29T16:00:00+08:00\",\"package\":\"com.a\","
         "\"label\":\"\\u5fae\\u4fe1\",\"installer\":\"store\",\"device\":\"D9\","
         "\"version\":\"8.0.1\"}  ",
         "S2", "install", T0, 4, "com.a", "\xE5\xBE\xAE\xE4\xBF\xA1", "store", "D9", "8.0.1"},
        {"{\"ts\":\"2026-11-29T08:00:00Z\",\"subscriber\":\"S3\",\"event\":\"screen_share_started\","
         "\"package\":\"com.carriez.flutter_hbb\",\"extra\":{\"a\":[1,{\"b\":null}],\"c\":true},"
         "\"n\":[[[]]],\"z\":null}",
         "S3", "screen_share_started", T0, 2, "com.carriez.flutter_hbb", NULL, NULL, NULL, NULL},
        /* null in an optional key means absent; an empty value adds nothing */
        {"{\"ts\":\"2026-11-29T08:00:00Z\",\"subscriber\":\"S4\",\"label\":\"\",\"installer\":null}",
         "S4", "install", T0, 1, NULL, NULL, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fsc_record rec;
        fsc_event_meta meta;
        char err[256];
        unsigned long col = 99;
        size_t n = strlen(rows[i].line);
        fsc_status st = fsc_event_parse_ex(unit_guarded(rows[i].line, n), n, &rec, &meta, store,
                                           sizeof store, err, sizeof err, &col);
        CHECK(st == FSC_OK, "good row %zu parses (%s: %s)", i, fsc_status_name(st), err);
        if (st != FSC_OK)
            continue;
        CHECK(rec.source == FSC_SRC_APP && col == 0, "row %zu: app source", i);
        CHECK_STR(rec.subscriber, rows[i].subscriber, "subscriber");
        CHECK_STR(rec.event, rows[i].event, "event");
        CHECK(value_is(&rec, FSC_F_APP_EVENT, 0, rows[i].event), "row %zu: app.event value", i);
        CHECK(!rows[i].installer || value_is(&rec, FSC_F_APP_INSTALLER, 0, rows[i].installer),
              "row %zu: app.installer value", i);
        CHECK(rec.ts == rows[i].ts, "row %zu: ts %lld want %lld", i, (long long)rec.ts,
              rows[i].ts);
        CHECK(rec.nvalues == rows[i].nvalues, "row %zu: %zu values want %zu", i, rec.nvalues,
              rows[i].nvalues);
        if (rows[i].package)
            CHECK(value_is(&rec, FSC_F_APP_PACKAGE, 0, rows[i].package), "row %zu: package", i);
        if (rows[i].label)
            CHECK(value_is(&rec, FSC_F_APP_LABEL, 0, rows[i].label), "row %zu: label", i);
        CHECK((rows[i].installer == NULL) == (meta.installer == NULL) &&
                  (!meta.installer || strcmp(meta.installer, rows[i].installer) == 0),
              "row %zu: installer", i);
        CHECK((rows[i].device == NULL) == (meta.device == NULL), "row %zu: device", i);
        CHECK((rows[i].version == NULL) == (meta.version == NULL), "row %zu: version", i);
    }
}

static void test_permissions_and_hashes(void)
{
    const char *line =
        "{\"ts\":1795939200,\"subscriber\":\"S1002\",\"package\":\"com.gov.safeguard\","
        "\"cert_sha256\":\"AB:CD:EF:01\",\"apk_sha256\":\"00FF\",\"permissions\":["
        "\"android.permission.BIND_ACCESSIBILITY_SERVICE\",\"SYSTEM_ALERT_WINDOW\","
        "\"android.permission.READ_SMS\",\"READ_SMS\",\"android.permission.\","
        "\"com.vendor.permission.X\",\"\"]}";
    fsc_record rec;
    fsc_event_meta meta;
    char err[256];
    size_t n = strlen(line);
    fsc_status st = fsc_event_parse_ex(unit_guarded(line, n), n, &rec, &meta, store, sizeof store,
                                       err, sizeof err, NULL);
    CHECK(st == FSC_OK, "permissions line parses: %s", err);
    CHECK(value_is(&rec, FSC_F_APP_PERMISSIONS, 0, "BIND_ACCESSIBILITY_SERVICE"),
          "android.permission. prefix stripped");
    CHECK(value_is(&rec, FSC_F_APP_PERMISSIONS, 1, "SYSTEM_ALERT_WINDOW"), "bare name kept");
    CHECK(value_is(&rec, FSC_F_APP_PERMISSIONS, 2, "READ_SMS"), "READ_SMS once");
    CHECK(value_is(&rec, FSC_F_APP_PERMISSIONS, 3, "android.permission."),
          "the bare prefix alone is not stripped to nothing");
    CHECK(value_is(&rec, FSC_F_APP_PERMISSIONS, 4, "com.vendor.permission.X"),
          "other namespaces kept whole");
    CHECK(value_at(&rec, FSC_F_APP_PERMISSIONS, 5) == NULL, "empty entry dropped");
    CHECK(meta.dropped_permissions == 1, "the repeated READ_SMS is counted as dropped (%zu)",
          meta.dropped_permissions);
    CHECK(value_is(&rec, FSC_F_APP_CERT_SHA256, 0, "abcdef01"), "cert hash normalised");
    CHECK(value_is(&rec, FSC_F_APP_APK_SHA256, 0, "00ff"), "apk hash lower-cased");
}

/* ---- bad lines: status, column, message --------------------------------- */

static void test_bad(void)
{
    static const struct {
        const char *line;
        fsc_status st;
        unsigned long col;
        const char *msg;
    } rows[] = {
        {"", FSC_EMALFORMED, 1, "premature EOF"},
        {"x", FSC_EMALFORMED, 1, "invalid char"},
        {"{\"ts\":x}", FSC_EMALFORMED, 7, "not valid JSON"},
        {"{\"ts\":1,\"subscriber\":\"a\",}", FSC_EMALFORMED, 26, "invalid object key"},
        {"{\"ts\":1,\"subscriber\":\"a\"} x", FSC_EMALFORMED, 27, "trailing garbage"},
        {"{\"ts\":1,\"subscriber\":\"a\"}{}", FSC_EMALFORMED, 26, "trailing garbage"},
        {"{\"ts\":", FSC_EMALFORMED, 7, "premature EOF"},
        {"{\"ts\":1,\"subscriber\":\"a\"", FSC_EMALFORMED, 25, "premature EOF"},
        {"[1,2]", FSC_EMALFORMED, 1, "not a JSON object"},
        {"42", FSC_EMALFORMED, 1, "not a JSON object"},
        {"\"str\"", FSC_EMALFORMED, 1, "not a JSON object"},
        {"null", FSC_EMALFORMED, 1, "not a JSON object"},
        {"{\"subscriber\":\"a\"}", FSC_EMALFORMED, 1, "missing \"ts\""},
        {"   {\"ts\":1}", FSC_EMALFORMED, 4, "missing \"subscriber\""},
        {"{\"ts\":1,\"subscriber\":\"\"}", FSC_EMALFORMED, 22, "is empty"},
        {"{\"ts\":\"2026-11-29T08:00:00Z\",\"subscriber\":1}", FSC_EMALFORMED, 43,
         "\"subscriber\" must be a string, not a number"},
        {"{\"ts\":\"yesterday\",\"subscriber\":\"a\"}", FSC_EMALFORMED, 7, "bad \"ts\""},
        {"{\"ts\":\"2026-11-29T08:00:00\",\"subscriber\":\"a\"}", FSC_EMALFORMED, 7, "bad \"ts\""},
        {"{\"ts\":1.5e3,\"subscriber\":\"a\"}", FSC_EMALFORMED, 7, "bad \"ts\""},
        {"{\"ts\":true,\"subscriber\":\"a\"}", FSC_EMALFORMED, 7,
         "\"ts\" must be a string or a number, not true"},
        {"{\"ts\":null,\"subscriber\":\"a\"}", FSC_EMALFORMED, 7, "not null"},
        {"{\"ts\":1,\"subscriber\":\"a\",\"package\":{}}", FSC_EMALFORMED, 36, "an object"},
        {"{\"ts\":1,\"subscriber\":\"a\",\"label\":[\"x\"]}", FSC_EMALFORMED, 34, "an array"},
        {"{\"ts\":1,\"subscriber\":\"a\",\"permissions\":\"READ_SMS\"}", FSC_EMALFORMED, 40,
         "must be an array of strings"},
        {"{\"ts\":1,\"subscriber\":\"a\",\"permissions\":[\"A\",3]}", FSC_EMALFORMED, 45,
         "entries must be strings"},
        {"{\"ts\":1,\"subscriber\":\"a\",\"permissions\":[[\"A\"]]}", FSC_EMALFORMED, 41,
         "not an array"},
        {"{\"ts\":1,\"subscriber\":\"a\",\"event\":\"hack\"}", FSC_EMALFORMED, 34,
         "unknown \"event\""},
        {"{\"ts\":1,\"subscriber\":\"a\",\"ts\":2}", FSC_EMALFORMED, 26, "duplicate key \"ts\""},
        {"{\"ts\":1,\"subscriber\":\"a\",\"label\":\"x\\u0000\"}", FSC_EMALFORMED, 34,
         "NUL character"},
        {"{\"ts\":1,\"subscriber\":\"a\",\"label\":\"\xff\"}", FSC_EMALFORMED, 35, "not valid JSON"},
        /* yajl points at the blank before a comment, one byte early */
        {"{\"ts\":1,\"subscriber\":\"a\" /* c */}", FSC_EMALFORMED, 25, "comment"},
        {"{\"ts\":1,\"subscriber\":null}", FSC_EMALFORMED, 22, "not null"},
        {"{ts:1}", FSC_EMALFORMED, 2, "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fsc_record rec;
        char err[256];
        unsigned long col = 0;
        size_t n = strlen(rows[i].line);
        fsc_status st = fsc_event_parse_ex(unit_guarded(rows[i].line, n), n, &rec, NULL, store,
                                           sizeof store, err, sizeof err, &col);
        CHECK(st == rows[i].st && col == rows[i].col && strstr(err, rows[i].msg) &&
                  rec.subscriber == NULL && rec.nvalues == 0,
              "bad row %zu `%s`: %s col %lu \"%s\" (want %s col %lu \"%s\")", i, rows[i].line,
              fsc_status_name(st), col, err, fsc_status_name(rows[i].st), rows[i].col,
              rows[i].msg);
    }
    /* the short form carries the column in its message */
    fsc_record rec;
    char err[256];
    fsc_status st = fsc_event_parse("{\"ts\":x}", 8, &rec, store, sizeof store, err, sizeof err);
    CHECK(st == FSC_EMALFORMED && strncmp(err, "column 7: ", 10) == 0, "short form: \"%s\"", err);
    /* len is honoured: the same bytes cut short are not a complete object */
    st = fsc_event_parse("{\"ts\":1,\"subscriber\":\"a\"}", 20, &rec, store, sizeof store, err,
                         sizeof err);
    CHECK(st == FSC_EMALFORMED, "len cuts the line: %s", err);
}

/* ---- hostile sizes -------------------------------------------------------- */

static void test_sizes(void)
{
    fsc_record rec;
    fsc_event_meta meta;
    char err[256];
    size_t cap = 1 << 20;
    char *big = malloc(cap);

    /* 300 distinct permissions before the other keys: permissions get 154
     * slots, the rest are counted, and the keys after them still fit */
    size_t n = (size_t)snprintf(big, cap, "{\"ts\":1,\"subscriber\":\"a\",\"permissions\":[");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(big + n, cap - n, "%s\"android.permission.P%03d\"", i ? "," : "", i);
    n += (size_t)snprintf(big + n, cap - n, "],\"package\":\"p\",\"label\":\"l\","
                                            "\"cert_sha256\":\"c\",\"apk_sha256\":\"a\"}");
    fsc_status st = fsc_event_parse_ex(unit_guarded(big, n), n, &rec, &meta, store, sizeof store,
                                       err, sizeof err, NULL);
    CHECK(st == FSC_OK && rec.nvalues == FSC_RECORD_MAX_VALUES - 1 &&
              meta.dropped_permissions == 300 - (FSC_RECORD_MAX_VALUES - 6),
          "300 permissions: %zu values kept, %zu dropped (%s)", rec.nvalues,
          meta.dropped_permissions, err);
    CHECK(value_is(&rec, FSC_F_APP_PACKAGE, 0, "p") && value_is(&rec, FSC_F_APP_APK_SHA256, 0, "a"),
          "package and hashes after 300 permissions still kept");
    CHECK(value_is(&rec, FSC_F_APP_PERMISSIONS, 0, "P000"), "first permission kept");

    /* deep nesting in an unknown key is skipped, not recursed on */
    n = (size_t)snprintf(big, cap, "{\"ts\":1,\"subscriber\":\"a\",\"x\":");
    for (int i = 0; i < 20000; i++)
        big[n++] = '[';
    for (int i = 0; i < 20000; i++)
        big[n++] = ']';
    big[n++] = '}';
    st = fsc_event_parse_ex(unit_guarded(big, n), n, &rec, NULL, store, sizeof store, err,
                            sizeof err, NULL);
    CHECK(st == FSC_OK, "20000-deep unknown value skipped: %s", err);

    /* a 60 KiB label fits the reader's store */
    n = (size_t)snprintf(big, cap, "{\"ts\":1,\"subscriber\":\"a\",\"label\":\"");
    memset(big + n, 'L', 60000);
    n += 60000;
    n += (size_t)snprintf(big + n, cap - n, "\"}");
    st = fsc_event_parse_ex(unit_guarded(big, n), n, &rec, NULL, store, sizeof store, err,
                            sizeof err, NULL);
    CHECK(st == FSC_OK && rec.nvalues == 2 && rec.values[0].len == 60000, "60 KiB label");

    /* ... but not a store of 100 bytes: FSC_ELIMIT, never an overflow */
    char small[100];
    unsigned long col = 0;
    st = fsc_event_parse_ex(unit_guarded(big, n), n, &rec, NULL, small, sizeof small, err,
                            sizeof err, &col);
    CHECK(st == FSC_ELIMIT && col == 34, "tiny store: %s col %lu %s", fsc_status_name(st), col,
          err);
    st = fsc_event_parse_ex("{\"ts\":1,\"subscriber\":\"a\"}", 25, &rec, NULL, small, 1, err,
                            sizeof err, &col);
    CHECK(st == FSC_ELIMIT, "one-byte store: %s", fsc_status_name(st));
    /* a zero-sized error buffer is never written */
    st = fsc_event_parse_ex("x", 1, &rec, NULL, store, sizeof store, NULL, 0, NULL);
    CHECK(st == FSC_EMALFORMED, "no error buffer");
    free(big);
}

/* ---- the reader: line numbers, columns, counters, bounds ----------------- */


static void test_reader(void)
{
    char path[] = "/tmp/test_events_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "wb");
    fputs("\xEF\xBB\xBF{\"ts\":\"2026-11-29T08:00:00Z\",\"subscriber\":\"S1\"}\n", f); /* 1 */
    fputs("\n", f);                                                                 /* 2 */
    fputs("   \t\r\n", f);                                                          /* 3 */
    fputs("{\"ts\":1,\"subscriber\":\"S2\",\"package\":\"p\"}\r\n", f);             /* 4 */
    fputs("not json\n", f);                                                         /* 5 */
    fputs("{\"ts\":1,\"subscriber\":\"S3\",\"permissions\":[\"A\",\"A\"]}\n", f);   /* 6 */
    fputs("{\"ts\":1,\"subscriber\":\"S4\",\"label\":\"", f);                       /* 7 */
    for (int i = 0; i < 200000; i++)
        fputc('x', f);
    fputs("\"}\n", f);
    fputs("{\"subscriber\":\"S5\"}\n", f); /* 8 */
    fputs("{\"ts\":2,\"subscriber\":\"S6\"}", f); /* 9, no final newline */
    fclose(f);

    unit_diags s = {0};
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = &s};
    fsc_counters ctr = {0};
    fsc_event_reader *r = fsc_events_open(path, &diag, &ctr);
    CHECK(r != NULL, "open");
    if (!r)
        return;
    fsc_record rec;
    const char *subs[] = {"S1", "S2", "S3", "S6"};
    unsigned long lines[] = {1, 4, 6, 9};
    for (int i = 0; i < 4; i++) {
        fsc_status st = fsc_events_next(r, &rec);
        CHECK(st == FSC_OK && strcmp(rec.subscriber, subs[i]) == 0 && rec.line == lines[i],
              "event %d: %s on line %lu", i, st == FSC_OK ? rec.subscriber : "-",
              (unsigned long)rec.line);
    }
    CHECK(fsc_events_next(r, &rec) == FSC_EOF, "EOF");
    CHECK(fsc_events_next(r, &rec) == FSC_EOF, "EOF stays EOF");
    fsc_events_close(r);

    CHECK(ctr.v[FSC_C_EVENTS] == 4 && ctr.v[FSC_C_EVENTS_BAD] == 3,
          "counters: events.read %llu, events.bad_lines %llu",
          (unsigned long long)ctr.v[FSC_C_EVENTS], (unsigned long long)ctr.v[FSC_C_EVENTS_BAD]);
    CHECK(s.errors == 3 && s.warnings == 1, "3 errors, 1 warning (got %d, %d)", s.errors,
          s.warnings);
    CHECK(s.n == 4 && s.line[0] == 5 && s.col[0] == 1 && strstr(s.msg[0], "not valid JSON"),
          "line 5 col 1: %s", s.msg[0]);
    CHECK(s.n == 4 && s.line[1] == 6 && strstr(s.msg[1], "repeated"), "line 6 warning: %s",
          s.msg[1]);
    CHECK(s.n == 4 && s.line[2] == 7 && s.col[2] == FSC_EVENTS_LINE_MAX + 1 &&
              strstr(s.msg[2], "longer than"),
          "line 7 too long: col %lu %s", s.col[2], s.msg[2]);
    CHECK(s.n == 4 && s.line[3] == 8 && strstr(s.msg[3], "missing \"ts\""), "line 8: %s",
          s.msg[3]);
    unlink(path);

    unit_diags s2 = {0};
    fsc_diag d2 = {.fn = unit_diag_capture, .ctx = &s2};
    CHECK(fsc_events_open("/nonexistent/dir/events.jsonl", &d2, NULL) == NULL &&
              s2.errors == 1 && strstr(s2.msg[0], "cannot open"),
          "missing file reported");
}

/* The reader parses with one yajl handle for every line (a fast path) and
 * falls back to fsc_event_parse_ex for anything that is not one good
 * object: lines that could leave the reused handle in a state of its own
 * (cut short, a trailing number yajl holds back, two values, an error)
 * must come out exactly as fsc_event_parse_ex says, and must not disturb
 * the line after them. */
static void test_reader_reuse(void)
{
    static const char *const lines[] = {
        "{\"ts\":1,\"subscriber\":\"A1\",\"package\":\"p\"}",
        "{\"ts\":1,\"subscriber\":\"A2\"} 12",               /* a number held back */
        "{\"ts\":1,\"subscriber\":\"A3\"}",
        "{\"ts\":1,\"subscriber\":\"A4\"",                   /* cut short */
        "{\"ts\":1,\"subscriber\":\"A5\"}",
        "{\"ts\":1,\"subscriber\":\"A6\"}{\"ts\":1,\"subscriber\":\"X\"}", /* two */
        "{\"ts\":1,\"subscriber\":\"A7\",\"label\":\"abc",     /* inside a string */
        "{\"ts\":1,\"subscriber\":\"A8\"}   ",                /* blanks after: good */
        "[1,2]",
        "{\"ts\":1,\"subscriber\":\"A9\",\"event\":\"update\"}",
        "{\"ts\":1,\"subscriber\":\"A10\",\"x\":{\"y\":[1,{\"z\":null}]}}",
        "{\"ts\":1,\"subscriber\":\"A11\",\"event\":\"disposition\"}", /* keys missing */
        "{\"ts\":1,\"subscriber\":\"A12\"}",
    };
    const size_t n = sizeof lines / sizeof lines[0];
    char path[] = "/tmp/test_events_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "wb");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", lines[i]);
    fclose(f);
    static char rstore[2 * FSC_EVENTS_LINE_MAX + 64];
    unit_diags s = {0};
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = &s};
    fsc_event_reader *r = fsc_events_open(path, &diag, NULL);
    CHECK(r != NULL, "open");
    if (!r)
        return;
    size_t bad = 0, next_bad = 0;
    for (size_t i = 0; i < n; i++) {
        fsc_record want, got;
        char err[256];
        unsigned long col = 0;
        fsc_status st = fsc_event_parse_ex(lines[i], strlen(lines[i]), &want, NULL, rstore,
                                           sizeof rstore, err, sizeof err, &col);
        if (st != FSC_OK) {
            bad++;
            continue; /* the reader reports it, checked below, and goes on */
        }
        char sub[64];
        snprintf(sub, sizeof sub, "%s", want.subscriber);
        size_t nv = want.nvalues;
        st = fsc_events_next(r, &got);
        CHECK(st == FSC_OK && got.line == i + 1 && strcmp(got.subscriber, sub) == 0 &&
                  got.nvalues == nv,
              "line %zu: %s as fsc_event_parse_ex (got line %lu, %s)", i + 1, sub,
              st == FSC_OK ? (unsigned long)got.line : 0UL, st == FSC_OK ? got.subscriber : "-");
        /* the bad lines before it were reported where parse_ex says */
        for (; next_bad < (size_t)s.n; next_bad++)
            CHECK(s.line[next_bad] < i + 1, "bad line %lu reported in order", s.line[next_bad]);
    }
    fsc_record rec;
    CHECK(fsc_events_next(r, &rec) == FSC_EOF, "EOF");
    fsc_events_close(r);
    CHECK((size_t)s.errors == bad, "every bad line reported once (%d of %zu)", s.errors, bad);
    /* and with the message and column fsc_event_parse_ex gives */
    for (int k = 0; k < s.n; k++) {
        const char *l = lines[s.line[k] - 1];
        fsc_record want;
        char err[256];
        unsigned long col = 0;
        fsc_event_parse_ex(l, strlen(l), &want, NULL, rstore, sizeof rstore, err, sizeof err,
                           &col);
        CHECK(s.col[k] == col && strstr(s.msg[k], err) != NULL,
              "line %lu: %lu:%s, as parse_ex %lu:%s", s.line[k], s.col[k], s.msg[k], col, err);
    }
    unlink(path);
}

int main(void)
{
    test_good();
    test_permissions_and_hashes();
    test_bad();
    test_sizes();
    test_reader();
    test_reader_reuse();
    return unit_done();
}
