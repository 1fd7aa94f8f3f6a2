/* cmd_model.c: `fraudscan model check FILE` and `fraudscan model fit`.
 *
 * fit learns the rules' log-odds from officers' dispositions. Each line of
 * --outcomes is an alert as the engine wrote it (docs/alerts.md) plus
 * "disposition": "confirmed_fraud" or "false_alarm". An alert's features
 * are, per rule, how much of the rule it held: the sum over its evidence of
 * contribution / weight x the signal kind's weight (so a hit counted in
 * full is 1 x kind weight, a hit another covered is 0). The model is
 *
 *   logit P(fraud) = prior_logit(type, group) + sum_r beta_r x_r (+ boosts, fixed)
 *
 * and beta is fitted by gradient descent on the log-loss plus
 * l2 * |beta - beta_model|^2: the penalty pulls towards the running model,
 * not towards 0, so a rule with few outcomes keeps its analyst's weight.
 * One alert in three (by a hash of alert_id: deterministic) is held out;
 * precision and recall at each level on it are printed before and after.
 * The new model is written to --out, never over --model. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "cmd.h"
#include "hash.h"
#include "model.h"
#include "score.h"

#define RULES_MAX 512
#define OUTCOMES_MAX 1000000

typedef struct sample {
    double offset;           /* prior + what is not fitted (boosts) */
    int y;                   /* 1: confirmed fraud */
    bool test;
    int nf;
    int idx[32];
    double x[32];
} sample;

typedef struct fit {
    char *ids[RULES_MAX];
    double beta0[RULES_MAX], beta[RULES_MAX];
    int nrules;
    sample *s;
    size_t n, cap;
} fit;

static int rule_index(fit *f, const char *id, double b0)
{
    for (int i = 0; i < f->nrules; i++)
        if (strcmp(f->ids[i], id) == 0)
            return i;
    if (f->nrules == RULES_MAX)
        return -1;
    f->ids[f->nrules] = strdup(id);
    if (!f->ids[f->nrules])
        return -1;
    f->beta0[f->nrules] = f->beta[f->nrules] = b0;
    return f->nrules++;
}

static const char *str_at(yajl_val v, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val s = yajl_tree_get(v, path, yajl_t_string);
    return s ? YAJL_GET_STRING(s) : NULL;
}

static int num_at(yajl_val v, const char *key, double *out)
{
    const char *path[] = {key, NULL};
    yajl_val s = yajl_tree_get(v, path, yajl_t_number);
    if (!s)
        return -1;
    *out = YAJL_GET_DOUBLE(s);
    return 0;
}

static uint64_t fnv(const char *p)
{
    return fsc_fnv1a(p, strlen(p), FSC_FNV_BASIS);
}

/* Reads the outcomes; a bad line is reported with its number and skipped. */
static int read_outcomes(fit *f, const fsc_model *m, const char *path, size_t *bad)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        fprintf(stderr, "fraudscan model fit: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    while ((len = getline(&line, &lcap, in)) > 0) {
        lineno++;
        char err[256];
        yajl_val v = yajl_tree_parse(line, err, sizeof err);
        const char *why = NULL;
        const char *d = v ? str_at(v, "disposition") : NULL;
        const char *ftc = v ? str_at(v, "fraud_type") : NULL;
        const char *grp = v ? str_at(v, "victim_group") : NULL;
        const char *aid = v ? str_at(v, "alert_id") : NULL;
        const char *epath[] = {"evidence", NULL};
        yajl_val ev = v ? yajl_tree_get(v, epath, yajl_t_array) : NULL;
        int ft = ftc ? fsc_fraud_type_parse(ftc, strlen(ftc)) : 0;
        fsc_group g = grp ? fsc_group_lookup(grp, strlen(grp)) : FSC_GROUP_COUNT;
        if (!v)
            why = "not JSON";
        else if (!d || (strcmp(d, "confirmed_fraud") != 0 && strcmp(d, "false_alarm") != 0))
            why = "\"disposition\" must be confirmed_fraud or false_alarm";
        else if (!ft || g == FSC_GROUP_COUNT || !aid || !ev)
            why = "needs alert_id, fraud_type, victim_group and evidence";
        else if (f->n == OUTCOMES_MAX)
            why = "too many outcomes";
        if (why) {
            fprintf(stderr, "%s:%lu: error: %s; line skipped\n", path, lineno, why);
            (*bad)++;
            yajl_tree_free(v);
            continue;
        }
        if (f->n == f->cap) {
            size_t nc = f->cap ? f->cap * 2 : 1024;
            sample *ns = realloc(f->s, nc * sizeof *ns);
            if (!ns) {
                yajl_tree_free(v);
                break;
            }
            f->s = ns;
            f->cap = nc;
        }
        sample *s = &f->s[f->n];
        memset(s, 0, sizeof *s);
        s->offset = m->prior_logit[ft][g];
        s->y = strcmp(d, "confirmed_fraud") == 0;
        s->test = fnv(aid) % 3 == 0;
        for (size_t i = 0; i < YAJL_GET_ARRAY(ev)->len; i++) {
            yajl_val e = YAJL_GET_ARRAY(ev)->values[i];
            const char *rid = str_at(e, "rule"), *sig = str_at(e, "signal");
            double c, w;
            if (!rid || num_at(e, "contribution", &c) != 0 || num_at(e, "weight", &w) != 0)
                continue;
            if (strncmp(rid, "boost:", 6) == 0 || w <= 0) {
                s->offset += c; /* boosts are not fitted here */
                continue;
            }
            double kw = 1.0;
            for (int k = 0; k < FSC_SIGNAL_COUNT; k++)
                if (sig && strcmp(sig, fsc_signal_name((fsc_signal)k)) == 0)
                    kw = m->kind_weight[k];
            int r = rule_index(f, rid, w / kw);
            if (r < 0)
                continue;
            int j = 0;
            while (j < s->nf && s->idx[j] != r)
                j++;
            if (j == s->nf) {
                if (s->nf == 32)
                    continue;
                s->idx[s->nf++] = r;
            }
            s->x[j] += c / w * kw;
        }
        f->n++;
        yajl_tree_free(v);
    }
    free(line);
    fclose(in);
    return 0;
}

