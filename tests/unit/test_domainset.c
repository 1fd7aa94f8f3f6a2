/* test_domainset.c: the domain set against a naive matcher, with values
 * repeated under many ids (each value is stored once with a list of its
 * ids; the lists grow and move while the table itself grows).
 *
 * Values come from a small alphabet so that repeats, suffixes of one
 * another and near misses are common; every (value, id) added is kept in a
 * plain array, and every lookup must report exactly the ids the naive scan
 * of that array finds, each once, the ids of one value in the order added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domainset.h"
#include "unit.h"

typedef struct added {
    char value[16];
    unsigned field;
    bool suffix;
    uint32_t id;
} added;

#define NADD 6000
static added adds[NADD];
static size_t nadds;

static bool caseless_field(unsigned field)
{
    return field % 2 == 0; /* as fsc_rf_caseless: fixed per field */
}

static bool naive_match(const added *a, unsigned field, const char *name)
{
    if (a->field != field)
        return false;
    bool cl = caseless_field(field);
    size_t n = strlen(name), m = strlen(a->value);
    if (n == m && (cl ? strcasecmp(name, a->value) : strcmp(name, a->value)) == 0)
        return true;
    if (!a->suffix || n <= m || name[n - m - 1] != '.')
        return false;
    return (cl ? strcasecmp(name + n - m, a->value) : strcmp(name + n - m, a->value)) == 0;
}

typedef struct got {
    uint32_t ids[NADD];
    size_t n;
} got;

