/* store_int.h: what the store's backends share inside dispatch/ (store.c
 * holds the checks every backend needs; store_journal.c and store_redis.c
 * fill in an fsc_store_ops). Not for use outside the store, except the
 * journal's pure checker, which the fuzz target drives. */
#ifndef FSC_STORE_INT_H
#define FSC_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The bound on one uncommitted batch: an append past it is refused with
 * FSC_ELIMIT until the owner commits (it commits after every message it
 * handles, so only a runaway caller meets it). */
#define FSC_STORE_BATCH_MAX (64u * 1024 * 1024)

/* The longest line journal.log may hold: "<seq> <crc32c hex8> <json>\n" with
 * a 20-digit seq and a json of FSC_STORE_MAX_ENTRY bytes. */
#define FSC_JOURNAL_LINE_MAX (20 + 1 + 8 + 1 + FSC_STORE_MAX_ENTRY + 1)

typedef struct fsc_store_ops {
    /* Buffers one checked entry (store.c has verified length and newline);
     * seq is its number. Must copy json. */
    fsc_status (*append)(fsc_store *s, const char *json, size_t len, uint64_t seq);
    /* Makes the s->npending buffered entries durable, or none of them. In
     * both cases the backend empties its buffer; store.c then moves
     * s->last on success or reuses the numbers on failure. */
    fsc_status (*commit)(fsc_store *s);
    fsc_status (*scan)(fsc_store *s, uint64_t after, fsc_store_fn fn, void *ctx);
    fsc_status (*mirror)(fsc_store *s, const char *precinct, const char *alert_id,
                         uint64_t seq, fsc_qmirror what, const char *officer);
    /* optional: the steps pipelined; NULL: store.c calls mirror for each */
    size_t (*mirror_many)(fsc_store *s, const fsc_mirror_step *steps, size_t n);
    void (*close)(fsc_store *s);
} fsc_store_ops;

/* The head of every backend's own struct (its first member). */
struct fsc_store {
    const fsc_store_ops *ops;
    fsc_counters *ctr;    /* the owner's, or &own when it passed NULL */
    fsc_counters own;
    uint64_t last;        /* last committed seq */
    uint64_t npending;    /* appended since, numbered last+1 .. last+npending */
    size_t pending_bytes; /* their json bytes, against FSC_STORE_BATCH_MAX */
};

/* Sets the common head; counters may be NULL. */
void fsc_store_init(fsc_store *s, const fsc_store_ops *ops, fsc_counters *counters);

/* CRC32C (Castagnoli), the checksum of a journal line's json: the CPU's
 * instruction where it has one, else fsc_crc32c_sw (a byte table; the
 * tests compare the two). */
uint32_t fsc_crc32c(const void *buf, size_t len);
uint32_t fsc_crc32c_sw(const void *buf, size_t len);

/* One line of journal.log at buf, len bytes available (never read past).
 * FSC_OK: a complete line "<seq> <crc> <json>\n" whose crc matches: *seq,
 *   *json (pointing into buf), *jlen and *linelen (with the newline) set.
 * FSC_EPARTIAL: no newline in the len bytes, and they could still be the
 *   start of a valid line (a torn write); *linelen = len.
 * FSC_EMALFORMED: *why says what is wrong (static text); *linelen spans up
 *   to and with the next newline (or to len when there is none). */
fsc_status fsc_journal_line(const char *buf, size_t len, uint64_t *seq, const char **json,
                            size_t *jlen, size_t *linelen, const char **why);

/* The verdict on a whole journal.log held in (buf, len). */
typedef struct fsc_journal_check {
    uint64_t entries;     /* good lines from the start: seq 1 .. entries */
    size_t good_end;      /* byte offset just past the last good line */
    uint64_t bad_line;    /* first line that is not good (1-based); 0: none */
    const char *why;      /* what is wrong with it (static text) */
    uint64_t later_good;  /* with FSC_EMALFORMED: a good line after bad_line */
} fsc_journal_check;

/* Called for each good line in order, with its seq and byte offset; a
 * non-zero return stops the check with FSC_ENOMEM. */
typedef int (*fsc_journal_entry_fn)(void *ctx, uint64_t seq, size_t off);

/* Checks journal.log's bytes: every line complete, its crc right, the
 * sequence 1, 2, 3... FSC_OK: the file is good up to r->good_end; anything
 * after it (r->bad_line onwards) is a torn tail, holding no line with a
 * valid checksum, which open cuts. FSC_EMALFORMED: a bad line
 * (r->bad_line, r->why) has a good line after it (r->later_good) or a good
 * line carries the wrong number: acknowledged entries would be lost, so
 * nothing is cut. fn may be NULL. Reads only buf[0..len). */
fsc_status fsc_journal_check_buf(const char *buf, size_t len, fsc_journal_entry_fn fn,
                                 void *ctx, fsc_journal_check *r);

#endif
