/* counters.h: named counters for everything the engine sees or refuses.
 *
 * Bad input is data: each anomaly has a name here, a counter, and appears in
 * the run summary. A counter is one row; the summary prints every non-zero
 * row by name. Counters are plain uint64_t owned by one thread; a multi-
 * threaded caller keeps one fsc_counters per worker and adds them up. */
#ifndef FSC_COUNTERS_H
#define FSC_COUNTERS_H

#include <stdint.h>
#include <stdio.h>

#define FSC_COUNTER_LIST(X)                                                  \
    /* capture */                                                            \
    X(FSC_C_PACKETS, "capture.packets")                                      \
    X(FSC_C_BYTES, "capture.bytes")                                          \
    X(FSC_C_CAPTURE_ERRORS, "capture.read_errors")                           \
    X(FSC_C_KERNEL_RECEIVED, "capture.kernel_received")                      \
    X(FSC_C_KERNEL_DROPS, "capture.kernel_dropped")                          \
    X(FSC_C_IFACE_DROPS, "capture.interface_dropped")                        \
    X(FSC_C_RULES_RELOADS, "rules.reloads")                                  \
    X(FSC_C_RULES_RELOAD_FAILURES, "rules.reload_failures")                  \
    X(FSC_C_MODEL_RELOADS, "model.reloads")                                  \
    X(FSC_C_MODEL_RELOAD_FAILURES, "model.reload_failures")                  \
    /* decode anomalies */                                                   \
    X(FSC_C_LINKTYPE_UNSUPPORTED, "decode.linktype_unsupported")             \
    X(FSC_C_ETH_TRUNCATED, "decode.eth_truncated")                           \
    X(FSC_C_VLAN_TRUNCATED, "decode.vlan_truncated")                         \
    X(FSC_C_SLL_TRUNCATED, "decode.sll_truncated")                           \
    X(FSC_C_PPPOE_TRUNCATED, "decode.pppoe_truncated")                       \
    X(FSC_C_ETHERTYPE_OTHER, "decode.ethertype_other")                       \
    X(FSC_C_IPV4_TRUNCATED, "decode.ipv4_truncated")                         \
    X(FSC_C_IPV4_BAD_VERSION, "decode.ipv4_bad_version")                     \
    X(FSC_C_IPV4_BAD_HLEN, "decode.ipv4_bad_header_length")                  \
    X(FSC_C_IPV4_BAD_TOTLEN, "decode.ipv4_bad_total_length")                 \
    X(FSC_C_IPV4_FRAGMENT, "decode.ipv4_fragment")                           \
    X(FSC_C_IPV6_TRUNCATED, "decode.ipv6_truncated")                         \
    X(FSC_C_IPV6_BAD_VERSION, "decode.ipv6_bad_version")                     \
    X(FSC_C_IPV6_EXTHDR_TRUNCATED, "decode.ipv6_exthdr_truncated")           \
    X(FSC_C_IPV6_FRAGMENT, "decode.ipv6_fragment")                           \
    X(FSC_C_FRAG_REASSEMBLED, "decode.fragments_reassembled")                \
    X(FSC_C_FRAG_OVERFLOW, "decode.fragment_memory_exceeded")                \
    X(FSC_C_TUNNEL_TOO_DEEP, "decode.tunnel_too_deep")                       \
    X(FSC_C_UDP_TRUNCATED, "decode.udp_truncated")                           \
    X(FSC_C_TCP_TRUNCATED, "decode.tcp_truncated")                           \
    X(FSC_C_TCP_BAD_HLEN, "decode.tcp_bad_header_length")                    \
    X(FSC_C_L4_OTHER, "decode.l4_other")                                     \
    X(FSC_C_NULL_TRUNCATED, "decode.null_truncated")                         \
    X(FSC_C_NULL_FAMILY_OTHER, "decode.null_family_other")                   \
    X(FSC_C_PPP_PROTO_OTHER, "decode.ppp_protocol_other")                    \
    X(FSC_C_GRE_TRUNCATED, "decode.gre_truncated")                           \
    X(FSC_C_GRE_UNSUPPORTED, "decode.gre_unsupported")                       \
    X(FSC_C_IPV6_BAD_PAYLOAD_LEN, "decode.ipv6_bad_payload_length")          \
    X(FSC_C_IPV6_EXTHDR_TOO_MANY, "decode.ipv6_too_many_exthdrs")            \
    X(FSC_C_FRAG_BAD, "decode.fragment_invalid")                             \
    X(FSC_C_FRAG_TIMEOUT, "decode.fragments_timed_out")                      \
    X(FSC_C_FRAG_TABLE_FULL, "decode.fragment_table_full")                   \
    X(FSC_C_MPLS_TRUNCATED, "decode.mpls_truncated")                         \
    X(FSC_C_MPLS_PAYLOAD_OTHER, "decode.mpls_payload_other")                 \
    X(FSC_C_VXLAN_TRUNCATED, "decode.vxlan_truncated")                       \
    X(FSC_C_GENEVE_TRUNCATED, "decode.geneve_truncated")                     \
    X(FSC_C_GENEVE_UNSUPPORTED, "decode.geneve_unsupported")                 \
    X(FSC_C_GTPU_TRUNCATED, "decode.gtpu_truncated")                         \
    X(FSC_C_GTPU_MALFORMED, "decode.gtpu_malformed")                         \
    X(FSC_C_GTPU_NOT_GPDU, "decode.gtpu_signalling")                         \
    /* flows / reassembly */                                                 \
    X(FSC_C_FLOWS_CREATED, "flow.created")                                   \
    X(FSC_C_FLOWS_EVICTED, "flow.evicted")                                   \
    X(FSC_C_FLOW_TABLE_FULL, "flow.table_full")                              \
    X(FSC_C_REASM_OVERFLOW, "flow.reassembly_buffer_exceeded")               \
    X(FSC_C_REASM_OUT_OF_ORDER, "flow.out_of_order_segments")                \
    X(FSC_C_REASM_RETRANSMIT, "flow.retransmitted_segments")                 \
    X(FSC_C_FLOWS_TIMED_OUT, "flow.timed_out")                               \
    X(FSC_C_REASM_GAPS_EXCEEDED, "flow.reassembly_gaps_exceeded")            \
    X(FSC_C_REASM_COMPLETED, "flow.pdus_reassembled")                        \
    X(FSC_C_FLOWS_FROM_SYN, "flow.created_at_syn")                           \
    X(FSC_C_REASM_PDU_REPEATED, "flow.retransmitted_pdus_ignored")           \
    X(FSC_C_FLOWS_EVICTED_BUFFERED, "flow.evicted_buffered")                 \
    X(FSC_C_FLOWS_SYN_NOT_KEPT, "flow.syn_not_kept")                         \
    /* field parsers */                                                      \
    X(FSC_C_DNS_QUERIES, "dns.queries")                                      \
    X(FSC_C_DNS_MALFORMED, "dns.malformed")                                  \
    X(FSC_C_DNS_NAME_LOOP, "dns.name_compression_loop")                      \
    X(FSC_C_DNS_NAME_TOO_LONG, "dns.name_too_long")                          \
    X(FSC_C_DNS_TOO_MANY_QUESTIONS, "dns.too_many_questions")                \
    X(FSC_C_TLS_NO_SNI, "tls.client_hellos_without_sni")                     \
    X(FSC_C_TLS_TOO_LARGE, "tls.client_hello_too_large")                     \
    X(FSC_C_TLS_CLIENT_HELLOS, "tls.client_hellos")                          \
    X(FSC_C_TLS_MALFORMED, "tls.malformed")                                  \
    X(FSC_C_TLS_FINGERPRINT_BAD, "tls.fingerprint_unreadable")               \
    X(FSC_C_HTTP_REQUESTS, "http.requests")                                  \
    X(FSC_C_HTTP_MALFORMED, "http.malformed")                                \
    X(FSC_C_HTTP_HOST_TOO_LONG, "http.host_too_long")                        \
    X(FSC_C_HTTP_APK_URLS, "http.apk_urls")                                  \
    X(FSC_C_HTTP_RESPONSES, "http.responses")                                \
    X(FSC_C_HTTP_URL_TOO_LONG, "http.url_too_long")                          \
    /* QUIC Initial packets */                                               \
    X(FSC_C_QUIC_INITIALS, "quic.client_initials")                           \
    X(FSC_C_QUIC_CLIENT_HELLOS, "quic.client_hellos")                        \
    X(FSC_C_QUIC_MALFORMED, "quic.malformed")                                \
    X(FSC_C_QUIC_DECRYPT_FAILED, "quic.decrypt_failed")                      \
    X(FSC_C_QUIC_CRYPTO_EXCEEDED, "quic.crypto_buffer_exceeded")             \
    X(FSC_C_QUIC_CONNS_EVICTED, "quic.connections_evicted")                  \
    X(FSC_C_QUIC_REPEATED, "quic.retransmitted_initials_ignored")            \
    /* feeds */                                                              \
    X(FSC_C_EVENTS, "events.read")                                           \
    X(FSC_C_EVENTS_BAD, "events.bad_lines")                                  \
    X(FSC_C_IDENTITY_BAD, "identity.bad_rows")                               \
    X(FSC_C_PROFILES_BAD, "profiles.bad_rows")                               \
    X(FSC_C_UNATTRIBUTED, "score.unattributed_evidence")                     \
    X(FSC_C_EVENTS_FUTURE, "events.ts_too_far_ahead")                        \
    X(FSC_C_EVENTS_PAST, "events.ts_too_far_behind")                         \
    X(FSC_C_EVENTS_DEAD_LETTER, "events.dead_lettered")                      \
    X(FSC_C_EVENTS_ROTATED, "events.file_rotations")                         \
    X(FSC_C_EVENTS_DISPOSITIONS, "events.dispositions")                      \
    X(FSC_C_RADIUS_RECORDS, "identity.radius_records")                       \
    X(FSC_C_RADIUS_BAD, "identity.radius_bad_records")                       \
    X(FSC_C_RADIUS_NAS_RESETS, "identity.radius_nas_resets")                 \
    X(FSC_C_RADIUS_NAS_ENDED, "identity.radius_sessions_ended_by_nas")       \
    X(FSC_C_PROFILES_UNKNOWN, "profiles.unknown_subscriber")                 \
    /* matching, scoring, output */                                          \
    X(FSC_C_RECORDS, "match.records")                                        \
    X(FSC_C_RULE_HITS, "match.rule_hits")                                    \
    X(FSC_C_TEST_RULE_HITS, "match.test_rule_hits")                          \
    X(FSC_C_SEQUENCE_HITS, "match.sequence_rules_completed")                 \
    X(FSC_C_SEQUENCE_STEPS_DROPPED, "match.sequence_steps_after_reload")     \
    X(FSC_C_SEQUENCE_EVICTIONS, "match.sequence_subscribers_evicted")        \
    X(FSC_C_SEQUENCE_PROGRESS_DROPPED, "match.sequence_progress_dropped")    \
    X(FSC_C_SCORE_TABLE_FULL, "score.table_full")                            \
    X(FSC_C_SCORE_CLOCK_SKEW, "score.clock_skew_refused")                    \
    X(FSC_C_SCORE_SUPPRESSED, "score.alerts_suppressed")                     \
    X(FSC_C_SCORE_COOLDOWN, "score.alerts_refired_after_cooldown")           \
    X(FSC_C_SCORE_BOOSTS, "score.boosts")                                    \
    X(FSC_C_SCORE_EXPIRED, "score.expired_subscribers")                      \
    X(FSC_C_SCORE_TEXT_FULL, "score.text_table_full")                        \
    X(FSC_C_STATE_RESTORED, "state.restored_subscribers")                    \
    X(FSC_C_STATE_DROPPED, "state.dropped_on_restore")                       \
    X(FSC_C_STATE_SNAPSHOTS, "state.snapshots")                              \
    X(FSC_C_STATE_REDIS_OPS, "state.redis_commits")                          \
    X(FSC_C_STATE_REDIS_CONFLICTS, "state.redis_conflicts")                  \
    X(FSC_C_STATE_REDIS_REDIRECTS, "state.redis_redirects")                  \
    X(FSC_C_STATE_REDIS_ERRORS, "state.redis_errors")                        \
    X(FSC_C_ALERTS, "alert.emitted")                                         \
    X(FSC_C_ALERT_PUBLISH_ERRORS, "alert.publish_errors")                    \
    X(FSC_C_ALERT_REDIS_ERRORS, "alert.redis_errors")                        \
    /* alerts by level, in level order (alert.c indexes from LOW) */         \
    X(FSC_C_ALERT_LOW, "alert.level_low")                                    \
    X(FSC_C_ALERT_MEDIUM, "alert.level_medium")                              \
    X(FSC_C_ALERT_HIGH, "alert.level_high")                                  \
    X(FSC_C_ALERT_CRITICAL, "alert.level_critical")                          \
    /* dispatch: store (one subsection per part; add rows inside yours) */   \
    X(FSC_C_STORE_APPENDS, "dispatch.store_appends")                         \
    X(FSC_C_STORE_COMMITS, "dispatch.store_commits")                         \
    X(FSC_C_STORE_ERRORS, "dispatch.store_errors")                           \
    X(FSC_C_STORE_TAIL_CUT, "dispatch.journal_tail_cut_bytes")               \
    X(FSC_C_STORE_REDIS_RECONNECTS, "dispatch.store_redis_reconnects")       \
    X(FSC_C_STORE_MIRROR_ERRORS, "dispatch.store_mirror_errors")             \
    /* dispatch: service */                                                  \
    X(FSC_C_DSP_ALERTS, "dispatch.alerts_stored")                            \
    X(FSC_C_DSP_DUPLICATES, "dispatch.alerts_duplicate")                     \
    X(FSC_C_DSP_MALFORMED, "dispatch.alerts_malformed")                      \
    X(FSC_C_DSP_FALLBACK, "dispatch.routed_to_desk")                         \
    X(FSC_C_DSP_ESCALATIONS, "dispatch.escalations")                         \
    X(FSC_C_DSP_REFUSALS, "dispatch.refusals")                               \
    X(FSC_C_DSP_PAYSTOPS, "dispatch.paystops_requested")                     \
    X(FSC_C_DSP_PAYSTOPS_EXPIRED, "dispatch.paystops_expired")               \
    X(FSC_C_DSP_RELOAD_FAILURES, "dispatch.reload_failures")                 \
    X(FSC_C_DSP_PAYSTOP_LATE, "dispatch.paystop_late_updates")               \
    X(FSC_C_DSP_REPLAY_SKIPPED, "dispatch.replay_skipped_entries")           \
    /* dispatch: transports and the engine spool */                          \
    X(FSC_C_SPOOL_SENT, "spool.sent")                                        \
    X(FSC_C_SPOOL_RESENT, "spool.resent")                                    \
    X(FSC_C_SPOOL_ACKED, "spool.acknowledged")                               \
    X(FSC_C_SPOOL_NACKED, "spool.refused")                                   \
    X(FSC_C_SPOOL_ERRORS, "spool.errors")                                    \
    X(FSC_C_CURVE_REFUSED, "dispatch.curve_refused")                         \
    X(FSC_C_INGEST_COMMIT_FAILURES, "dispatch.ingest_commit_failures")       \
    X(FSC_C_WIRE_BAD, "dispatch.bad_messages")                               \
    X(FSC_C_WIRE_PUSHES, "dispatch.pushes")                                  \
    X(FSC_C_WIRE_LAGGING, "dispatch.clients_lagging")                        \
    X(FSC_C_BANK_SENT, "dispatch.bank_requests_sent")                        \
    X(FSC_C_BANK_BAD, "dispatch.bank_bad_replies")                           \
    /* dispatch: HTTP API */                                                 \
    X(FSC_C_API_REQUESTS, "api.requests")                                    \
    X(FSC_C_API_ERRORS, "api.errors")                                        \
    X(FSC_C_API_DENIED, "api.denied")

typedef enum fsc_counter_id {
#define FSC_X_ENUM(e, name) e,
    FSC_COUNTER_LIST(FSC_X_ENUM)
#undef FSC_X_ENUM
    FSC_C_COUNT
} fsc_counter_id;

typedef struct fsc_counters {
    uint64_t v[FSC_C_COUNT];
} fsc_counters;

/* Counter's printed name ("decode.ipv4_truncated"); static storage. */
const char *fsc_counter_name(fsc_counter_id id);
/* dst += src, counter by counter. */
void fsc_counters_add(fsc_counters *dst, const fsc_counters *src);
/* Writes every non-zero counter as "  name value" lines to f. */
void fsc_counters_print(const fsc_counters *c, FILE *f);

#endif
