/* test_identity.c: identity (who held an address when), profiles, groups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "timefmt.h"
#include "unit.h"
#include "unit_identity.h"



static const char identity_csv[] =
    "# identity: who held which address when\n"
    "ip,start,end,subscriber,precinct\n"
    "10.20.1.11,2026-11-29T00:00:00Z,,S1001,P-NORTH\n"
    /* one address, two holders over time: half-open ranges */
    "10.20.9.9,2026-11-29T06:00:00Z,2026-11-29T08:20:00Z,S2019,P-EAST\n"
    "10.20.9.9,2026-11-29T08:20:00Z,,S2020,P-WEST\n"
    /* a mobile IPv6 /64, written with host bits set; and one /128 inside it */
    "2001:db8:20:3::/64,2026-11-29T00:00:00Z,,S1003,P-WEST\n"
    "2001:db8:20:3::99,2026-11-29T08:00:00Z,2026-11-29T09:00:00Z,S9999,P-SOUTH\n"
    "2001:db8:20:4::7/64,1795939200,1795942800,S1004,P-SOUTH\n"
    /* quoting: a quoted comma and an escaped quote */
    "\"10.20.5.55\",\"2026-11-29T00:00:00Z\",\"\",\"S1005\",\"P \"\"N\"\", 2\"\r\n"
    "   \n"
    /* bad rows, one per kind: line, column, message */
    "10.20.1,2026-11-29T00:00:00Z,,S1,P\n"             /* 11: ip */
    "10.20.1.1/33,2026-11-29T00:00:00Z,,S1,P\n"        /* 12: prefix > 32 */
    "10.20.1.1/x,2026-11-29T00:00:00Z,,S1,P\n"         /* 13: prefix text */
    "2001:db8::/16,2026-11-29T00:00:00Z,,S1,P\n"       /* 14: prefix too wide */
    "10.20.1.1,yesterday,,S1,P\n"                      /* 15: start */
    "10.20.1.1,2026-11-29T00:00:00Z,never,S1,P\n"      /* 16: end */
    "10.20.1.1,2026-11-29T01:00:00Z,2026-11-29T01:00:00Z,S1,P\n" /* 17: end <= start */
    "10.20.1.1,2026-11-29T00:00:00Z,,,P\n"             /* 18: subscriber */
    "10.20.1.1,2026-11-29T00:00:00Z,,S1\n"             /* 19: missing column */
    "10.20.1.1,2026-11-29T00:00:00Z,,\"S1,P\n"         /* 20: unterminated quote */
    "10.20.1.1,2026-11-29T00:00:00Z,,S\"1,P\n"         /* 21: stray quote */
    "10.20.1.1,2026-11-29T00:00:00Z,,\"S1\"x,P\n"      /* 22: text after quote */
    "10.20.1.1,2026-11-29T00:00:00Z,,S1,\n"            /* 23: precinct */
    "10.30.0.1,2026-11-29T00:00:00Z,,S2001,P-EAST,extra\n"; /* 24: extra column: ok */

