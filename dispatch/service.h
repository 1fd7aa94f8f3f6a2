/* service.h: dispatch's state and every operation on it.
 *
 * The service owns the store (store.h), the roster (roster.h) and the tokens
 * (auth.h), and keeps in memory the fold of every entry of the store: each
 * alert with its queue, workflow state, history and payment stops. Every
 * operation checks who asks (auth.h), validates the transition, appends one
 * entry, and returns; fsc_svc_commit() then makes the entries durable and
 * hands each to the listener (the transports push them to clients, SSE
 * streams and bank gateways). Nothing is told to anyone before it is
 * committed. A restart rebuilds the same state by replaying the store.
 *
 * Not thread-safe: the daemon (dispatchd.c) serialises every call with one
 * mutex, and calls the listener with it held.
 *
 * Entries (JSON objects, one per store line; "ts" is RFC 3339 UTC with
 * microseconds, the time dispatch recorded it; "who" the principal's name;
 * amounts are decimal numbers with two decimals). Every entry about an
 * alert also carries the alert's "precinct", "queue" (where the alert was
 * when the entry was made) and "level", written below as REF, so who may
 * read an entry depends on the entry alone (fsc_svc_entry_visible):
 *   {"kind":"alert","ts","alert_id","precinct","queue","level","fallback":bool,
 *    "engine","alert":{...the engine's alert object, its content verbatim...}}
 *   {"kind":"claim","ts","who",REF}
 *   {"kind":"contact","ts","who",REF,"channel":"phone"|"visit","note"}
 *   {"kind":"outcome","ts","who",REF,"outcome":"dissuaded"|"money_sent"|
 *    "false_alarm"|"unreachable","amount":N,"note"}
 *   {"kind":"close","ts","who",REF,"note"}
 *   {"kind":"escalate","ts","alert_id","precinct","from":Q,"queue":DESK,"level","reason"}
 *   {"kind":"paystop","ts","who","paystop_id",REF,"bank","account","amount","reason"}
 *   {"kind":"paystop_status","ts","paystop_id",REF,"bank","state":"sent"|
 *    "acknowledged"|"stopped"|"rejected"|"expired","bank_ref","detail"}
 *   {"kind":"refused","ts","who","role","action","alert_id",[REF when the
 *    alert exists],"reason"}
 *   {"kind":"reload","ts","who","what":"roster"|"tokens","digest"}
 *
 * Workflow of an alert: queued -> claimed -> contacted -> outcome -> closed.
 * "unreachable" may follow claimed directly; contact may repeat; close needs
 * an outcome. An alert still queued after escalate_after[level] seconds
 * moves to the desk's queue (one escalation per alert; an alert routed to
 * the desk in the first place has nowhere further to go) and the escalation
 * is pushed. docs/dispatch.md is the reference for admins. */
#ifndef FSC_SERVICE_H
#define FSC_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "counters.h"
#include "diag.h"
#include "status.h"

typedef enum fsc_wf_state {
    FSC_WF_QUEUED,
    FSC_WF_CLAIMED,
    FSC_WF_CONTACTED,
    FSC_WF_OUTCOME,
    FSC_WF_CLOSED,
} fsc_wf_state;

typedef enum fsc_outcome {
    FSC_OUTCOME_NONE,
    FSC_OUTCOME_DISSUADED,     /* amount = what the person was about to pay */
    FSC_OUTCOME_MONEY_SENT,    /* a liaison requests a payment stop */
    FSC_OUTCOME_FALSE_ALARM,
    FSC_OUTCOME_UNREACHABLE,
} fsc_outcome;

typedef enum fsc_paystop_state {
    FSC_PS_REQUESTED,
    FSC_PS_SENT,
    FSC_PS_ACKNOWLEDGED,
    FSC_PS_STOPPED,
    FSC_PS_REJECTED,
    FSC_PS_EXPIRED,
} fsc_paystop_state;

const char *fsc_wf_state_name(fsc_wf_state s);
const char *fsc_outcome_name(fsc_outcome o);
int fsc_outcome_parse(const char *s);            /* -1 when unknown */
const char *fsc_paystop_state_name(fsc_paystop_state s);
int fsc_paystop_state_parse(const char *s);      /* -1 when unknown */

