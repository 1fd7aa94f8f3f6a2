/* model.c: the model file (YAML, through libyaml's document API) and the
 * model's small helpers. docs/model.md is the reference for the keys. */
#include "model.h"

#include "score.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define SEC ((fsc_time)1000000)
#define HOUR (3600 * SEC)
#define MODEL_FILE_MAX (4u << 20) /* a model file is small; refuse anything huge */

static const char *const signal_names[] = {
#define FSC_X_NAME(e, name) name,
    FSC_SIGNAL_LIST(FSC_X_NAME)
#undef FSC_X_NAME
};

static const char *const builtin_tags[FSC_TAG_BUILTIN] = {
    "fraud_site", "banking_app_opened", "screen_share_started", "accessibility_enabled",
    "sideload_install",
};

const char *fsc_signal_name(fsc_signal k)
{
    return (unsigned)k < FSC_SIGNAL_COUNT ? signal_names[k] : "?";
}

fsc_signal fsc_signal_of(fsc_field f, const char *event)
{
    const char *n = fsc_field_name(f);
    if (strncmp(n, "dns.", 4) == 0)
        return FSC_SIG_DNS;
    if (strncmp(n, "tls.", 4) == 0 || strncmp(n, "quic.", 5) == 0)
        return FSC_SIG_TLS;
    if (strncmp(n, "http.", 5) == 0)
        return FSC_SIG_HTTP;
    if (event && (strcmp(event, "accessibility_enabled") == 0 ||
                  strcmp(event, "screen_share_started") == 0 || strcmp(event, "app_opened") == 0))
        return FSC_SIG_RUNTIME;
    return FSC_SIG_APP;
}

double fsc_logit(double p)
{
    return log(p / (1.0 - p));
}

double fsc_sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* ---- defaults ----------------------------------------------------------- */

static void set_defaults(fsc_model *m)
{
    snprintf(m->version, sizeof m->version, "builtin");
    for (int ft = 0; ft <= FSC_FRAUD_TYPES; ft++)
        for (int g = 0; g < FSC_GROUP_COUNT; g++)
            m->prior_logit[ft][g] = fsc_logit(0.01);
    for (int k = 0; k < FSC_SIGNAL_COUNT; k++) {
        m->kind_weight[k] = 1.0;
        m->half_life[k] = 6 * HOUR;
    }
    static const double thr[5] = {0, 0.30, 0.50, 0.75, 0.92};
    for (int l = 1; l <= 4; l++) {
        m->threshold[l] = thr[l];
        m->threshold_logit[l] = fsc_logit(thr[l]);
    }
    m->rule_scale = 1.5;
    m->episode_end = 0.25;
    m->repeat_window = HOUR;
    m->cooldown = 12 * HOUR;
    m->suppress = 7 * 24 * HOUR;
    m->max_skew = 0;
    m->ntags = FSC_TAG_BUILTIN;
    for (int t = 0; t < FSC_TAG_BUILTIN; t++)
        snprintf(m->tag_names[t], sizeof m->tag_names[t], "%s", builtin_tags[t]);
}

fsc_model *fsc_model_builtin(void)
{
    fsc_model *m = calloc(1, sizeof *m);
    if (m)
        set_defaults(m);
    return m;
}

void fsc_model_free(fsc_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nrules; i++)
        free(m->rules[i].id);
    free(m->rules);
    for (size_t i = 0; i < m->ntag_rules; i++)
        free(m->tag_rules[i].pattern);
    free(m->tag_rules);
    for (size_t i = 0; i < m->nbanking; i++)
        free(m->banking_apps[i]);
    free(m->banking_apps);
    free(m);
}

/* ---- loading ------------------------------------------------------------ */

typedef struct lctx {
    const char *name;
    fsc_diag *diag;
    yaml_document_t *doc;
    fsc_model *m;
    int errors;
} lctx;

__attribute__((format(printf, 3, 4))) static void err_at(lctx *c, const yaml_node_t *n,
                                                         const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fsc_diagf(c->diag, FSC_SEV_ERROR, c->name, n ? n->start_mark.line + 1 : 0,
              n ? n->start_mark.column + 1 : 0, "%s", msg);
    c->errors++;
}

