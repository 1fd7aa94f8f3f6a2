/* test_roster.c: the duty roster: dated and weekly shifts (overnight and
 * wrapping day ranges), routing to the desk, officers on duty, and every
 * mistake in the file reported at its file:line:col with nothing loaded. */
#include <stdlib.h>
#include <string.h>

#include "roster.h"
#include "timefmt.h"
#include "unit.h"

static double at(const char *rfc3339)
{
    fsc_time t = 0;
    if (!fsc_time_parse(rfc3339, strlen(rfc3339), &t))
        abort();
    return (double)t / 1e6;
}

static fsc_status load(const char *text, unit_diags *d, fsc_roster **out)
{
    memset(d, 0, sizeof *d);
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = d};
    *out = NULL;
    return fsc_roster_load_buf("roster.yaml", text, strlen(text), &diag, out);
}

static char names[256];
static void collect(void *ctx, const char *officer)
{
    (void)ctx;
    strncat(names, officer, sizeof names - strlen(names) - 2);
    strcat(names, " ");
}

static const struct {
    const char *text;
    unsigned long line, col;
    const char *says;
} bad[] = {
    {"shifts:\n  - officer: a\n    precinct: [P-EAST]\n", 3, 5, "unknown key 'precinct'"},
    {"shifts:\n  - officer: a\n    precincts: [P-EAST]\n    weekly: \"Mon-Fry 08:00-20:00\"\n", 4,
     13, "weekly"},
    {"shifts:\n  - officer: a\n    precincts: [P-EAST]\n    weekly: \"Mon 08:00-25:00\"\n", 4, 13,
     "weekly"},
    {"shifts:\n  - officer: a\n    precincts: [P-EAST]\n    from: yesterday\n    to: "
     "2026-11-29T20:00:00Z\n",
     4, 11, "'from'"},
    {"shifts:\n  - officer: a\n    precincts: [P-EAST]\n    from: 2026-11-29T20:00:00Z\n    to: "
     "2026-11-29T08:00:00Z\n",
     5, 9, "not after"},
    {"shifts:\n  - officer: a\n    from: 2026-11-29T08:00:00Z\n", 2, 5, "needs 'precincts'"},
    {"shifts:\n  - officer: a\n    precincts: [\"P EAST\"]\n    weekly: \"Mon 08:00-09:00\"\n", 3,
     17, "precinct"},
    {"shifts:\n  - officer: a\n    precincts: [P-EAST]\n", 2, 5, "'from' and 'to', or 'weekly'"},
    {"desks: DESK\n", 1, 1, "unknown key 'desks'"},
    {"shifts:\n  - officer: a\n    precincts: [P-EAST\n", 4, 1, "YAML"},
    {"- a\n- b\n", 1, 1, "mapping"},
    {"desk: \"has space\"\n", 1, 7, "'desk'"},
    {"shifts:\n  - officer: a\n    officer: b\n", 3, 5, "twice"},
    {"shifts:\n  - precincts: [P-EAST]\n    weekly: \"Mon 08:00-09:00\"\n", 2, 5,
     "needs 'officer'"},
};