static void test_identity(void)
{
    unit_diags s = {0};
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = &s};
    fsc_counters ctr = {0};
    fsc_identity *id = NULL;
    fsc_status st = fsc_identity_load_buf("id.csv", identity_csv, sizeof identity_csv - 1, &diag,
                                          &ctr, &id);
    CHECK(st == FSC_OK && id, "identity loads: %s", fsc_status_name(st));
    if (!id)
        return;
    CHECK(fsc_identity_count(id) == 8, "8 good rows (%zu)", fsc_identity_count(id));
    CHECK(ctr.v[FSC_C_IDENTITY_BAD] == 13, "identity.bad_rows == 13 (%llu)",
          (unsigned long long)ctr.v[FSC_C_IDENTITY_BAD]);

    static const struct {
        unsigned long line, col;
        const char *msg;
    } bad[] = {
        {11, 1, "column \"ip\": not an IPv4 or IPv6"},
        {12, 1, "beyond the address size"},
        {13, 1, "bad prefix length"},
        {14, 1, "prefix too short"},
        {15, 11, "column \"start\": not an RFC 3339 or epoch time: \"yesterday\""},
        {16, 32, "column \"end\": not an RFC 3339"},
        {17, 32, "not after \"start\""},
        {18, 33, "column \"subscriber\": empty"},
        {19, 35, "missing column \"precinct\""},
        {20, 33, "unterminated quoted field"},
        {21, 34, "stray quote"},
        {22, 37, "text after a closing quote"},
        {23, 36, "column \"precinct\": empty"},
    };
    CHECK(s.errors == 13 && s.warnings == 0, "13 errors, no warning (%d, %d)", s.errors,
          s.warnings);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int found = 0;
        for (int k = 0; k < s.n; k++)
            if (s.line[k] == bad[i].line && s.col[k] == bad[i].col &&
                strstr(s.msg[k], bad[i].msg))
                found = 1;
        CHECK(found, "bad row reported as id.csv:%lu:%lu \"%s\"", bad[i].line, bad[i].col,
              bad[i].msg);
    }

    static const struct {
        const char *addr, *when, *want;
    } look[] = {
        {"10.20.1.11", "2026-11-29T08:09:12Z", "S1001"},
        {"10.20.1.11", "2026-11-28T23:59:59Z", NULL}, /* before the range */
        {"10.20.1.12", "2026-11-29T08:09:12Z", NULL},
        {"10.20.9.9", "2026-11-29T05:59:59Z", NULL},
        {"10.20.9.9", "2026-11-29T06:00:00Z", "S2019"},
        {"10.20.9.9", "2026-11-29T08:19:59.999999Z", "S2019"},
        {"10.20.9.9", "2026-11-29T08:20:00Z", "S2020"}, /* hand-over instant */
        {"10.20.9.9", "2027-01-01T00:00:00Z", "S2020"}, /* empty end: still held */
        {"2001:db8:20:3::33", "2026-11-29T08:30:00Z", "S1003"},
        {"2001:db8:20:3:ffff:ffff:ffff:ffff", "2026-11-29T08:30:00Z", "S1003"},
        {"2001:db8:20:3::99", "2026-11-29T08:30:00Z", "S9999"}, /* longest prefix */
        {"2001:db8:20:3::99", "2026-11-29T09:30:00Z", "S1003"}, /* /128 over: /64 */
        {"2001:db8:20:2::33", "2026-11-29T08:30:00Z", NULL},
        {"2001:db8:20:4::1", "2026-11-29T08:30:00Z", "S1004"},
        {"2001:db8:20:4::1", "2026-11-29T09:00:00Z", NULL}, /* epoch end */
        {"10.20.5.55", "2026-11-29T08:30:00Z", "S1005"},
        {"10.30.0.1", "2026-11-29T08:30:00Z", "S2001"},
        {"::ffff:10.20.1.11", "2026-11-29T08:30:00Z", NULL}, /* v6 is not v4 */
    };
    for (size_t i = 0; i < sizeof look / sizeof look[0]; i++) {
        const char *got = who(id, look[i].addr, look[i].when);
        CHECK(look[i].want ? got && strcmp(got, look[i].want) == 0 : got == NULL,
              "%s at %s -> %s (want %s)", look[i].addr, look[i].when, got ? got : "NULL",
              look[i].want ? look[i].want : "NULL");
    }
    fsc_addr a;
    fsc_addr_parse("10.20.5.55", 10, &a);
    const fsc_holder *h = fsc_identity_lookup(id, &a, T("2026-11-29T08:30:00Z"));
    CHECK(h && strcmp(h->precinct, "P \"N\", 2") == 0, "quoted precinct \"%s\"",
          h ? h->precinct : "-");
    CHECK_STR(fsc_identity_precinct(id, "S1001"), "P-NORTH", "precinct of S1001");
    CHECK_STR(fsc_identity_precinct(id, "S2020"), "P-WEST", "precinct of S2020");
    CHECK(fsc_identity_precinct(id, "S1") == NULL && fsc_identity_precinct(id, "") == NULL &&
              fsc_identity_precinct(NULL, "S1001") == NULL,
          "no row, no precinct");
    fsc_addr none = {0};
    CHECK(fsc_identity_lookup(id, &none, 0) == NULL, "family 0 -> NULL");
    CHECK(fsc_identity_lookup(NULL, &a, 0) == NULL, "NULL table -> NULL");
    fsc_identity_free(id);
}