static yaml_node_t *node(lctx *c, int i)
{
    return yaml_document_get_node(c->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool want_scalar(lctx *c, const yaml_node_t *n, const char *what, const char **out)
{
    *out = scalar(n);
    if (!*out)
        err_at(c, n, "%s must be a scalar", what);
    return *out != NULL;
}

static bool want_number(lctx *c, const yaml_node_t *n, const char *what, double lo, double hi,
                        double *out)
{
    const char *s;
    if (!want_scalar(c, n, what, &s))
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v)) {
        err_at(c, n, "%s: '%s' is not a number", what, s);
        return false;
    }
    if (v < lo || v > hi) {
        err_at(c, n, "%s: %g is out of range [%g, %g]", what, v, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

/* "90s", "30m", "6h", "7d", or a plain number of seconds. */
static bool want_duration(lctx *c, const yaml_node_t *n, const char *what, fsc_time *out)
{
    const char *s;
    if (!want_scalar(c, n, what, &s))
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double unit = 1;
    if (end != s && *end && !end[1]) {
        switch (*end) {
        case 's': unit = 1; end++; break;
        case 'm': unit = 60; end++; break;
        case 'h': unit = 3600; end++; break;
        case 'd': unit = 86400; end++; break;
        default: break;
        }
    }
    if (end == s || *end || errno || !isfinite(v) || v < 0 || v * unit > 3650.0 * 86400) {
        err_at(c, n, "%s: '%s' is not a duration (like 90s, 30m, 6h, 7d)", what, s);
        return false;
    }
    *out = (fsc_time)(v * unit * 1e6);
    return true;
}

static bool want_probability(lctx *c, const yaml_node_t *n, const char *what, double *out)
{
    double p;
    if (!want_number(c, n, what, 0, 1, &p))
        return false;
    if (p <= 0 || p >= 1) {
        err_at(c, n, "%s: a probability strictly between 0 and 1, not %g", what, p);
        return false;
    }
    *out = p;
    return true;
}

typedef void (*pair_fn)(lctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg);

static void each_pair(lctx *c, yaml_node_t *map, const char *what, pair_fn fn, void *arg)
{
    if (!map || map->type != YAML_MAPPING_NODE) {
        err_at(c, map, "%s must be a mapping", what);
        return;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        const char *ks = scalar(k);
        if (!ks) {
            err_at(c, k, "keys of %s must be scalars", what);
            continue;
        }
        /* a repeated key is a typo waiting to bite: which one counts? */
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
            const char *qs = scalar(node(c, q->key));
            if (qs && strcmp(qs, ks) == 0) {
                err_at(c, k, "duplicate key '%s' in %s", ks, what);
                break;
            }
        }
        fn(c, ks, k, v, arg);
    }
}

static void thresholds_pair(lctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    for (int l = FSC_LEVEL_LOW; l <= FSC_LEVEL_CRITICAL; l++)
        if (strcmp(key, fsc_level_name((fsc_level)l)) == 0) {
            want_probability(c, v, "threshold", &c->m->threshold[l]);
            return;
        }
    err_at(c, k, "unknown level '%s' in thresholds (low, medium, high, critical)", key);
}

static void signal_pair(lctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    int kind = *(int *)arg;
    if (strcmp(key, "weight") == 0)
        want_number(c, v, "signal weight", 0, 100, &c->m->kind_weight[kind]);
    else if (strcmp(key, "half_life") == 0) {
        if (want_duration(c, v, "half_life", &c->m->half_life[kind]) &&
            c->m->half_life[kind] <= 0)
            err_at(c, v, "half_life must be more than 0");
    } else
        err_at(c, k, "unknown key '%s' in a signal (weight, half_life)", key);
}

static void signals_pair(lctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    for (int kind = 0; kind < FSC_SIGNAL_COUNT; kind++)
        if (strcmp(key, signal_names[kind]) == 0) {
            each_pair(c, v, "a signal", signal_pair, &kind);
            return;
        }
    err_at(c, k, "unknown signal kind '%s' (dns, tls, http, app, runtime, boost)", key);
}

typedef struct prior_arg {
    int ft; /* 0: the "default" row, applied to every type */
    bool set[FSC_FRAUD_TYPES + 1][FSC_GROUP_COUNT];
} prior_arg;

static void set_prior(lctx *c, prior_arg *pa, int ft, int g, double p, bool exact)
{
    for (int t = ft ? ft : 1; t <= (ft ? ft : FSC_FRAUD_TYPES); t++)
        for (int gg = g >= 0 ? g : 0; gg < (g >= 0 ? g + 1 : FSC_GROUP_COUNT); gg++)
            if (exact || !pa->set[t][gg]) {
                c->m->prior_logit[t][gg] = fsc_logit(p);
                if (exact)
                    pa->set[t][gg] = true;
            }
}

static void prior_group_pair(lctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    prior_arg *pa = arg;
    double p;
    if (strcmp(key, "default") == 0) {
        if (want_probability(c, v, "prior", &p))
            set_prior(c, pa, pa->ft, -1, p, false);
        return;
    }
    fsc_group g = fsc_group_lookup(key, strlen(key));
    if (g == FSC_GROUP_COUNT) {
        err_at(c, k, "unknown victim group '%s' (general, student, elderly, young_worker, "
                     "finance_staff, parent, unknown)", key);
        return;
    }
    if (want_probability(c, v, "prior", &p))
        set_prior(c, pa, pa->ft, (int)g, p, pa->ft != 0);
}

static void priors_pair(lctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    prior_arg *pa = arg;
    double p;
    if (strcmp(key, "default") == 0) {
        if (v && v->type == YAML_MAPPING_NODE) {
            pa->ft = 0;
            each_pair(c, v, "priors.default", prior_group_pair, pa);
        } else if (want_probability(c, v, "prior", &p))
            set_prior(c, pa, 0, -1, p, false);
        return;
    }
    int ft = fsc_fraud_type_parse(key, strlen(key));
    if (!ft) {
        err_at(c, k, "unknown fraud type '%s' in priors (FT01..FT13 or default)", key);
        return;
    }
    if (v && v->type == YAML_MAPPING_NODE) {
        pa->ft = ft;
        /* the type's own default first, so its group rows win whatever the order */
        yaml_node_t *d = NULL;
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++)
            if (scalar(node(c, q->key)) && strcmp(scalar(node(c, q->key)), "default") == 0)
                d = node(c, q->value);
        if (d && want_probability(c, d, "prior", &p))
            for (int g = 0; g < FSC_GROUP_COUNT; g++)
                if (!pa->set[ft][g])
                    c->m->prior_logit[ft][g] = fsc_logit(p);
        each_pair(c, v, "a fraud type's priors", prior_group_pair, pa);
    } else if (want_probability(c, v, "prior", &p))
        set_prior(c, pa, ft, -1, p, true);
}

static void rules_pair(lctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    double w;
    if (!want_number(c, v, "rule weight (log-odds)", -20, 20, &w))
        return;
    fsc_model *m = c->m;
    void *n = realloc(m->rules, (m->nrules + 1) * sizeof *m->rules);
    if (!n) {
        err_at(c, k, "out of memory");
        return;
    }
    m->rules = n;
    m->rules[m->nrules].id = strdup(key);
    m->rules[m->nrules].logit = w;
    if (!m->rules[m->nrules].id) {
        err_at(c, k, "out of memory");
        return;
    }
    m->nrules++;
}

static int find_tag(const fsc_model *m, const char *name)
{
    for (size_t t = 0; t < m->ntags; t++)
        if (strcmp(m->tag_names[t], name) == 0)
            return (int)t;
    return -1;
}

/* Appends one string of a list to the model; false only when the array
 * cannot grow, which ends the list. */
typedef bool (*string_fn)(fsc_model *m, const char *s, void *arg);

/* Passes each item of the list v (the caller checked it is one) to add();
 * an item that is not a scalar is reported, `what` naming it, and passed
 * over. Out of memory is not reported here: the list is cut short. */
static void each_string(lctx *c, yaml_node_t *v, const char *what, string_fn add, void *arg)
{
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
        const char *s;
        if (!want_scalar(c, node(c, *i), what, &s))
            continue;
        if (!add(c->m, s, arg))
            return;
    }
}