typedef struct fsc_svc_config {
    const char *journal_dir;      /* the journal's directory (when redis is NULL) */
    const char *redis;            /* "host:port": Redis Streams instead */
    const char *redis_prefix;     /* NULL: "fsc:dispatch" */
    const char *roster_path;      /* required */
    const char *tokens_path;      /* required */
    double escalate_after[5];     /* seconds, by level 1..4 ([0] unused);
                                     0: defaults 14400, 3600, 900, 300 */
    double paystop_expire_after;  /* seconds without a final answer; 0: 900 */
} fsc_svc_config;

typedef struct fsc_svc fsc_svc;

/* Opens the store, loads roster and tokens, replays the store into memory.
 * Problems are reported through diag (file:line:col for the YAML files).
 * counters (may be NULL) receives dispatch.* counters and must outlive it. */
fsc_status fsc_svc_open(const fsc_svc_config *cfg, fsc_counters *counters, fsc_diag *diag,
                        fsc_svc **out);
void fsc_svc_close(fsc_svc *s);

/* Called for every entry once committed, in order. queue is the queue the
 * entry concerns (NULL for entries of none), level the alert's (0: none). */
typedef void (*fsc_svc_listener)(void *ctx, uint64_t seq, const char *kind, const char *queue,
                                 int level, const char *json, size_t len);
void fsc_svc_set_listener(fsc_svc *s, fsc_svc_listener fn, void *ctx);

/* Makes every entry appended so far durable and tells the listener.
 * FSC_EIO / FSC_EREDIS: nothing of it was durable; the operations since the
 * last commit are undone in memory, and their callers must report failure. */
fsc_status fsc_svc_commit(fsc_svc *s);

/* An alert from an engine (its JSON object, len bytes). Deduplicates by
 * alert_id: a duplicate sets *dup and *seq to the first one's entry.
 * FSC_EMALFORMED when it is not an alert (reason in err). */
fsc_status fsc_svc_ingest(fsc_svc *s, const char *engine, const char *json, size_t len,
                          double now, uint64_t *seq, bool *dup, char *err, size_t errcap);

/* The officer's workflow. Each checks p's right (FSC_EDENIED, and a
 * "refused" entry), the alert (FSC_ENOTFOUND) and the transition
 * (FSC_ESTATE), with the reason in err. An officer may act on an alert when
 * its precinct or its current queue is one of theirs (so desk officers work
 * escalated alerts). A refusal appends an entry too: the caller commits
 * after every call, whatever it returned. Text (notes) must be UTF-8
 * (FSC_EINVAL) and at most 4096 bytes (FSC_ELIMIT). */
fsc_status fsc_svc_claim(fsc_svc *s, const fsc_principal *p, const char *alert_id, double now,
                         char *err, size_t errcap);
fsc_status fsc_svc_contact(fsc_svc *s, const fsc_principal *p, const char *alert_id,
                           const char *channel, const char *note, double now, char *err,
                           size_t errcap);
fsc_status fsc_svc_outcome(fsc_svc *s, const fsc_principal *p, const char *alert_id,
                           fsc_outcome o, double amount, const char *note, double now,
                           char *err, size_t errcap);
fsc_status fsc_svc_close_alert(fsc_svc *s, const fsc_principal *p, const char *alert_id,
                               const char *note, double now, char *err, size_t errcap);

/* A liaison's payment stop. Idempotent per (alert, bank, account): a repeat
 * returns the existing request's id with *existing set. id receives
 * "PS-<16 hex>" (at least 24 bytes). */
fsc_status fsc_svc_paystop_request(fsc_svc *s, const fsc_principal *p, const char *alert_id,
                                   const char *bank, const char *account, double amount,
                                   const char *reason, double now, char *id, size_t idcap,
                                   bool *existing, char *err, size_t errcap);
/* A step reported by the bank gateway (or the transport: sent). Steps only
 * move forward; a final state is kept. */
fsc_status fsc_svc_paystop_update(fsc_svc *s, const char *paystop_id, fsc_paystop_state st,
                                  const char *bank_ref, const char *detail, double now,
                                  char *err, size_t errcap);

/* Escalations and payment-stop expiries due at now; appends their entries.
 * Call it about once a second. Returns the number of entries appended. */
int fsc_svc_tick(fsc_svc *s, double now);
/* The next time tick has work (for poll timeouts); +inf when none. */
double fsc_svc_next_deadline(const fsc_svc *s);