static double predict(const fit *f, const sample *s, const double *beta)
{
    double z = s->offset;
    for (int j = 0; j < s->nf; j++)
        z += beta[s->idx[j]] * s->x[j];
    return fsc_sigmoid(z);
}

static void train(fit *f, double l2, int iters)
{
    double grad[RULES_MAX];
    size_t ntrain = 0;
    for (size_t i = 0; i < f->n; i++)
        ntrain += !f->s[i].test;
    if (!ntrain)
        return;
    double lr = 0.5;
    for (int it = 0; it < iters; it++) {
        for (int r = 0; r < f->nrules; r++)
            grad[r] = 2 * l2 * (f->beta[r] - f->beta0[r]);
        for (size_t i = 0; i < f->n; i++) {
            const sample *s = &f->s[i];
            if (s->test)
                continue;
            double err = predict(f, s, f->beta) - s->y;
            for (int j = 0; j < s->nf; j++)
                grad[s->idx[j]] += err * s->x[j] / (double)ntrain;
        }
        for (int r = 0; r < f->nrules; r++) {
            f->beta[r] -= lr * grad[r];
            if (f->beta[r] > 20)
                f->beta[r] = 20;
            if (f->beta[r] < -20)
                f->beta[r] = -20;
        }
    }
}

static void report(const fit *f, const fsc_model *m, const double *beta, const char *what)
{
    printf("%-7s", what);
    for (int l = FSC_LEVEL_LOW; l <= FSC_LEVEL_CRITICAL; l++) {
        size_t tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < f->n; i++) {
            const sample *s = &f->s[i];
            if (!s->test)
                continue;
            bool hit = predict(f, s, beta) >= m->threshold[l];
            tp += hit && s->y;
            fp += hit && !s->y;
            fn += !hit && s->y;
        }
        double p = tp + fp ? (double)tp / (double)(tp + fp) : 0, r = tp + fn ? (double)tp / (double)(tp + fn) : 0;
        printf("  %-8s P %.3f R %.3f", fsc_level_name((fsc_level)l), p, r);
    }
    printf("\n");
}

static int model_check(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fraudscan model check FILE\n");
        return 2;
    }
    fsc_diag d = {0};
    fsc_model *m = NULL;
    if (fsc_model_load(argv[1], &d, &m) != FSC_OK) {
        fprintf(stderr, "fraudscan model check: %s refused (%zu error%s)\n", argv[1], d.errors,
                d.errors == 1 ? "" : "s");
        return 1;
    }
    printf("%s: model %s, %zu rule weights, %zu boosts\n", argv[1], m->version, m->nrules,
           m->nboosts);
    fsc_model_free(m);
    return 0;
}