/* arg: the int tag the rule id pattern adds to. A pattern whose copy
 * fails is dropped, the list goes on (as for banking apps). */
static bool add_tag_rule(fsc_model *m, const char *s, void *arg)
{
    void *n = realloc(m->tag_rules, (m->ntag_rules + 1) * sizeof *m->tag_rules);
    if (!n)
        return false;
    m->tag_rules = n;
    m->tag_rules[m->ntag_rules].pattern = strdup(s);
    m->tag_rules[m->ntag_rules].tag = *(const int *)arg;
    if (m->tag_rules[m->ntag_rules].pattern)
        m->ntag_rules++;
    return true;
}

static bool add_banking_app(fsc_model *m, const char *s, void *arg)
{
    void *n = realloc(m->banking_apps, (m->nbanking + 1) * sizeof *m->banking_apps);
    if (!n)
        return false;
    m->banking_apps = n;
    if ((m->banking_apps[m->nbanking] = strdup(s)))
        m->nbanking++;
    return true;
}

static void tags_pair(lctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    fsc_model *m = c->m;
    int t = find_tag(m, key);
    if (t >= 0 && t < FSC_TAG_BUILTIN) {
        err_at(c, k, "'%s' is a built-in tag; it cannot be redefined", key);
        return;
    }
    if (t < 0) {
        if (m->ntags == FSC_TAG_MAX || strlen(key) >= sizeof m->tag_names[0]) {
            err_at(c, k, "too many tags or tag name too long (at most %d tags of 31 bytes)",
                   FSC_TAG_MAX);
            return;
        }
        t = (int)m->ntags++;
        snprintf(m->tag_names[t], sizeof m->tag_names[t], "%s", key);
    }
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        err_at(c, v, "tag '%s' must be a list of rule ids", key);
        return;
    }
    each_string(c, v, "a tag's rule id", add_tag_rule, &t);
}

