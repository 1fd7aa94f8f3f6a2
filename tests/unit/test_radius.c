/* test_radius.c: RADIUS accounting records into the identity table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "radius.h"
#include "timefmt.h"
#include "unit.h"
#include "unit_identity.h"


/* diagnostics collected as "line:col: message" */
typedef struct seen {
    char text[16][200];
    int n, errors, warnings;
} seen;

static void collect(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                    unsigned long col, const char *msg)
{
    seen *s = ctx;
    (void)file;
    if (sev == FSC_SEV_ERROR)
        s->errors++;
    else
        s->warnings++;
    if (s->n < 16)
        snprintf(s->text[s->n++], sizeof s->text[0], "%lu:%lu: %s", line, col, msg);
}

static bool has(const seen *s, const char *prefix, const char *word)
{
    for (int i = 0; i < s->n; i++)
        if (strncmp(s->text[i], prefix, strlen(prefix)) == 0 && strstr(s->text[i], word))
            return true;
    return false;
}

static const char reuse_json[] =
    "# one address, two people, one after the other\n"
    "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T06:00:00Z\","
    "\"Framed-IP-Address\":\"10.20.9.9\",\"User-Name\":\"S2019\",\"precinct\":\"P-WEST\"}\n"
    "{\"Acct-Status-Type\":\"Interim-Update\",\"Event-Timestamp\":1795939200,"
    "\"Framed-IP-Address\":\"10.20.9.9\",\"User-Name\":\"S2019\"}\n"
    "{\"Acct-Status-Type\":\"Stop\",\"Event-Timestamp\":\"2026-11-29T08:20:00Z\","
    "\"Framed-IP-Address\":\"10.20.9.9\",\"User-Name\":\"S2019\",\"Acct-Session-Time\":8400}\n"
    "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T08:20:00Z\","
    "\"Framed-IP-Address\":\"10.20.9.9\",\"Calling-Station-Id\":\"S2020\",\"x\":{\"y\":[1]}}\n"
    /* a mobile subscriber: a /64, written with host bits */
    "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T00:00:00Z\","
    "\"Framed-IPv6-Prefix\":\"2001:db8:20:3::1/64\",\"User-Name\":\"S1003\"}\n"
    /* the Start was missed: an Interim opens it */
    "{\"Acct-Status-Type\":\"Interim-Update\",\"Event-Timestamp\":\"2026-11-29T08:30:00Z\","
    "\"Framed-IP-Address\":\"10.20.4.44\",\"User-Name\":\"S1004\"}\n"
    /* and a Stop whose Start was missed, with its duration */
    "{\"Acct-Status-Type\":\"Stop\",\"Event-Timestamp\":\"2026-11-29T09:00:00Z\","
    "\"Framed-IP-Address\":\"10.20.7.7\",\"User-Name\":\"S1007\",\"Acct-Session-Time\":\"600\"}\n";

