/* test_service.c: dispatch's service on a real store (the journal in a
 * temporary directory; with FSC_TEST_REDIS set, the core scenario again on
 * Redis Streams): the workflow and its entries, every illegal transition,
 * refusals and their audit entries, payment stops (idempotent, forward
 * only, expiry), deduplication, routing to the desk, escalation once at its
 * deadline, report sums, the feed against the live listener, restart
 * equivalence byte for byte, the undo of a failed commit (a real write
 * error: RLIMIT_FSIZE), and a broken roster reload keeping the old one. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "service.h"
#include "roster.h"
#include "timefmt.h"
#include "unit.h"

static char dir[128], roster_path[192], tokens_path[192], journal[192];
static double T0; /* 2026-11-29T09:00:00Z, inside o.chen's shift */

static const char *roster_yaml =
    "desk: DESK\n"
    "shifts:\n"
    "  - officer: o.chen\n"
    "    precincts: [P-EAST]\n"
    "    from: 2026-11-29T08:00:00Z\n"
    "    to:   2026-11-29T20:00:00Z\n"
    "  - officer: d.desk\n"
    "    precincts: [DESK]\n"
    "    weekly: \"Mon-Sun 00:00-24:00\"\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

static void write_tokens(void)
{
    static const struct {
        const char *name, *role, *prec, *token;
    } t[] = {
        {"o.chen", "officer", "[P-EAST]", "tok-chen"},
        {"w.west", "officer", "[P-WEST]", "tok-west"},
        {"d.desk", "officer", "[DESK]", "tok-desk"},
        {"a.analyst", "analyst", NULL, "tok-analyst"},
        {"l.liaison", "liaison", NULL, "tok-liaison"},
        {"root", "admin", NULL, "tok-admin"},
    };
    char buf[4096], hex[65];
    size_t n = (size_t)snprintf(buf, sizeof buf, "tokens:\n");
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        fsc_auth_token_hash(t[i].token, hex);
        n += (size_t)snprintf(buf + n, sizeof buf - n, "  - name: %s\n    role: %s\n", t[i].name,
                              t[i].role);
        if (t[i].prec)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "    precincts: %s\n", t[i].prec);
        n += (size_t)snprintf(buf + n, sizeof buf - n, "    sha256: %s\n", hex);
    }
    write_file(tokens_path, buf);
}

/* ---- what the listener saw ---- */
#define MAXSEEN 512
typedef struct seen {
    uint64_t seq;
    char kind[24], queue[32];
    int level;
    char *json;
} seen;
static seen got[MAXSEEN];
static int ngot;

static void listener(void *ctx, uint64_t seq, const char *kind, const char *queue, int level,
                     const char *json, size_t len)
{
    (void)ctx;
    if (ngot == MAXSEEN)
        return;
    seen *s = &got[ngot++];
    s->seq = seq;
    snprintf(s->kind, sizeof s->kind, "%s", kind);
    snprintf(s->queue, sizeof s->queue, "%s", queue ? queue : "");
    s->level = level;
    s->json = strndup(json, len);
}

static void seen_clear(void)
{
    for (int i = 0; i < ngot; i++)
        free(got[i].json);
    ngot = 0;
}

static const seen *last_seen(void)
{
    static seen none = {.json = ""};
    return ngot ? &got[ngot - 1] : &none;
}

/* ---- helpers ---- */

static fsc_svc_config config(const char *redis, const char *prefix)
{
    fsc_svc_config c = {.journal_dir = redis ? NULL : journal, .redis = redis,
                        .redis_prefix = prefix, .roster_path = roster_path,
                        .tokens_path = tokens_path,
                        .escalate_after = {0, 14400, 3600, 900, 300},
                        .paystop_expire_after = 900};
    return c;
}

static fsc_principal who(fsc_svc *s, const char *token)
{
    fsc_principal p;
    memset(&p, 0, sizeof p);
    if (!fsc_auth_lookup(fsc_svc_auth(s), token, &p))
        abort();
    return p;
}

static char *alert_json(const char *id, const char *precinct, int level, const char *ts)
{
    char *b = malloc(512);
    snprintf(b, 512,
             "{\"ts\":\"%s\",\"alert_id\":\"%s\",\"subscriber\":\"S1002\",\"precinct\":\"%s\","
             "\"victim_group\":\"elderly\",\"level\":%d,\"score\":0.74,\"fraud_type\":\"FT08\","
             "\"instruction\":\"Police never say \\\"safe account\\\"\",\"evidence\":[{\"rule\":"
             "\"r1\",\"weight\":1.5}]}",
             ts, id, precinct, level);
    return b;
}

static fsc_status ingest(fsc_svc *s, const char *id, const char *precinct, int level, double now,
                         uint64_t *seq, bool *dup)
{
    char err[256];
    char *j = alert_json(id, precinct, level, "2026-11-29T08:59:00Z");
    fsc_status st = fsc_svc_ingest(s, "eng-1", j, strlen(j), now, seq, dup, err, sizeof err);
    free(j);
    return st;
}

/* A number at a path of a JSON text, as its text ("1750.75"). */
static const char *num_at(yajl_val root, const char **path, char *out, size_t cap)
{
    yajl_val v = yajl_tree_get(root, path, yajl_t_number);
    snprintf(out, cap, "%s", v ? YAJL_GET_NUMBER(v) : "(none)");
    return out;
}

static int count_kind(const char *kind)
{
    int n = 0;
    for (int i = 0; i < ngot; i++)
        n += strcmp(got[i].kind, kind) == 0;
    return n;
}

/* metrics without the process's own counters (they restart at 0) */
static char *stable_metrics(fsc_svc *s)
{
    char *m = NULL;
    if (fsc_svc_metrics(s, &m) != FSC_OK)
        return strdup("");
    char *cut = strstr(m, "# HELP fsc_dispatch_store_errors_total");
    if (cut)
        *cut = '\0';
    return m;
}

