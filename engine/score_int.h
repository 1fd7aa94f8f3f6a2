/* score_int.h: the scorer's records, shared by score.c (the model) and
 * state.c / state_redis.c (snapshots and the shared Redis store). Nothing
 * outside the score and state modules includes this.
 *
 * Layout, and why it is this compact (the bound is 256 bytes per tracked
 * person at 10 million people; docs/benchmarks.md has the measurement):
 *
 *   slots[]   open addressing, 32 bytes a slot, load <= 3/4: who, and the
 *             index of their first fraud-type record
 *   ftpool[]  one 80-byte ftrec per (person, fraud type) with evidence,
 *             chained through `next`; freed entries go on a free list
 *   ftrec.ev  the evidence, 56 bytes each, grown 1, 2, 4, 8, 16: a person
 *             with one hit pays for one
 *   text      every string (subscriber ids, precincts, evidence values,
 *             addresses) interned once: a fraud domain seen by a million
 *             phones is stored once, an evidence entry holds its 4-byte id
 */
#ifndef FSC_SCORE_INT_H
#define FSC_SCORE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "score.h"

/* One piece of evidence, compact. Strings are ids into the text table. */
typedef struct cev {
    fsc_time ts;
    uint64_t frame;          /* traffic: frame; app: line */
    float weight;            /* the model's log-odds for the hit */
    float contribution;      /* log-odds it added when it came */
    uint32_t rule;           /* index into the scorer's rule copies */
    uint32_t value;          /* text id */
    uint32_t src, dst;       /* text ids of raw fsc_addr bytes; 0: none */
    uint32_t site;           /* hash of the registrable name; 0: not a host */
    uint32_t record;         /* which record (salted count); 0: restored */
    uint16_t tags;           /* model tags the hit carries */
    uint8_t field, source, kind;
} cev;

/* One (person, fraud type) episode. */
typedef struct ftrec {
    fsc_time last;           /* the sums are decayed to this time */
    fsc_time alert_ts;       /* last alert, for the cool-down */
    fsc_time quiet_until;    /* "confirmed safe" until then */
    float sum[FSC_SIGNAL_COUNT]; /* decayed log-odds per signal kind */
    float peak;              /* highest evidence log-odds in the episode */
    cev *ev;                 /* oldest first */
    uint32_t next;           /* next ftrec of the same person; 0: none */
    uint16_t boosted;        /* boosts applied in this episode (bit each) */
    uint8_t ft, alerted, floor, nev, cap, touched;
} ftrec;

/* Observations that are no rule hit (fsc_scorer_observe): when each
 * built-in runtime tag was last seen. Only people who have one pay. */
typedef struct obsrec {
    fsc_time seen[FSC_TAG_BUILTIN];
    uint32_t next_free;
} obsrec;

typedef struct sub {
    uint64_t h;              /* hash of the id; 0: empty slot */
    uint32_t id, precinct;   /* text ids */
    uint32_t ft;             /* first ftrec; 0: none */
    uint32_t obs;            /* obsrec index; 0: none */
    uint32_t version;        /* the shared store's version of this record;
                              * 0: not known to be there */
    uint8_t group;
} sub;

/* The scorer's copy of a rule: evidence outlives rule-set reloads and
 * snapshots, so it must not point into a rule set. */
typedef struct shadow {
    fsc_rule r;              /* strings in the scorer's arena, group
                              * instructions too (live rules only) */
    const fsc_rule *orig;    /* the live rule it was made from; NULL when
                              * restored from a snapshot or the store */
    uint64_t key;            /* content hash */
    double w;                /* model weight per unit kind weight, cached */
    uint32_t model_gen;
    uint16_t tags;           /* model tags, cached with w */
} shadow;

/* A hit of the record being matched, kept so that the shared store can
 * replay it onto a fresher copy of the person after a conflict. */
typedef struct pending {
    const fsc_rule *rule;
    fsc_value v;             /* v.ptr into pending_buf */
    fsc_record rec;          /* scalars only: nvalues 0, strings NULL */
    fsc_subject subj;        /* strings into pending_buf */
    char event[24];
} pending;

#define PENDING_MAX 64
#define PENDING_BUF 16384

typedef struct fsc_state_store fsc_state_store;

struct fsc_scorer {
    fsc_score_config cfg;
    const fsc_model *model;
    fsc_model *own_model;    /* the built-in one, when cfg had none */
    uint32_t model_gen;
    char version[64];
    fsc_counters own_counters;
    fsc_counters *ctr;