static void test_json(void)
{
    seen s = {0};
    fsc_diag diag = {.fn = collect, .ctx = &s};
    fsc_counters ctr = {0};
    fsc_identity *id = fsc_identity_new();
    CHECK(id != NULL, "empty table");
    fsc_status st = fsc_radius_load_buf("acct.jsonl", reuse_json, sizeof reuse_json - 1, id,
                                        &diag, &ctr);
    CHECK(st == FSC_OK, "load: %s", fsc_strerror(st));
    CHECK(s.errors == 0 && s.warnings == 0, "no diagnostics (%d, first: %s)", s.n, s.text[0]);
    CHECK(ctr.v[FSC_C_RADIUS_RECORDS] == 7, "7 records counted (%llu)",
          (unsigned long long)ctr.v[FSC_C_RADIUS_RECORDS]);
    CHECK(who(id, "10.20.9.9", "2026-11-29T05:59:59Z") == NULL, "nobody before the Start");
    CHECK_STR(who(id, "10.20.9.9", "2026-11-29T08:19:59Z"), "S2019", "first holder");
    CHECK_STR(who(id, "10.20.9.9", "2026-11-29T08:20:00Z"), "S2020", "second at the hand-over");
    CHECK_STR(who(id, "10.20.9.9", "2026-11-30T00:00:00Z"), "S2020", "still held");
    CHECK_STR(who(id, "2001:db8:20:3:aaaa::33", "2026-11-29T08:22:10Z"), "S1003", "inside /64");
    CHECK(who(id, "2001:db8:20:4::33", "2026-11-29T08:22:10Z") == NULL, "outside the /64");
    CHECK(who(id, "10.20.4.44", "2026-11-29T08:29:59Z") == NULL, "interim: not before it");
    CHECK_STR(who(id, "10.20.4.44", "2026-11-29T08:31:00Z"), "S1004", "interim opened it");
    CHECK_STR(who(id, "10.20.7.7", "2026-11-29T08:55:00Z"), "S1007", "stop with session time");
    CHECK(who(id, "10.20.7.7", "2026-11-29T08:49:59Z") == NULL, "before that session");
    CHECK(who(id, "10.20.7.7", "2026-11-29T09:00:00Z") == NULL, "stopped");
    fsc_addr a;
    fsc_addr_parse("10.20.9.9", 9, &a);
    const fsc_holder *h = fsc_identity_lookup(id, &a, T("2026-11-29T07:00:00Z"));
    CHECK(h && h->precinct && strcmp(h->precinct, "P-WEST") == 0, "precinct key kept");
    fsc_identity_free(id);
}

/* RADIUS on top of a static CSV: a Start by another person ends the row */
static void test_over_csv(void)
{
    static const char csv[] = "ip,start,end,subscriber,precinct\n"
                              "10.20.1.11,2026-11-29T00:00:00Z,,S1001,P-NORTH\n";
    static const char acct[] =
        "Acct-Status-Type,Event-Timestamp,Framed-IP-Address,User-Name\n"
        "Start,2026-11-29T10:00:00Z,10.20.1.11,S3000\n"
        "Start,2026-11-29T11:00:00Z,10.30.0.1,S1001\n"
        "Stop,2026-11-29T12:00:00Z,10.20.1.11,S3000\n";
    fsc_diag diag = {0};
    fsc_identity *id = NULL;
    CHECK(fsc_identity_load_buf("id.csv", csv, sizeof csv - 1, &diag, NULL, &id) == FSC_OK,
          "csv loads");
    CHECK(fsc_radius_load_buf("acct.csv", acct, sizeof acct - 1, id, &diag, NULL) == FSC_OK,
          "radius csv loads");
    CHECK_STR(who(id, "10.20.1.11", "2026-11-29T09:59:59Z"), "S1001", "csv holder before");
    CHECK_STR(who(id, "10.20.1.11", "2026-11-29T10:00:00Z"), "S3000", "radius holder after");
    CHECK(who(id, "10.20.1.11", "2026-11-29T12:00:00Z") == NULL, "then stopped");
    CHECK_STR(fsc_identity_precinct(id, "S1001"), "P-NORTH", "precinct inherited from csv");
    fsc_identity_free(id);
}

