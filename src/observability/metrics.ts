import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { HotCounter } from "./hot-counter.js";
import { HotHistogram } from "./hot-histogram.js";
import { registerScrapeGauges, type BindOutstanding, type HealthFactorReading } from "./scrape-gauges.js";

/**
 * Every metric otpgw exports, defined here and nowhere else (the scrape-time gauges in scrape-gauges.ts, registered
 * from here). Names are `otpgw_<what>_<unit|total>`;
 * labels are carrier / bind / outcome / status — never a message id or a phone number.
 */
/** Seconds an OTP may take to reach a handset: most arrive within seconds, a validity is minutes. */
const DELIVERY_BUCKETS = [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 120, 300];

export type { BindOutstanding, HealthFactorReading } from "./scrape-gauges.js";

export interface Metrics {
  registry: Registry;
  bindUp: Gauge<"carrier" | "bind">;
  /**
   * Where `otpgw_carrier_bind_outstanding` is read from at each scrape (the gateway's binds): read when asked for,
   * so the hot path pays nothing for it.
   */
  setOutstandingSource(read: () => Iterable<BindOutstanding>): void;
  /** Where `otpgw_carrier_health_factor` is read from at each scrape (routing's live health). */
  setHealthSource(read: () => Iterable<HealthFactorReading>): void;
  bindRate: Gauge<"carrier" | "bind">;
  bindReconnects: Counter<"carrier" | "bind" | "reason">;
  bindRefused: Counter<"carrier" | "status">;
  carrierQueued: Gauge<"carrier">;
  bindSlotsHeld: Gauge<"carrier">;
  carrierDrained: Gauge<"carrier">;
  carrierWeightPercent: Gauge<"carrier">;
  submits: Counter<"carrier" | "outcome" | "status">;
  submitResponseSeconds: HotHistogram<"carrier">;
  redisBatchSeconds: Histogram<"outcome">;
  redisBatchOps: Counter;
  redisSettingsProblems: Gauge;
  redisReplicasInSync: Gauge;
  redisWaitReplicas: Gauge;
  clockOffset: Gauge;
  tlsCertificateExpiry: Gauge<"use">;
  configReloads: Counter<"result">;
  configReloadedAt: Gauge;
  configRestartPending: Gauge;
  throttled: Counter<"carrier">;
  receipts: Counter<"carrier" | "stat">;
  receiptsUnmatched: Counter<"carrier">;
  messagesAccepted: Counter;
  submitAckSeconds: HotHistogram<"interface">;
  messagesFinal: Counter<"state">;
  messageFinalSeconds: HotHistogram<"state">;
  carrierReceiptSeconds: HotHistogram<"carrier" | "stat">;
  messagesWithdrawn: Counter<"outcome">;
  attempts: Counter<"carrier">;
  escalationSends: Counter<"channel" | "result">;
  channelStatuses: Counter<"channel" | "outcome">;
  conversions: Counter<"carrier" | "channel" | "message_state">;
  conversionsExpected: Counter<"carrier" | "channel">;
  submitsLimited: Counter<"account" | "limit">;
  accountSuspended: Gauge<"account">;
  rangesBlocked: Gauge<"account">;
  portedNumbers: Gauge;
  pumpingGuardBlocks: Counter<"account">;
  httpRequests: Counter<"route" | "status" | "code">;
  httpConnectionsRefused: Counter;
  webhookDeliveries: Counter<"outcome">;
  smppBinds: Counter<"outcome">;
  smppSessions: Gauge;
  smppConnectionsRefused: Counter<"reason">;
  smppPdusRefused: Counter<"reason">;
  smppSubmits: Counter<"outcome">;
  smppReceipts: Counter<"outcome">;
  smppQueries: Counter<"outcome">;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: "otpgw_process_" });
  const registers = [registry];
  const scraped = registerScrapeGauges(registers);
  return {
    registry,
    setOutstandingSource: scraped.setOutstandingSource,
    setHealthSource: scraped.setHealthSource,
    bindUp: new Gauge({
      name: "otpgw_carrier_bind_up",
      help: "1 when the carrier bind is bound, else 0",
      labelNames: ["carrier", "bind"],
      registers,
    }),
    bindRate: new Gauge({
      name: "otpgw_carrier_bind_rate_per_second",
      help: "Current submit rate allowed on the bind (below the cap after throttling)",
      labelNames: ["carrier", "bind"],
      registers,
    }),
    bindReconnects: new HotCounter({
      name: "otpgw_carrier_bind_reconnects_total",
      help: "Times a carrier bind dropped and was scheduled to reconnect, by reason: connect_failed, bind_refused, bind_failed, keepalive, response_timeouts, bind_lost (a submit answered ESME_RINVBNDSTS), peer_unbind, dropped",
      labelNames: ["carrier", "bind", "reason"],
      registers,
    }),
    bindRefused: new HotCounter({
      name: "otpgw_carrier_bind_refused_total",
      help: "Bind attempts the carrier refused, by command_status name",
      labelNames: ["carrier", "status"],
      registers,
    }),
    carrierQueued: new Gauge({
      name: "otpgw_carrier_queued",
      help: "Submits waiting for a bind's window and throughput",
      labelNames: ["carrier"],
      registers,
    }),
    bindSlotsHeld: new Gauge({
      name: "otpgw_carrier_bind_slots_held",
      help: "The carrier's bind slots this instance holds a lease on (its binds open only on those; the carrier's binds setting counts across instances)",
      labelNames: ["carrier"],
      registers,
    }),
    carrierDrained: new Gauge({
      name: "otpgw_carrier_drained",
      help: "1 while an operator's drain (otpgw carriers drain) keeps new attempts off the carrier, else 0",
      labelNames: ["carrier"],
      registers,
    }),
    carrierWeightPercent: new Gauge({
      name: "otpgw_carrier_weight_percent",
      help: "The carrier's weight in every route as a percentage of routes.yaml's (otpgw carriers weight; 100 = as configured)",
      labelNames: ["carrier"],
      registers,
    }),
    submits: new HotCounter({
      name: "otpgw_carrier_submits_total",
      help: "submit_sm outcomes: accepted, rejected (by status), retried (a transient status: sent again after a backoff), unknown (closed or timed out), not_sent (never written: deadline_passed or withdrawn)",
      labelNames: ["carrier", "outcome", "status"],
      registers,
    }),
    submitResponseSeconds: new HotHistogram({
      name: "otpgw_carrier_submit_response_seconds",
      help: "Time from writing submit_sm to its response",
      labelNames: ["carrier"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    redisBatchSeconds: new Histogram({
      name: "otpgw_redis_batch_seconds",
      help: "Round trip of the hot path's Redis script calls (an acknowledgement waits for one), fsync included",
      labelNames: ["outcome"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    redisBatchOps: new HotCounter({
      name: "otpgw_redis_batch_ops_total",
      help: "Store operations carried by the hot path's Redis script calls (divide by the calls for the batch size)",
      registers,
    }),
    redisSettingsProblems: new Gauge({
      name: "otpgw_redis_settings_problems",
      help: "Redis settings under which an acknowledged message could be lost or every write refused (eviction policy, replica, Cluster): 0 when fine, checked every minute and on reconnect",
      registers,
    }),
    redisReplicasInSync: new Gauge({
      name: "otpgw_redis_replicas_in_sync",
      help: "Replicas in sync with otpgw's Redis primary (state=online), checked every minute and on reconnect; with redis_wait_replicas, fewer than it means every write fails",
      registers,
    }),
    redisWaitReplicas: new Gauge({
      name: "otpgw_redis_wait_replicas",
      help: "redis_wait_replicas: replicas each write waits for (0 = none); alert when otpgw_redis_replicas_in_sync comes down to it",
      registers,
    }),
    clockOffset: new Gauge({
      name: "otpgw_clock_offset_seconds",
      help: "Redis's clock minus this host's, as last estimated from round trips (delivery times everything by Redis's clock; a warning is logged beyond 1 s: check NTP)",
      registers,
    }),
    tlsCertificateExpiry: new Gauge({
      name: "otpgw_tls_certificate_expiry_timestamp_seconds",
      help: "When the certificate otpgw presents ends its validity (Unix seconds), by use: smpp_listener, redis_client (both reloaded when their files change or on SIGHUP)",
      labelNames: ["use"],
      registers,
    }),
    configReloads: new Counter({
      name: "otpgw_config_reloads_total",
      help: "Configuration reloads (SIGHUP) by result: applied (routes.yaml or accounts.yaml installed), unchanged, invalid (a file failed validation: the running table stays), refused (valid, but not applicable without a restart), failed",
      labelNames: ["result"],
      registers,
    }),
    configReloadedAt: new Gauge({
      name: "otpgw_config_reload_success_timestamp_seconds",
      help: "When the configuration was last read successfully (start or SIGHUP), Unix seconds",
      registers,
    }),
    configRestartPending: new Gauge({
      name: "otpgw_config_restart_pending",
      help: "1 when the last reload found changes a reload cannot apply (otpgw.yaml and the environment, carrier files): they wait for a restart",
      registers,
    }),
    throttled: new HotCounter({
      name: "otpgw_carrier_throttled_total",
      help: "ESME_RTHROTTLED / ESME_RMSGQFUL answers (a submit's first slows its bind down and requeues it; a repeat for the same submit holds it back, see otpgw_carrier_submits_total)",
      labelNames: ["carrier"],
      registers,
    }),
    receipts: new HotCounter({
      name: "otpgw_carrier_receipts_total",
      help: "Delivery receipts received, by stat",
      labelNames: ["carrier", "stat"],
      registers,
    }),
    receiptsUnmatched: new HotCounter({
      name: "otpgw_carrier_receipts_unmatched_total",
      help: "Receipts whose carrier message id matches no message (unknown or past retention)",
      labelNames: ["carrier"],
      registers,
    }),
    messagesAccepted: new HotCounter({
      name: "otpgw_messages_accepted_total",
      help: "Messages persisted and acknowledged",
      registers,
    }),
    submitAckSeconds: new HotHistogram({
      name: "otpgw_submit_ack_seconds",
      help: "Time from a submit's arrival (an SMPP submit_sm taken up, an HTTP POST received) to its positive answer (submit_sm_resp, HTTP 202/200) going out: the wait for a durable acknowledgement",
      labelNames: ["interface"],
      // Finer around 10 ms, where a latency target usually sits.
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    messagesFinal: new HotCounter({
      name: "otpgw_messages_final_total",
      help: "Messages that reached a final state, by state",
      labelNames: ["state"],
      registers,
    }),
    messageFinalSeconds: new HotHistogram({
      name: "otpgw_message_final_seconds",
      help: "From a message's acceptance to its final state, by state: for delivered, the time until the carrier's receipt said so (reroutes included)",
      labelNames: ["state"],
      buckets: DELIVERY_BUCKETS,
      registers,
    }),
    carrierReceiptSeconds: new HotHistogram({
      name: "otpgw_carrier_receipt_seconds",
      help: "From an attempt's start to the carrier's final receipt for it, by carrier and stat (attempts that ended without a receipt are not counted)",
      labelNames: ["carrier", "stat"],
      buckets: DELIVERY_BUCKETS,
      registers,
    }),
    messagesWithdrawn: new Counter({
      name: "otpgw_messages_withdrawn_total",
      help: "Messages refused to their submitter because Redis's answer to their create was lost, by what was found once Redis answered: withdrawn (it had been stored: deleted), absent (it had not), too_late (it had moved on, or a repeat on another instance took it over: it will be delivered), reclaimed (a repeat here took it over: delivered)",
      labelNames: ["outcome"],
      registers,
    }),
    attempts: new HotCounter({
      name: "otpgw_attempts_total",
      help: "Delivery attempts started, by carrier",
      labelNames: ["carrier"],
      registers,
    }),
    escalationSends: new Counter({
      name: "otpgw_escalation_sends_total",
      help: "Escalation sends (WhatsApp, voice) by channel and result: accepted, refused (the attempt fails), retried (provider busy or unreachable: tried again), unknown (no answer: it may have been taken, so not sent again; its status is awaited), not_sent (too late, no code, or out of tries), stale (the attempt had ended)",
      labelNames: ["channel", "result"],
      registers,
    }),
    channelStatuses: new Counter({
      name: "otpgw_channel_status_callbacks_total",
      help: "Status callbacks from channel providers by channel and outcome: recorded, unverified (bad or missing signature: refused 401), malformed (refused 400), failed (not recorded: 503, the provider posts again)",
      labelNames: ["channel", "outcome"],
      registers,
    }),
    submitsLimited: new Counter({
      name: "otpgw_submits_limited_total",
      help: "Submits refused by an account's anti-abuse limits (HTTP or SMPP, nothing stored), by account and limit: country (not in its countries), number (per_number_limit reached), range (per_range_limit reached: a walk through a range of numbers, the mark of SMS pumping), suspended (an operator suspended the account), blocked_range (the number is in a range an operator blocked)",
      labelNames: ["account", "limit"],
      registers,
    }),
    accountSuspended: new Gauge({
      name: "otpgw_account_suspended",
      help: "1 while an operator has suspended the account (otpgw accounts suspend): its submits are refused; 0 once lifted (no series before a first suspension)",
      labelNames: ["account"],
      registers,
    }),
    rangesBlocked: new Gauge({
      name: "otpgw_ranges_blocked",
      help: "Ranges of numbers an operator blocked (otpgw ranges block) now in force, by account (* for those blocked for every account): submits to their numbers are refused (no series before a first block)",
      labelNames: ["account"],
      registers,
    }),
    portedNumbers: new Gauge({
      name: "otpgw_ported_numbers",
      help: "Ported numbers this instance routes by (otpgw ported import|set|unset), as last read from Redis",
      registers,
    }),
    pumpingGuardBlocks: new Counter({
      name: "otpgw_pumping_guard_blocks_total",
      help: "Ranges the pumping guard (accounts.yaml pumping_guard) blocked for an account: their delivered codes were not used where the account's others were, the mark of SMS pumping",
      labelNames: ["account"],
      registers,
    }),
    conversions: new Counter({
      name: "otpgw_conversions_total",
      help: "Conversions reported by submitters (the person used the code), by the carrier or channel of the attempt they prove delivered and the message's state when reported: delivered (the receipt was true), attempting (no receipt yet: nothing more is sent), undeliverable or expired (a failed or missing receipt, yet the code arrived)",
      labelNames: ["carrier", "channel", "message_state"],
      registers,
    }),
    conversionsExpected: new HotCounter({
      name: "otpgw_conversions_expected_total",
      help: "Messages delivered for accounts that report conversions (reports_conversions: true), by the carrier or channel that delivered them: the conversion share's denominator",
      labelNames: ["carrier", "channel"],
      registers,
    }),
    httpRequests: new HotCounter({
      name: "otpgw_http_requests_total",
      help: "HTTP API requests, by route template, status and error code (empty when successful)",
      labelNames: ["route", "status", "code"],
      registers,
    }),
    httpConnectionsRefused: new HotCounter({
      name: "otpgw_http_connections_refused_total",
      help: "HTTP API connections closed as they were accepted: http.max_connections were open",
      registers,
    }),
    webhookDeliveries: new HotCounter({
      name: "otpgw_webhook_deliveries_total",
      help: "Webhook POSTs by outcome: acknowledged, not_acknowledged (retried), gave_up, skipped",
      labelNames: ["outcome"],
      registers,
    }),
    smppBinds: new HotCounter({
      name: "otpgw_smpp_binds_total",
      help: "Binds to otpgw's SMPP server by outcome: ok, invalid_password, unknown_system_id, ip_not_allowed, max_binds, ip_cooldown, malformed, refused (no SMPP access), error",
      labelNames: ["outcome"],
      registers,
    }),
    smppSessions: new Gauge({
      name: "otpgw_smpp_sessions",
      help: "Open sessions (TCP connections) on otpgw's SMPP server, bound or not",
      registers,
    }),
    smppConnectionsRefused: new HotCounter({
      name: "otpgw_smpp_connections_refused_total",
      help: "SMPP connections closed as they were accepted, by reason: too_many_sessions, too_many_unbound (from one address)",
      labelNames: ["reason"],
      registers,
    }),
    smppPdusRefused: new HotCounter({
      name: "otpgw_smpp_pdus_refused_total",
      help: "PDUs otpgw's SMPP server answered with an error status (binds excluded), by reason",
      labelNames: ["reason"],
      registers,
    }),
    smppSubmits: new HotCounter({
      name: "otpgw_smpp_submits_total",
      help: "submit_sm answered OK by outcome: accepted (a whole message), part_stored (a part awaiting its set), set_dropped (incomplete set timed out)",
      labelNames: ["outcome"],
      registers,
    }),
    smppReceipts: new HotCounter({
      name: "otpgw_smpp_receipts_total",
      help: "Receipts sent back over SMPP by outcome: queued, acknowledged, retry, dropped, expired, skipped, unreadable",
      labelNames: ["outcome"],
      registers,
    }),
    smppQueries: new HotCounter({
      name: "otpgw_smpp_queries_total",
      help: "query_sm answered by outcome: found (the message's state was given), not_found (ESME_RQUERYFAIL), throttled (ESME_RTHROTTLED: over the account's lookups per second)",
      labelNames: ["outcome"],
      registers,
    }),
  };
}
