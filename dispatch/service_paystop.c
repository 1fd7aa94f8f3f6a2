/* service_paystop.c: emergency payment stops: a liaison's request, the
 * bank gateway's steps (requested -> sent -> acknowledged -> stopped |
 * rejected | expired; only forward, a final state kept), one stop shown,
 * and their statistics per precinct and per bank. */
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_int.h"

static int ps_rank(fsc_paystop_state st)
{
    return st >= FSC_PS_STOPPED ? 3 : (int)st;
}

/* Account numbers: printable ASCII (IBANs have spaces), bounded. */
static bool account_ok(const char *a)
{
    size_t n = 0;
    if (!a || !*a)
        return false;
    for (; a[n]; n++)
        if (n >= 64 || (unsigned char)a[n] < 0x20 || (unsigned char)a[n] > 0x7e)
            return false;
    return true;
}

/* "PS-" + the first 8 bytes of SHA-256(alert_id NUL bank NUL account), in
 * hex: the same request gets the same id on every retry and every restart,
 * which is what makes a repeated request idempotent. */
static bool paystop_id(const char *alert_id, const char *bank, const char *account, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t la = strlen(alert_id) + 1, lb = strlen(bank) + 1, lc = strlen(account);
    char buf[17 + 32 + 65];
    if (la + lb + lc > sizeof buf)
        return false;
    memcpy(buf, alert_id, la);
    memcpy(buf + la, bank, lb);
    memcpy(buf + la + lb, account, lc);
    if (!EVP_Digest(buf, la + lb + lc, md, &mdlen, EVP_sha256(), NULL) || mdlen < 8)
        return false;
    snprintf(out, 20, "PS-%02x%02x%02x%02x%02x%02x%02x%02x", md[0], md[1], md[2], md[3], md[4],
             md[5], md[6], md[7]);
    return true;
}

fsc_status fsc_svc_paystop_request(fsc_svc *s, const fsc_principal *p, const char *alert_id,
                                   const char *bank, const char *account, double amount,
                                   const char *reason, double now, char *id, size_t idcap,
                                   bool *existing, char *err, size_t errcap)
{
    char why[160], psid[20];
    fsc_time t = svc_now(now);
    fsc_status st = svc_ready(s);
    *existing = false;
    if (st != FSC_OK) {
        snprintf(err, errcap, "the store is unavailable: %s", fsc_strerror(st));
        return st;
    }
    svc_alert *a = svc_alert_find(s, alert_id);
    if (!svc_role_may(p, FSC_ACT_PAYSTOP)) {
        snprintf(why, sizeof why, "%s: role %s may not request payment stops",
                 p ? p->name : "?", fsc_role_name(p ? p->role : FSC_ROLE_NONE));
        return svc_refuse(s, p, "paystop_request", alert_id, a, t, why, err, errcap);
    }
    if (!a) {
        snprintf(err, errcap, "no alert %.64s", alert_id ? alert_id : "(none)");
        return FSC_ENOTFOUND;
    }
    if (!svc_name_ok(bank)) {
        snprintf(err, errcap, "bank: want 1 to 31 of A-Z a-z 0-9 - _ . :");
        return FSC_EINVAL;
    }
    if (!account_ok(account)) {
        snprintf(err, errcap, "account: want 1 to 64 printable ASCII characters");
        return FSC_EINVAL;
    }
    if (!isfinite(amount) || amount <= 0 || amount * 100 > (double)SVC_AMOUNT_MAX ||
        llround(amount * 100) <= 0) {
        snprintf(err, errcap, "amount must be more than 0 and at most 1e12");
        return FSC_EINVAL;
    }
    if (reason && strlen(reason) > SVC_NOTE_MAX) {
        snprintf(err, errcap, "reason longer than %d bytes", SVC_NOTE_MAX);
        return FSC_ELIMIT;
    }
    if (!id || idcap < 20) {
        snprintf(err, errcap, "id buffer under 20 bytes");
        return FSC_EINVAL;
    }
    if (!paystop_id(a->id, bank, account, psid)) {
        snprintf(err, errcap, "cannot hash the request");
        return FSC_ENOMEM;
    }
    snprintf(id, idcap, "%s", psid);
    if (svc_paystop_find(s, psid)) {
        *existing = true;
        return FSC_OK;
    }
    svc_entry e = {.kind = SVC_K_PAYSTOP, .ts = t, .who = p->name, .paystop_id = psid,
                   .alert_id = a->id, .precinct = a->precinct, .queue = a->queue,
                   .level = a->level, .bank = bank, .account = account,
                   .amount = llround(amount * 100), .reason = reason};
    return svc_emit(s, &e, FSC_C_DSP_PAYSTOPS, FSC_C_COUNT, err, errcap);
}