static void test_bad(void)
{
    static const char acct[] =
        "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T08:00:00Z\"," /* 1 */
        "\"Framed-IP-Address\":\"10.1.1.1\",\"User-Name\":\"S1\"}\n"
        "{\"Acct-Status-Type\":\"Disconnect\",\"Event-Timestamp\":1}\n"          /* 2 */
        "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"soon\"}\n"       /* 3 */
        "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":1795939200,"      /* 4 */
        "\"Framed-IP-Address\":\"10.1.1\",\"User-Name\":\"S1\"}\n"
        "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":1795939200,"      /* 5 */
        "\"Framed-IPv6-Prefix\":\"2001:db8::/16\",\"User-Name\":\"S1\"}\n"
        "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":1795939200,"      /* 6 */
        "\"Framed-IP-Address\":\"10.1.1.2\"}\n"
        "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":1795939200,\n"    /* 7 */
        "[1,2]\n"                                                              /* 8 */
        "{\"Acct-Status-Type\":\"Start\",\"Acct-Status-Type\":\"Stop\"}\n"      /* 9 */
        "{\"Acct-Status-Type\":true,\"Event-Timestamp\":1}\n"                   /* 10 */
        /* out of order: older than the holding of line 1 */
        "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T07:00:00Z\"," /* 11 */
        "\"Framed-IP-Address\":\"10.1.1.1\",\"User-Name\":\"S2\"}\n"
        /* a Stop for something nobody opened: a warning only */
        "{\"Acct-Status-Type\":\"Stop\",\"Event-Timestamp\":1795939200,"       /* 12 */
        "\"Framed-IP-Address\":\"10.9.9.9\",\"User-Name\":\"S9\"}\n";
    seen s = {0};
    fsc_diag diag = {.fn = collect, .ctx = &s};
    fsc_counters ctr = {0};
    fsc_identity *id = fsc_identity_new();
    fsc_status st = fsc_radius_load_buf("bad.jsonl", acct, sizeof acct - 1, id, &diag, &ctr);
    CHECK(st == FSC_OK, "bad records never stop the load");
    CHECK(ctr.v[FSC_C_RADIUS_BAD] == 10, "10 bad records (%llu)",
          (unsigned long long)ctr.v[FSC_C_RADIUS_BAD]);
    CHECK(ctr.v[FSC_C_RADIUS_RECORDS] == 1, "1 good record");
    CHECK(has(&s, "2:21: ", "Acct-Status-Type"), "status value at its column");
    CHECK(has(&s, "3:47: ", "Event-Timestamp"), "time at its column");
    CHECK(has(&s, "4:78: ", "IPv4"), "address at its column");
    CHECK(has(&s, "5:90: ", "too short"), "prefix length at its column");
    CHECK(has(&s, "6:1: ", "User-Name"), "no subscriber: the record");
    CHECK(has(&s, "7:", "not valid JSON"), "broken JSON");
    CHECK(has(&s, "8:1: ", "not a JSON object"), "not an object");
    CHECK(has(&s, "9:", "duplicate key"), "duplicate key");
    CHECK(has(&s, "10:21: ", "not a boolean"), "wrong type at its column");
    CHECK(has(&s, "11:", "out of order"), "out of order");
    CHECK(has(&s, "12:", "does not hold"), "stop without start warned");
    CHECK(s.warnings == 1, "one warning (%d)", s.warnings);
    CHECK_STR(who(id, "10.1.1.1", "2026-11-29T09:00:00Z"), "S1", "good record applied");
    fsc_identity_free(id);

    static const char nohdr[] = "User-Name,Framed-IP-Address\nS1,10.1.1.1\n";
    s.n = 0;
    id = fsc_identity_new();
    st = fsc_radius_load_buf("h.csv", nohdr, sizeof nohdr - 1, id, &diag, NULL);
    CHECK(st == FSC_EMALFORMED, "csv header without Acct-Status-Type refused");
    static const char badcsv[] =
        "Acct-Status-Type,Event-Timestamp,Framed-IP-Address,User-Name\n"
        "Start,2026-11-29T10:00:00Z,10.1.1.x,S1\n"
        "Start,2026-11-29T10:00:00Z,10.1.1.1,\"S1\n";
    s.n = 0;
    memset(&ctr, 0, sizeof ctr);
    st = fsc_radius_load_buf("b.csv", badcsv, sizeof badcsv - 1, id, &diag, &ctr);
    CHECK(st == FSC_OK && ctr.v[FSC_C_RADIUS_BAD] == 2, "two bad csv rows");
    CHECK(has(&s, "2:28: ", "IPv4"), "csv address at its column");
    CHECK(has(&s, "3:37: ", "unterminated"), "csv quoting at its column");
    fsc_identity_free(id);
}