static void test_identity_overlap_and_headers(void)
{
    static const char overlap[] = "ip,start,end,subscriber,precinct\n"
                                  "10.1.1.1,2026-11-29T08:00:00Z,2026-11-29T09:00:00Z,A,P\n"
                                  "10.1.1.1,2026-11-29T08:30:00Z,,B,P\n";
    unit_diags s = {0};
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = &s};
    fsc_identity *id = NULL;
    CHECK(fsc_identity_load_buf("o.csv", overlap, sizeof overlap - 1, &diag, NULL, &id) == FSC_OK,
          "overlap loads");
    CHECK(s.warnings == 1 && s.line[0] == 3 && strstr(s.msg[0], "line 2"),
          "overlap warned on line 3: %s", s.msg[0]);
    const char *w1 = who(id, "10.1.1.1", "2026-11-29T08:15:00Z");
    const char *w2 = who(id, "10.1.1.1", "2026-11-29T08:45:00Z");
    CHECK(w1 && strcmp(w1, "A") == 0 && w2 && strcmp(w2, "B") == 0, "later start wins");
    CHECK(fsc_identity_precinct(id, "A") && fsc_identity_precinct(id, "B"), "both precincts");
    fsc_identity_free(id);

    /* header problems make the file unreadable: nothing half-loaded */
    static const struct {
        const char *csv, *msg;
    } hdr[] = {
        {"10.1.1.1,2026-11-29T08:00:00Z,,A,P\n", "lacks the \"ip\" column"},
        {"ip,start,subscriber,precinct\n", "lacks the \"end\" column"},
        {"# only a comment\n\n", "no header row"},
        {"", "no header row"},
        {"ip,\"start\n", "unterminated"},
    };
    for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++) {
        unit_diags s2 = {0};
        fsc_diag d2 = {.fn = unit_diag_capture, .ctx = &s2};
        fsc_identity *out = (fsc_identity *)&s2; /* must stay untouched */
        fsc_status st = fsc_identity_load_buf("h.csv", hdr[i].csv, strlen(hdr[i].csv), &d2, NULL,
                                              &out);
        CHECK(st == FSC_EMALFORMED && out == (fsc_identity *)&s2 && s2.errors == 1 &&
                  strstr(s2.msg[0], hdr[i].msg),
              "header %zu: %s \"%s\"", i, fsc_status_name(st), s2.msg[0]);
    }
    /* columns in another order, upper-case header, extra columns */
    static const char reordered[] = "Subscriber,PRECINCT,ip,end,start,note\n"
                                    "S7,P-EAST,10.7.7.7,,2026-11-29T00:00:00Z,hello\n";
    CHECK(fsc_identity_load_buf("r.csv", reordered, sizeof reordered - 1, &diag, NULL, &id) ==
                  FSC_OK &&
              who(id, "10.7.7.7", "2026-11-29T08:00:00Z") &&
              strcmp(who(id, "10.7.7.7", "2026-11-29T08:00:00Z"), "S7") == 0,
          "header maps columns by name");
    fsc_identity_free(id);

    unit_diags s3 = {0};
    fsc_diag d3 = {.fn = unit_diag_capture, .ctx = &s3};
    CHECK(fsc_identity_load("/nonexistent/identity.csv", &d3, NULL, &id) == FSC_EIO &&
              s3.errors == 1,
          "missing file: FSC_EIO");
}