static int model_fit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"outcomes", required_argument, NULL, 'o'},
        {"model", required_argument, NULL, 'm'},
        {"out", required_argument, NULL, 'w'},
        {"version", required_argument, NULL, 'v'},
        {"l2", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *outcomes = NULL, *model_path = "models/default.yaml", *out = NULL;
    const char *version = NULL;
    double l2 = 0.01;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': outcomes = optarg; break;
        case 'm': model_path = optarg; break;
        case 'w': out = optarg; break;
        case 'v': version = optarg; break;
        case 'l': {
            char *end;
            l2 = strtod(optarg, &end);
            if (*end || l2 < 0 || l2 > 100) {
                fprintf(stderr, "fraudscan model fit: --l2 wants a number in [0, 100]\n");
                return 2;
            }
            break;
        }
        case 'h':
        default:
            fprintf(c == 'h' ? stdout : stderr,
                    "usage: fraudscan model fit --outcomes FILE [--model FILE] --out NEW.yaml\n"
                    "       [--version V] [--l2 LAMBDA]\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (!outcomes || !out) {
        fprintf(stderr, "fraudscan model fit: --outcomes and --out are required\n");
        return 2;
    }
    char ra[PATH_MAX], rb[PATH_MAX];
    if (realpath(model_path, ra) && realpath(out, rb) && strcmp(ra, rb) == 0) {
        fprintf(stderr, "fraudscan model fit: --out is the running model %s; write a new file\n",
                model_path);
        return 2;
    }
    fsc_diag d = {0};
    fsc_model *m = NULL;
    if (fsc_model_load(model_path, &d, &m) != FSC_OK) {
        fprintf(stderr, "fraudscan model fit: model %s refused\n", model_path);
        return 1;
    }
    fit f;
    memset(&f, 0, sizeof f);
    size_t bad = 0;
    int rc = 1;
    if (read_outcomes(&f, m, outcomes, &bad) != 0)
        goto done;
    size_t ntest = 0, pos = 0;
    for (size_t i = 0; i < f.n; i++) {
        ntest += f.s[i].test;
        pos += f.s[i].y;
    }
    printf("%zu outcomes (%zu confirmed fraud), %zu held out, %d rules, %zu bad lines\n", f.n,
           pos, ntest, f.nrules, bad);
    if (f.n - ntest < 10 || !ntest) {
        fprintf(stderr, "fraudscan model fit: too few outcomes to fit and test\n");
        goto done;
    }
    report(&f, m, f.beta0, "before");
    train(&f, l2, 3000);
    report(&f, m, f.beta, "after");

    /* the fitted weights become the model's rules section */
    fsc_model *nm = m;
    for (int r = 0; r < f.nrules; r++) {
        size_t i = 0;
        while (i < nm->nrules && strcmp(nm->rules[i].id, f.ids[r]) != 0)
            i++;
        if (i == nm->nrules) {
            void *p = realloc(nm->rules, (nm->nrules + 1) * sizeof *nm->rules);
            if (!p)
                goto done;
            nm->rules = p;
            nm->rules[i].id = strdup(f.ids[r]);
            if (!nm->rules[i].id)
                goto done;
            nm->nrules++;
        }
        nm->rules[i].logit = f.beta[r];
        printf("  %-36s %7.3f -> %7.3f\n", f.ids[r], f.beta0[r], f.beta[r]);
    }
    char ver[96];
    if (!version) {
        char base[72];
        snprintf(base, sizeof base, "%.64s", m->version);
        char *plus = strchr(base, '+');
        if (plus)
            *plus = '\0';
        snprintf(ver, sizeof ver, "%s-fit", base);
        version = ver;
    }
    FILE *o = fopen(out, "w");
    if (!o || fsc_model_write(nm, version, o) != 0) {
        fprintf(stderr, "fraudscan model fit: cannot write %s: %s\n", out, strerror(errno));
        if (o)
            fclose(o);
        goto done;
    }
    fclose(o);
    /* what was written must load, or it is no model */
    fsc_model *back = NULL;
    if (fsc_model_load(out, &d, &back) != FSC_OK) {
        fprintf(stderr, "fraudscan model fit: the model written to %s does not load\n", out);
        goto done;
    }
    printf("wrote %s (model %s)\n", out, back->version);
    fsc_model_free(back);
    rc = 0;
done:
    for (int r = 0; r < f.nrules; r++)
        free(f.ids[r]);
    free(f.s);
    fsc_model_free(m);
    return rc;
}

int fsc_cmd_model(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "check") == 0)
        return model_check(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "fit") == 0)
        return model_fit(argc - 1, argv + 1);
    bool help = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
    fprintf(help ? stdout : stderr,
            "usage: fraudscan model check FILE\n"
            "       fraudscan model fit --outcomes FILE [--model FILE] --out NEW.yaml\n"
            "  check loads a model file and says what is wrong with it, at file:line:col;\n"
            "  fit learns rule weights from officers' outcomes (docs/model.md)\n");
    return help ? 0 : 2;
}