/* Accounting-On/Off: a NAS restarted or went down, so every session it
 * reported is over at that moment; other NASes' sessions, sessions whose
 * NAS is unknown and sessions begun after it go on. */
static const char nas_json[] =
    "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T08:00:00Z\","
    "\"Framed-IP-Address\":\"10.1.1.1\",\"User-Name\":\"S1\",\"NAS-IP-Address\":\"192.0.2.1\"}\n"
    "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T08:00:00Z\","
    "\"Framed-IPv6-Prefix\":\"2001:db8:1:1::/64\",\"User-Name\":\"S1\","
    "\"NAS-IP-Address\":\"192.0.2.1\"}\n"
    "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T08:00:00Z\","
    "\"Framed-IP-Address\":\"10.1.1.2\",\"User-Name\":\"S2\",\"NAS-IP-Address\":\"192.0.2.2\"}\n"
    "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T08:00:00Z\","
    "\"Framed-IP-Address\":\"10.1.1.3\",\"User-Name\":\"S3\"}\n"
    /* S5's Start did not name its NAS; an Interim-Update does */
    "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T08:00:00Z\","
    "\"Framed-IP-Address\":\"10.1.1.5\",\"User-Name\":\"S5\"}\n"
    "{\"Acct-Status-Type\":\"Interim-Update\",\"Event-Timestamp\":\"2026-11-29T08:30:00Z\","
    "\"Framed-IP-Address\":\"10.1.1.5\",\"User-Name\":\"S5\",\"NAS-IP-Address\":\"192.0.2.1\"}\n"
    /* NAS 1 reboots at 09:00 */
    "{\"Acct-Status-Type\":\"Accounting-On\",\"Event-Timestamp\":\"2026-11-29T09:00:00Z\","
    "\"NAS-IP-Address\":\"192.0.2.1\"}\n"
    "{\"Acct-Status-Type\":\"Start\",\"Event-Timestamp\":\"2026-11-29T09:05:00Z\","
    "\"Framed-IP-Address\":\"10.1.1.4\",\"User-Name\":\"S4\",\"NAS-IP-Address\":\"192.0.2.1\"}\n"
    /* NAS 2 goes down at 10:00 (numeric status 8) */
    "{\"Acct-Status-Type\":8,\"Event-Timestamp\":\"2026-11-29T10:00:00Z\","
    "\"NAS-IP-Address\":\"192.0.2.2\"}\n"
    /* which NAS? refused, nothing ended */
    "{\"Acct-Status-Type\":\"Accounting-Off\",\"Event-Timestamp\":\"2026-11-29T10:00:00Z\"}\n"
    /* a NAS nobody heard of: nothing to end */
    "{\"Acct-Status-Type\":\"Accounting-On\",\"Event-Timestamp\":\"2026-11-29T10:00:00Z\","
    "\"NAS-IP-Address\":\"192.0.2.99\"}\n";

