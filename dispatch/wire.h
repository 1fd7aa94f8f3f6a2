/* wire.h: the ZeroMQ conversations of dispatch (shared by both ends).
 *
 * Every message is a list of frames; the first names the message.
 *
 * Engine -> dispatch ("dispatch.listen", engine DEALER -> dispatch ROUTER):
 *   ["ALERT", ref, json]     ref = "<engine id>:<spool seq>", json the alert
 *   <- ["ACK", ref, seq]     stored durably (seq: dispatch's entry, as text;
 *                            a duplicate is acknowledged with the first's)
 *   <- ["NACK", ref, why]    not an alert: the engine moves it to its dead
 *                            letters and never resends it
 *   An engine keeps each alert in its spool (engine/spool.h) until ACKed and
 *   resends what is unacknowledged after a timeout or reconnect; dispatch
 *   deduplicates by alert_id, so resends are harmless.
 *
 * Client -> dispatch ("dispatch.clients", client DEALER -> dispatch ROUTER):
 *   ["REQ", id, token, verb, args-json]
 *   <- ["REP", id, status, body-json]   status: fsc_status_name() text
 *   verbs: subscribe {queue?, min_level?, after} (then PUSHes follow),
 *          claim|contact|outcome|close {alert_id, ...}, list, show, report,
 *          paystop_request, paystop_show, paystop_stats, reload, ping
 *   <- ["PUSH", seq, entry-json]        each new entry the subscription
 *                                       selects, in order, after catch-up
 *   A client keeps the seq of the last entry it showed, and subscribes
 *   again with after = that seq when it reconnects (ping unanswered).
 *
 * Dispatch -> bank gateway (dispatch DEALER -> the bank's ROUTER, one per
 * bank in dispatch.yaml):
 *   ["STOP", paystop_id, json {alert_id, bank, account, amount, reason}]
 *   <- ["ACK", paystop_id, bank_ref]
 *   <- ["STOPPED", paystop_id, bank_ref] | ["REJECTED", paystop_id, reason]
 *   Resent until acknowledged; a request with no final answer before
 *   paystop_expire_after is expired and the expiry pushed to liaisons.
 *
 * With CURVE keys configured every socket above is encrypted and the server
 * side accepts only the public keys listed (ZAP handler in dispatchd.c). */
#ifndef FSC_WIRE_H
#define FSC_WIRE_H

#define FSC_WIRE_ALERT "ALERT"
#define FSC_WIRE_ACK "ACK"
#define FSC_WIRE_NACK "NACK"
#define FSC_WIRE_REQ "REQ"
#define FSC_WIRE_REP "REP"
#define FSC_WIRE_PUSH "PUSH"
#define FSC_WIRE_STOP "STOP"
#define FSC_WIRE_STOPPED "STOPPED"
#define FSC_WIRE_REJECTED "REJECTED"

#endif
