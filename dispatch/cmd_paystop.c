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
            "       fraudscan paystop stats [--from TIME] [--to TIME] [--json]\n"
            "  Each takes --dispatch ENDPOINT and --token-file FILE (or FRAUDSCAN_DISPATCH,\n"
            "  FRAUDSCAN_TOKEN_FILE). request asks the bank to stop a payment and prints its\n"
            "  id (the same id again for the same alert, bank and account); status shows its\n"
            "  steps (requested, sent, acknowledged, then stopped, rejected or expired);\n"
            "  stats the time from alert to stop per precinct and bank.\n"
            "  TIME is RFC 3339 (2026-11-29T08:00:00Z) or seconds since the epoch.\n"
            "  Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 usage.\n");
}

/* One row of the stats table: a precinct's or a bank's figures. */
static void stats_row(const char *kind, const char *name, yajl_val g)
{
    const char *pb[] = {"by_state", NULL}, *pt[] = {"time_alert_to_stop_s", NULL};
    yajl_val b = yajl_tree_get(g, pb, yajl_t_object), t = yajl_tree_get(g, pt, yajl_t_object);
    char p50[16] = "-", p90[16] = "-", mx[16] = "-";
    if (t && fsc_verb_num(t, "count") > 0) {
        snprintf(p50, sizeof p50, "%.1f", fsc_verb_num(t, "p50"));
        snprintf(p90, sizeof p90, "%.1f", fsc_verb_num(t, "p90"));
        snprintf(mx, sizeof mx, "%.1f", fsc_verb_num(t, "max"));
    }
    printf("%-8s %-14s %8.0f %7.0f %8.0f %7.0f %8.0f %12.2f %8s %8s %8s\n", kind, name,
           fsc_verb_num(g, "requests"), b ? fsc_verb_num(b, "stopped") : 0,
           b ? fsc_verb_num(b, "rejected") : 0, b ? fsc_verb_num(b, "expired") : 0,
           b ? fsc_verb_num(b, "requested") + fsc_verb_num(b, "sent") +
                   fsc_verb_num(b, "acknowledged")
             : 0,
           fsc_verb_num(g, "amount_stopped"), p50, p90, mx);
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
               v ? fsc_verb_str(v, "paystop_id") : body);
    else
        printf("%s requested from %s\n", v ? fsc_verb_str(v, "paystop_id") : body, o->bank);
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
    if (!ps || strcmp(fsc_verb_str(ps, "state"), "-") == 0) {
        fsc_verb_print_json(body, o->json);
    } else {
        /* one line first: what a liaison on the phone with the bank needs;
         * then each step with its time */
        const char *ref = fsc_verb_str(ps, "bank_ref");
        printf("%s %s, bank %s, ref %s, account %s, amount %.2f, alert %s\n", o->pos[0],
               fsc_verb_str(ps, "state"), fsc_verb_str(ps, "bank"), ref[0] ? ref : "-",
               fsc_verb_str(ps, "account"), fsc_verb_num(ps, "amount"),
               fsc_verb_str(ps, "alert_id"));
        const char *ph[] = {"history", NULL};
        yajl_val h = yajl_tree_get(v, ph, yajl_t_array);
        for (size_t i = 0; h && i < h->u.array.len; i++) {
            yajl_val x = h->u.array.values[i];
            bool req = strcmp(fsc_verb_str(x, "kind"), "paystop") == 0;
            const char *xr = fsc_verb_str(x, "bank_ref"), *xd = fsc_verb_str(x, "detail");
            bool has_d = !req && xd[0] && strcmp(xd, "-") != 0;
            printf("  %s  %-12s %s%s%s%s\n", fsc_verb_str(x, "ts"),
                   req ? "requested" : fsc_verb_str(x, "state"), req ? "by " : "",
                   req ? fsc_verb_str(x, "who") : (xr[0] && strcmp(xr, "-") ? xr : ""),
                   has_d ? "  " : "", has_d ? xd : "");
        }
        const char *pt[] = {"time_to_stop_s", NULL};
        yajl_val t = yajl_tree_get(ps, pt, yajl_t_number);
        if (t)
            printf("  %.1f s from the alert to the stop\n", YAJL_GET_DOUBLE(t));
    }
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
    char e[128];
    yajl_val v = o->json ? NULL : yajl_tree_parse(body, e, sizeof e);
    if (!v) {
        fsc_verb_print_json(body, o->json);
        free(body);
        return 0;
    }
    printf("payment stops from %s to %s; time from the alert to the stop in seconds\n",
           fsc_verb_str(v, "from"),
           strcmp(fsc_verb_str(v, "to"), "-") ? fsc_verb_str(v, "to") : "now");
    printf("%-8s %-14s %8s %7s %8s %7s %8s %12s %8s %8s %8s\n", "", "", "requests", "stopped",
           "rejected", "expired", "pending", "amount", "p50", "p90", "max");
    static const char *const groups[][2] = {{"precincts", "precinct"}, {"banks", "bank"}};
    for (int k = 0; k < 2; k++) {
        const char *pg[] = {groups[k][0], NULL};
        yajl_val g = yajl_tree_get(v, pg, yajl_t_object);
        for (size_t i = 0; g && i < g->u.object.len; i++)
            stats_row(groups[k][1], g->u.object.keys[i], g->u.object.values[i]);
    }
    const char *pt[] = {"total", NULL};
    yajl_val t = yajl_tree_get(v, pt, yajl_t_object);
    if (t)
        stats_row("total", "", t);
    yajl_tree_free(v);
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
