/* service_int.h: the service's private state, shared by its files:
 *   service.c           open, replay, commit (and its undo), the listener,
 *                       who may read what (feeds and live pushes alike)
 *   service_entry.c     entries: encode to JSON, decode from JSON, and the
 *                       one apply function both live calls and replay use
 *   service_util.c      the tables: u64 map, interned names, deadline heap,
 *                       JSON and number helpers
 *   service_workflow.c  ingest, claim .. close, refusals, tick, reload
 *   service_paystop.c   payment stops: request, steps, show, stats
 *   service_read.c      list, show, report, metrics
 *
 * Times are fsc_time (integer microseconds) and amounts integer cents
 * everywhere inside: a live call rounds its `now` and its amount once, into
 * the entry, and applies the entry; a replay decodes the same numbers from
 * the same text. So a restart cannot differ from the live state by a
 * rounding, and reports print the same bytes. */
#ifndef FSC_SERVICE_INT_H
#define FSC_SERVICE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "roster.h"
#include "service.h"
#include "store.h"
#include "timefmt.h"

#define SVC_ALERT_MAX (64 * 1024)    /* bytes of an engine's alert JSON */
#define SVC_ALERT_DEPTH 32           /* nesting an alert may have */
#define SVC_NOTE_MAX 4096            /* bytes of a note, reason, detail */
#define SVC_NAME_MAX 31              /* precinct / queue / bank name */
#define SVC_TEXT_MAX 128             /* subscriber, account, bank_ref ... */
#define SVC_LIST_MAX 10000           /* rows fsc_svc_list returns */
#define SVC_TICK_MAX 4096            /* entries one tick appends */
#define SVC_AMOUNT_MAX 100000000000000LL /* cents: 1e12 currency units */
#define SVC_NONE UINT32_MAX
#define SVC_NO_TIME INT64_MIN

/* ---- interned names (precincts, queues, officers, banks, engines) ----
 * Few distinct values, compared often: interned once, compared by pointer.
 * The record around a name carries the per-queue unclaimed count, so queue
 * depth costs nothing to keep. */
typedef struct svc_name {
    int64_t depth;       /* unclaimed alerts whose queue this is */
    bool is_queue;       /* some alert was ever queued here (metrics) */
    bool is_precinct;
    int slot;            /* scratch for reports */
    char s[];
} svc_name;

#define SVC_NAME_OF(str) ((svc_name *)(void *)((char *)(str) - offsetof(svc_name, s)))

typedef struct svc_names {
    svc_name **slot;     /* open addressing; NULL empty */
    size_t cap, n;
    svc_name **all;      /* in insertion order */
    size_t nall, capall;
} svc_names;

const char *svc_intern(svc_names *t, const char *s); /* NULL: out of memory */
const char *svc_intern_find(const svc_names *t, const char *s);
void svc_names_free(svc_names *t);

/* ---- u64 -> index map (alert ids and payment-stop ids are 64 bits) ---- */
typedef struct svc_map {
    uint64_t *key;
    uint32_t *val;       /* SVC_NONE: empty */
    size_t cap, n;
    uint64_t seed;       /* per process: engines choose alert ids */
} svc_map;

int svc_map_put(svc_map *m, uint64_t key, uint32_t val);
uint32_t svc_map_get(const svc_map *m, uint64_t key);
void svc_map_free(svc_map *m);

/* ---- deadlines: an indexed min-heap (removal when claimed / final) ---- */
enum { SVC_DL_ESCALATE = 0, SVC_DL_EXPIRE = 1 };
typedef struct svc_deadline {
    fsc_time when;
    uint32_t idx;        /* alert or payment stop */
    uint8_t kind;
} svc_deadline;

typedef struct svc_heap {
    svc_deadline *h;
    size_t n, cap;
} svc_heap;

/* ---- the fold ---- */
typedef struct svc_seqs {
    uint64_t *v;
    uint32_t n, cap;
} svc_seqs;

typedef struct svc_alert {
    uint64_t key;
    char id[17];
    uint64_t seq;            /* its "alert" entry */
    fsc_time received;       /* dispatch's receipt */
    fsc_time alert_ts;       /* the engine's "ts" (SVC_NO_TIME: absent) */
    fsc_time claimed_at, closed_at;
    const char *precinct, *queue, *fraud_type, *claimed_by, *engine; /* interned */
    char *subscriber;
    int level;
    fsc_wf_state state;
    fsc_outcome outcome;
    int64_t amount;          /* cents, outcome's */
    bool fallback, escalated;
    uint32_t heap_pos;
    uint32_t npaystops;
    svc_seqs hist;
} svc_alert;

typedef struct svc_paystop {
    uint64_t key;
    char id[20];
    uint32_t alert;
    const char *bank, *who;  /* interned */
    char *account, *bank_ref, *reason;
    int64_t amount;          /* cents */
    fsc_paystop_state state;
    fsc_time requested, final_at;
    int64_t to_stop;         /* us from the alert's engine ts to stopped; -1 */
    uint32_t heap_pos;
    svc_seqs hist;
} svc_paystop;

