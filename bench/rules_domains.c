/* bench/rules_domains.c: suffix lookups per second on a large domain list,
 * the domain set (one hash probe per label) against Hyperscan (one
 * database of '(?:\A|\.)name\z' literals), on exact hits, near misses
 * (one letter changed in the registered label) and unrelated names. The
 * domain set's cost is one probe per label of the name, so each kind also
 * gets its mean labels per name and nanoseconds per label: "flat" means the
 * last figure does not depend on how close the names come to an entry.
 *   cc -O2 -Iengine bench/rules_domains.c engine/domainset.c -lhs -o /tmp/rd
 *   /tmp/rd ../shared/corpus/iocs/blocklistproject/phishing-nl.txt 1000000 */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domainset.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int on(unsigned id, unsigned long long f, unsigned long long t, unsigned fl, void *c)
{
    (void)id, (void)f, (void)t, (void)fl;
    (*(size_t *)c)++;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    size_t want = strtoul(argv[2], NULL, 10), hs_max = argc > 3 ? strtoul(argv[3], NULL, 10) : 100000;
    FILE *f = fopen(argv[1], "r");
    if (!f)
        return 1;
    char **names = malloc(want * sizeof *names), line[512];
    size_t n = 0;
    while (n < want && fgets(line, sizeof line, f)) {
        size_t l = strcspn(line, "\r\n #");
        if (l == 0 || line[0] == '#')
            continue;
        line[l] = 0;
        names[n++] = strdup(line);
    }
    fclose(f);
    /* pad with synthetic names up to want */
    size_t real = n;
    for (; n < want; n++) {
        snprintf(line, sizeof line, "s%zu-%s", n, names[n % real]);
        names[n] = strdup(line);
    }
    double t0 = now();
    fsc_domainset *ds = fsc_domainset_new(n);
    for (size_t i = 0; i < n; i++)
        fsc_domainset_add(ds, 0, names[i], (uint32_t)strlen(names[i]), true, true, (uint32_t)i);
    printf("domain set: %zu names (%zu real) built in %.2f s, %zu bytes\n", n, real, now() - t0,
           fsc_domainset_bytes(ds));
    enum { Q = 2000000 };
    static char q[3][Q / 100][300];
    for (int i = 0; i < Q / 100; i++) {
        const char *b = names[(size_t)rand() % n];
        snprintf(q[0][i], 300, "www.%s", b);
        snprintf(q[1][i], 300, "www.%s", b);
        char *dot = strchr(q[1][i] + 4, '.');
        if (dot && dot > q[1][i] + 4)
            dot[-1] = dot[-1] == 'x' ? 'y' : 'x'; /* near miss: last letter of a label */
        snprintf(q[2][i], 300, "cdn%d.unrelated-site-%d.com", i, i * 7);
    }
    static const char *const kind[] = {"hits", "near misses", "unrelated"};
    for (int k = 0; k < 3; k++) {
        size_t hits = 0, labels = 0;
        for (int i = 0; i < Q / 100; i++) {
            labels++;
            for (const char *c = q[k][i]; *c; c++)
                labels += *c == '.';
        }
        double s = now();
        for (int r = 0; r < 100; r++)
            for (int i = 0; i < Q / 100; i++)
                hits += fsc_domainset_lookup(ds, 0, q[k][i], strlen(q[k][i]), true, NULL, NULL);
        double e = now() - s;
        printf("  domain set  %-12s %6.2f M lookups/s, %4.0f ns/name, %.2f labels/name, "
               "%3.0f ns/label (%zu matched)\n",
               kind[k], Q / e / 1e6, e / Q * 1e9, (double)labels / (Q / 100),
               e / ((double)labels * 100) * 1e9, hits);
    }
    /* Hyperscan on the first hs_max names (compiling a million literals
     * takes far longer than the domain set) */
    size_t hn = n < hs_max ? n : hs_max;
    char **ex = malloc(hn * sizeof *ex);
    unsigned *ids = malloc(hn * sizeof *ids), *fl = malloc(hn * sizeof *fl);
    for (size_t i = 0; i < hn; i++) {
        size_t l = strlen(names[i]), at = 0;
        ex[i] = malloc(l * 4 + 16);
        at += (size_t)sprintf(ex[i], "(?:\\A|\\.)");
        for (size_t j = 0; j < l; j++)
            at += (size_t)sprintf(ex[i] + at, "\\x%02x", (unsigned char)names[i][j]);
        sprintf(ex[i] + at, "\\z");
        ids[i] = (unsigned)i;
        fl[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
    }
    hs_database_t *db;
    hs_compile_error_t *ce;
    t0 = now();
    if (hs_compile_multi((const char *const *)ex, fl, ids, (unsigned)hn, HS_MODE_BLOCK, NULL, &db,
                         &ce) != HS_SUCCESS) {
        printf("hs compile failed: %s\n", ce->message);
        return 1;
    }
    printf("hyperscan: %zu names compiled in %.2f s\n", hn, now() - t0);
    hs_scratch_t *sc = NULL;
    hs_alloc_scratch(db, &sc);
    /* queries against names the database holds */
    for (int i = 0; i < Q / 100; i++) {
        const char *b = names[(size_t)rand() % hn];
        snprintf(q[0][i], 300, "www.%s", b);
        snprintf(q[1][i], 300, "www.%s", b);
        char *dot = strchr(q[1][i] + 4, '.');
        if (dot && dot > q[1][i] + 4)
            dot[-1] = dot[-1] == 'x' ? 'y' : 'x';
    }
    for (int k = 0; k < 3; k++) {
        size_t hits = 0;
        double s = now();
        for (int r = 0; r < 10; r++)
            for (int i = 0; i < Q / 100; i++)
                hs_scan(db, q[k][i], (unsigned)strlen(q[k][i]), 0, sc, on, &hits);
        double e = now() - s;
        printf("  hyperscan   %-12s %6.2f M lookups/s (%zu matched)\n", kind[k], Q / 10 / e / 1e6,
               hits);
    }
    return 0;
}
