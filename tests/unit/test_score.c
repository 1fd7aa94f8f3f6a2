/* test_score.c: the scorer's model: weights, group factors, decay, repeats,
 * level floors, one alert per level crossing, re-alert after decay. */
#include <math.h>
#include <string.h>

#include "score.h"
#include "unit.h"

#define MIN ((fsc_time)60 * 1000000)
#define HOUR (60 * MIN)

typedef struct seen {
    int n;
    fsc_level level[16];
    double score[16];
    int ft[16];
    size_t nev[16];
    char instruction[16][128];
} seen;

static void on_alert(void *ctx, const fsc_alert *a)
{
    seen *s = ctx;
    if (s->n < 16) {
        s->level[s->n] = a->level;
        s->score[s->n] = a->score;
        s->ft[s->n] = a->fraud_type;
        s->nev[s->n] = a->nevidence;
        snprintf(s->instruction[s->n], sizeof s->instruction[0], "%s", a->instruction);
    }
    s->n++;
}

static fsc_record rec_at(fsc_time t)
{
    fsc_record r;
    memset(&r, 0, sizeof r);
    r.source = FSC_SRC_APP;
    r.ts = t;
    r.subscriber = "S1";
    return r;
}

static const fsc_value val = {FSC_F_APP_PACKAGE, 11, "com.example"};

/* one record with one hit: add, then commit */
static fsc_status add(fsc_scorer *sc, const fsc_subject *who, const fsc_rule *rule,
                      const fsc_record *r, seen *s)
{
    fsc_status st = fsc_scorer_add(sc, who, rule, &val, r);
    fsc_scorer_commit(sc, on_alert, s);
    return st;
}

static void add_value(fsc_scorer *sc, const fsc_subject *who, const fsc_rule *rule,
                      const fsc_value *v, const fsc_record *r, seen *s)
{
    fsc_scorer_add(sc, who, rule, v, r);
    fsc_scorer_commit(sc, on_alert, s);
}