    sub *slots;
    size_t cap, used;

    ftrec *ftpool;           /* [0] unused: index 0 means none */
    size_t ftcap, ftused;
    uint32_t ftfree;         /* free list through ftrec.next */
    obsrec *obspool;
    size_t obscap, obsused;
    uint32_t obsfree;

    char *text;              /* [u16 len][bytes][NUL] ...; id = offset of bytes */
    size_t textlen, textcap;
    uint32_t *texthash;      /* open addressing of ids; 0: empty */
    size_t texthcap, textn;

    shadow *shadows;
    size_t nshadows, shadowcap;
    uint32_t *shadow_by_ptr, *shadow_by_key; /* index + 1; 0: empty */
    size_t shadowhcap;
    fsc_arena arena;

    uint64_t record;         /* records committed so far */
    uint32_t salt;           /* makes record ids differ between engines */
    fsc_time record_ts;      /* time of the current record */
    fsc_time clock;          /* latest record time seen */
    size_t evbytes, obsbytes;

    size_t ntouched;
    struct touched {
        uint32_t slot, fr;
    } touched[4 * FSC_FRAUD_TYPES];

    size_t npending, pendused;
    bool pending_overflow, replaying;
    bool committing;         /* slot pointers are held: do not grow */
    pending pend[PENDING_MAX];
    char pendbuf[PENDING_BUF];

    fsc_state_store *store;  /* shared store; NULL: memory only */
    time_t next_snapshot;    /* wall clock second of the next periodic save */
    bool dirty;              /* changed since the last snapshot */
    fsc_evidence scratch[FSC_EVIDENCE_MAX];
};

/* Text table. intern returns 0 when the table is full (counted). */
uint32_t fsc_score_intern(fsc_scorer *s, const void *p, size_t n);
static inline const char *fsc_score_text(const fsc_scorer *s, uint32_t id)
{
    return s->text + id;
}
static inline size_t fsc_score_textlen(const fsc_scorer *s, uint32_t id)
{
    const unsigned char *p = (const unsigned char *)s->text + id;
    return (size_t)p[-2] | (size_t)p[-1] << 8;
}

/* The slot of a subscriber id, or NULL; with add, creates it (NULL when
 * the table is full or out of memory). */
sub *fsc_score_find(fsc_scorer *s, const char *id, size_t n, bool add);
/* Frees every ftrec and the obsrec of a slot (the slot stays). */
void fsc_score_clear_sub(fsc_scorer *s, sub *sl);
/* A new, zeroed ftrec for fraud type ft chained onto sl; its index or 0. */
uint32_t fsc_score_new_ftrec(fsc_scorer *s, sub *sl, int ft);
/* Makes room for one more evidence in fr; NULL when out of memory. The
 * returned entry is zeroed and counted in fr->nev. */
cev *fsc_score_new_evidence(fsc_scorer *s, ftrec *fr);
/* A new obsrec for sl; its index or 0. */
uint32_t fsc_score_new_obs(fsc_scorer *s, sub *sl);
/* The shadow index of a rule described by its parts (restore); UINT32_MAX
 * when out of memory. */
uint32_t fsc_score_shadow_parts(fsc_scorer *s, const char *id, const char *title,
                                const char *instruction, int ft, fsc_level level, double weight);

/* The shared store (state_redis.c): commits sl, expecting sl->version.
 * FSC_OK: committed, sl->version updated. FSC_EAGAIN-like FSC_EPARTIAL:
 * somebody else changed it first; sl now holds their copy and version.
 * Anything else: the store failed (counted); the decision stays local. */
fsc_status fsc_state_store_commit(fsc_state_store *st, fsc_scorer *s, sub *sl);

/* Serialises one person (state.c). Returns the bytes written to buf (cap
 * bytes), or 0 when it did not fit. */
size_t fsc_state_encode(const fsc_scorer *s, const sub *sl, uint8_t *buf, size_t cap);
/* Replaces what the scorer holds of the person the blob describes with
 * the blob's content. FSC_OK, FSC_EMALFORMED (nothing changed), FSC_ELIMIT,
 * FSC_ENOMEM. *out (may be NULL) receives the slot. */
fsc_status fsc_state_decode(fsc_scorer *s, const uint8_t *buf, size_t len, sub **out);

#endif
