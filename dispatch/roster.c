/* roster.c: the duty roster (roster.h): shifts by dates or by week, and
 * the routing of an alert to its precinct's queue or to the desk. */
#include "roster.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "yamldoc.h"

#define MAX_PRECINCTS 16
#define NAME_MAX_LEN 31

typedef struct shift {
    char officer[64];
    int nprec;
    char prec[MAX_PRECINCTS][NAME_MAX_LEN + 1];
    bool weekly;
    fsc_time from, to;         /* dated: [from, to) */
    uint8_t days;              /* weekly: bit 0 = Monday */
    int start, end;            /* weekly: minutes of the day, end may be 1440;
                                  end <= start runs past midnight */
} shift;

struct fsc_roster {
    char desk[NAME_MAX_LEN + 1];
    shift *s;
    size_t n;
    char digest[65];
};

/* The same alphabet the service accepts for precincts (service_util.c):
 * queue names end up in metric labels and Redis keys. */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || strchr("-_.:", s[i])))
            return false;
    return true;
}

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int day_at(const char *s)
{
    for (int d = 0; d < 7; d++)
        if (strncasecmp(s, day_names[d], 3) == 0)
            return d;
    return -1;
}

static bool hhmm(const char *s, int *min)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return false;
    *min = h * 60 + m;
    return true;
}

/* "Mon-Fri 08:00-20:00", "Sat,Sun 00:00-24:00", "Fri 22:00-06:00" (runs
 * into Saturday). Days: items of "Day" or "Day-Day" (wrapping, Fri-Mon),
 * separated by commas. */
static bool parse_weekly(const char *w, shift *sh)
{
    const char *p = w;
    sh->days = 0;
    for (;;) {
        int a = day_at(p), b;
        if (a < 0)
            return false;
        p += 3;
        b = a;
        if (*p == '-') {
            b = day_at(p + 1);
            if (b < 0)
                return false;
            p += 4;
        }
        for (int d = a;; d = (d + 1) % 7) {
            sh->days |= (uint8_t)(1u << d);
            if (d == b)
                break;
        }
        if (*p != ',')
            break;
        p++;
    }
    if (*p != ' ')
        return false;
    while (*p == ' ')
        p++;
    if (strlen(p) != 11 || !hhmm(p, &sh->start) || p[5] != '-' || !hhmm(p + 6, &sh->end))
        return false;
    if (sh->start == 1440 || sh->start == sh->end)
        return false;
    return true;
}

