/* ingest.h: the engines' side of dispatch (wire.h: ALERT -> ACK | NACK).
 *
 * One ROUTER bound to dispatch.listen. Each poll round reads every ALERT
 * that is ready (up to `batch`), hands each to fsc_svc_ingest with d->lock
 * held, makes them durable with ONE fsc_svc_commit (group commit: one
 * fdatasync or one Redis round trip for the batch), and only then answers
 * ACK with the entry's seq. A failed commit answers nothing: the engines'
 * spools resend, and dispatch deduplicates by alert_id. What is not an
 * alert is answered NACK with the reason (the engine dead-letters it),
 * logged (the first 20, then every 1000th) and counted. */
#ifndef FSC_INGEST_H
#define FSC_INGEST_H

#include <stddef.h>

#include "dispatchd.h"

/* Binds endpoint (with d->curve as a CURVE server when set) and fills *out.
 * FSC_EZMQ with the reason in err. */
fsc_status fsc_ingest_open(fsc_dispatchd *d, const char *endpoint, int batch, fsc_part *out,
                           char *err, size_t errcap);

#endif
