/* score_memory.c: bytes per tracked subscriber in the scorer at N people
 * (default 10,000,000), each with one piece of evidence on a fraud domain
 * (the common case: one lookup of a campaign's site), one in 50 with a
 * second hit of another type; and the time per hit.
 *   bench_score_memory [N]        prints fsc_scorer_memory()/N and RSS/N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "score.h"

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * 4;
}

static void none(void *ctx, const fsc_alert *a)
{
    (void)a;
    ++*(long *)ctx;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000000;
    fsc_score_config cfg = {.max_subscribers = (size_t)n + 16};
    long base = rss_kb();
    fsc_scorer *s = fsc_scorer_new(&cfg, "bench");
    fsc_rule dom, app;
    memset(&dom, 0, sizeof dom);
    dom.id = "ft13-bet-tld-dns";
    dom.title = "gambling";
    dom.fraud_type = 13;
    dom.weight = 1.0;
    app = dom;
    app.id = "ft05-loan";
    app.fraud_type = 5;
    static const char *sites[] = {"lucky-casino88.bet", "m.taskhub-rebate.top",
                                  "kefu-refund-jd.com", "mt5-global-trade.vip"};
    fsc_record rec;
    memset(&rec, 0, sizeof rec);
    rec.source = FSC_SRC_TRAFFIC;
    rec.ts = 1795939200LL * 1000000;
    rec.src.family = 4;
    rec.dst.family = 4;
    rec.dst.b[0] = 203;
    long alerts = 0;
    char id[32];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        snprintf(id, sizeof id, "S%09ld", i);
        fsc_subject subj = {id, "P-NORTH", (fsc_group)(i % 6)};
        const char *site = sites[i & 3];
        fsc_value v = {FSC_F_DNS_QUERY, (uint32_t)strlen(site), site};
        rec.src.b[0] = 10;
        rec.src.b[1] = (uint8_t)(i >> 16);
        rec.src.b[2] = (uint8_t)(i >> 8);
        rec.src.b[3] = (uint8_t)i;
        rec.frame = (uint64_t)i;
        rec.ts += 10;
        if (fsc_scorer_add(s, &subj, &dom, &v, &rec) != FSC_OK) {
            fprintf(stderr, "add failed at %ld\n", i);
            return 1;
        }
        if (i % 50 == 0)
            fsc_scorer_add(s, &subj, &app, &v, &rec);
        fsc_scorer_commit(s, none, &alerts);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    long rss = rss_kb() - base;
    printf("%ld subscribers: scorer accounts %.1f bytes each, process RSS grew %.1f bytes each; "
           "%.0f hits/s (%.2f us per hit); %ld alerts\n",
           n, (double)fsc_scorer_memory(s) / (double)n, (double)rss * 1024 / (double)n,
           (double)n / sec, sec * 1e6 / (double)n, alerts);
    fsc_scorer_free(s);
    return 0;
}