static void test_hostile_sizes(void)
{
    /* a 10 KiB row, then 5000 rows for one address, then a good row */
    size_t cap = 1 << 20;
    char *buf = malloc(cap);
    size_t n = (size_t)snprintf(buf, cap, "ip,start,end,subscriber,precinct\n10.0.0.1,");
    memset(buf + n, 'x', 10000);
    n += 10000;
    buf[n++] = '\n';
    for (int i = 0; i < 5000; i++)
        n += (size_t)snprintf(buf + n, cap - n, "10.9.9.9,%d,%d,S%d,P\n", 1795939200 + i * 10,
                              1795939200 + i * 10 + 10, i);
    n += (size_t)snprintf(buf + n, cap - n, "10.0.0.2,1795939200,,LAST,P");
    unit_diags s = {0};
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = &s};
    fsc_counters ctr = {0};
    fsc_identity *id = NULL;
    CHECK(fsc_identity_load_buf("big.csv", buf, n, &diag, &ctr, &id) == FSC_OK, "big loads");
    CHECK(ctr.v[FSC_C_IDENTITY_BAD] == 1 && s.line[0] == 2 && s.col[0] == FSC_CSV_LINE_MAX + 1 &&
              strstr(s.msg[0], "longer than"),
          "10 KiB row is one bad row at line 2 (%s)", s.msg[0]);
    CHECK(fsc_identity_count(id) == 5001, "5001 rows");
    const char *w = who(id, "10.9.9.9", "2026-11-29T08:05:00Z"); /* +300 s: row 30 */
    CHECK(w && strcmp(w, "S30") == 0, "binary search in a 5000-row run: %s", w ? w : "NULL");
    w = who(id, "10.0.0.2", "2026-11-29T08:05:00Z");
    CHECK(w && strcmp(w, "LAST") == 0, "last row without newline");
    fsc_identity_free(id);
    free(buf);
}