typedef struct snapshot {
    char *list, *report, *metrics, *stats, *show;
} snapshot;

static void take(fsc_svc *s, snapshot *sn, const char *show_id)
{
    fsc_principal admin = who(s, "tok-admin");
    memset(sn, 0, sizeof *sn);
    fsc_svc_list(s, &admin, NULL, NULL, &sn->list);
    fsc_svc_report(s, &admin, -INFINITY, INFINITY, &sn->report);
    fsc_svc_paystop_stats(s, &admin, -INFINITY, INFINITY, &sn->stats);
    fsc_svc_show(s, &admin, show_id, &sn->show);
    sn->metrics = stable_metrics(s);
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static void snap_free(snapshot *sn)
{
    free(sn->list);
    free(sn->report);
    free(sn->metrics);
    free(sn->stats);
    free(sn->show);
}

/* ---- the feed against the listener ---- */
typedef struct fed {
    uint64_t seq[MAXSEEN];
    int n;
} fed;

static int feed_fn(void *ctx, uint64_t seq, const char *json, size_t len)
{
    fed *f = ctx;
    (void)json;
    (void)len;
    if (f->n < MAXSEEN)
        f->seq[f->n++] = seq;
    return 0;
}

static void check_feed(fsc_svc *s, const fsc_principal *p, const fsc_svc_filter *flt,
                       uint64_t after, const char *what)
{
    fed f = {.n = 0};
    int want = 0, i;
    bool ok = fsc_svc_feed(s, p, after, flt, feed_fn, &f) == FSC_OK;
    for (i = 0; i < ngot; i++) {
        if (got[i].seq <= after ||
            !fsc_svc_entry_visible(s, p, flt, got[i].kind, got[i].queue[0] ? got[i].queue : NULL,
                                   got[i].level))
            continue;
        if (want >= f.n || f.seq[want] != got[i].seq)
            ok = false;
        want++;
    }
    CHECK(ok && want == f.n && want > 0, "feed %s: the %d entries the live listener selects (%d)",
          what, want, f.n);
}

/* ---- the core scenario, on either backend ---- */

static void core(const char *redis, const char *prefix)
{
    const char *be = redis ? "redis" : "journal";
    fsc_counters ctr = {0};
    fsc_svc *s = NULL;
    fsc_svc_config cfg = config(redis, prefix);
    char err[256], id[32], id2[32];
    uint64_t seq, seq1;
    bool dup, existing;
    seen_clear();

    fsc_status st = fsc_svc_open(&cfg, &ctr, NULL, &s);
    CHECK(st == FSC_OK, "[%s] open (%s)", be, fsc_status_name(st));
    if (!s)
        return;
    fsc_svc_set_listener(s, listener, NULL);
    fsc_principal chen = who(s, "tok-chen"), west = who(s, "tok-west"), desk = who(s, "tok-desk"),
                  analyst = who(s, "tok-analyst"), liaison = who(s, "tok-liaison"),
                  admin = who(s, "tok-admin");

    /* alert in, routed to its precinct (o.chen on duty) */
    CHECK(ingest(s, "00000000000000a1", "P-EAST", 2, T0, &seq1, &dup) == FSC_OK && !dup,
          "[%s] ingest", be);
    CHECK(ngot == 0, "[%s] nothing told before the commit", be);
    CHECK(fsc_svc_commit(s) == FSC_OK && ngot == 1, "[%s] commit tells the listener", be);
    CHECK(ngot == 1 && strcmp(got[0].kind, "alert") == 0 && strcmp(got[0].queue, "P-EAST") == 0 &&
              got[0].level == 2 && got[0].seq == seq1,
          "[%s] alert entry: kind alert, queue P-EAST, level 2", be);
    CHECK(ngot == 1 && strstr(got[0].json, "\"fallback\":false") &&
              strstr(got[0].json, "\"engine\":\"eng-1\"") &&
              strstr(got[0].json, "\"alert\":{\"ts\":\"2026-11-29T08:59:00Z\"") &&
              strstr(got[0].json, "Police never say \\\"safe account\\\""),
          "[%s] the engine's alert verbatim inside, quotes escaped: %s", be,
          ngot ? got[0].json : "");

    /* a resend */
    CHECK(ingest(s, "00000000000000A1", "P-EAST", 2, T0 + 5, &seq, &dup) == FSC_OK && dup &&
              seq == seq1,
          "[%s] resent alert: duplicate with the first's seq", be);
    CHECK(fsc_svc_commit(s) == FSC_OK && ngot == 1, "[%s] a duplicate appends nothing", be);
    CHECK(ctr.v[FSC_C_DSP_DUPLICATES] == 1 && ctr.v[FSC_C_DSP_ALERTS] == 1,
          "[%s] counted: 1 stored, 1 duplicate", be);

    /* the workflow */
    CHECK(fsc_svc_claim(s, &chen, "00000000000000a1", T0 + 60, err, sizeof err) == FSC_OK,
          "[%s] claim (%s)", be, err);
    CHECK(fsc_svc_contact(s, &chen, "00000000000000a1", "phone", "spoke to her son", T0 + 120,
                          err, sizeof err) == FSC_OK,
          "[%s] contact (%s)", be, err);
    CHECK(fsc_svc_outcome(s, &chen, "00000000000000a1", FSC_OUTCOME_DISSUADED, 1500.50,
                          "was about to pay", T0 + 180, err, sizeof err) == FSC_OK,
          "[%s] outcome (%s)", be, err);
    CHECK(fsc_svc_close_alert(s, &chen, "00000000000000a1", "done", T0 + 240, err, sizeof err) ==
              FSC_OK,
          "[%s] close (%s)", be, err);
    CHECK(fsc_svc_commit(s) == FSC_OK && ngot == 5, "[%s] four entries committed", be);
    if (ngot == 5) {
        CHECK(strcmp(got[1].kind, "claim") == 0 && strcmp(got[2].kind, "contact") == 0 &&
                  strcmp(got[3].kind, "outcome") == 0 && strcmp(got[4].kind, "close") == 0,
              "[%s] in order: claim, contact, outcome, close", be);
        CHECK(strstr(got[1].json, "\"ts\":\"2026-11-29T09:01:00.000000Z\",\"who\":\"o.chen\","
                                  "\"alert_id\":\"00000000000000a1\",\"precinct\":\"P-EAST\","
                                  "\"queue\":\"P-EAST\",\"level\":2") != NULL,
              "[%s] claim entry: %s", be, got[1].json);
        CHECK(strstr(got[2].json, "\"channel\":\"phone\",\"note\":\"spoke to her son\""),
              "[%s] contact entry: %s", be, got[2].json);
        CHECK(strstr(got[3].json, "\"outcome\":\"dissuaded\",\"amount\":1500.50,\"note\":\"was "
                                  "about to pay\""),
              "[%s] outcome entry: %s", be, got[3].json);
        CHECK(strstr(got[4].json, "\"kind\":\"close\"") && strstr(got[4].json, "\"note\":\"done\""),
              "[%s] close entry: %s", be, got[4].json);
    }

    /* illegal transitions: every one refused with FSC_ESTATE, nothing appended */
    CHECK(ingest(s, "00000000000000a2", "P-EAST", 3, T0 + 300, &seq, &dup) == FSC_OK,
          "[%s] second alert", be);
    fsc_svc_commit(s);
    int before = ngot;
    const char *a2 = "00000000000000a2", *a1 = "00000000000000a1";
    CHECK(fsc_svc_contact(s, &chen, a2, "phone", "", T0 + 301, err, sizeof err) == FSC_ESTATE,
          "[%s] contact before claim: ESTATE (%s)", be, err);
    CHECK(fsc_svc_outcome(s, &chen, a2, FSC_OUTCOME_DISSUADED, 1, "", T0 + 301, err,
                          sizeof err) == FSC_ESTATE,
          "[%s] outcome before claim: ESTATE", be);
    CHECK(fsc_svc_outcome(s, &chen, a2, FSC_OUTCOME_UNREACHABLE, 0, "", T0 + 301, err,
                          sizeof err) == FSC_ESTATE,
          "[%s] unreachable before claim: ESTATE", be);
    CHECK(fsc_svc_close_alert(s, &chen, a2, "", T0 + 301, err, sizeof err) == FSC_ESTATE,
          "[%s] close before claim: ESTATE", be);
    CHECK(fsc_svc_claim(s, &chen, a2, T0 + 302, err, sizeof err) == FSC_OK, "[%s] claim a2", be);
    CHECK(fsc_svc_claim(s, &chen, a2, T0 + 303, err, sizeof err) == FSC_ESTATE &&
              strstr(err, "o.chen"),
          "[%s] claim twice: ESTATE, says by whom (%s)", be, err);
    CHECK(fsc_svc_outcome(s, &chen, a2, FSC_OUTCOME_DISSUADED, 5, "", T0 + 303, err,
                          sizeof err) == FSC_ESTATE,
          "[%s] dissuaded without contact: ESTATE", be);
    CHECK(fsc_svc_close_alert(s, &chen, a2, "", T0 + 303, err, sizeof err) == FSC_ESTATE,
          "[%s] close without outcome: ESTATE", be);
    CHECK(fsc_svc_outcome(s, &chen, a2, FSC_OUTCOME_UNREACHABLE, 0, "no answer", T0 + 304, err,
                          sizeof err) == FSC_OK,
          "[%s] unreachable straight after claim: allowed", be);
    CHECK(fsc_svc_contact(s, &chen, a2, "visit", "", T0 + 305, err, sizeof err) == FSC_ESTATE,
          "[%s] contact after outcome: ESTATE", be);
    CHECK(fsc_svc_outcome(s, &chen, a2, FSC_OUTCOME_FALSE_ALARM, 0, "", T0 + 305, err,
                          sizeof err) == FSC_ESTATE,
          "[%s] second outcome: ESTATE", be);
    CHECK(fsc_svc_close_alert(s, &chen, a2, "", T0 + 306, err, sizeof err) == FSC_OK,
          "[%s] close a2", be);
    CHECK(fsc_svc_close_alert(s, &chen, a2, "", T0 + 307, err, sizeof err) == FSC_ESTATE,
          "[%s] close twice: ESTATE", be);
    CHECK(fsc_svc_claim(s, &chen, a1, T0 + 307, err, sizeof err) == FSC_ESTATE,
          "[%s] claim a closed alert: ESTATE", be);
    CHECK(fsc_svc_contact(s, &chen, a2, "fax", "", T0 + 307, err, sizeof err) == FSC_EINVAL,
          "[%s] unknown channel: EINVAL", be);
    CHECK(fsc_svc_claim(s, &chen, "00000000000000ff", T0, err, sizeof err) == FSC_ENOTFOUND,
          "[%s] unknown alert: ENOTFOUND", be);
    fsc_svc_commit(s);
    CHECK(ngot == before + 3, "[%s] only the 3 allowed steps were appended (%d)", be,
          ngot - before);

    /* refusals: audited */
    CHECK(ingest(s, "00000000000000a3", "P-EAST", 1, T0 + 400, &seq, &dup) == FSC_OK,
          "[%s] third alert", be);
    fsc_svc_commit(s);
    before = ngot;
    CHECK(fsc_svc_claim(s, &west, "00000000000000a3", T0 + 401, err, sizeof err) == FSC_EDENIED,
          "[%s] an officer of P-WEST claims a P-EAST alert: EDENIED (%s)", be, err);
    CHECK(fsc_svc_claim(s, &analyst, "00000000000000a3", T0 + 402, err, sizeof err) ==
              FSC_EDENIED,
          "[%s] an analyst cannot claim (%s)", be, err);
    CHECK(fsc_svc_claim(s, &liaison, "00000000000000a3", T0 + 402, err, sizeof err) ==
              FSC_EDENIED,
          "[%s] a liaison cannot claim", be);
    CHECK(fsc_svc_commit(s) == FSC_OK && ngot == before + 3 &&
              strcmp(got[before].kind, "refused") == 0 &&
              strstr(got[before].json, "\"who\":\"w.west\",\"role\":\"officer\",\"action\":"
                                       "\"claim\",\"alert_id\":\"00000000000000a3\""),
          "[%s] each refusal appended a \"refused\" entry: %s", be,
          ngot > before ? got[before].json : "");
    CHECK(ctr.v[FSC_C_DSP_REFUSALS] == 3, "[%s] refusals counted (%llu)", be,
          (unsigned long long)ctr.v[FSC_C_DSP_REFUSALS]);

    /* payment stops */
    CHECK(fsc_svc_paystop_request(s, &chen, a1, "BANK-A", "DE00 1234", 999.99, "sent", T0 + 500,
                                  id, sizeof id, &existing, err, sizeof err) == FSC_EDENIED,
          "[%s] an officer cannot request a payment stop", be);
    CHECK(fsc_svc_paystop_request(s, &liaison, "00000000000000ff", "BANK-A", "DE00 1234", 1,
                                  "", T0 + 500, id, sizeof id, &existing, err,
                                  sizeof err) == FSC_ENOTFOUND,
          "[%s] payment stop for an unknown alert: ENOTFOUND", be);
    CHECK(fsc_svc_paystop_request(s, &liaison, a1, "BANK-A", "DE00 1234", 0, "", T0 + 500, id,
                                  sizeof id, &existing, err, sizeof err) == FSC_EINVAL,
          "[%s] amount 0: EINVAL", be);
    fsc_svc_commit(s);
    before = ngot;
    CHECK(fsc_svc_paystop_request(s, &liaison, a1, "BANK-A", "DE00 1234", 999.99, "sent 999.99",
                                  T0 + 500, id, sizeof id, &existing, err,
                                  sizeof err) == FSC_OK &&
              !existing && strncmp(id, "PS-", 3) == 0 && strlen(id) == 19,
          "[%s] the liaison requests: %s", be, id);
    CHECK(fsc_svc_paystop_request(s, &liaison, a1, "BANK-A", "DE00 1234", 999.99, "again",
                                  T0 + 501, id2, sizeof id2, &existing, err,
                                  sizeof err) == FSC_OK &&
              existing && strcmp(id, id2) == 0,
          "[%s] the same request again: the same id, existing", be);
    CHECK(fsc_svc_commit(s) == FSC_OK && ngot == before + 1 &&
              strcmp(last_seen()->kind, "paystop") == 0,
          "[%s] one paystop entry, not two", be);
    CHECK(fsc_svc_paystop_update(s, id, FSC_PS_SENT, NULL, NULL, T0 + 502, err, sizeof err) ==
                  FSC_OK &&
              fsc_svc_paystop_update(s, id, FSC_PS_ACKNOWLEDGED, "REF-1", NULL, T0 + 510, err,
                                     sizeof err) == FSC_OK &&
              fsc_svc_paystop_update(s, id, FSC_PS_STOPPED, "REF-1", "held", T0 + 600, err,
                                     sizeof err) == FSC_OK,
          "[%s] sent, acknowledged, stopped (%s)", be, err);
    CHECK(fsc_svc_paystop_update(s, id, FSC_PS_ACKNOWLEDGED, "REF-1", NULL, T0 + 601, err,
                                 sizeof err) == FSC_ESTATE &&
              ctr.v[FSC_C_DSP_PAYSTOP_LATE] == 1,
          "[%s] a late ACK after the stop: ignored, counted (%s)", be, err);
    fsc_svc_commit(s);
    char *ps = NULL;
    CHECK(fsc_svc_paystop_show(s, &liaison, id, &ps) == FSC_OK && ps &&
              strstr(ps, "\"state\":\"stopped\"") &&
              strstr(ps, "\"time_to_stop_s\":660.000000"),
          "[%s] shown stopped, 11 min from the alert's ts: %s", be, ps ? ps : "");
    free(ps);

    /* routing: nobody on duty for P-WEST -> the desk */
    CHECK(ingest(s, "00000000000000b1", "P-WEST", 3, T0 + 700, &seq, &dup) == FSC_OK &&
              fsc_svc_commit(s) == FSC_OK && strcmp(last_seen()->queue, "DESK") == 0 &&
              strstr(last_seen()->json, "\"fallback\":true"),
          "[%s] P-WEST uncovered: queued at the desk, fallback recorded", be);
    CHECK(ctr.v[FSC_C_DSP_FALLBACK] == 1, "[%s] routed_to_desk counted", be);
    CHECK(fsc_svc_claim(s, &desk, "00000000000000b1", T0 + 710, err, sizeof err) == FSC_OK,
          "[%s] the desk officer works it (queue DESK) (%s)", be, err);
    CHECK(fsc_svc_contact(s, &west, "00000000000000b1", "visit", "", T0 + 720, err,
                          sizeof err) == FSC_OK,
          "[%s] and P-WEST's officer may too (its precinct) (%s)", be, err);
    CHECK(fsc_svc_outcome(s, &desk, "00000000000000b1", FSC_OUTCOME_DISSUADED, 100, "",
                          T0 + 730, err, sizeof err) == FSC_OK,
          "[%s] outcome at the desk", be);
    fsc_svc_commit(s);

    /* the feed gives what the listener gave, for each reader */
    fsc_svc_filter all = {0}, east = {.queue = "P-EAST"}, high = {.min_level = 3},
                   alerts = {.alerts_only = true};
    check_feed(s, &chen, NULL, 0, "o.chen, everything");
    check_feed(s, &desk, &all, 3, "d.desk after seq 3");
    check_feed(s, &admin, &east, 0, "admin, queue P-EAST");
    check_feed(s, &analyst, &high, 2, "analyst, level >= 3");
    check_feed(s, &liaison, &alerts, 0, "liaison, alerts only");

    /* list as an officer sees it */
    char *list = NULL;
    CHECK(fsc_svc_list(s, &west, NULL, NULL, &list) == FSC_OK && list &&
              strstr(list, "00000000000000b1") && !strstr(list, "00000000000000a1"),
          "[%s] w.west lists P-WEST's alert only", be);
    free(list);
    CHECK(fsc_svc_list(s, &chen, NULL, "queued", &list) == FSC_OK && list &&
              strstr(list, "00000000000000a3") && !strstr(list, "00000000000000a2"),
          "[%s] o.chen's queued alerts: a3, not the closed a2", be);
    free(list);

    /* restart: the same state, byte for byte */
    snapshot before_snap, after_snap;
    take(s, &before_snap, a1);
    fsc_svc_close(s);
    s = NULL;
    st = fsc_svc_open(&cfg, NULL, NULL, &s);
    CHECK(st == FSC_OK, "[%s] reopen", be);
    if (s) {
        take(s, &after_snap, a1);
        CHECK(same(before_snap.list, after_snap.list), "[%s] list identical after restart", be);
        CHECK(same(before_snap.report, after_snap.report), "[%s] report identical after restart",
              be);
        CHECK(same(before_snap.stats, after_snap.stats),
              "[%s] paystop stats identical after restart", be);
        CHECK(same(before_snap.show, after_snap.show), "[%s] show identical after restart", be);
        CHECK(same(before_snap.metrics, after_snap.metrics),
              "[%s] metrics identical after restart", be);
        snap_free(&after_snap);
        uint64_t dseq;
        CHECK(ingest(s, "00000000000000a1", "P-EAST", 2, T0 + 900, &dseq, &dup) == FSC_OK && dup &&
                  dseq == seq1,
              "[%s] dedupe survives the restart", be);
        fsc_svc_close(s);
    }
    snap_free(&before_snap);
}

/* ---- escalation, expiry, reports, rollback: journal only ---- */

static void deadlines(void)
{
    fsc_svc *s = NULL;
    fsc_counters ctr = {0};
    fsc_svc_config cfg = config(NULL, NULL);
    char err[256], id[32];
    uint64_t seq;
    bool dup, existing;
    seen_clear();
    CHECK(fsc_svc_open(&cfg, &ctr, NULL, &s) == FSC_OK, "fresh journal opens");
    if (!s)
        return;
    fsc_svc_set_listener(s, listener, NULL);
    fsc_principal chen = who(s, "tok-chen"), liaison = who(s, "tok-liaison");
    CHECK(isinf(fsc_svc_next_deadline(s)), "no deadline when empty");
    ingest(s, "0000000000000c01", "P-EAST", 4, T0, &seq, &dup);     /* due T0 + 300 */
    ingest(s, "0000000000000c02", "P-EAST", 3, T0 + 10, &seq, &dup); /* due T0 + 910 */
    ingest(s, "0000000000000c03", "P-EAST", 4, T0 + 20, &seq, &dup); /* claimed: never */
    ingest(s, "0000000000000c04", "P-WEST", 4, T0 + 20, &seq, &dup); /* at the desk: never */
    fsc_svc_claim(s, &chen, "0000000000000c03", T0 + 30, err, sizeof err);
    fsc_svc_commit(s);
    CHECK(fabs(fsc_svc_next_deadline(s) - (T0 + 300)) < 1e-6, "next deadline: c01 at +300 (%f)",
          fsc_svc_next_deadline(s) - T0);
    CHECK(fsc_svc_tick(s, T0 + 299.9) == 0, "nothing due at +299.9");
    CHECK(fsc_svc_tick(s, T0 + 300) == 1, "c01 escalated at +300");
    fsc_svc_commit(s);
    CHECK(strcmp(last_seen()->kind, "escalate") == 0 && strcmp(last_seen()->queue, "DESK") == 0 &&
              strstr(last_seen()->json, "\"from\":\"P-EAST\",\"queue\":\"DESK\""),
          "escalate entry: from P-EAST to DESK: %s", last_seen()->json);
    CHECK(fsc_svc_tick(s, T0 + 301) == 0 && fsc_svc_tick(s, T0 + 600) == 0,
          "once only: nothing more before c02's deadline");
    CHECK(fabs(fsc_svc_next_deadline(s) - (T0 + 910)) < 1e-6, "next deadline: c02 at +910 (%f)",
          fsc_svc_next_deadline(s) - T0);
    CHECK(fsc_svc_claim(s, &chen, "0000000000000c02", T0 + 900, err, sizeof err) == FSC_OK &&
              isinf(fsc_svc_next_deadline(s)),
          "claimed before its deadline: no deadline left");
    CHECK(fsc_svc_claim(s, &chen, "0000000000000c01", T0 + 905, err, sizeof err) == FSC_OK,
          "o.chen still claims c01 at the desk (its precinct)");
    CHECK(fsc_svc_tick(s, T0 + 100000) == 0, "nothing escalates later");
    fsc_svc_commit(s);
    CHECK(ctr.v[FSC_C_DSP_ESCALATIONS] == 1 && count_kind("escalate") == 1,
          "one escalation in all");

    /* payment stop expiry */
    CHECK(fsc_svc_paystop_request(s, &liaison, "0000000000000c01", "BANK-B", "NL01", 50, "",
                                  T0 + 1000, id, sizeof id, &existing, err, sizeof err) == FSC_OK,
          "payment stop requested at +1000");
    fsc_svc_paystop_update(s, id, FSC_PS_SENT, NULL, NULL, T0 + 1001, err, sizeof err);
    CHECK(fabs(fsc_svc_next_deadline(s) - (T0 + 1900)) < 1e-6, "its expiry is the next deadline");
    CHECK(fsc_svc_tick(s, T0 + 1899) == 0 && fsc_svc_tick(s, T0 + 1900) == 1,
          "expired at +1900, not before");
    fsc_svc_commit(s);
    CHECK(strstr(last_seen()->json, "\"state\":\"expired\"") &&
              ctr.v[FSC_C_DSP_PAYSTOPS_EXPIRED] == 1,
          "expired entry, counted: %s", last_seen()->json);
    CHECK(fsc_svc_paystop_update(s, id, FSC_PS_STOPPED, "R", NULL, T0 + 2000, err, sizeof err) ==
              FSC_ESTATE,
          "a stop after the expiry is ignored");
    fsc_svc_close(s);
}

static void reports(void)
{
    fsc_svc *s = NULL;
    fsc_svc_config cfg = config(NULL, NULL);
    char err[256], id[32], n[64];
    uint64_t seq;
    bool dup, existing;
    CHECK(fsc_svc_open(&cfg, NULL, NULL, &s) == FSC_OK, "report journal opens");
    if (!s)
        return;
    fsc_principal chen = who(s, "tok-chen"), desk = who(s, "tok-desk"),
                  liaison = who(s, "tok-liaison"), analyst = who(s, "tok-analyst");
    /* P-EAST: two dissuaded (1500.50 + 250.25), one stop of 999.99, one
     * money_sent with a rejected stop (not protected); claims after 60 s,
     * 120 s, 600 s. P-WEST (at the desk): dissuaded 100.00, stop 50.00. */
    const struct {
        const char *id, *prec;
        fsc_outcome o;
        double amount, claim_after;
    } rows[] = {
        {"0000000000000d01", "P-EAST", FSC_OUTCOME_DISSUADED, 1500.50, 60},
        {"0000000000000d02", "P-EAST", FSC_OUTCOME_DISSUADED, 250.25, 120},
        {"0000000000000d03", "P-EAST", FSC_OUTCOME_MONEY_SENT, 0, 600},
        {"0000000000000d04", "P-WEST", FSC_OUTCOME_DISSUADED, 100.00, 30},
    };
    for (int i = 0; i < 4; i++) {
        const fsc_principal *p = strcmp(rows[i].prec, "P-EAST") == 0 ? &chen : &desk;
        double t = T0 + i;
        ingest(s, rows[i].id, rows[i].prec, 2, t, &seq, &dup);
        fsc_svc_claim(s, p, rows[i].id, t + rows[i].claim_after, err, sizeof err);
        fsc_svc_contact(s, p, rows[i].id, "phone", "", t + 1000, err, sizeof err);
        fsc_svc_outcome(s, p, rows[i].id, rows[i].o, rows[i].amount, "", t + 1100, err,
                        sizeof err);
    }
    ingest(s, "0000000000000d05", "P-EAST", 4, T0 + 5, &seq, &dup); /* unclaimed */
    const struct {
        const char *alert, *account;
        double amount;
        fsc_paystop_state end;
    } stops[] = {
        {"0000000000000d03", "A1", 999.99, FSC_PS_STOPPED},
        {"0000000000000d03", "A2", 70.00, FSC_PS_REJECTED},
        {"0000000000000d04", "A3", 50.00, FSC_PS_STOPPED},
    };
    for (int i = 0; i < 3; i++) {
        fsc_svc_paystop_request(s, &liaison, stops[i].alert, "BANK-A", stops[i].account,
                                stops[i].amount, "", T0 + 1200, id, sizeof id, &existing, err,
                                sizeof err);
        fsc_svc_paystop_update(s, id, FSC_PS_SENT, NULL, NULL, T0 + 1201, err, sizeof err);
        fsc_svc_paystop_update(s, id, stops[i].end, "R", NULL, T0 + 1260 + 60 * i, err,
                               sizeof err);
    }
    CHECK(fsc_svc_commit(s) == FSC_OK, "report set committed");
    char *rep = NULL;
    CHECK(fsc_svc_report(s, &analyst, T0 - 10, T0 + 3600, &rep) == FSC_OK && rep, "report");
    yajl_val r = rep ? yajl_tree_parse(rep, NULL, 0) : NULL;
    const char *pe_dis[] = {"precincts", "P-EAST", "amount_protected", "dissuasion", NULL};
    const char *pe_stop[] = {"precincts", "P-EAST", "amount_protected", "stops", NULL};
    const char *pe_tot[] = {"precincts", "P-EAST", "amount_protected", "total", NULL};
    const char *pw_dis[] = {"precincts", "P-WEST", "amount_protected", "dissuasion", NULL};
    const char *pw_stop[] = {"precincts", "P-WEST", "amount_protected", "stops", NULL};
    const char *tot[] = {"total", "amount_protected", "total", NULL};
    const char *pe_p50[] = {"precincts", "P-EAST", "time_to_claim_s", "p50", NULL};
    const char *pe_p90[] = {"precincts", "P-EAST", "time_to_claim_s", "p90", NULL};
    const char *pe_alerts[] = {"precincts", "P-EAST", "alerts", NULL};
    const char *pe_claimed[] = {"precincts", "P-EAST", "claimed", NULL};
    const char *pe_crit[] = {"precincts", "P-EAST", "by_level", "critical", NULL};
    const char *pw_desk[] = {"precincts", "P-WEST", "routed_to_desk", NULL};
    CHECK(r != NULL, "report is JSON: %s", rep ? rep : "");
    CHECK_STR(num_at(r, pe_dis, n, sizeof n), "1750.75", "P-EAST dissuasion");
    CHECK_STR(num_at(r, pe_stop, n, sizeof n), "999.99", "P-EAST stops (the rejected one not)");
    CHECK_STR(num_at(r, pe_tot, n, sizeof n), "2750.74", "P-EAST total");
    CHECK_STR(num_at(r, pw_dis, n, sizeof n), "100.00", "P-WEST dissuasion");
    CHECK_STR(num_at(r, pw_stop, n, sizeof n), "50.00", "P-WEST stops");
    CHECK_STR(num_at(r, tot, n, sizeof n), "2900.74", "city total");
    CHECK_STR(num_at(r, pe_p50, n, sizeof n), "120.000000", "P-EAST time to claim p50");
    CHECK_STR(num_at(r, pe_p90, n, sizeof n), "600.000000", "P-EAST time to claim p90");
    CHECK_STR(num_at(r, pe_alerts, n, sizeof n), "4", "P-EAST alerts");
    CHECK_STR(num_at(r, pe_claimed, n, sizeof n), "3", "P-EAST claimed");
    CHECK_STR(num_at(r, pe_crit, n, sizeof n), "1", "P-EAST critical");
    CHECK_STR(num_at(r, pw_desk, n, sizeof n), "1", "P-WEST routed to the desk");
    yajl_tree_free(r);
    free(rep);
    CHECK(fsc_svc_report(s, &analyst, T0 + 3, T0 + 3600, &rep) == FSC_OK && rep &&
              !strstr(rep, "\"P-EAST\":{\"alerts\":4") && strstr(rep, "\"P-WEST\""),
          "a window [T0+3, ...) leaves out the first three alerts");
    free(rep);
    CHECK(fsc_svc_report(s, &chen, -INFINITY, INFINITY, &rep) == FSC_OK && rep &&
              !strstr(rep, "P-WEST"),
          "an officer's report has their precincts only");
    free(rep);

    char *stats = NULL;
    CHECK(fsc_svc_paystop_stats(s, &liaison, -INFINITY, INFINITY, &stats) == FSC_OK && stats,
          "paystop stats");
    r = stats ? yajl_tree_parse(stats, NULL, 0) : NULL;
    const char *b_stopped[] = {"banks", "BANK-A", "by_state", "stopped", NULL};
    const char *b_rej[] = {"banks", "BANK-A", "by_state", "rejected", NULL};
    const char *b_max[] = {"banks", "BANK-A", "time_alert_to_stop_s", "max", NULL};
    const char *e_amt[] = {"precincts", "P-EAST", "amount_stopped", NULL};
    CHECK_STR(num_at(r, b_stopped, n, sizeof n), "2", "bank: 2 stopped");
    CHECK_STR(num_at(r, b_rej, n, sizeof n), "1", "bank: 1 rejected");
    /* alert ts 08:59:00, last stop at T0 + 1380 = 09:23:00 */
    CHECK_STR(num_at(r, b_max, n, sizeof n), "1440.000000", "bank: max time alert -> stop");
    CHECK_STR(num_at(r, e_amt, n, sizeof n), "999.99", "P-EAST amount stopped");
    yajl_tree_free(r);
    free(stats);

    char *m = NULL;
    CHECK(fsc_svc_metrics(s, &m) == FSC_OK && m &&
              strstr(m, "# TYPE fsc_dispatch_alerts_total counter\n") &&
              strstr(m, "fsc_dispatch_alerts_total{level=\"medium\"} 4\n") &&
              strstr(m, "fsc_dispatch_queue_depth{queue=\"P-EAST\"} 1\n") &&
              strstr(m, "fsc_dispatch_queue_depth{queue=\"DESK\"} 0\n") &&
              strstr(m, "fsc_dispatch_time_to_claim_seconds_bucket{le=\"60\"} 2\n") &&
              strstr(m, "fsc_dispatch_time_to_claim_seconds_count 4\n") &&
              strstr(m, "fsc_dispatch_time_to_stop_seconds_count 2\n") &&
              strstr(m, "fsc_dispatch_events_total{counter=\"dispatch.alerts_stored\"} 5\n"),
          "metrics in Prometheus text");
    if (m && unit_failed)
        for (char *line = strtok(m, "\n"); line; line = strtok(NULL, "\n"))
            printf("# %s\n", line);
    free(m);
    fsc_svc_close(s);
}

/* A commit that fails for real: the journal may not grow (RLIMIT_FSIZE),
 * so its write() fails with EFBIG. Everything since the last commit must
 * be undone in memory and never told. */
static void rollback(void)
{
    fsc_svc *s = NULL;
    fsc_counters ctr = {0};
    fsc_svc_config cfg = config(NULL, NULL);
    char err[256], path[256];
    uint64_t seq;
    bool dup;
    seen_clear();
    CHECK(fsc_svc_open(&cfg, &ctr, NULL, &s) == FSC_OK, "rollback journal opens");
    if (!s)
        return;
    fsc_svc_set_listener(s, listener, NULL);
    fsc_principal chen = who(s, "tok-chen"), admin = who(s, "tok-admin");
    ingest(s, "0000000000000e01", "P-EAST", 2, T0, &seq, &dup);
    fsc_svc_commit(s);
    snapshot a, b;
    take(s, &a, "0000000000000e01");
    int told = ngot;

    struct stat stt;
    snprintf(path, sizeof path, "%s/journal.log", journal);
    CHECK(stat(path, &stt) == 0, "journal.log exists");
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = (rlim_t)stt.st_size + 64;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    CHECK(fsc_svc_claim(s, &chen, "0000000000000e01", T0 + 10, err, sizeof err) == FSC_OK,
          "claim appended");
    CHECK(ingest(s, "0000000000000e02", "P-EAST", 3, T0 + 11, &seq, &dup) == FSC_OK,
          "new alert appended");
    CHECK(fsc_svc_claim(s, &chen, "0000000000000e02", T0 + 12, err, sizeof err) == FSC_OK,
          "the new alert claimed in the same batch");
    fsc_status st = fsc_svc_commit(s);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(st == FSC_EIO, "the commit fails (%s)", fsc_status_name(st));
    CHECK(ngot == told, "nothing was told to the listener");
    take(s, &b, "0000000000000e01");
    CHECK(same(a.list, b.list) && same(a.report, b.report) && same(a.metrics, b.metrics) &&
              same(a.show, b.show),
          "list, report, metrics and show are as before the batch");
    snap_free(&b);
    char *show = NULL;
    CHECK(fsc_svc_show(s, &admin, "0000000000000e02", &show) == FSC_ENOTFOUND,
          "the undone alert is gone");
    free(show);
    CHECK(ctr.v[FSC_C_DSP_ALERTS] == 1, "the undone alert was not counted as stored");
    /* and the service goes on */
    CHECK(fsc_svc_claim(s, &chen, "0000000000000e01", T0 + 20, err, sizeof err) == FSC_OK &&
              fsc_svc_commit(s) == FSC_OK && ngot == told + 1 &&
              strstr(last_seen()->json, "2026-11-29T09:00:20"),
          "a retry commits and is told");
    fsc_svc_close(s);
    s = NULL;
    CHECK(fsc_svc_open(&cfg, NULL, NULL, &s) == FSC_OK, "reopens after the failure");
    if (s) {
        take(s, &b, "0000000000000e01");
        CHECK(b.list && strstr(b.list, "\"state\":\"claimed\"") &&
                  !strstr(b.list, "0000000000000e02"),
              "the journal holds the retry, not the failed batch");
        snap_free(&b);
        fsc_svc_close(s);
    }
    snap_free(&a);
}

static void reload(void)
{
    fsc_svc *s = NULL;
    fsc_counters ctr = {0};
    fsc_svc_config cfg = config(NULL, NULL);
    unit_diags d = {0};
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = &d};
    uint64_t seq;
    bool dup;
    seen_clear();
    CHECK(fsc_svc_open(&cfg, &ctr, NULL, &s) == FSC_OK, "reload journal opens");
    if (!s)
        return;
    fsc_svc_set_listener(s, listener, NULL);
    fsc_principal chen = who(s, "tok-chen"), admin = who(s, "tok-admin");
    CHECK(fsc_svc_reload(s, &chen, &diag, T0) == FSC_EDENIED, "an officer may not reload");
    write_file(roster_path, "desk: DESK\nshifts:\n  - officer: o.chen\n    precincts: [P-EAST]\n"
                            "    weekly: \"Mon-Fry 08:00-20:00\"\n");
    CHECK(fsc_svc_reload(s, &admin, &diag, T0) == FSC_EMALFORMED && d.errors == 1 &&
              d.line[0] == 5 && d.col[0] == 13,
          "a broken roster: EMALFORMED at 5:13 (%lu:%lu %s)", d.line[0], d.col[0], d.msg[0]);
    CHECK(ctr.v[FSC_C_DSP_RELOAD_FAILURES] == 1, "reload failure counted");
    fsc_svc_commit(s);
    CHECK(count_kind("reload") == 1 && strstr(last_seen()->json, "\"what\":\"tokens\""),
          "the good tokens file reloaded, the roster not");
    ingest(s, "0000000000000f01", "P-EAST", 2, T0 + 1, &seq, &dup);
    fsc_svc_commit(s);
    CHECK(strcmp(last_seen()->queue, "P-EAST") == 0,
          "the old roster still routes (o.chen's dated shift)");
    write_file(roster_path, "desk: CITY-DESK\nshifts: []\n");
    memset(&d, 0, sizeof d);
    CHECK(fsc_svc_reload(s, &admin, &diag, T0 + 2) == FSC_OK && d.errors == 0, "a good roster");
    ingest(s, "0000000000000f02", "P-EAST", 2, T0 + 3, &seq, &dup);
    fsc_svc_commit(s);
    CHECK(strcmp(last_seen()->queue, "CITY-DESK") == 0, "the new roster routes: %s",
          last_seen()->queue);
    fsc_svc_close(s);
    write_file(roster_path, roster_yaml);
}

static void fresh_journal(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", journal);
    if (system(cmd) != 0)
        abort();
    mkdir(journal, 0700);
}

int main(void)
{
    fsc_time t0;
    fsc_time_parse("2026-11-29T09:00:00Z", 20, &t0);
    T0 = (double)t0 / 1e6;
    snprintf(dir, sizeof dir, "/tmp/fsc-svc-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(roster_path, sizeof roster_path, "%s/roster.yaml", dir);
    snprintf(tokens_path, sizeof tokens_path, "%s/tokens.yaml", dir);
    snprintf(journal, sizeof journal, "%s/journal", dir);
    write_file(roster_path, roster_yaml);
    write_tokens();

    fresh_journal();
    core(NULL, NULL);
    fresh_journal();
    deadlines();
    fresh_journal();
    reports();
    fresh_journal();
    rollback();
    fresh_journal();
    reload();

    const char *redis = getenv("FSC_TEST_REDIS");
    if (redis && *redis) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "fsc:test_service:%ld", (long)getpid());
        core(redis, prefix);
    } else {
        printf("ok %d - # SKIP Redis: FSC_TEST_REDIS is not set\n", ++unit_n);
    }
    seen_clear();

    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return unit_done();
}