static bool shift_active(const shift *sh, double t)
{
    if (!(fabs(t) < 1e13)) /* NaN, or beyond any calendar we convert */
        return false;
    if (!sh->weekly) {
        fsc_time us = (fsc_time)llround(t * 1e6);
        return us >= sh->from && us < sh->to;
    }
    long long secs = (long long)floor(t);
    long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int min = (int)((secs - days * 86400) / 60);
    int wd = (int)(((days + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
    int prev = (wd + 6) % 7;
    if (sh->end > sh->start)
        return (sh->days >> wd & 1) && min >= sh->start && min < sh->end;
    /* past midnight: the evening part today, the morning part from the
     * day before */
    return ((sh->days >> wd & 1) && min >= sh->start) ||
           ((sh->days >> prev & 1) && min < sh->end);
}

static bool serves(const shift *sh, const char *precinct)
{
    for (int i = 0; i < sh->nprec; i++)
        if (strcmp(sh->prec[i], precinct) == 0)
            return true;
    return false;
}

static void parse_shift(fsc_roster *r, const char *name, yaml_document_t *doc, yaml_node_t *m,
                        fsc_diag *diag)
{
    shift sh = {0};
    static const char *const keys[] = {"officer", "precincts", "from", "to", "weekly"};
    yaml_node_t *field[5] = {0};
    if (m->type != YAML_MAPPING_NODE) {
        fsc_yamldoc_error(diag, name, m, "a shift is a mapping (officer, precincts, "
                                         "from/to or weekly)");
        return;
    }
    fsc_yamldoc_fields(name, doc, m, "a shift", keys, field, 5, diag);
    yaml_node_t *officer = field[0], *prec = field[1], *from = field[2], *to = field[3],
                *weekly = field[4];
    const char *o = fsc_yamldoc_scalar(officer);
    if (!officer) {
        fsc_yamldoc_error(diag, name, m, "a shift needs 'officer'");
        return;
    }
    if (!o || !*o || strlen(o) >= sizeof sh.officer) {
        fsc_yamldoc_error(diag, name, officer, "'officer' wants a name of 1 to 63 bytes");
        return;
    }
    snprintf(sh.officer, sizeof sh.officer, "%s", o);
    if (!prec) {
        fsc_yamldoc_error(diag, name, m, "shift of %s needs 'precincts'", o);
        return;
    }
    yaml_node_item_t *it = NULL, *end = NULL;
    if (prec->type == YAML_SEQUENCE_NODE) {
        it = prec->data.sequence.items.start;
        end = prec->data.sequence.items.top;
    }
    for (; it && it < end; it++) {
        yaml_node_t *pn = yaml_document_get_node(doc, *it);
        const char *pv = fsc_yamldoc_scalar(pn);
        if (!pv || !name_ok(pv)) {
            fsc_yamldoc_error(diag, name, pn ? pn : prec,
                              "a precinct is 1 to 31 of A-Z a-z 0-9 - _ . :");
            return;
        }
        if (sh.nprec == MAX_PRECINCTS) {
            fsc_yamldoc_error(diag, name, pn, "more than %d precincts in one shift",
                              MAX_PRECINCTS);
            return;
        }
        snprintf(sh.prec[sh.nprec++], NAME_MAX_LEN + 1, "%s", pv);
    }
    if (sh.nprec == 0) {
        fsc_yamldoc_error(diag, name, prec, "'precincts' wants a list of precincts, "
                                            "such as [P-EAST]");
        return;
    }
    if (weekly && (from || to)) {
        fsc_yamldoc_error(diag, name, weekly, "a shift has 'weekly' or 'from'/'to', not both");
        return;
    }
    if (weekly) {
        const char *w = fsc_yamldoc_scalar(weekly);
        sh.weekly = true;
        if (!w || !parse_weekly(w, &sh)) {
            fsc_yamldoc_error(diag, name, weekly,
                              "'weekly' wants days and hours in UTC, such as "
                              "\"Mon-Fri 08:00-20:00\"");
            return;
        }
    } else {
        const char *f = fsc_yamldoc_scalar(from), *t = fsc_yamldoc_scalar(to);
        if (!from || !to) {
            fsc_yamldoc_error(diag, name, m, "shift of %s needs 'from' and 'to', or 'weekly'",
                              o);
            return;
        }
        if (!f || !fsc_time_parse(f, strlen(f), &sh.from)) {
            fsc_yamldoc_error(diag, name, from, "'from' wants an RFC 3339 time");
            return;
        }
        if (!t || !fsc_time_parse(t, strlen(t), &sh.to)) {
            fsc_yamldoc_error(diag, name, to, "'to' wants an RFC 3339 time");
            return;
        }
        if (sh.to <= sh.from) {
            fsc_yamldoc_error(diag, name, to, "'to' is not after 'from'");
            return;
        }
    }
    if (r->n == FSC_ROSTER_MAX_SHIFTS) {
        fsc_yamldoc_error(diag, name, m, "more than %d shifts", FSC_ROSTER_MAX_SHIFTS);
        return;
    }
    shift *ns = realloc(r->s, (r->n + 1) * sizeof *ns);
    if (!ns) {
        fsc_yamldoc_error(diag, name, m, "out of memory");
        return;
    }
    r->s = ns;
    r->s[r->n++] = sh;
}

fsc_status fsc_roster_load_buf(const char *name, const char *buf, size_t len, fsc_diag *diag,
                               fsc_roster **out)
{
    yaml_document_t doc;
    yaml_node_t *root, *shifts = NULL;
    size_t errors = diag->errors;
    fsc_status st = fsc_yamldoc_open(name, buf, len, FSC_ROSTER_MAX_BYTES,
                                     "the roster is a mapping with 'desk' and 'shifts'", diag,
                                     &doc, &root);
    if (st != FSC_OK)
        return st;
    fsc_roster *r = calloc(1, sizeof *r);
    if (!r) {
        yaml_document_delete(&doc);
        return FSC_ENOMEM;
    }
    snprintf(r->desk, sizeof r->desk, "DESK");
    fsc_sha256_hex(buf, len, r->digest);
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&doc, p->value);
        const char *key = fsc_yamldoc_scalar(k);
        if (key && strcmp(key, "desk") == 0) {
            const char *d = fsc_yamldoc_scalar(v);
            if (!d || !name_ok(d))
                fsc_yamldoc_error(diag, name, v, "'desk' is a queue name: 1 to 31 of "
                                                 "A-Z a-z 0-9 - _ . :");
            else
                snprintf(r->desk, sizeof r->desk, "%s", d);
        } else if (key && strcmp(key, "shifts") == 0) {
            if (shifts)
                fsc_yamldoc_error(diag, name, k, "'shifts' is set twice");
            else if (v->type != YAML_SEQUENCE_NODE)
                fsc_yamldoc_error(diag, name, v, "'shifts' is a list of shifts");
            else
                shifts = v;
        } else {
            fsc_yamldoc_error(diag, name, k, "unknown key '%s' (desk, shifts)",
                              key ? key : "?");
        }
    }
    if (shifts)
        for (yaml_node_item_t *it = shifts->data.sequence.items.start;
             it < shifts->data.sequence.items.top; it++)
            parse_shift(r, name, &doc, yaml_document_get_node(&doc, *it), diag);
    yaml_document_delete(&doc);
    if (diag->errors != errors) {
        fsc_roster_free(r);
        return FSC_EMALFORMED;
    }
    *out = r;
    return FSC_OK;
}

/* fsc_roster_load_buf with the untyped out fsc_yamldoc_load hands on */
static fsc_status load_bytes(const char *name, const char *buf, size_t len, fsc_diag *diag,
                             void *out)
{
    return fsc_roster_load_buf(name, buf, len, diag, out);
}

fsc_status fsc_roster_load(const char *path, fsc_diag *diag, fsc_roster **out)
{
    return fsc_yamldoc_load(path, FSC_ROSTER_MAX_BYTES, diag, load_bytes, out);
}

void fsc_roster_free(fsc_roster *r)
{
    if (!r)
        return;
    free(r->s);
    free(r);
}

const char *fsc_roster_desk(const fsc_roster *r)
{
    return r->desk;
}

const char *fsc_roster_digest(const fsc_roster *r)
{
    return r->digest;
}

bool fsc_roster_covered(const fsc_roster *r, const char *precinct, double t)
{
    for (size_t i = 0; i < r->n; i++)
        if (serves(&r->s[i], precinct) && shift_active(&r->s[i], t))
            return true;
    return false;
}

const char *fsc_roster_route(const fsc_roster *r, const char *precinct, double t)
{
    return fsc_roster_covered(r, precinct, t) ? precinct : r->desk;
}

void fsc_roster_on_duty(const fsc_roster *r, const char *precinct, double t,
                        void (*fn)(void *ctx, const char *officer), void *ctx)
{
    for (size_t i = 0; i < r->n; i++)
        if (serves(&r->s[i], precinct) && shift_active(&r->s[i], t))
            fn(ctx, r->s[i].officer);
}