typedef struct boost_arg {
    fsc_model_boost *b;
    yaml_node_t *all; /* resolved after every tag is known */
} boost_arg;

static void boost_pair(lctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    boost_arg *ba = arg;
    fsc_model_boost *b = ba->b;
    const char *s;
    if (strcmp(key, "name") == 0) {
        if (want_scalar(c, v, "boost name", &s))
            snprintf(b->name, sizeof b->name, "%s", s);
    } else if (strcmp(key, "title") == 0) {
        if (want_scalar(c, v, "boost title", &s))
            snprintf(b->title, sizeof b->title, "%s", s);
    } else if (strcmp(key, "within") == 0) {
        want_duration(c, v, "within", &b->within);
    } else if (strcmp(key, "logit") == 0) {
        want_number(c, v, "boost logit", 0, 20, &b->logit);
    } else if (strcmp(key, "level") == 0) {
        if (!want_scalar(c, v, "level", &s))
            return;
        for (int l = 0; l <= FSC_LEVEL_CRITICAL; l++)
            if (strcmp(s, fsc_level_name((fsc_level)l)) == 0) {
                b->rule.level = (fsc_level)l;
                return;
            }
        err_at(c, v, "unknown level '%s'", s);
    } else if (strcmp(key, "fraud_types") == 0) {
        if (!v || v->type != YAML_SEQUENCE_NODE) {
            err_at(c, v, "fraud_types must be a list (FT01..FT13)");
            return;
        }
        for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
             i++) {
            yaml_node_t *n = node(c, *i);
            int ft = scalar(n) ? fsc_fraud_type_parse(scalar(n), strlen(scalar(n))) : 0;
            if (!ft)
                err_at(c, n, "unknown fraud type in fraud_types (FT01..FT13)");
            else
                b->fraud_types |= 1u << ft;
        }
    } else if (strcmp(key, "all") == 0) {
        ba->all = v;
    } else
        err_at(c, k, "unknown key '%s' in a boost (name, title, fraud_types, all, within, "
                     "logit, level)", key);
}