int main(void)
{
    unit_diags d;
    fsc_roster *r;
    const char *good =
        "desk: CITY\n"
        "shifts:\n"
        "  - officer: o.chen\n"
        "    precincts: [P-EAST, P-NORTH]\n"
        "    from: 2026-11-29T08:00:00Z\n"
        "    to: 2026-11-29T20:00:00Z\n"
        "  - officer: o.week\n"
        "    precincts: [P-WEST]\n"
        "    weekly: \"Mon-Fri 08:00-20:00\"\n"
        "  - officer: o.night\n"
        "    precincts: [P-WEST]\n"
        "    weekly: \"Fri 22:00-06:00\"\n"
        "  - officer: o.wrap\n"
        "    precincts: [P-SOUTH]\n"
        "    weekly: \"Sat-Mon,Wed 00:00-24:00\"\n";
    CHECK(load(good, &d, &r) == FSC_OK && r && d.errors == 0, "a good roster loads");
    if (r) {
        CHECK_STR(fsc_roster_desk(r), "CITY", "desk");
        CHECK(strlen(fsc_roster_digest(r)) == 64, "digest is 64 hex digits");
        CHECK(fsc_roster_covered(r, "P-EAST", at("2026-11-29T08:00:00Z")), "dated: from is in");
        CHECK(!fsc_roster_covered(r, "P-EAST", at("2026-11-29T20:00:00Z")), "dated: to is out");
        CHECK(!fsc_roster_covered(r, "P-EAST", at("2026-11-29T07:59:59Z")), "dated: before");
        CHECK(fsc_roster_covered(r, "P-NORTH", at("2026-11-29T12:00:00Z")), "second precinct");
        CHECK_STR(fsc_roster_route(r, "P-EAST", at("2026-11-29T12:00:00Z")), "P-EAST",
                  "routed to the precinct while covered");
        CHECK_STR(fsc_roster_route(r, "P-EAST", at("2026-11-29T21:00:00Z")), "CITY",
                  "to the desk when not");
        CHECK_STR(fsc_roster_route(r, "unassigned", at("2026-11-29T12:00:00Z")), "CITY",
                  "an unknown precinct goes to the desk");
        CHECK(fsc_roster_covered(r, "P-WEST", at("2026-11-30T08:00:00Z")), "weekly: Monday 08:00");
        CHECK(fsc_roster_covered(r, "P-WEST", at("2026-12-04T19:59:59Z")), "weekly: Friday 19:59");
        CHECK(!fsc_roster_covered(r, "P-WEST", at("2026-11-29T12:00:00Z")), "weekly: not Sunday");
        CHECK(!fsc_roster_covered(r, "P-WEST", at("2026-12-04T21:00:00Z")),
              "weekly: not Friday 21:00");
        CHECK(fsc_roster_covered(r, "P-WEST", at("2026-12-04T23:00:00Z")),
              "overnight: Friday 23:00");
        CHECK(fsc_roster_covered(r, "P-WEST", at("2026-12-05T05:59:00Z")),
              "overnight: into Saturday 05:59");
        CHECK(!fsc_roster_covered(r, "P-WEST", at("2026-12-05T06:00:00Z")),
              "overnight: ends Saturday 06:00");
        CHECK(fsc_roster_covered(r, "P-SOUTH", at("2026-11-29T23:59:59Z")) &&
                  fsc_roster_covered(r, "P-SOUTH", at("2026-11-30T00:00:00Z")) &&
                  !fsc_roster_covered(r, "P-SOUTH", at("2026-12-01T12:00:00Z")) &&
                  fsc_roster_covered(r, "P-SOUTH", at("2026-12-02T12:00:00Z")),
              "Sat-Mon,Wed: Sunday, Monday, not Tuesday, Wednesday");
        names[0] = '\0';
        fsc_roster_on_duty(r, "P-WEST", at("2026-12-04T19:00:00Z"), collect, NULL);
        CHECK_STR(names, "o.week ", "on duty Friday 19:00");
        names[0] = '\0';
        fsc_roster_on_duty(r, "P-WEST", at("2026-12-04T23:00:00Z"), collect, NULL);
        CHECK_STR(names, "o.night ", "on duty Friday 23:00");
        fsc_roster_free(r);
    }
    CHECK(load("shifts: []\n", &d, &r) == FSC_OK && r, "no shifts: everything to the desk");
    if (r) {
        CHECK_STR(fsc_roster_desk(r), "DESK", "the default desk");
        CHECK_STR(fsc_roster_route(r, "P-EAST", 0), "DESK", "routed to DESK");
        fsc_roster_free(r);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fsc_status st = load(bad[i].text, &d, &r);
        CHECK(st == FSC_EMALFORMED && !r && d.errors >= 1 && d.line[0] == bad[i].line &&
                  d.col[0] == bad[i].col && strstr(d.msg[0], bad[i].says),
              "bad roster %zu: %s at %lu:%lu (got %s %lu:%lu \"%s\")", i, bad[i].says,
              bad[i].line, bad[i].col, fsc_status_name(st), d.line[0], d.col[0], d.msg[0]);
        fsc_roster_free(r);
    }
    memset(&d, 0, sizeof d);
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = &d};
    CHECK(fsc_roster_load("/nonexistent/roster.yaml", &diag, &r) == FSC_EIO && d.errors == 1,
          "a missing file: EIO, said");
    return unit_done();
}
