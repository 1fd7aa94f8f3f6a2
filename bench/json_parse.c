/* json_parse.c: which JSON library parses install events fastest?
 *
 * Builds N realistic install-event lines in memory (the shape of
 * docs/feeds.md: ts, subscriber, package, label in UTF-8, hashes, a
 * permissions array) and parses every line with each library, pulling out
 * the fields the engine uses. Prints events/s per library (median of 5
 * passes) and the ratio to yajl's callback parser, in the same run. */
#include <cjson/cJSON.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#define LINES 200000

static char **lines;
static size_t *lens;
static volatile size_t sink; /* keeps the compiler from dropping the work */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void make_lines(void)
{
    static const char *perms[] = {"READ_SMS", "RECEIVE_SMS", "READ_CONTACTS", "CAMERA",
                                  "INTERNET", "SYSTEM_ALERT_WINDOW", "BIND_ACCESSIBILITY_SERVICE"};
    lines = malloc(LINES * sizeof *lines);
    lens = malloc(LINES * sizeof *lens);
    srand(7);
    for (size_t i = 0; i < LINES; i++) {
        char buf[1024], p[512] = "";
        int np = rand() % 6;
        for (int k = 0; k < np; k++) {
            char one[64];
            snprintf(one, sizeof one, "%s\"android.permission.%s\"", k ? "," : "",
                     perms[rand() % 7]);
            strcat(p, one);
        }
        int n = snprintf(buf, sizeof buf,
                         "{\"ts\":\"2026-11-29T08:%02d:%02dZ\",\"subscriber\":\"S%06zu\","
                         "\"device\":\"d%zu\",\"event\":\"install\",\"package\":\"com.app%d.x\","
                         "\"label\":\"\\u4efb\\u52a1 App %d\",\"version\":\"1.%d\","
                         "\"cert_sha256\":\"%064x\",\"apk_sha256\":\"%064x\","
                         "\"installer\":\"sideload\",\"permissions\":[%s]}",
                         (int)(i / 60 % 60), (int)(i % 60), i, i, rand() % 5000,
                         rand() % 100, rand() % 9, rand(), rand(), p);
        lines[i] = strdup(buf);
        lens[i] = (size_t)n;
    }
}

/* yajl callback mode: the parser calls us per token; no tree is built */
static int cb_string(void *ctx, const unsigned char *s, size_t l)
{
    (void)s;
    *(size_t *)ctx += l;
    return 1;
}
static int cb_key(void *ctx, const unsigned char *s, size_t l)
{
    (void)s;
    *(size_t *)ctx += l;
    return 1;
}
static const yajl_callbacks cbs = {NULL, NULL, NULL, NULL, NULL, cb_string,
                                   NULL, cb_key, NULL, NULL, NULL};

static size_t run_yajl_cb(void)
{
    size_t acc = 0;
    yajl_handle h = yajl_alloc(&cbs, NULL, &acc);
    for (size_t i = 0; i < LINES; i++) {
        yajl_parse(h, (const unsigned char *)lines[i], lens[i]);
        yajl_complete_parse(h);
        yajl_free(h); /* a fresh handle per line, as a line reader must */
        h = yajl_alloc(&cbs, NULL, &acc);
    }
    yajl_free(h);
    return acc;
}

/* the same, one handle for every line: yajl_allow_multiple_values lets a
 * handle parse value after value; it is replaced only after an error */
static size_t run_yajl_cb_reuse(void)
{
    size_t acc = 0;
    yajl_handle h = yajl_alloc(&cbs, NULL, &acc);
    yajl_config(h, yajl_allow_multiple_values, 1);
    for (size_t i = 0; i < LINES; i++) {
        if (yajl_parse(h, (const unsigned char *)lines[i], lens[i]) != yajl_status_ok) {
            yajl_free(h);
            h = yajl_alloc(&cbs, NULL, &acc);
            yajl_config(h, yajl_allow_multiple_values, 1);
        }
    }
    yajl_free(h);
    return acc;
}

static size_t run_yajl_tree(void)
{
    size_t acc = 0;
    char err[128];
    const char *pk[] = {"package", NULL}, *sk[] = {"subscriber", NULL};
    for (size_t i = 0; i < LINES; i++) {
        yajl_val v = yajl_tree_parse(lines[i], err, sizeof err);
        yajl_val a = yajl_tree_get(v, pk, yajl_t_string), b = yajl_tree_get(v, sk, yajl_t_string);
        acc += strlen(YAJL_GET_STRING(a)) + strlen(YAJL_GET_STRING(b));
        yajl_tree_free(v);
    }
    return acc;
}

static size_t run_cjson(void)
{
    size_t acc = 0;
    for (size_t i = 0; i < LINES; i++) {
        cJSON *o = cJSON_ParseWithLength(lines[i], lens[i]);
        acc += strlen(cJSON_GetObjectItemCaseSensitive(o, "package")->valuestring);
        acc += strlen(cJSON_GetObjectItemCaseSensitive(o, "subscriber")->valuestring);
        cJSON_Delete(o);
    }
    return acc;
}

static size_t run_jansson(void)
{
    size_t acc = 0;
    json_error_t e;
    for (size_t i = 0; i < LINES; i++) {
        json_t *o = json_loadb(lines[i], lens[i], 0, &e);
        acc += strlen(json_string_value(json_object_get(o, "package")));
        acc += strlen(json_string_value(json_object_get(o, "subscriber")));
        json_decref(o);
    }
    return acc;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_rate(size_t (*fn)(void))
{
    double r[5];
    for (int k = 0; k < 5; k++) {
        double t = now();
        sink += fn();
        r[k] = LINES / (now() - t);
    }
    qsort(r, 5, sizeof r[0], cmpd);
    return r[2];
}

int main(void)
{
    make_lines();
    struct {
        const char *name;
        size_t (*fn)(void);
        double rate;
    } libs[] = {
        {"yajl (callbacks)", run_yajl_cb, 0},
        {"yajl (cb, reused)", run_yajl_cb_reuse, 0},
        {"yajl (tree)", run_yajl_tree, 0},
        {"cJSON", run_cjson, 0},
        {"jansson", run_jansson, 0},
    };
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
        libs[i].rate = median_rate(libs[i].fn);
    printf("%-18s %14s %10s\n", "library", "events/s", "vs yajl-cb");
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
        printf("%-18s %14.0f %10.2f\n", libs[i].name, libs[i].rate, libs[i].rate / libs[0].rate);
    return 0;
}