static void parse_boosts(lctx *c, yaml_node_t *v)
{
    fsc_model *m = c->m;
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        err_at(c, v, "boosts must be a list");
        return;
    }
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
        yaml_node_t *bn = node(c, *i);
        if (m->nboosts == FSC_BOOST_MAX) {
            err_at(c, bn, "at most %d boosts", FSC_BOOST_MAX);
            return;
        }
        fsc_model_boost *b = &m->boosts[m->nboosts];
        memset(b, 0, sizeof *b);
        b->within = HOUR;
        boost_arg ba = {b, NULL};
        each_pair(c, bn, "a boost", boost_pair, &ba);
        if (!b->name[0])
            err_at(c, bn, "a boost needs a name");
        if (!b->fraud_types)
            err_at(c, bn, "boost '%s' needs fraud_types", b->name);
        if (!ba.all || ba.all->type != YAML_SEQUENCE_NODE ||
            ba.all->data.sequence.items.top == ba.all->data.sequence.items.start) {
            err_at(c, ba.all ? ba.all : bn, "boost '%s' needs 'all': a list of tags", b->name);
        } else {
            for (yaml_node_item_t *t = ba.all->data.sequence.items.start;
                 t < ba.all->data.sequence.items.top; t++) {
                yaml_node_t *tn = node(c, *t);
                int tag = scalar(tn) ? find_tag(m, scalar(tn)) : -1;
                if (tag < 0)
                    err_at(c, tn, "unknown tag '%s' in boost '%s' (built-in: fraud_site, "
                                  "banking_app_opened, screen_share_started, "
                                  "accessibility_enabled, sideload_install; or one under tags)",
                           scalar(tn) ? scalar(tn) : "?", b->name);
                else
                    b->tags |= (uint16_t)(1u << tag);
            }
        }
        if (!b->title[0]) {
            char nm[sizeof b->name];
            memcpy(nm, b->name, sizeof nm);
            snprintf(b->title, sizeof b->title, "Combination %.63s", nm);
        }
        m->nboosts++;
    }
}

static void banking_list(lctx *c, yaml_node_t *v)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        err_at(c, v, "banking_apps must be a list of package names");
        return;
    }
    each_string(c, v, "a banking app", add_banking_app, NULL);
}

typedef struct top_arg {
    prior_arg priors;
    bool have_version;
    yaml_node_t *boosts;
} top_arg;

static void top_pair(lctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    top_arg *ta = arg;
    fsc_model *m = c->m;
    const char *s;
    if (strcmp(key, "version") == 0) {
        if (want_scalar(c, v, "version", &s)) {
            if (!*s || strlen(s) > 64)
                err_at(c, v, "version must be 1 to 64 characters");
            snprintf(m->version, sizeof m->version, "%s", s);
            ta->have_version = true;
        }
    } else if (strcmp(key, "model") == 0 || strcmp(key, "description") == 0) {
        /* free text for people */
    } else if (strcmp(key, "units") == 0) {
        if (want_scalar(c, v, "units", &s) && strcmp(s, "logit") != 0)
            err_at(c, v, "units must be 'logit' (weights are log-odds)");
    } else if (strcmp(key, "rule_weight_scale") == 0) {
        want_number(c, v, "rule_weight_scale", 0, 20, &m->rule_scale);
    } else if (strcmp(key, "thresholds") == 0) {
        each_pair(c, v, "thresholds", thresholds_pair, NULL);
    } else if (strcmp(key, "repeat_window") == 0) {
        want_duration(c, v, "repeat_window", &m->repeat_window);
    } else if (strcmp(key, "cooldown") == 0) {
        want_duration(c, v, "cooldown", &m->cooldown);
    } else if (strcmp(key, "suppress_confirmed_safe") == 0) {
        want_duration(c, v, "suppress_confirmed_safe", &m->suppress);
    } else if (strcmp(key, "max_clock_skew") == 0) {
        want_duration(c, v, "max_clock_skew", &m->max_skew);
    } else if (strcmp(key, "episode_end") == 0) {
        want_number(c, v, "episode_end", 0.01, 1, &m->episode_end);
    } else if (strcmp(key, "signals") == 0) {
        each_pair(c, v, "signals", signals_pair, NULL);
    } else if (strcmp(key, "priors") == 0) {
        each_pair(c, v, "priors", priors_pair, &ta->priors);
    } else if (strcmp(key, "rules") == 0) {
        each_pair(c, v, "rules", rules_pair, NULL);
    } else if (strcmp(key, "tags") == 0) {
        each_pair(c, v, "tags", tags_pair, NULL);
    } else if (strcmp(key, "banking_apps") == 0) {
        banking_list(c, v);
    } else if (strcmp(key, "boosts") == 0) {
        ta->boosts = v; /* after tags, whatever the key order */
    } else {
        err_at(c, k, "unknown key '%s' (version, units, rule_weight_scale, thresholds, "
                     "repeat_window, cooldown, suppress_confirmed_safe, max_clock_skew, "
                     "episode_end, signals, priors, rules, tags, banking_apps, boosts)", key);
    }
}