/* Reloads roster and tokens (admins; FSC_EDENIED otherwise; p NULL is the
 * daemon itself: SIGHUP, a changed mtime). Each file that loads replaces
 * the one in use and appends a "reload" entry with its SHA-256; a broken
 * file is reported through diag, counted, and the old one kept
 * (FSC_EMALFORMED, or FSC_EIO when unreadable). */
fsc_status fsc_svc_reload(fsc_svc *s, const fsc_principal *p, fsc_diag *diag, double now);

/* ---- reads: JSON text in *out (malloc'd, NUL-terminated; caller frees).
 * A read p may not make (an officer showing another precinct's alert, no
 * role) is FSC_EDENIED and appends a "refused" entry like any refusal (its
 * ts is the wall clock: reads take no now); commit after reads too. */

typedef struct fsc_svc_filter {
    const char *queue;   /* NULL: every queue p may read */
    int min_level;       /* 0: all */
    bool alerts_only;    /* only "alert" and "escalate" entries */
} fsc_svc_filter;

/* Entries after seq `after` that p may read and f selects, in order, to fn
 * (stops when fn returns non-zero). The catch-up of a reconnecting client. */
typedef int (*fsc_svc_entry_fn)(void *ctx, uint64_t seq, const char *json, size_t len);
fsc_status fsc_svc_feed(fsc_svc *s, const fsc_principal *p, uint64_t after,
                        const fsc_svc_filter *f, fsc_svc_entry_fn fn, void *ctx);
/* May p read entries of queue at level (for live pushes)? Analysts,
 * liaisons and admins read every queue; officers the queues named in their
 * precincts ("*": all). Entries of no queue (reloads) are not for officers. */
bool fsc_svc_may_read(const fsc_svc *s, const fsc_principal *p, const char *queue);
/* The same check for a request to follow queue (a subscription, an event
 * stream): FSC_OK, or FSC_EDENIED with the reason in err after appending a
 * "refused" entry (action `action`), which the caller commits like any. */
fsc_status fsc_svc_check_read(fsc_svc *s, const fsc_principal *p, const char *queue,
                              const char *action, double now, char *err, size_t errcap);
/* The one selection both fsc_svc_feed and live pushes use: may p read the
 * entry the listener was given (kind, queue, level), and does f (NULL: no
 * filter) select it? Every entry about an alert carries its "queue" (the
 * alert's queue when the entry was made), "precinct" and "level", so the
 * answer depends on the entry alone, and a catch-up gives exactly what the
 * live pushes gave. */
bool fsc_svc_entry_visible(const fsc_svc *s, const fsc_principal *p, const fsc_svc_filter *f,
                           const char *kind, const char *queue, int level);

/* The tokens and the roster in use (for the transports' token lookups and
 * on-duty pushes). Replaced by fsc_svc_reload: use them with the lock held
 * and copy what you keep (fsc_auth_lookup copies the principal). */
const fsc_auth *fsc_svc_auth(const fsc_svc *s);
struct fsc_roster;
const struct fsc_roster *fsc_svc_roster(const fsc_svc *s);

/* {"alerts":[{alert_id, queue, precinct, level, state, claimed_by, ...}]} */
fsc_status fsc_svc_list(fsc_svc *s, const fsc_principal *p, const fsc_svc_filter *f,
                        const char *state, char **out);
/* one alert with its full history: {"alert":{...},"state","history":[entries]} */
fsc_status fsc_svc_show(fsc_svc *s, const fsc_principal *p, const char *alert_id, char **out);
/* per precinct over [from, to): alerts by level, claimed, time to claim
 * (p50, p90), outcomes, amount protected by dissuasion and by stops */
fsc_status fsc_svc_report(fsc_svc *s, const fsc_principal *p, double from, double to,
                          char **out);
/* payment stops: count by state, time from alert to stop (p50, p90, max),
 * per precinct and per bank */
fsc_status fsc_svc_paystop_stats(fsc_svc *s, const fsc_principal *p, double from, double to,
                                 char **out);
fsc_status fsc_svc_paystop_show(fsc_svc *s, const fsc_principal *p, const char *paystop_id,
                                char **out);
/* Prometheus text exposition: alerts by level, queue depth per queue, time
 * to claim and to stop (histograms), escalations, refusals, store errors. */
fsc_status fsc_svc_metrics(fsc_svc *s, char **out);

#endif