fsc_status fsc_svc_paystop_update(fsc_svc *s, const char *paystop_id, fsc_paystop_state st,
                                  const char *bank_ref, const char *detail, double now,
                                  char *err, size_t errcap)
{
    fsc_status rc = svc_ready(s);
    if (rc != FSC_OK) {
        snprintf(err, errcap, "the store is unavailable: %s", fsc_strerror(rc));
        return rc;
    }
    svc_paystop *p = svc_paystop_find(s, paystop_id);
    if (!p) {
        snprintf(err, errcap, "no payment stop %.64s", paystop_id ? paystop_id : "(none)");
        return FSC_ENOTFOUND;
    }
    if (st <= FSC_PS_REQUESTED || st > FSC_PS_EXPIRED) {
        snprintf(err, errcap, "a bank step is sent, acknowledged, stopped, rejected or expired");
        return FSC_EINVAL;
    }
    if ((bank_ref && strlen(bank_ref) > SVC_TEXT_MAX) ||
        (detail && strlen(detail) > SVC_NOTE_MAX)) {
        snprintf(err, errcap, "bank_ref over %d or detail over %d bytes", SVC_TEXT_MAX,
                 SVC_NOTE_MAX);
        return FSC_ELIMIT;
    }
    if (ps_rank(p->state) == 3 || ps_rank(st) <= ps_rank(p->state)) {
        /* a late or repeated answer (an ACK resent after the stop, a
         * REJECTED after an expiry): the state on record stands */
        s->ctr->v[FSC_C_DSP_PAYSTOP_LATE]++;
        snprintf(err, errcap, "payment stop %s is %s already: %s ignored", p->id,
                 fsc_paystop_state_name(p->state), fsc_paystop_state_name(st));
        return FSC_ESTATE;
    }
    svc_alert *a = &s->alerts[p->alert];
    svc_entry e = {.kind = SVC_K_PAYSTOP_STATUS, .ts = svc_now(now), .paystop_id = p->id,
                   .alert_id = a->id, .precinct = a->precinct, .queue = a->queue,
                   .level = a->level, .bank = p->bank, .ps_state = st,
                   .bank_ref = bank_ref && *bank_ref ? bank_ref : p->bank_ref, .detail = detail};
    return svc_emit(s, &e, FSC_C_COUNT, FSC_C_COUNT, err, errcap);
}

/* ---- reads ---- */

static void gen_paystop(yajl_gen g, const fsc_svc *s, const svc_paystop *p, bool *bad)
{
    const svc_alert *a = &s->alerts[p->alert];
    yajl_gen_map_open(g);
    svc_gk(g, "paystop_id", p->id, bad);
    svc_gk(g, "alert_id", a->id, bad);
    svc_gk(g, "precinct", a->precinct, bad);
    svc_gk(g, "bank", p->bank, bad);
    svc_gk(g, "account", p->account, bad);
    svc_gcents(g, "amount", p->amount, bad);
    svc_gk(g, "state", fsc_paystop_state_name(p->state), bad);
    svc_gk(g, "requested_by", p->who, bad);
    svc_gtime(g, "requested", p->requested, bad);
    svc_gtime(g, "final_at", p->final_at, bad);
    svc_gk(g, "bank_ref", p->bank_ref, bad);
    svc_gtime(g, "alert_ts", a->alert_ts, bad);
    svc_gdur(g, "time_to_stop_s", p->to_stop, bad);
    yajl_gen_map_close(g);
}

fsc_status fsc_svc_paystop_show(fsc_svc *s, const fsc_principal *p, const char *paystop_id,
                                char **out)
{
    char err[160];
    fsc_status st = svc_ready(s);
    if (st != FSC_OK)
        return st;
    svc_paystop *ps = svc_paystop_find(s, paystop_id);
    const svc_alert *a = ps ? &s->alerts[ps->alert] : NULL;
    if (!svc_role_may(p, FSC_ACT_READ) || (a && !svc_alert_allowed(p, FSC_ACT_READ, a))) {
        snprintf(err, sizeof err, "%s may not read payment stop %.32s", p ? p->name : "?",
                 paystop_id ? paystop_id : "");
        return svc_refuse(s, p, "paystop_show", a ? a->id : NULL, a, svc_wallclock(), err,
                          err, sizeof err);
    }
    if (!ps)
        return FSC_ENOTFOUND;
    yajl_gen g = svc_gen_new();
    bool bad = false;
    if (!g)
        return FSC_ENOMEM;
    yajl_gen_map_open(g);
    svc_gs(g, "paystop", &bad);
    gen_paystop(g, s, ps, &bad);
    return svc_gen_show_end(s, g, &ps->hist, bad, out);
}