static int cmp_rule(const void *a, const void *b)
{
    return strcmp(((const struct fsc_model_rule *)a)->id, ((const struct fsc_model_rule *)b)->id);
}

static uint32_t fnv32(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)p[i];
        h *= 16777619u;
    }
    return h;
}

/* Checks that hold across keys: thresholds rise; every prior is below
 * where an episode ends, or a person with no evidence would be alerted. */
static void validate(lctx *c, yaml_node_t *root)
{
    fsc_model *m = c->m;
    for (int l = FSC_LEVEL_LOW; l <= FSC_LEVEL_CRITICAL; l++) {
        if (l > FSC_LEVEL_LOW && m->threshold[l] <= m->threshold[l - 1])
            err_at(c, root, "thresholds must rise: %s (%g) is not above %s (%g)",
                   fsc_level_name((fsc_level)l), m->threshold[l],
                   fsc_level_name((fsc_level)(l - 1)), m->threshold[l - 1]);
        m->threshold_logit[l] = fsc_logit(m->threshold[l]);
    }
    double end = m->threshold_logit[FSC_LEVEL_LOW];
    for (int ft = 1; ft <= FSC_FRAUD_TYPES; ft++)
        for (int g = 0; g < FSC_GROUP_COUNT; g++)
            if (m->prior_logit[ft][g] >= end) {
                err_at(c, root, "prior of %s for %s (%.3g) is not below the low threshold "
                                "(%.3g): everyone would be alerted",
                       fsc_fraud_type_code(ft), fsc_group_name((fsc_group)g),
                       fsc_sigmoid(m->prior_logit[ft][g]), fsc_sigmoid(end));
                return;
            }
    if (m->nrules)
        qsort(m->rules, m->nrules, sizeof *m->rules, cmp_rule);
    for (size_t i = 1; i < m->nrules; i++)
        if (strcmp(m->rules[i].id, m->rules[i - 1].id) == 0)
            err_at(c, root, "rule '%s' is given twice under rules", m->rules[i].id);
    for (size_t b = 0; b < m->nboosts; b++) {
        fsc_model_boost *bo = &m->boosts[b];
        snprintf(bo->rule_id, sizeof bo->rule_id, "boost:%s", bo->name);
        bo->rule.id = bo->rule_id;
        bo->rule.title = bo->title;
        bo->rule.weight = bo->logit;
        bo->rule.file = "model";
    }
}

fsc_status fsc_model_load_buf(const char *name, const char *buf, size_t len, fsc_diag *diag,
                              fsc_model **out)
{
    fsc_diag own = {0};
    if (!diag)
        diag = &own;
    fsc_status st = FSC_EMALFORMED;
    yaml_parser_t parser;
    yaml_document_t doc;
    bool have_doc = false;
    lctx c = {name, diag, &doc, NULL, 0};
    c.m = calloc(1, sizeof *c.m);
    if (!c.m) {
        fsc_diagf(diag, FSC_SEV_ERROR, name, 0, 0, "out of memory");
        return FSC_ENOMEM;
    }
    set_defaults(c.m);
    if (!yaml_parser_initialize(&parser)) {
        st = FSC_ENOMEM;
        goto done;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        fsc_diagf(diag, FSC_SEV_ERROR, name, parser.problem_mark.line + 1,
                  parser.problem_mark.column + 1, "YAML: %s%s%s",
                  parser.problem ? parser.problem : "syntax error",
                  parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        goto done;
    }
    have_doc = true;
    yaml_parser_delete(&parser);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        fsc_diagf(diag, FSC_SEV_ERROR, name, 1, 1, "the model file is empty");
        goto done;
    }
    top_arg ta;
    memset(&ta, 0, sizeof ta);
    each_pair(&c, root, "the model", top_pair, &ta);
    if (ta.boosts)
        parse_boosts(&c, ta.boosts);
    if (!ta.have_version)
        err_at(&c, root, "the model has no 'version' (alerts name the model that scored them)");
    if (!c.errors)
        validate(&c, root);
    if (c.errors)
        goto done;
    /* the digest makes an edit visible even when the version was not bumped */
    char ver[72];
    snprintf(ver, sizeof ver, "%.64s", c.m->version);
    snprintf(c.m->version, sizeof c.m->version, "%.64s+%08x", ver, fnv32(buf, len));
    *out = c.m;
    c.m = NULL;
    st = FSC_OK;
done:
    if (have_doc)
        yaml_document_delete(&doc);
    fsc_model_free(c.m);
    return st;
}