static void test_nas(void)
{
    seen s = {0};
    fsc_diag diag = {.fn = collect, .ctx = &s};
    fsc_counters ctr = {0};
    fsc_identity *id = fsc_identity_new();
    fsc_status st = fsc_radius_load_buf("nas.jsonl", nas_json, sizeof nas_json - 1, id, &diag,
                                        &ctr);
    CHECK(st == FSC_OK, "nas load: %s", fsc_strerror(st));
    CHECK(s.errors == 1 && has(&s, "10:1: ", "NAS-IP-Address"),
          "Accounting-Off without a NAS refused at 10:1 (%d errors, first: %s)", s.errors,
          s.text[0]);
    CHECK(ctr.v[FSC_C_RADIUS_NAS_RESETS] == 3, "3 NAS resets counted (%llu)",
          (unsigned long long)ctr.v[FSC_C_RADIUS_NAS_RESETS]);
    CHECK(ctr.v[FSC_C_RADIUS_NAS_ENDED] == 4, "4 sessions ended by their NAS (%llu)",
          (unsigned long long)ctr.v[FSC_C_RADIUS_NAS_ENDED]);
    CHECK_STR(who(id, "10.1.1.1", "2026-11-29T08:59:59Z"), "S1", "NAS 1 session before its reboot");
    CHECK(who(id, "10.1.1.1", "2026-11-29T09:00:00Z") == NULL, "ended by NAS 1's Accounting-On");
    CHECK(who(id, "2001:db8:1:1::9", "2026-11-29T09:00:00Z") == NULL, "its /64 too");
    CHECK(who(id, "10.1.1.5", "2026-11-29T09:00:00Z") == NULL,
          "a session whose Interim named NAS 1 ended too");
    CHECK_STR(who(id, "10.1.1.2", "2026-11-29T09:30:00Z"), "S2", "NAS 2's session survives NAS 1");
    CHECK(who(id, "10.1.1.2", "2026-11-29T10:00:00Z") == NULL, "ended by NAS 2's Accounting-Off");
    CHECK_STR(who(id, "10.1.1.3", "2026-11-29T11:00:00Z"), "S3", "unknown NAS: kept");
    CHECK_STR(who(id, "10.1.1.4", "2026-11-29T11:00:00Z"), "S4", "begun after the reboot: kept");
    fsc_identity_free(id);
}

/* The line feed `run` uses: records applied one line at a time, visible
 * after a commit; in CSV a header row may come again (a rotated file). */
static void test_feed(void)
{
    seen s = {0};
    fsc_diag diag = {.fn = collect, .ctx = &s};
    fsc_counters ctr = {0};
    fsc_identity *id = fsc_identity_new();
    fsc_radius_feed *f = fsc_radius_feed_new("live.csv", id, &diag, &ctr);
    CHECK(f != NULL, "feed");
    static const char *const lines[] = {
        "Acct-Status-Type,Event-Timestamp,Framed-IP-Address,User-Name,NAS-IP-Address",
        "Start,2026-11-29T08:00:00Z,10.2.2.2,S7,192.0.2.7",
        /* rotated: a new file, a new header with the columns in another order */
        "User-Name,Framed-IP-Address,Acct-Status-Type,Event-Timestamp",
        "S8,10.2.2.3,Start,2026-11-29T08:10:00Z",
        "S8,10.2.2.3,Start,yesterday",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        CHECK(fsc_radius_feed_line(f, lines[i], strlen(lines[i]), i + 1, false) == FSC_OK,
              "line %zu", i + 1);
    CHECK(who(id, "10.2.2.2", "2026-11-29T08:30:00Z") == NULL, "not visible before a commit");
    CHECK(fsc_identity_commit(id) == FSC_OK, "commit");
    CHECK_STR(who(id, "10.2.2.2", "2026-11-29T08:30:00Z"), "S7", "first file's Start");
    CHECK_STR(who(id, "10.2.2.3", "2026-11-29T08:30:00Z"), "S8", "after the second header");
    CHECK(ctr.v[FSC_C_RADIUS_RECORDS] == 2 && ctr.v[FSC_C_RADIUS_BAD] == 1,
          "2 records, 1 bad (%llu, %llu)", (unsigned long long)ctr.v[FSC_C_RADIUS_RECORDS],
          (unsigned long long)ctr.v[FSC_C_RADIUS_BAD]);
    CHECK(has(&s, "5:19: ", "Event-Timestamp"), "bad time at 5:19 (%s)", s.text[0]);
    fsc_radius_feed_line(f, "Acct-Status-Type", 16, 6, false);
    CHECK(fsc_radius_feed_line(f, "Start", 5, 7, false) == FSC_EMALFORMED,
          "a header without Event-Timestamp: rows cannot be read until a good one");
    fsc_radius_feed_free(f);
    fsc_identity_free(id);
}

int main(void)
{
    test_json();
    test_over_csv();
    test_bad();
    test_nas();
    test_feed();
    return unit_done();
}
