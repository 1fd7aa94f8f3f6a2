/* test_score.c: the scorer and its model: log-odds arithmetic, decay per
 * signal kind, repeats and one-site-one-signal, level floors, one alert per
 * level crossing, cool-down, "confirmed safe", combination boosts, the
 * model file's errors, and a snapshot round trip. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "score.h"
#include "state.h"
#include "unit.h"

#define MIN ((fsc_time)60 * 1000000)
#define HOUR (60 * MIN)

typedef struct seen {
    int n;
    fsc_level level[16];
    double score[16];
    int ft[16];
    size_t nev[16];
    double contrib[16][FSC_EVIDENCE_MAX];
    char instruction[16][160];
    char model[16][96];
} seen;

static void on_alert(void *ctx, const fsc_alert *a)
{
    seen *s = ctx;
    if (s->n < 16) {
        s->level[s->n] = a->level;
        s->score[s->n] = a->score;
        s->ft[s->n] = a->fraud_type;
        s->nev[s->n] = a->nevidence;
        for (size_t i = 0; i < a->nevidence; i++)
            s->contrib[s->n][i] = a->evidence[i].contribution;
        snprintf(s->instruction[s->n], sizeof s->instruction[0], "%s", a->instruction);
        snprintf(s->model[s->n], sizeof s->model[0], "%s", a->model_version);
    }
    s->n++;
}

static fsc_record rec_at(fsc_time t, const char *event)
{
    fsc_record r;
    memset(&r, 0, sizeof r);
    r.source = FSC_SRC_APP;
    r.ts = t;
    r.subscriber = "S1";
    r.event = event;
    return r;
}

static const fsc_value val = {FSC_F_APP_PACKAGE, 11, "com.example"};

static void add(fsc_scorer *sc, const fsc_subject *who, const fsc_rule *rule,
                const fsc_value *v, const fsc_record *r, seen *s)
{
    fsc_scorer_add(sc, who, rule, v, r);
    fsc_scorer_commit(sc, on_alert, s);
}

static fsc_rule mkrule(const char *id, int ft, fsc_level level, double weight, const char *instr)
{
    fsc_rule r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.title = id;
    r.fraud_type = ft;
    r.level = level;
    r.weight = weight;
    r.instruction = instr;
    r.file = "t.yaml";
    return r;
}

static void quiet(void *ctx, fsc_severity sev, const char *file, unsigned long line,
                  unsigned long col, const char *msg)
{
    char *buf = ctx;
    if (buf && !buf[0])
        snprintf(buf, 256, "%s:%lu:%lu: %s", file, line, col, msg);
}

static fsc_model *model_from(const char *text, char *err)
{
    fsc_diag d = {.fn = quiet, .ctx = err};
    fsc_model *m = NULL;
    if (err)
        err[0] = '\0';
    fsc_model_load_buf("m.yaml", text, strlen(text), &d, &m);
    return m;
}

static const char *const base_model =
    "version: t1\n"
    "units: logit\n"
    "rule_weight_scale: 1.0\n"
    "thresholds: {low: 0.3, medium: 0.5, high: 0.75, critical: 0.92}\n"
    "cooldown: 2h\n"
    "suppress_confirmed_safe: 1d\n"
    "signals:\n"
    "  dns: {weight: 1.0, half_life: 1h}\n"
    "  app: {weight: 2.0, half_life: 24h}\n"
    "priors:\n"
    "  default: 0.01\n"
    "  FT01: {default: 0.02, student: 0.05}\n"
    "rules:\n"
    "  app-rule: 3.0\n"
    "tags:\n"
    "  remote_control: [rc-*]\n"
    "banking_apps: [com.icbc*]\n"
    "boosts:\n"
    "  - name: rc-bank-site\n"
    "    fraud_types: [FT04]\n"
    "    all: [remote_control, banking_app_opened, fraud_site]\n"
    "    within: 1h\n"
    "    logit: 2.0\n"
    "    level: critical\n";

int main(void)
{
    fsc_time t0 = 1795939200LL * 1000000;
    char err[256];
    fsc_model *m = model_from(base_model, err);
    CHECK(m != NULL, "the test model loads (%s)", err);
    if (!m)
        return unit_done();
    CHECK(strncmp(m->version, "t1+", 3) == 0 && strlen(m->version) == 11,
          "version carries a content digest: %s", m->version);
    CHECK(fabs(fsc_sigmoid(m->prior_logit[1][FSC_GROUP_STUDENT]) - 0.05) < 1e-12 &&
              fabs(fsc_sigmoid(m->prior_logit[1][FSC_GROUP_ELDERLY]) - 0.02) < 1e-12 &&
              fabs(fsc_sigmoid(m->prior_logit[2][FSC_GROUP_STUDENT]) - 0.01) < 1e-12,
          "priors: group row, type default, global default");

    fsc_score_config cfg = {.model = m};
    fsc_rule dom = mkrule("dom", 1, FSC_LEVEL_NONE, 2.0, NULL);
    fsc_rule app = mkrule("app-rule", 1, FSC_LEVEL_NONE, 9.0, "Stop paying.");
    fsc_subject general = {"S1", "P1", FSC_GROUP_GENERAL};
    fsc_subject student = {"S2", "P1", FSC_GROUP_STUDENT};

    /* log-odds: prior 0.02 (FT01 general) + 2.0 for a DNS hit */
    seen s = {0};
    fsc_scorer *sc = fsc_scorer_new(&cfg, "v1");
    fsc_value dq = {FSC_F_DNS_QUERY, 18, "m.taskhub-rebate.top"};
    dq.len = (uint32_t)strlen(dq.ptr);
    fsc_record r = rec_at(t0, NULL);
    r.source = FSC_SRC_TRAFFIC;
    add(sc, &general, &dom, &dq, &r, &s);
    double want = fsc_sigmoid(fsc_logit(0.02) + 2.0);
    CHECK(s.n == 0, "p=%.3f is under low (0.3): no alert (n=%d)", want, s.n);

    /* an app hit: the model's own weight (3.0) x the app kind weight (2.0) */
    r = rec_at(t0 + 30 * MIN, "install");
    add(sc, &general, &app, &val, &r, &s);
    want = fsc_sigmoid(fsc_logit(0.02) + 2.0 * exp2(-0.5) + 6.0);
    CHECK(s.n == 1 && s.level[0] == FSC_LEVEL_CRITICAL, "app hit: critical (n=%d level=%d)", s.n,
          s.level[0]);
    CHECK(fabs(s.score[0] - want) < 1e-5, "score = sigmoid(prior + decayed dns + app): %f vs %f",
          s.score[0], want);
    CHECK(s.nev[0] == 2 && fabs(s.contrib[0][0] - 2.0) < 1e-6 && fabs(s.contrib[0][1] - 6.0) < 1e-6,
          "evidence lists contributions in log-odds (%zu: %f, %f)", s.nev[0], s.contrib[0][0],
          s.contrib[0][1]);
    CHECK_STR(s.instruction[0], "Stop paying.", "the weightiest rule's instruction");
    CHECK(strcmp(s.model[0], m->version) == 0, "alert names the model version");

    /* no repeat while the score stays up, even with new evidence */
    r = rec_at(t0 + 40 * MIN, NULL);
    r.source = FSC_SRC_TRAFFIC;
    fsc_rule dom2 = mkrule("dom2", 1, FSC_LEVEL_NONE, 1.0, NULL);
    fsc_value dq2 = {FSC_F_DNS_QUERY, 9, "other.top"};
    add(sc, &general, &dom2, &dq2, &r, &s);
    CHECK(s.n == 1, "same level again inside the cool-down: no alert (n=%d)", s.n);
    /* after the cool-down (2 h) new evidence re-fires at the level held */
    r = rec_at(t0 + 3 * HOUR, NULL);
    r.source = FSC_SRC_TRAFFIC;
    fsc_value dq3 = {FSC_F_DNS_QUERY, 9, "third.top"};
    add(sc, &general, &dom2, &dq3, &r, &s);
    CHECK(s.n == 2, "after the cool-down: re-fired (n=%d, level %d)", s.n, s.level[1]);

    /* the same rule on the same value within the repeat window: nothing */
    seen s2 = {0};
    r = rec_at(t0, NULL);
    r.source = FSC_SRC_TRAFFIC;
    fsc_rule strong = mkrule("strong", 1, FSC_LEVEL_NONE, 3.0, NULL);
    add(sc, &student, &strong, &dq, &r, &s2);
    CHECK(s2.n == 1 && s2.level[0] == FSC_LEVEL_MEDIUM,
          "student prior 0.05 + 3.0: medium (n=%d level=%d score=%f)", s2.n, s2.level[0],
          s2.score[0]);
    r.ts += MIN;
    add(sc, &student, &strong, &dq, &r, &s2);
    CHECK(s2.n == 1, "a repeat adds nothing");
    /* one site, one signal: TLS to another name of the same site adds only
     * what it adds beyond the DNS hit */
    fsc_rule tlsr = mkrule("tls", 1, FSC_LEVEL_NONE, 3.5, NULL);
    fsc_value sni = {FSC_F_TLS_SNI, 22, "api.taskhub-rebate.top"};
    r.ts += MIN;
    add(sc, &student, &tlsr, &sni, &r, &s2);
    CHECK(s2.n == 1, "same site: +0.5 only, still medium (n=%d)", s2.n);
    /* one record, one observation: two rules on one record add the max */
    fsc_subject p3 = {"S3", NULL, FSC_GROUP_GENERAL};
    seen s3 = {0};
    fsc_rule crit = mkrule("crit", 8, FSC_LEVEL_CRITICAL, 0.1, NULL);
    fsc_rule w8 = mkrule("w8", 8, FSC_LEVEL_NONE, 0.5, NULL);
    r = rec_at(t0, "install");
    fsc_scorer_add(sc, &p3, &w8, &val, &r);
    fsc_scorer_add(sc, &p3, &crit, &val, &r);
    fsc_scorer_commit(sc, on_alert, &s3);
    CHECK(s3.n == 1 && s3.level[0] == FSC_LEVEL_CRITICAL, "a rule's level is a floor");
    CHECK(s3.nev[0] == 2 && s3.contrib[0][1] == 0.0, "the weaker hit of a record adds 0");
    fsc_scorer_free(sc);

    /* confirmed safe silences the person and type; other types still alert */
    sc = fsc_scorer_new(&cfg, "v1");
    seen s4 = {0};
    fsc_subject p4 = {"S4", NULL, FSC_GROUP_GENERAL};
    CHECK(fsc_disposition_parse("confirmed_safe", 14) == FSC_DISPOSITION_CONFIRMED_SAFE &&
              fsc_disposition_parse("nope", 4) == -1,
          "disposition names");
    fsc_scorer_dispose(sc, &p4, 1, FSC_DISPOSITION_CONFIRMED_SAFE, t0);
    r = rec_at(t0 + HOUR, "install");
    add(sc, &p4, &app, &val, &r, &s4);
    CHECK(s4.n == 0, "confirmed safe: FT01 evidence raises nothing (n=%d)", s4.n);
    add(sc, &p4, &crit, &val, &r, &s4);
    CHECK(s4.n == 1 && s4.ft[0] == 8, "another fraud type still alerts");
    r = rec_at(t0 + 25 * HOUR, "install");
    fsc_value val2 = {FSC_F_APP_PACKAGE, 9, "com.other"};
    fsc_rule big = mkrule("big", 1, FSC_LEVEL_CRITICAL, 9.0, NULL);
    add(sc, &p4, &big, &val2, &r, &s4);
    CHECK(s4.n == 2 && s4.ft[1] == 1, "after the suppression the type alerts again (n=%d)", s4.n);

    /* a combination boost: remote-control app + banking app opened + a
     * fraud site, within an hour, lifts FT04 to its critical floor */
    seen s5 = {0};
    fsc_subject p5 = {"S5", NULL, FSC_GROUP_YOUNG_WORKER};
    fsc_rule rc = mkrule("rc-app", 4, FSC_LEVEL_LOW, 0.5, NULL);
    fsc_rule kefu = mkrule("kefu", 4, FSC_LEVEL_MEDIUM, 1.0, NULL);
    fsc_value sn = {FSC_F_TLS_SNI, 18, "kefu-refund-jd.com"};
    r = rec_at(t0, NULL);
    r.source = FSC_SRC_TRAFFIC;
    add(sc, &p5, &kefu, &sn, &r, &s5);
    r = rec_at(t0 + 5 * MIN, "install");
    add(sc, &p5, &rc, &val, &r, &s5);
    CHECK(s5.n == 1 && s5.level[0] == FSC_LEVEL_MEDIUM,
          "before the bank app: medium (n=%d, levels %d %d, ft %d %d)", s5.n, s5.level[0],
          s5.level[1], s5.ft[0], s5.ft[1]);
    fsc_record ob = rec_at(t0 + 10 * MIN, "app_opened");
    ob.subscriber = "S5";
    ob.nvalues = 1;
    ob.values[0].field = FSC_F_APP_PACKAGE;
    ob.values[0].ptr = "com.icbc.mobile";
    ob.values[0].len = 15;
    fsc_scorer_observe(sc, &p5, &ob, NULL);
    /* the boost is applied at the next evidence of the type */
    r = rec_at(t0 + 11 * MIN, NULL);
    r.source = FSC_SRC_TRAFFIC;
    fsc_value sn2 = {FSC_F_DNS_QUERY, 18, "kefu-refund-jd.com"};
    add(sc, &p5, &kefu, &sn2, &r, &s5);
    CHECK(s5.n == 2 && s5.level[1] == FSC_LEVEL_CRITICAL, "boost: critical (n=%d level=%d)", s5.n,
          s5.n > 1 ? s5.level[1] : 0);

    /* snapshot round trip: a restored scorer knows what was alerted */
    char path[] = "/tmp/fsc-test-state-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK(fsc_state_save(sc, path, true, err, sizeof err) == FSC_OK, "snapshot written (%s)",
          err);
    fsc_scorer *sc2 = fsc_scorer_new(&cfg, "v1");
    fsc_state_info info;
    CHECK(fsc_state_restore(sc2, path, &info, err, sizeof err) == FSC_OK && info.clean &&
              info.people == fsc_scorer_count(sc) && info.dropped == 0,
          "snapshot restored: %zu people of %zu (%s)", info.people, fsc_scorer_count(sc), err);
    seen s6 = {0};
    r = rec_at(t0 + 12 * MIN, NULL);
    r.source = FSC_SRC_TRAFFIC;
    fsc_value sn3 = {FSC_F_DNS_QUERY, 22, "www.kefu-refund-jd.com"};
    fsc_rule kefu2 = mkrule("kefu-http", 4, FSC_LEVEL_MEDIUM, 1.0, NULL);
    add(sc2, &p5, &kefu2, &sn3, &r, &s6);
    CHECK(s6.n == 0, "restored: no second critical alert (n=%d)", s6.n);
    /* a damaged snapshot is refused whole */
    FILE *f = fopen(path, "r+b");
    fseek(f, 50, SEEK_SET);
    fputc('X', f);
    fclose(f);
    fsc_scorer *sc3 = fsc_scorer_new(&cfg, "v1");
    CHECK(fsc_state_restore(sc3, path, &info, err, sizeof err) == FSC_EMALFORMED &&
              fsc_scorer_count(sc3) == 0 && strstr(err, "checksum"),
          "damaged snapshot refused: %s", err);
    unlink(path);
    fsc_scorer_free(sc3);
    fsc_scorer_free(sc2);
    fsc_scorer_free(sc);

    /* the subscriber table is bounded */
    cfg.max_subscribers = 2;
    sc = fsc_scorer_new(&cfg, "v1");
    seen s7 = {0};
    fsc_subject a = {"A", NULL, FSC_GROUP_GENERAL}, b = {"B", NULL, FSC_GROUP_GENERAL},
                c = {"C", NULL, FSC_GROUP_GENERAL};
    r = rec_at(t0, "install");
    CHECK(fsc_scorer_add(sc, &a, &dom, &val, &r) == FSC_OK, "A tracked");
    CHECK(fsc_scorer_add(sc, &b, &dom, &val, &r) == FSC_OK, "B tracked");
    CHECK(fsc_scorer_add(sc, &c, &dom, &val, &r) == FSC_ELIMIT, "C refused");
    fsc_scorer_commit(sc, on_alert, &s7);
    CHECK(fsc_scorer_expire(sc, t0 + 30 * 24 * HOUR) == 2 && fsc_scorer_count(sc) == 0,
          "quiet people expire");
    fsc_scorer_free(sc);
    fsc_model_free(m);

    /* model files with mistakes: file:line:col and a clear message */
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"version: x\nthreshold: {low: 0.3}\n", "m.yaml:2:1: unknown key 'threshold'"},
        {"version: x\npriors:\n  FT01: {studnet: 0.1}\n", "m.yaml:3:10: unknown victim group"},
        {"version: x\npriors:\n  FT99: 0.1\n", "m.yaml:3:3: unknown fraud type 'FT99'"},
        {"version: x\nthresholds: {low: 0.6, medium: 0.5}\n", "thresholds must rise"},
        {"version: x\nsignals:\n  dns: {half_life: soon}\n", "m.yaml:3:20: half_life: 'soon'"},
        {"thresholds: {low: 0.3}\n", "has no 'version'"},
        {"version: x\npriors: {default: 0.4}\n", "everyone would be alerted"},
        {"version: x\nboosts:\n  - name: b\n    fraud_types: [FT04]\n    all: [nosuch]\n",
         "m.yaml:5:11: unknown tag 'nosuch'"},
        {"version: [\n", "m.yaml:2:1: YAML"},
        {"version: x\nrules: {a: 1, a: 2}\n", "duplicate key 'a'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fsc_model *bm = model_from(bad[i].text, err);
        CHECK(!bm && strstr(err, bad[i].want), "bad model %zu: %s", i, err);
        fsc_model_free(bm);
    }
    /* the shipped model loads */
    fsc_model *shipped = NULL;
    fsc_diag d = {0};
    /* __FILE__ is tests/unit/test_score.c as the compiler was given it */
    char mp[4096];
    snprintf(mp, sizeof mp, "%s", __FILE__);
    char *slash = strrchr(mp, '/');
    snprintf(slash ? slash + 1 : mp, sizeof mp - (size_t)(slash ? slash + 1 - mp : 0),
             "../../models/default.yaml");
    CHECK(fsc_model_load(mp, &d, &shipped) == FSC_OK, "%s loads", mp);
    fsc_model_free(shipped);
    return unit_done();
}