fsc_status fsc_model_load(const char *path, fsc_diag *diag, fsc_model **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
        return FSC_EIO;
    }
    char *buf = malloc(MODEL_FILE_MAX);
    size_t n = buf ? fread(buf, 1, MODEL_FILE_MAX, f) : 0;
    bool big = buf && n == MODEL_FILE_MAX;
    int rerr = ferror(f);
    fclose(f);
    fsc_status st;
    if (!buf)
        st = FSC_ENOMEM;
    else if (rerr) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "read error");
        st = FSC_EIO;
    } else if (big) {
        fsc_diagf(diag, FSC_SEV_ERROR, path, 0, 0, "larger than %u bytes", MODEL_FILE_MAX);
        st = FSC_ELIMIT;
    } else
        st = fsc_model_load_buf(path, buf, n, diag, out);
    free(buf);
    return st;
}

const char *fsc_model_default_path(const char *rules_path, char *buf, size_t cap)
{
    size_t n = strlen(rules_path);
    while (n > 1 && rules_path[n - 1] == '/')
        n--;
    while (n > 0 && rules_path[n - 1] != '/')
        n--;
    int k = snprintf(buf, cap, "%.*smodels/default.yaml", (int)n, rules_path);
    if (k < 0 || (size_t)k >= cap)
        return NULL;
    FILE *f = fopen(buf, "rb");
    if (!f)
        return NULL;
    fclose(f);
    return buf;
}

/* ---- queries ------------------------------------------------------------ */

double fsc_model_rule_logit(const fsc_model *m, const char *rule_id)
{
    size_t lo = 0, hi = m->nrules;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(rule_id, m->rules[mid].id);
        if (c == 0)
            return m->rules[mid].logit;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NAN;
}

double fsc_model_weight(const fsc_model *m, const fsc_rule *r, fsc_signal k)
{
    double w = fsc_model_rule_logit(m, r->id);
    if (isnan(w))
        w = r->weight * m->rule_scale;
    return w * m->kind_weight[k];
}

static bool pattern_match(const char *pat, const char *s, size_t n)
{
    size_t pl = strlen(pat);
    if (pl && pat[pl - 1] == '*')
        return n >= pl - 1 && memcmp(pat, s, pl - 1) == 0;
    return pl == n && memcmp(pat, s, n) == 0;
}

uint16_t fsc_model_rule_tags(const fsc_model *m, const fsc_rule *r, fsc_field f)
{
    uint16_t t = fsc_field_is_host(f) ? 1u << FSC_TAG_FRAUD_SITE : 0;
    for (size_t i = 0; i < m->ntag_rules; i++)
        if (pattern_match(m->tag_rules[i].pattern, r->id, strlen(r->id)))
            t |= (uint16_t)(1u << m->tag_rules[i].tag);
    return t;
}

bool fsc_model_is_banking(const fsc_model *m, const char *package, size_t len)
{
    for (size_t i = 0; i < m->nbanking; i++)
        if (pattern_match(m->banking_apps[i], package, len))
            return true;
    return false;
}

fsc_level fsc_model_level(const fsc_model *m, double p)
{
    for (int l = FSC_LEVEL_CRITICAL; l >= FSC_LEVEL_LOW; l--)
        if (p >= m->threshold[l])
            return (fsc_level)l;
    return FSC_LEVEL_NONE;
}