int main(void)
{
    fsc_rule dom = {.id = "dom", .title = "domain", .fraud_type = 1, .level = FSC_LEVEL_NONE,
                 .weight = 1.0, .instruction = NULL, .file = "t.yaml", .line = 1};
    fsc_rule app = {.id = "app", .title = "app", .fraud_type = 1, .level = FSC_LEVEL_NONE,
                 .weight = 1.5, .instruction = "Stop paying.", .file = "t.yaml", .line = 2};
    fsc_rule crit = {.id = "crit", .title = "trojan", .fraud_type = 8, .level = FSC_LEVEL_CRITICAL,
                 .weight = 0.5, .instruction = NULL, .file = "t.yaml", .line = 3};
    fsc_subject general = {"S1", "P1", FSC_GROUP_GENERAL};
    fsc_subject student = {"S2", "P1", FSC_GROUP_STUDENT};
    fsc_time t0 = 1795939200LL * 1000000;

    /* one hit of weight 1.0 reaches low (threshold 1.0) for a general person */
    seen s = {0};
    fsc_scorer *sc = fsc_scorer_new(NULL, "v1");
    fsc_record r = rec_at(t0);
    add(sc, &general, &dom, &r, &s);
    CHECK(s.n == 1 && s.level[0] == FSC_LEVEL_LOW, "first hit: low alert (n=%d)", s.n);
    CHECK(strcmp(s.instruction[0], "Stop paying now: any job that asks you to pay first is "
                                    "fraud, and the \"rebates\" you received were bait.") == 0,
          "no rule instruction: the fraud type's default");

    /* the same rule again within the repeat window adds nothing, no alert */
    r = rec_at(t0 + 5 * MIN);
    add(sc, &general, &dom, &r, &s);
    CHECK(s.n == 1, "repeat of the same rule: no new alert (n=%d)", s.n);

    /* another rule: 1.0 decayed over 10 min + 1.5 crosses medium */
    r = rec_at(t0 + 10 * MIN);
    add(sc, &general, &app, &r, &s);
    CHECK(s.n == 2 && s.level[1] == FSC_LEVEL_MEDIUM, "second rule: medium (n=%d, level %d)",
          s.n, s.level[1]);
    double want = exp2(-10.0 / 360.0) + 1.5;
    CHECK(fabs(s.score[1] - want) < 1e-9, "score decays with a 6 h half-life: %f vs %f",
          s.score[1], want);
    CHECK(s.nev[1] == 2, "alert lists both pieces of evidence (%zu)", s.nev[1]);
    CHECK_STR(s.instruction[1], "Stop paying.", "the weightiest rule's own instruction");

    /* a student weighs FT01 evidence 1.5x: one hit, score 1.5 -> low, not medium */
    seen s2 = {0};
    r = rec_at(t0);
    add(sc, &student, &dom, &r, &s2);
    CHECK(s2.n == 1 && fabs(s2.score[0] - 1.5) < 1e-9, "student group factor 1.5 (%f)",
          s2.score[0]);

    /* a rule's level is a floor: one weak hit of a critical rule is critical */
    seen s3 = {0};
    r = rec_at(t0);
    fsc_subject p3 = {"S3", NULL, FSC_GROUP_GENERAL};
    add(sc, &p3, &crit, &r, &s3);
    CHECK(s3.n == 1 && s3.level[0] == FSC_LEVEL_CRITICAL && s3.ft[0] == 8,
          "critical floor (n=%d level=%d)", s3.n, s3.level[0]);

    /* after the score decays below half of low, a new hit starts a new episode and
     * alerts again; while it stays up, it does not */
    r = rec_at(t0 + 48 * HOUR);
    add(sc, &general, &dom, &r, &s);
    CHECK(s.n == 3 && s.level[2] == FSC_LEVEL_LOW, "re-alert after decay (n=%d)", s.n);
    CHECK(s.nev[2] == 1, "a new episode starts with fresh evidence (%zu)", s.nev[2]);
    fsc_scorer_free(sc);

    /* the subscriber table is bounded */
    fsc_score_config cfg = {0};
    cfg.max_subscribers = 2;
    sc = fsc_scorer_new(&cfg, "v1");
    seen s4 = {0};
    fsc_subject a = {"A", NULL, FSC_GROUP_GENERAL}, b = {"B", NULL, FSC_GROUP_GENERAL},
                c = {"C", NULL, FSC_GROUP_GENERAL};
    r = rec_at(t0);
    CHECK(add(sc, &a, &dom, &r, &s4) == FSC_OK, "A tracked");
    CHECK(add(sc, &b, &dom, &r, &s4) == FSC_OK, "B tracked");
    CHECK(add(sc, &c, &dom, &r, &s4) == FSC_ELIMIT, "C refused");
    fsc_scorer_free(sc);

    /* one record is one observation: two rules of a type on the same record
     * add only the stronger; the weaker is listed with contribution 0 */
    sc = fsc_scorer_new(NULL, "v1");
    seen s5 = {0};
    fsc_rule strong = {.id = "strong", .title = "s", .fraud_type = 2, .level = FSC_LEVEL_NONE,
                 .weight = 2.5, .instruction = NULL, .file = "t.yaml", .line = 4};
    fsc_rule weak = {.id = "weak", .title = "w", .fraud_type = 2, .level = FSC_LEVEL_NONE,
                 .weight = 1.5, .instruction = NULL, .file = "t.yaml", .line = 5};
    fsc_subject p5 = {"S5", NULL, FSC_GROUP_ELDERLY}; /* FT02 elderly: 1.2 */
    fsc_value q = {FSC_F_DNS_QUERY, 20, "mt5-global-trade.vip"};
    r = rec_at(t0);
    fsc_scorer_add(sc, &p5, &weak, &q, &r);
    fsc_scorer_add(sc, &p5, &strong, &q, &r);
    fsc_scorer_commit(sc, on_alert, &s5);
    CHECK(s5.n == 1 && fabs(s5.score[0] - 3.0) < 1e-9 && s5.level[0] == FSC_LEVEL_MEDIUM,
          "same record: max, not sum (n=%d score=%f)", s5.n, s5.score[0]);
    CHECK(s5.nev[0] == 2, "both rules listed as evidence (%zu)", s5.nev[0]);

    /* one site is one signal: TLS to another name of the same site within
     * the window adds nothing; a different site adds its weight */
    fsc_rule tls = {.id = "tls", .title = "t", .fraud_type = 2, .level = FSC_LEVEL_NONE,
                 .weight = 2.5, .instruction = NULL, .file = "t.yaml", .line = 6};
    fsc_value sni = {FSC_F_TLS_SNI, 24, "www.MT5-global-trade.vip"};
    r = rec_at(t0 + MIN);
    add_value(sc, &p5, &tls, &sni, &r, &s5);
    CHECK(s5.n == 1, "same site again: no new alert (n=%d)", s5.n);
    fsc_value other = {FSC_F_TLS_SNI, 15, "trade-mt5.cc.io"};
    r = rec_at(t0 + 2 * MIN);
    add_value(sc, &p5, &tls, &other, &r, &s5);
    CHECK(s5.n == 2 && s5.level[1] == FSC_LEVEL_HIGH && s5.score[1] > 5.9,
          "another site adds: high (n=%d score=%f)", s5.n, s5.n > 1 ? s5.score[1] : 0);
    fsc_scorer_free(sc);

    CHECK(fsc_score_group_factor(7, FSC_GROUP_FINANCE_STAFF) == 2.0, "FT07 finance staff");
    CHECK(fsc_score_group_factor(7, FSC_GROUP_ELDERLY) == 1.0, "default factor");
    return unit_done();
}