/* An entry appended but not yet committed: what the listener needs. */
typedef struct svc_pending {
    uint64_t seq;
    const char *kind;        /* static */
    const char *queue;       /* interned or NULL */
    int level;
    char *json;
    size_t len;
    fsc_counter_id count[2]; /* counted on commit (FSC_C_COUNT: none) */
    uint8_t mirror;          /* 0 none, else fsc_qmirror + 1 */
    const char *mirror_who;
    char alert_id[17];
} svc_pending;

/* Histogram bucket bounds in seconds (Prometheus "le"). */
#define SVC_CLAIM_BUCKETS 10
#define SVC_STOP_BUCKETS 9
extern const double svc_claim_le[SVC_CLAIM_BUCKETS];
extern const double svc_stop_le[SVC_STOP_BUCKETS];

struct fsc_svc {
    fsc_svc_config cfg;
    char *journal_dir, *redis, *redis_prefix, *roster_path, *tokens_path;
    fsc_store *store;
    fsc_roster *roster;
    fsc_auth *auth;
    fsc_counters *ctr;       /* the owner's, or &own */
    fsc_counters own;
    fsc_diag *diag;          /* replay problems (open only) */
    fsc_svc_listener listener;
    void *listener_ctx;

    svc_names names;
    svc_alert *alerts;
    size_t nalerts, capalerts;
    svc_map alert_by_id;
    svc_paystop *ps;
    size_t nps, capps;
    svc_map ps_by_id;
    svc_heap heap;

    /* folded totals (restart-stable, for metrics) */
    uint64_t by_level[5];
    uint64_t escalations, refusals;
    uint64_t claim_hist[SVC_CLAIM_BUCKETS + 1], stop_hist[SVC_STOP_BUCKETS + 1];
    int64_t claim_sum, stop_sum;    /* microseconds: sums print exactly */
    uint64_t claim_count, stop_count;

    svc_pending *pending;
    size_t npending, cappending;
    bool stale;              /* a rollback's replay failed: rebuild first */
    uint64_t replay_skipped;
};

/* ---- entries (service_entry.c) ---- */
typedef enum svc_kind {
    SVC_K_ALERT, SVC_K_CLAIM, SVC_K_CONTACT, SVC_K_OUTCOME, SVC_K_CLOSE, SVC_K_ESCALATE,
    SVC_K_PAYSTOP, SVC_K_PAYSTOP_STATUS, SVC_K_REFUSED, SVC_K_RELOAD, SVC_K_COUNT
} svc_kind;

extern const char *const svc_kind_name[SVC_K_COUNT];

/* One entry, decoded. Strings point into whatever the entry came from (the
 * caller's arguments live, the parsed tree on replay); apply copies what it
 * keeps. Every entry about an alert also carries the alert's precinct,
 * queue (at the time) and level, so who may read it is a function of the
 * entry alone: a catch-up feed long after decides as the live push did. */
typedef struct svc_entry {
    svc_kind kind;
    fsc_time ts;
    const char *who, *role, *action;
    const char *alert_id, *precinct, *queue, *from;
    int level;
    bool fallback;
    const char *engine;
    yajl_val alert;                  /* SVC_K_ALERT: the engine's object */
    const char *subscriber, *fraud_type;
    fsc_time alert_ts;
    const char *channel, *note, *reason, *detail, *bank_ref, *what, *digest;
    fsc_outcome outcome;
    int64_t amount;                  /* cents */
    const char *paystop_id, *bank, *account;
    fsc_paystop_state ps_state;
} svc_entry;

/* JSON text of e in *out (malloc'd) / *len. FSC_EINVAL when a string is
 * not UTF-8 (err says which). */
fsc_status svc_entry_encode(const svc_entry *e, char **out, size_t *len, char *err,
                            size_t errcap);
/* Decodes an entry from its tree; false when it is not one of ours. */
bool svc_entry_decode(yajl_val root, svc_entry *e);
/* Folds e (numbered seq) into s. 0, or -1 when the entry does not fit the
 * state (a replay skips it, counted and reported; a live caller never
 * appends such an entry). */
int svc_apply(fsc_svc *s, uint64_t seq, const svc_entry *e);
void svc_state_free(fsc_svc *s);

/* Encodes, appends, applies and queues e for the commit. c1, c2: the
 * counters to bump once committed (FSC_C_COUNT: none); counting at commit
 * keeps an undone operation out of the counters. */
fsc_status svc_emit(fsc_svc *s, const svc_entry *e, fsc_counter_id c1, fsc_counter_id c2,
                    char *err, size_t errcap);
/* Appends a "refused" entry for p's attempt and returns FSC_EDENIED with
 * the reason in err. a may be NULL. */
