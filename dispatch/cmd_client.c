/* cmd_client.c: the dispatch verbs' shared command-line pieces (cmd_client.h). */
#include "cmd_client.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cmd.h"
#include "timefmt.h"
#include "wire_client.h"

int fsc_verb_opts_parse(int argc, char **argv, fsc_verb_opts *o, void (*help)(FILE *))
{
    static const struct option opts[] = {
        {"dispatch", required_argument, NULL, 'd'}, {"token-file", required_argument, NULL, 't'},
        {"note", required_argument, NULL, 'N'},     {"by", required_argument, NULL, 'b'},
        {"precinct", required_argument, NULL, 'p'}, {"state", required_argument, NULL, 's'},
        {"from", required_argument, NULL, 'F'},     {"to", required_argument, NULL, 'T'},
        {"amount", required_argument, NULL, 'A'},   {"min-level", required_argument, NULL, 'l'},
        {"alert", required_argument, NULL, 'a'},    {"bank", required_argument, NULL, 'B'},
        {"account", required_argument, NULL, 'c'},  {"reason", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:t:N:b:p:s:F:T:A:l:a:B:c:r:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o->dispatch = optarg; break;
        case 't': o->token_file = optarg; break;
        case 'N': o->note = optarg; break;
        case 'b': o->by = optarg; break;
        case 'p': o->precinct = optarg; break;
        case 's': o->state = optarg; break;
        case 'F': o->from = optarg; break;
        case 'T': o->to = optarg; break;
        case 'A': o->amount = optarg; break;
        case 'a': o->alert = optarg; break;
        case 'B': o->bank = optarg; break;
        case 'c': o->account = optarg; break;
        case 'r': o->reason = optarg; break;
        case 'l':
            if (fsc_cmd_long("--min-level", optarg, 0, 4, &o->min_level) != 0)
                return 2;
            break;
        case 'j': o->json = 1; break;
        case 'h': help(stdout); return 1;
        default: help(stderr); return 2;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (o->npos == 4) {
            fprintf(stderr, "fraudscan: too many arguments ('%s')\n", argv[i]);
            return 2;
        }
        o->pos[o->npos++] = argv[i];
    }
    return 0;
}

static int parse_time_opt(const char *opt, const char *s, double *out)
{
    fsc_time t;
    if (!fsc_time_parse(s, strlen(s), &t)) {
        fprintf(stderr, "fraudscan: %s '%s' is not a time (RFC 3339 like "
                        "2026-11-29T08:00:00Z, or seconds since the epoch)\n", opt, s);
        return -1;
    }
    *out = (double)t / 1e6;
    return 0;
}

int fsc_verb_amount(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > 1e12) {
        fprintf(stderr, "fraudscan: --amount '%s' is not an amount (like 2500 or 2500.50)\n", s);
        return -1;
    }
    *out = v;
    return 0;
}

int fsc_verb_range_args(const fsc_verb_opts *o, char *buf, size_t cap)
{
    double from = 0, to = 0;
    if ((o->from && parse_time_opt("--from", o->from, &from) != 0) ||
        (o->to && parse_time_opt("--to", o->to, &to) != 0))
        return -1;
    if (o->from && o->to && to < from) {
        fprintf(stderr, "fraudscan: --to is before --from\n");
        return -1;
    }
    int n = snprintf(buf, cap, "{");
    if (o->from)
        n += snprintf(buf + n, cap - (size_t)n, "\"from\":%.6f", from);
    if (o->to)
        n += snprintf(buf + n, cap - (size_t)n, "%s\"to\":%.6f", o->from ? "," : "", to);
    snprintf(buf + n, cap - (size_t)n, "}");
    return 0;
}

int fsc_verb_call(const char *who, const fsc_verb_opts *o, const char *verb, const char *args,
                  char **body)
{
    char token[256], err[300];
    const char *ep = o->dispatch;
    *body = NULL;
    if (fsc_wclient_settings(who, &ep, o->token_file, token, sizeof token) != 0)
        return 2;
    fsc_wclient *c = fsc_wclient_open(ep, token, err, sizeof err);
    if (!c) {
        fprintf(stderr, "%s: %s\n", who, err);
        return 1;
    }
    fsc_status st;
    fsc_status r = fsc_wclient_call(c, verb, args, 5000, &st, body, err, sizeof err);
    fsc_wclient_close(c);
    if (r != FSC_OK) {
        fprintf(stderr, "%s: %s (%s)\n", who, err, ep);
        return 1;
    }
    if (st != FSC_OK) {
        char why[600];
        bool refused = st == FSC_EDENIED || st == FSC_ESTATE || st == FSC_ENOTFOUND;
        fprintf(stderr, "%s: %s (%s): %s\n", who, refused ? "refused" : "failed",
                fsc_status_name(st), fsc_wclient_error(st, *body, why, sizeof why));
        free(*body);
        *body = NULL;
        return 1;
    }
    return 0;
}

/* Re-emits a parsed tree; false past a depth no answer of ours has. */
static bool gen_tree(yajl_gen g, yajl_val x, int depth)
{
    if (depth > 64)
        return false;
    if (YAJL_IS_OBJECT(x)) {
        yajl_gen_map_open(g);
        for (size_t i = 0; i < x->u.object.len; i++) {
            const char *k = x->u.object.keys[i];
            yajl_gen_string(g, (const unsigned char *)k, strlen(k));
            if (!gen_tree(g, x->u.object.values[i], depth + 1))
                return false;
        }
        yajl_gen_map_close(g);
    } else if (YAJL_IS_ARRAY(x)) {
        yajl_gen_array_open(g);
        for (size_t i = 0; i < x->u.array.len; i++)
            if (!gen_tree(g, x->u.array.values[i], depth + 1))
                return false;
        yajl_gen_array_close(g);
    } else if (YAJL_IS_STRING(x)) {
        yajl_gen_string(g, (const unsigned char *)x->u.string, strlen(x->u.string));
    } else if (YAJL_IS_NUMBER(x)) {
        yajl_gen_number(g, x->u.number.r, strlen(x->u.number.r));
    } else if (YAJL_IS_TRUE(x) || YAJL_IS_FALSE(x)) {
        yajl_gen_bool(g, YAJL_IS_TRUE(x));
    } else {
        yajl_gen_null(g);
    }
    return true;
}

void fsc_verb_print_json(const char *body, int raw)
{
    char e[128];
    yajl_val v = raw ? NULL : yajl_tree_parse(body, e, sizeof e);
    if (!v) {
        printf("%s\n", body);
        return;
    }
    yajl_gen g = yajl_gen_alloc(NULL);
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "  ");
    const unsigned char *out;
    size_t len;
    if (gen_tree(g, v, 0) && yajl_gen_get_buf(g, &out, &len) == yajl_gen_status_ok)
        fwrite(out, 1, len, stdout);
    else
        printf("%s\n", body);
    yajl_gen_free(g);
    yajl_tree_free(v);
}

const char *fsc_verb_str(yajl_val o, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : "-";
}

double fsc_verb_num(yajl_val o, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_number);
    return v ? YAJL_GET_DOUBLE(v) : 0.0;
}