/* One row of the statistics: a precinct's, a bank's, or the total. */
typedef struct ps_row {
    const char *name;
    uint64_t by_state[6];
    int64_t requested_cents, stopped_cents;
    svc_durs to_stop;    /* alert's evidence to the stop, of the stopped */
} ps_row;

static int row_add(ps_row *r, const svc_paystop *p)
{
    r->by_state[p->state]++;
    r->requested_cents += p->amount;
    if (p->state != FSC_PS_STOPPED)
        return 0;
    r->stopped_cents += p->amount;
    return svc_durs_push(&r->to_stop, p->to_stop);
}

static void row_gen(yajl_gen g, ps_row *r, bool *bad)
{
    uint64_t total = 0;
    yajl_gen_map_open(g);
    for (int i = 0; i < 6; i++)
        total += r->by_state[i];
    svc_gint(g, "requests", (long long)total, bad);
    svc_gs(g, "by_state", bad);
    yajl_gen_map_open(g);
    for (int i = 0; i < 6; i++)
        svc_gint(g, fsc_paystop_state_name((fsc_paystop_state)i), (long long)r->by_state[i], bad);
    yajl_gen_map_close(g);
    svc_gcents(g, "amount_requested", r->requested_cents, bad);
    svc_gcents(g, "amount_stopped", r->stopped_cents, bad);
    svc_gs(g, "time_alert_to_stop_s", bad);
    yajl_gen_map_open(g);
    svc_gint(g, "count", (long long)r->to_stop.n, bad);
    svc_gen_percentiles(g, &r->to_stop, bad); /* sorts: max is the last */
    svc_gdur(g, "max", r->to_stop.n ? r->to_stop.v[r->to_stop.n - 1] : -1, bad);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

static int row_cmp(const void *a, const void *b)
{
    return strcmp(((const ps_row *)a)->name, ((const ps_row *)b)->name);
}

/* The row of name in rows (linear: precincts and banks are few). */
static ps_row *row_of(ps_row **rows, size_t *n, size_t *cap, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if ((*rows)[i].name == name)
            return &(*rows)[i];
    ps_row *nr = svc_grow(*rows, cap, *n, sizeof *nr, 16);
    if (!nr)
        return NULL;
    *rows = nr;
    memset(&(*rows)[*n], 0, sizeof **rows);
    (*rows)[*n].name = name;
    return &(*rows)[(*n)++];
}

fsc_status fsc_svc_paystop_stats(fsc_svc *s, const fsc_principal *p, double from, double to,
                                 char **out)
{
    fsc_time f, t;
    fsc_status st = svc_report_begin(s, p, "paystop_stats", from, to, &f, &t);
    if (st != FSC_OK)
        return st;
    ps_row *prow = NULL, *brow = NULL, total = {.name = "total"};
    size_t np = 0, capp = 0, nb = 0, capb = 0;
    st = FSC_ENOMEM;
    for (size_t i = 0; i < s->nps; i++) {
        const svc_paystop *ps = &s->ps[i];
        const svc_alert *a = &s->alerts[ps->alert];
        if (ps->requested < f || ps->requested >= t || !svc_alert_allowed(p, FSC_ACT_READ, a))
            continue;
        ps_row *pr = row_of(&prow, &np, &capp, a->precinct);
        ps_row *br = row_of(&brow, &nb, &capb, ps->bank);
        if (!pr || !br || row_add(pr, ps) != 0 || row_add(br, ps) != 0 ||
            row_add(&total, ps) != 0)
            goto done;
    }
    if (np > 1)
        qsort(prow, np, sizeof *prow, row_cmp);
    if (nb > 1)
        qsort(brow, nb, sizeof *brow, row_cmp);
    bool bad = false;
    yajl_gen g = svc_report_gen(from, to, f, t, &bad);
    if (!g)
        goto done;
    svc_gs(g, "precincts", &bad);
    yajl_gen_map_open(g);
    for (size_t i = 0; i < np; i++) {
        svc_gs(g, prow[i].name, &bad);
        row_gen(g, &prow[i], &bad);
    }
    yajl_gen_map_close(g);
    svc_gs(g, "banks", &bad);
    yajl_gen_map_open(g);
    for (size_t i = 0; i < nb; i++) {
        svc_gs(g, brow[i].name, &bad);
        row_gen(g, &brow[i], &bad);
    }
    yajl_gen_map_close(g);
    svc_gs(g, "total", &bad);
    row_gen(g, &total, &bad);
    yajl_gen_map_close(g);
    st = svc_gen_finish(g, bad, out, NULL);
done:
    for (size_t i = 0; i < np; i++)
        free(prow[i].to_stop.v);
    for (size_t i = 0; i < nb; i++)
        free(brow[i].to_stop.v);
    free(total.to_stop.v);
    free(prow);
    free(brow);
    return st;
}
