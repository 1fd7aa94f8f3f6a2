/* events_same.h: does the fast scanner agree with the yajl parser on a
 * line? Shared by tests/unit/test_events_fast.c and
 * tests/fuzz/fuzz_events_fast.c (header-only: both are single files). */
#ifndef FSC_TEST_EVENTS_SAME_H
#define FSC_TEST_EVENTS_SAME_H

#include <stdio.h>
#include <string.h>

#include "events.h"
#include "events_fast.h"

static int events_same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Compares what the fast path made (f, fm) with what fsc_event_parse_ex
 * made (y, ym). Returns NULL when they are the same, else what differs. */
static const char *events_same(const fsc_record *f, const fsc_event_meta *fm, const fsc_record *y,
                               const fsc_event_meta *ym)
{
    if (f->source != y->source || f->ts != y->ts || f->frame != y->frame || f->line != y->line)
        return "source, ts, frame or line";
    if (!events_same_str(f->subscriber, y->subscriber))
        return "subscriber";
    if (!events_same_str(f->event, y->event))
        return "event";
    if (f->nvalues != y->nvalues)
        return "number of values";
    for (size_t i = 0; i < f->nvalues; i++)
        if (f->values[i].field != y->values[i].field || f->values[i].len != y->values[i].len ||
            memcmp(f->values[i].ptr, y->values[i].ptr, f->values[i].len) != 0)
            return "a value";
    if (!events_same_str(fm->device, ym->device) ||
        !events_same_str(fm->installer, ym->installer) ||
        !events_same_str(fm->version, ym->version) ||
        !events_same_str(fm->fraud_type, ym->fraud_type) ||
        !events_same_str(fm->disposition, ym->disposition) ||
        fm->dropped_permissions != ym->dropped_permissions)
        return "meta";
    return NULL;
}

/* Both parsers over (buf, len) with stores of storecap bytes (each at
 * least that big). Returns 1 when the fast path accepted, 0 when it
 * declined, -1 when it accepted and the yajl path disagrees (why in *why). */
static int events_compare(const char *buf, size_t len, char *fstore, char *ystore, size_t storecap,
                          const char **why)
{
    static fsc_record f, y;
    fsc_event_meta fm, ym;
    char err[256];
    unsigned long col = 0;
    *why = NULL;
    if (!fsc_event_parse_fast(buf, len, &f, &fm, fstore, storecap))
        return 0;
    fsc_status st = fsc_event_parse_ex(buf, len, &y, &ym, ystore, storecap, err, sizeof err, &col);
    if (st != FSC_OK) {
        static char msg[320];
        snprintf(msg, sizeof msg, "yajl path refuses it: %s (column %lu)", err, col);
        *why = msg;
        return -1;
    }
    *why = events_same(&f, &fm, &y, &ym);
    return *why ? -1 : 1;
}

#endif
