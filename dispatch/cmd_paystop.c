/* cmd_paystop.c: `fraudscan paystop request|status|stats`, the bank
 * liaison's payment stops, one request to dispatch each (wire.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "cmd.h"
#include "cmd_client.h"
#include "wire_req.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fraudscan paystop request --alert ID --bank B --account A --amount N\n"
            "                                 --reason TEXT\n"
            "       fraudscan paystop status PAYSTOP_ID [--json]\n"
            "       fraudscan paystop stats [--from TIME] [--to TIME]\n"
            "  Each takes --dispatch ENDPOINT and --token-file FILE (or FRAUDSCAN_DISPATCH,\n"
            "  FRAUDSCAN_TOKEN_FILE). request asks the bank to stop a payment and prints its\n"
            "  id (the same id again for the same alert, bank and account); status shows its\n"
            "  steps (requested, sent, acknowledged, then stopped, rejected or expired);\n"
            "  stats the time from alert to stop per precinct and bank.\n"
            "  TIME is RFC 3339 (2026-11-29T08:00:00Z) or seconds since the epoch.\n"
            "  Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 usage.\n");
}

static const char *str_at(yajl_val o, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : "-";
}

static int request(const fsc_verb_opts *o)
{
    const char *who = "fraudscan paystop request";
    if (!o->alert || !o->bank || !o->account || !o->amount || !o->reason || o->npos) {
        fprintf(stderr, "%s: needs --alert, --bank, --account, --amount and --reason%s\n", who,
                o->npos ? " (and no other arguments)" : "");
        usage(stderr);
        return 2;
    }
    double amount;
    if (fsc_verb_amount(o->amount, &amount) != 0)
        return 2;
    char q[4][1200], args[5200], *body = NULL;
    fsc_json_quote(q[0], sizeof q[0], o->alert);
    fsc_json_quote(q[1], sizeof q[1], o->bank);
    fsc_json_quote(q[2], sizeof q[2], o->account);
    fsc_json_quote(q[3], sizeof q[3], o->reason);
    snprintf(args, sizeof args,
             "{\"alert_id\":%s,\"bank\":%s,\"account\":%s,\"amount\":%.2f,\"reason\":%s}", q[0],
             q[1], q[2], amount, q[3]);
    int r = fsc_verb_call(who, o, "paystop_request", args, &body);
    if (r != 0)
        return r;
    char e[128];
    yajl_val v = yajl_tree_parse(body, e, sizeof e);
    const char *path[] = {"existing", NULL};
    bool existing = v && YAJL_IS_TRUE(yajl_tree_get(v, path, yajl_t_true));
    if (o->json)
        printf("%s\n", body);
    else if (existing)
        printf("%s (already requested for this alert, bank and account)\n",
               v ? str_at(v, "paystop_id") : body);
    else
        printf("%s requested from %s\n", v ? str_at(v, "paystop_id") : body, o->bank);
    yajl_tree_free(v);
    free(body);
    return 0;
}

static int status(const fsc_verb_opts *o)
{
    const char *who = "fraudscan paystop status";
    if (o->npos != 1) {
        fprintf(stderr, "%s: which payment stop? give its id (PS-...)\n", who);
        return 2;
    }
    char q[200], args[256], *body = NULL;
    fsc_json_quote(q, sizeof q, o->pos[0]);
    snprintf(args, sizeof args, "{\"paystop_id\":%s}", q);
    int r = fsc_verb_call(who, o, "paystop_show", args, &body);
    if (r != 0)
        return r;
    char e[128];
    yajl_val v = o->json ? NULL : yajl_tree_parse(body, e, sizeof e);
    const char *pp[] = {"paystop", NULL};
    yajl_val ps = v ? yajl_tree_get(v, pp, yajl_t_object) : NULL;
    if (!ps)
        ps = v;
    if (ps && strcmp(str_at(ps, "state"), "-") != 0) {
        /* one line first: what a liaison on the phone with the bank needs */
        printf("%s %s, bank %s, ref %s, account %s, alert %s\n", o->pos[0], str_at(ps, "state"),
               str_at(ps, "bank"), str_at(ps, "bank_ref"), str_at(ps, "account"),
               str_at(ps, "alert_id"));
    }
    fsc_verb_print_json(body, o->json);
    yajl_tree_free(v);
    free(body);
    return 0;
}

static int stats(const fsc_verb_opts *o)
{
    char args[256], *body = NULL;
    if (o->npos || fsc_verb_range_args(o, args, sizeof args) != 0)
        return 2;
    int r = fsc_verb_call("fraudscan paystop stats", o, "paystop_stats", args, &body);
    if (r != 0)
        return r;
    fsc_verb_print_json(body, o->json);
    free(body);
    return 0;
}

int fsc_cmd_paystop(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    fsc_verb_opts o;
    int r = fsc_verb_opts_parse(argc - 1, argv + 1, &o, usage);
    if (r != 0)
        return r == 1 ? 0 : 2;
    if (strcmp(argv[1], "request") == 0)
        return request(&o);
    if (strcmp(argv[1], "status") == 0)
        return status(&o);
    if (strcmp(argv[1], "stats") == 0)
        return stats(&o);
    fprintf(stderr, "fraudscan paystop: '%s' is not a paystop command\n", argv[1]);
    usage(stderr);
    return 2;
}