fsc_status svc_refuse(fsc_svc *s, const fsc_principal *p, const char *action,
                      const char *alert_id, const svc_alert *a, fsc_time now,
                      const char *reason, char *err, size_t errcap);
/* Rebuilds state if a rollback's replay failed; FSC_OK when usable. */
fsc_status svc_ready(fsc_svc *s);

svc_alert *svc_alert_find(const fsc_svc *s, const char *alert_id);
svc_paystop *svc_paystop_find(const fsc_svc *s, const char *paystop_id);
/* May p's role do act at all (before any precinct)? */
bool svc_role_may(const fsc_principal *p, fsc_action act);
/* Officers: may p read / act on alert a (its precinct or its queue)? */
bool svc_alert_allowed(const fsc_principal *p, fsc_action act, const svc_alert *a);

/* ---- reads (service_read.c) ---- */
/* The start of a report over [from, to) (report, paystop stats): FSC_OK
 * with the window in seconds (either may be infinite) as fsc_time bounds
 * *f, *t; or svc_ready's failure; or FSC_EDENIED, with a "refused" entry
 * for action, when p's role may not read. */
fsc_status svc_report_begin(fsc_svc *s, const fsc_principal *p, const char *action,
                            double from, double to, fsc_time *f, fsc_time *t);
/* A new generator with the report's outer map open and its "from" and
 * "to" written (null when unbounded); NULL when out of memory. */
yajl_gen svc_report_gen(double from, double to, fsc_time f, fsc_time t, bool *bad);
/* An array of the entries numbered in h (committed ones from the store,
 * the rest from the pending batch), each as its JSON object. */
fsc_status svc_gen_history(fsc_svc *s, yajl_gen g, const svc_seqs *h, bool *bad);
/* Ends what show and paystop show write: the "history" key and h's
 * entries, then the outer map's close, then the text into *out (as
 * svc_gen_finish). g is freed whatever the outcome. */
fsc_status svc_gen_show_end(fsc_svc *s, yajl_gen g, const svc_seqs *h, bool bad, char **out);

/* ---- helpers (service_util.c) ---- */
/* Room for one more element in the array v holding n of *cap elements of
 * size elem: v itself while n < *cap, else v grown to twice *cap (first
 * when *cap is 0) with *cap updated. NULL when out of memory (or the size
 * would overflow): v and *cap are then unchanged and still the caller's. */
void *svc_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first);
int svc_heap_push(fsc_svc *s, fsc_time when, uint32_t idx, uint8_t kind);
void svc_heap_remove(fsc_svc *s, uint32_t pos);
int svc_seqs_push(svc_seqs *q, uint64_t seq);

bool svc_hex16(const char *s, size_t len, uint64_t *out);
bool svc_name_ok(const char *s);
fsc_time svc_now(double now);
/* The real time, for the refusal entries of reads (which take no now). */
fsc_time svc_wallclock(void);
/* The durations (microseconds) a report's row collects for percentiles:
 * one per alert or stop in the report's window, so bounded by the state.
 * Zero-initialised is empty; the owner frees v. */
typedef struct svc_durs {
    int64_t *v;
    size_t n, cap;
} svc_durs;
/* Appends us: 0, or -1 when out of memory (d unchanged). */
int svc_durs_push(svc_durs *d, int64_t us);
/* Sorts d in place, then writes "p50" and "p90" (nearest rank, seconds;
 * null when d is empty) into the map open in g. */
void svc_gen_percentiles(yajl_gen g, svc_durs *d, bool *bad);

/* yajl_gen helpers: each sets *bad on a generator error. */
yajl_gen svc_gen_new(void);
void svc_gs(yajl_gen g, const char *s, bool *bad);        /* string or null */
void svc_gk(yajl_gen g, const char *key, const char *val, bool *bad);
void svc_gint(yajl_gen g, const char *key, long long v, bool *bad);
void svc_gbool(yajl_gen g, const char *key, bool v, bool *bad);
void svc_gtime(yajl_gen g, const char *key, fsc_time t, bool *bad); /* null if none */
void svc_gcents(yajl_gen g, const char *key, int64_t cents, bool *bad);
void svc_gdur(yajl_gen g, const char *key, int64_t us, bool *bad); /* seconds, null <0 */
void svc_gtree(yajl_gen g, yajl_val v, bool *bad);         /* any parsed value */
/* Takes the generated text out as a malloc'd NUL-terminated string. */
fsc_status svc_gen_finish(yajl_gen g, bool bad, char **out, size_t *len);

/* The value of key in object o (the first, should it repeat): NULL when
 * absent or when o is not an object. Points into o's tree. */
yajl_val svc_member(yajl_val o, const char *key);
const char *svc_str(yajl_val o, const char *key);          /* NULL if absent */
const char *svc_level_name(int level);

#endif