static void collect(void *ctx, uint32_t id)
{
    got *g = ctx;
    if (g->n < NADD)
        g->ids[g->n++] = id;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void random_name(char *out, size_t cap, unsigned *seed)
{
    static const char alpha[] = "abAB.";
    size_t n = 1 + (size_t)(rand_r(seed) % 6);
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = alpha[rand_r(seed) % 5];
    out[n] = '\0';
}

static void test_against_naive(void)
{
    unsigned seed = 12345;
    fsc_domainset *ds = fsc_domainset_new(4); /* grows many times */
    CHECK(ds != NULL, "new");
    if (!ds)
        return;
    bool ok = true;
    for (size_t i = 0; i < NADD; i++) {
        added *a = &adds[nadds];
        random_name(a->value, sizeof a->value, &seed);
        a->field = (unsigned)(rand_r(&seed) % 3);
        a->suffix = rand_r(&seed) % 3 == 0;
        a->id = (uint32_t)i;
        bool r;
        /* fields 0 and 2 (both caseless, as the host fields are) share
         * namespace 0: the same value on both is one entry, and a lookup
         * must still report only the asked field's ids */
        if (i % 2 && a->field != 2) {
            r = fsc_domainset_add(ds, a->field, a->value, (uint32_t)strlen(a->value), a->suffix,
                                  caseless_field(a->field), a->id);
        } else {
            fsc_domainset_item it = {a->value,  (uint32_t)strlen(a->value),
                                     a->id,     (uint8_t)a->field,
                                     (uint8_t)(a->field == 2 ? 0 : a->field),
                                     a->suffix, caseless_field(a->field)};
            r = fsc_domainset_add_many(ds, &it, 1);
        }
        ok &= r;
        nadds++;
    }
    CHECK(ok, "every add succeeded");
    CHECK(fsc_domainset_count(ds) == NADD, "count is the pairs added (%zu)",
          fsc_domainset_count(ds));

    static got g;
    static uint32_t want[NADD];
    size_t bad = 0, order_bad = 0, names = 0, hits = 0;
    for (int k = 0; k < 4000; k++) {
        char name[16];
        random_name(name, sizeof name, &seed);
        unsigned field = (unsigned)(rand_r(&seed) % 4); /* 3: no entries */
        size_t nw = 0;
        for (size_t i = 0; i < nadds; i++)
            if (naive_match(&adds[i], field, name))
                want[nw++] = adds[i].id;
        g.n = 0;
        size_t found = fsc_domainset_lookup(ds, field, name, strlen(name), caseless_field(field),
                                            collect, &g);
        /* the ids of one stored value come in the order they were added:
         * within a run of the same value and flag, ids ascend */
        for (size_t i = 1; i < g.n; i++) {
            const added *p = &adds[g.ids[i - 1]], *q = &adds[g.ids[i]];
            if (strcmp(p->value, q->value) == 0 && p->suffix == q->suffix && p->id > q->id)
                order_bad++;
        }
        qsort(g.ids, g.n, sizeof g.ids[0], cmp_u32);
        qsort(want, nw, sizeof want[0], cmp_u32);
        if (found != nw || g.n != nw || memcmp(g.ids, want, nw * sizeof want[0]) != 0) {
            if (bad++ < 5)
                printf("# field %u %s: got %zu ids, want %zu\n", field, name, g.n, nw);
        }
        names++;
        hits += nw;
    }
    CHECK(bad == 0, "%zu lookups agree with the naive matcher (%zu ids in all)", names, hits);
    CHECK(order_bad == 0, "ids of one value in the order added");
    CHECK(hits > 10000, "the lookups found repeated values (%zu ids)", hits);
    fsc_domainset_free(ds);
}

/* One value named by many rules: one entry, every id reported. */
static void test_many_owners(void)
{
    fsc_domainset *ds = fsc_domainset_new(16);
    for (uint32_t id = 0; id < 1000; id++) {
        fsc_domainset_add(ds, 5, "install", 7, false, false, id * 3);
        fsc_domainset_add(ds, 5, "install", 7, true, false, id * 3 + 1);
        if (id % 10 == 0)
            fsc_domainset_add(ds, 5, "other", 5, false, false, id);
    }
    static got g;
    g.n = 0;
    size_t n = fsc_domainset_lookup(ds, 5, "install", 7, false, collect, &g);
    size_t asc = 1;
    for (size_t i = 1; i < g.n; i++)
        asc &= g.ids[i] != g.ids[i - 1];
    CHECK(n == 2000 && g.n == 2000 && asc, "2000 ids of one value (%zu)", n);
    g.n = 0;
    n = fsc_domainset_lookup(ds, 5, "x.install", 9, false, collect, &g);
    bool suffix_ids = g.n == 1000;
    for (size_t i = 0; i < g.n; i++)
        suffix_ids &= g.ids[i] % 3 == 1 && (i == 0 || g.ids[i] > g.ids[i - 1]);
    CHECK(n == 1000 && suffix_ids, "a subdomain gets the suffix entry's 1000 ids, in order");
    CHECK(fsc_domainset_lookup(ds, 5, "other", 5, false, NULL, NULL) == 100, "other value");
    CHECK(fsc_domainset_lookup(ds, 5, "Install", 7, false, NULL, NULL) == 0,
          "case kept on a field with case");
    CHECK(!fsc_domainset_add(ds, 5, "x", 1, false, false, FSC_DOMAINSET_MAX_IDS),
          "ids from FSC_DOMAINSET_MAX_IDS refused");
    CHECK(fsc_domainset_add(ds, 5, "x", 1, false, false, FSC_DOMAINSET_MAX_IDS - 1),
          "the largest id taken");
    fsc_domainset_free(ds);
}

/* One list on four host fields in one namespace: each field's lookups
 * report that field's ids only, in the order added; a field cannot move to
 * another namespace. */
static void test_shared_namespace(void)
{
    fsc_domainset *ds = fsc_domainset_new(8);
    static const char *vals[] = {"evil.top", "pay-x.vip", "evil.top"};
    bool ok = true;
    for (unsigned f = 10; f < 14; f++)
        for (uint32_t i = 0; i < 3; i++) {
            fsc_domainset_item it = {vals[i], (uint32_t)strlen(vals[i]), f * 100 + i,
                                     (uint8_t)f, 10, true, true};
            ok &= fsc_domainset_add_many(ds, &it, 1);
        }
    CHECK(ok && fsc_domainset_count(ds) == 12, "12 (field, value, id) added");
    bool each = true;
    for (unsigned f = 10; f < 14; f++) {
        static got g;
        g.n = 0;
        size_t n = fsc_domainset_lookup(ds, f, "WWW.Evil.Top", 12, true, collect, &g);
        each &= n == 2 && g.n == 2 && g.ids[0] == f * 100 && g.ids[1] == f * 100 + 2;
    }
    CHECK(each, "each field sees its own two ids of evil.top, in order");
    CHECK(fsc_domainset_lookup(ds, 14, "evil.top", 8, true, NULL, NULL) == 0,
          "a field with no values sees none");
    fsc_domainset_item moved = {"z.cn", 4, 1, 11, 12, true, true};
    CHECK(!fsc_domainset_add_many(ds, &moved, 1), "a field's namespace cannot change");
    CHECK(!fsc_domainset_add(ds, 12, "z.cn", 4, true, true, 1),
          "add() puts a field in its own namespace: refused once it is in another");
    fsc_domainset_free(ds);
}

int main(void)
{
    test_against_naive();
    test_many_owners();
    test_shared_namespace();
    return unit_done();
}
