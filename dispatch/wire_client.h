/* wire_client.h: the client end of wire.h's officer/liaison conversation,
 * for the command line (alerts claim|...|tail, paystop ...) and benchmarks.
 *
 * One DEALER connected to dispatch's client endpoint. Calls are
 * ["REQ", id, token, verb, args] and wait for the REP with the same id;
 * PUSHes that arrive meanwhile are handed to the push callback, so a tail
 * can ping on the same socket it is subscribed on. Not thread-safe. */
#ifndef FSC_WIRE_CLIENT_H
#define FSC_WIRE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct fsc_wclient fsc_wclient;

/* The endpoint and the token from the options, else the environment
 * (FRAUDSCAN_DISPATCH, FRAUDSCAN_TOKEN_FILE). The token file's first line is
 * the token. Returns 0, or -1 after saying on stderr what is missing (who
 * names the command). token receives at least 256 bytes. */
int fsc_wclient_settings(const char *who, const char **endpoint, const char *token_file,
                         char *token, size_t tokcap);

/* Connects (ZeroMQ connects lazily: nothing is known about the server
 * until a call is answered). With FRAUDSCAN_CURVE_KEY (this client's secret
 * key file) and FRAUDSCAN_CURVE_SERVER_KEY (dispatch's public key file) in
 * the environment the connection uses CURVE. NULL when out of memory, the
 * endpoint is malformed or the keys cannot be read (err says). The token
 * is copied. */
fsc_wclient *fsc_wclient_open(const char *endpoint, const char *token, char *err, size_t errcap);
void fsc_wclient_close(fsc_wclient *c);

/* Called for each ["PUSH", seq, json]; seq 0 is a notice ({"kind":"lagging"}
 * or {"kind":"unsubscribed"}). */
typedef void (*fsc_wclient_push_fn)(void *ctx, uint64_t seq, const char *json, size_t len);
void fsc_wclient_on_push(fsc_wclient *c, fsc_wclient_push_fn fn, void *ctx);

/* Sends verb with args (JSON object text; NULL: {}) and waits up to
 * timeout_ms for its reply. FSC_OK when answered: *status is the server's
 * status (parsed from its name) and *body its JSON (malloc'd, caller
 * frees). FSC_EIO when no answer came in time (err says so). */
fsc_status fsc_wclient_call(fsc_wclient *c, const char *verb, const char *args, int timeout_ms,
                            fsc_status *status, char **body, char *err, size_t errcap);

/* Sends a request without waiting; its reply is handed to the reply
 * callback by fsc_wclient_poll. Returns the request's id, or 0 on error. */
typedef void (*fsc_wclient_reply_fn)(void *ctx, uint64_t id, fsc_status status,
                                     const char *body, size_t len);
void fsc_wclient_on_reply(fsc_wclient *c, fsc_wclient_reply_fn fn, void *ctx);
uint64_t fsc_wclient_send(fsc_wclient *c, const char *verb, const char *args);

/* Waits up to timeout_ms for messages and hands each to its callback.
 * Returns the number handled, or -1 on a socket error. */
int fsc_wclient_poll(fsc_wclient *c, int timeout_ms);

/* The status an fsc_status_name() text names; FSC_STATUS_COUNT when none. */
fsc_status fsc_wclient_status(const char *name, size_t len);

/* The "error" member of a reply body, or the status's text; into buf. */
const char *fsc_wclient_error(fsc_status st, const char *body, char *buf, size_t cap);

#endif