static void test_groups(void)
{
    static const struct {
        const char *age, *occ;
        fsc_group want;
    } rows[] = {
        {"18-24", "student", FSC_GROUP_STUDENT},
        {"12-17", "Pupil", FSC_GROUP_STUDENT},
        {"65+", "student", FSC_GROUP_STUDENT}, /* first row wins */
        {"65+", "retired", FSC_GROUP_ELDERLY},
        {"60-64", "accountant", FSC_GROUP_ELDERLY},
        {"70+", NULL, FSC_GROUP_ELDERLY},
        {"55-59", "retired", FSC_GROUP_GENERAL},
        {"35-44", "accountant", FSC_GROUP_FINANCE_STAFF},
        {"25-34", " Cashier ", FSC_GROUP_FINANCE_STAFF},
        {"45-54", "bookkeeper", FSC_GROUP_FINANCE_STAFF},
        {"", "finance", FSC_GROUP_FINANCE_STAFF},
        {"18-24", "waiter", FSC_GROUP_YOUNG_WORKER},
        {"25-34", "office_worker", FSC_GROUP_YOUNG_WORKER},
        {"25-34", "parent", FSC_GROUP_YOUNG_WORKER}, /* the age row comes first */
        {"35-44", "parent", FSC_GROUP_PARENT},
        {"45-54", "homemaker", FSC_GROUP_PARENT},
        {"35-44", "engineer", FSC_GROUP_GENERAL},
        {"45-54", "self_employed", FSC_GROUP_GENERAL},
        {"18+", "engineer", FSC_GROUP_GENERAL},
        {"unknown", "", FSC_GROUP_GENERAL},
        {NULL, NULL, FSC_GROUP_GENERAL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fsc_group g = fsc_group_derive(rows[i].age, rows[i].occ);
        CHECK(g == rows[i].want, "group(%s, %s) = %s, want %s", rows[i].age ? rows[i].age : "NULL",
              rows[i].occ ? rows[i].occ : "NULL", fsc_group_name(g), fsc_group_name(rows[i].want));
    }
}

static void test_profiles(void)
{
    static const char csv[] = "subscriber,age_band,occupation,group\n"
                              "S1001,18-24,student,\n"
                              "S1002,65+,retired\n"             /* group column absent */
                              "S1004,35-44,accountant,parent\n" /* explicit group overrides */
                              "S1003,25-34,office_worker,boss\n"  /* 5: unknown group */
                              ",25-34,x\n"                        /* 6: empty subscriber */
                              "S1001,35-44,engineer\n";           /* 7: duplicate */
    unit_diags s = {0};
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = &s};
    fsc_counters ctr = {0};
    fsc_profiles *p = NULL;
    CHECK(fsc_profiles_load_buf("pr.csv", csv, sizeof csv - 1, &diag, &ctr, &p) == FSC_OK,
          "profiles load");
    if (!p)
        return;
    CHECK(fsc_profiles_count(p) == 3 && ctr.v[FSC_C_PROFILES_BAD] == 3,
          "3 profiles, profiles.bad_rows 3 (%zu, %llu)", fsc_profiles_count(p),
          (unsigned long long)ctr.v[FSC_C_PROFILES_BAD]);
    CHECK(s.n == 3 && s.line[0] == 5 && s.col[0] == 27 && strstr(s.msg[0], "column \"group\""),
          "pr.csv:5:27 unknown group: %s", s.msg[0]);
    CHECK(s.n == 3 && s.line[1] == 6 && s.col[1] == 1 && strstr(s.msg[1], "\"subscriber\""),
          "pr.csv:6:1 empty subscriber: %s", s.msg[1]);
    CHECK(s.n == 3 && s.line[2] == 7 && strstr(s.msg[2], "already has a profile"),
          "pr.csv:7 duplicate: %s", s.msg[2]);
    const fsc_profile *r = fsc_profiles_get(p, "S1001");
    CHECK(r && r->group == FSC_GROUP_STUDENT && strcmp(r->occupation, "student") == 0,
          "S1001 student, first row kept");
    r = fsc_profiles_get(p, "S1002");
    CHECK(r && r->group == FSC_GROUP_ELDERLY, "S1002 elderly");
    r = fsc_profiles_get(p, "S1004");
    CHECK(r && r->group == FSC_GROUP_PARENT, "S1004 explicit group");
    CHECK(fsc_profiles_get(p, "S1003") == NULL && fsc_profiles_get(p, "S9") == NULL,
          "unknown -> NULL");
    fsc_profiles_free(p);

    /* many profiles: the table grows and every one is found */
    size_t cap = 1 << 20, n;
    char *buf = malloc(cap);
    n = (size_t)snprintf(buf, cap, "subscriber,age_band,occupation\n");
    for (int i = 0; i < 20000; i++)
        n += (size_t)snprintf(buf + n, cap - n, "S%d,35-44,%s\n", i, i % 2 ? "parent" : "x");
    CHECK(fsc_profiles_load_buf("many.csv", buf, n, &diag, NULL, &p) == FSC_OK &&
              fsc_profiles_count(p) == 20000,
          "20000 profiles");
    int ok = 1;
    for (int i = 0; i < 20000; i++) {
        char k[16];
        snprintf(k, sizeof k, "S%d", i);
        const fsc_profile *q = fsc_profiles_get(p, k);
        if (!q || q->group != (i % 2 ? FSC_GROUP_PARENT : FSC_GROUP_GENERAL))
            ok = 0;
    }
    CHECK(ok, "all 20000 found with their group");
    fsc_profiles_free(p);
    free(buf);

    /* from a file */
    char path[] = "/tmp/test_profiles_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "wb");
    fputs("subscriber,age_band,occupation\r\nS1,60-64,farmer\r\n", f);
    fclose(f);
    CHECK(fsc_profiles_load(path, &diag, NULL, &p) == FSC_OK && fsc_profiles_get(p, "S1") &&
              fsc_profiles_get(p, "S1")->group == FSC_GROUP_ELDERLY &&
              strcmp(fsc_profiles_get(p, "S1")->occupation, "farmer") == 0,
          "profiles from a CRLF file");
    fsc_profiles_free(p);
    unlink(path);
}

int main(void)
{
    test_identity();
    test_identity_overlap_and_headers();
    test_hostile_sizes();
    test_groups();
    test_profiles();
    return unit_done();
}