/* ---- writing (model fit) ------------------------------------------------ */

static void dur(FILE *f, const char *k, fsc_time t)
{
    fprintf(f, "%s: %llds\n", k, (long long)(t / SEC));
}

int fsc_model_write(const fsc_model *m, const char *version, FILE *f)
{
    fprintf(f, "# written by fraudscan model fit from model %s\n", m->version);
    fprintf(f, "version: \"%s\"\nunits: logit\nrule_weight_scale: %.6g\n", version, m->rule_scale);
    fprintf(f, "thresholds: {low: %.6g, medium: %.6g, high: %.6g, critical: %.6g}\n",
            m->threshold[1], m->threshold[2], m->threshold[3], m->threshold[4]);
    dur(f, "repeat_window", m->repeat_window);
    dur(f, "cooldown", m->cooldown);
    dur(f, "suppress_confirmed_safe", m->suppress);
    if (m->max_skew)
        dur(f, "max_clock_skew", m->max_skew);
    fprintf(f, "episode_end: %.6g\nsignals:\n", m->episode_end);
    for (int k = 0; k < FSC_SIGNAL_COUNT; k++)
        fprintf(f, "  %s: {weight: %.6g, half_life: %llds}\n", signal_names[k], m->kind_weight[k],
                (long long)(m->half_life[k] / SEC));
    fprintf(f, "priors:\n");
    for (int ft = 1; ft <= FSC_FRAUD_TYPES; ft++) {
        fprintf(f, "  %s: {", fsc_fraud_type_code(ft));
        for (int g = 0; g < FSC_GROUP_COUNT; g++)
            fprintf(f, "%s%s: %.6g", g ? ", " : "", fsc_group_name((fsc_group)g),
                    fsc_sigmoid(m->prior_logit[ft][g]));
        fprintf(f, "}\n");
    }
    if (m->nrules) {
        fprintf(f, "rules:\n");
        for (size_t i = 0; i < m->nrules; i++)
            fprintf(f, "  %s: %.6g\n", m->rules[i].id, m->rules[i].logit);
    }
    if (m->ntags > FSC_TAG_BUILTIN) {
        fprintf(f, "tags:\n");
        for (size_t t = FSC_TAG_BUILTIN; t < m->ntags; t++) {
            fprintf(f, "  %s: [", m->tag_names[t]);
            int first = 1;
            for (size_t i = 0; i < m->ntag_rules; i++)
                if ((size_t)m->tag_rules[i].tag == t) {
                    fprintf(f, "%s\"%s\"", first ? "" : ", ", m->tag_rules[i].pattern);
                    first = 0;
                }
            fprintf(f, "]\n");
        }
    }
    if (m->nbanking) {
        fprintf(f, "banking_apps: [");
        for (size_t i = 0; i < m->nbanking; i++)
            fprintf(f, "%s\"%s\"", i ? ", " : "", m->banking_apps[i]);
        fprintf(f, "]\n");
    }
    if (m->nboosts) {
        fprintf(f, "boosts:\n");
        for (size_t b = 0; b < m->nboosts; b++) {
            const fsc_model_boost *bo = &m->boosts[b];
            fprintf(f, "  - name: \"%s\"\n    title: \"%s\"\n    fraud_types: [", bo->name,
                    bo->title);
            int first = 1;
            for (int ft = 1; ft <= FSC_FRAUD_TYPES; ft++)
                if (bo->fraud_types & (1u << ft)) {
                    fprintf(f, "%s%s", first ? "" : ", ", fsc_fraud_type_code(ft));
                    first = 0;
                }
            fprintf(f, "]\n    all: [");
            first = 1;
            for (size_t t = 0; t < m->ntags; t++)
                if (bo->tags & (1u << t)) {
                    fprintf(f, "%s%s", first ? "" : ", ", m->tag_names[t]);
                    first = 0;
                }
            fprintf(f, "]\n    within: %llds\n    logit: %.6g\n    level: %s\n",
                    (long long)(bo->within / SEC), bo->logit, fsc_level_name(bo->rule.level));
        }
    }
    return ferror(f) ? -1 : 0;
}
