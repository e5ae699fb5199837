/** What otpgw's SMPP server for aggregators needs, and its limits with their defaults. */
import type { Redis } from "ioredis";
import type { RedisBatch } from "../../redis/redis-batch.js";
import type { DeliveryService } from "../../delivery/service-types.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import type { Account } from "../accounts/account-types.js";
import type { SubmitCheckDeps } from "../http/submit-checks.js";
import type { LookupLimiter } from "../accounts/lookup-limit.js";

/** The authenticator's answer (src/north/accounts/smpp-auth.ts): the account, or the bind_resp status and why. */
export type SmppAuthResult = { ok: true; account: Account } | { ok: false; status: number; reason: string };

/**
 * Checks a bind's system_id and password and the peer's address against the accounts. Expected statuses on
 * failure: ESME_RINVSYSID (unknown system_id), ESME_RINVPASWD (wrong password), ESME_RBINDFAIL (IP not allowed).
 */
export type AuthenticateBind = (
  systemId: string,
  password: string,
  remoteAddress: string,
) => Promise<SmppAuthResult>;

export interface SmppServerOptions {
  /** Plain TCP listener address. Default 127.0.0.1:2775 (port 0 picks a free port). */
  host: string;
  port: number;
  /** Optional TLS listener beside the plain one (same behaviour, encrypted). */
  tls?: { host?: string; port: number; key: string | Buffer; cert: string | Buffer };
  /** session_init_timer: a connection that has not bound by then is closed. Default 10 000 ms. */
  sessionInitMs: number;
  /** Connections open at once (bound or not); beyond it a new connection is closed at once. Default 1 000. */
  maxSessions: number;
  /**
   * Connections from one address that have not bound yet; beyond it a new one from that address is closed at once,
   * so a flood of idle connections cannot take every file descriptor for `sessionInitMs`. Default 10.
   */
  maxUnboundPerAddress: number;
  /** inactivity_timer: a bound session that sent no PDU for this long is unbound and closed. Default 120 000 ms. */
  inactivityMs: number;
  /** Time the ESME gets to answer our deliver_sm (and unbind). Default 30 000 ms. */
  responseTimeoutMs: number;
  /** Most of our deliver_sm outstanding per session. Default 10 (the SMPP guideline). */
  windowSize: number;
  /**
   * Largest command_length accepted; above it framing is lost (generic_nack ESME_RINVCMDLEN, close). Default
   * 16 KiB: a 10-part UCS-2 text in message_payload is about 1.4 KB, so anything near the limit is not an OTP.
   */
  maxPduBytes: number;
  /**
   * submit_sm being persisted at once per session; beyond it the session holds the PDUs already read (one read
   * can carry hundreds) and stops reading the socket. Default 100.
   */
  maxSubmitsInFlight: number;
  /** Failed binds from one IP within `bindFailureWindowMs` that start its cooldown. Default 5. */
  bindFailureLimit: number;
  /** Default 60 000 ms. */
  bindFailureWindowMs: number;
  /** How long an IP over the limit is refused (ESME_RBINDFAIL at once, then close). Default 300 000 ms. */
  bindCooldownMs: number;
  /**
   * Every failed bind is answered no sooner than this after it arrived, so a wrong password and an unknown
   * system_id cannot be told apart by timing, and guessing is slow. Default 500 ms.
   */
  failedBindDelayMs: number;
  /** An incomplete concatenated message is dropped this long after its first part. Default 60 000 ms. */
  reassemblyTimeoutMs: number;
  /** Incomplete concatenated messages one session may have open. Default 50. */
  maxOpenSetsPerSession: number;
  /** Incomplete concatenated messages open across the server. Default 5 000. */
  maxOpenSets: number;
  /** How often receipts waiting for a retry (0x64, timeout, session lost) are tried again. Default 5 000 ms. */
  receiptRetryMs: number;
  /** Most receipts kept per system_id while none of its receivers is bound. Default 100 000. */
  maxQueuedReceipts: number;
}

export const smppServerDefaults: SmppServerOptions = {
  host: "127.0.0.1",
  port: 2775,
  sessionInitMs: 10_000,
  maxSessions: 1_000,
  maxUnboundPerAddress: 10,
  inactivityMs: 120_000,
  responseTimeoutMs: 30_000,
  windowSize: 10,
  maxPduBytes: 16 * 1024,
  maxSubmitsInFlight: 100,
  bindFailureLimit: 5,
  bindFailureWindowMs: 60_000,
  bindCooldownMs: 300_000,
  failedBindDelayMs: 500,
  reassemblyTimeoutMs: 60_000,
  maxOpenSetsPerSession: 50,
  maxOpenSets: 5_000,
  receiptRetryMs: 5_000,
  maxQueuedReceipts: 100_000,
};

/** The subset of metrics the server writes. */
export type SmppServerMetrics = Pick<
  Metrics,
  | "smppBinds"
  | "smppSessions"
  | "smppConnectionsRefused"
  | "smppPdusRefused"
  | "smppSubmits"
  | "submitAckSeconds"
  | "smppReceipts"
  | "smppQueries"
>;

/** Everything the gateway passes in; tests pass their own. */
export interface SmppServerDeps extends SubmitCheckDeps {
  options?: Partial<SmppServerOptions>;
  authenticate: AuthenticateBind;
  /** The account with this id (for receipts: message.account → its system_id), as currently configured. */
  accountById: (id: string) => Account | undefined;
  delivery: DeliveryService;
  /** Lookups per account and second (query_sm), shared with the HTTP API. Default: the server's own. */
  lookups?: LookupLimiter;
  /** Rate-limit counters, concatenation parts and the receipt queues. */
  redis: Redis;
  /** The connection's group commit, shared with delivery (receipt queue writes join its script calls). */
  batch?: RedisBatch;
  /** Delivery's outbox set: a final message's receipts are queued as it leaves it (MessageStore.outboxKey). */
  deliveryOutboxKey: string;
  /** Prefix of every Redis key the server writes. */
  keyPrefix: string;
  /** How long a message is kept: bounds the receipt queues and the part→message mappings. */
  retentionMs: number;
  logger: Logger;
  metrics?: SmppServerMetrics;
  /**
   * Wall-clock epoch ms (default Date.now): what an absolute validity_period an ESME wrote is read against; and,
   * without `sharedClock`, the receipt outbox's clock too.
   */
  clock?: () => number;
  /**
   * The receipt outbox's clock (receipt-queueing.ts): its stamps' deadlines, which other instances' scans judge by
   * Redis's TIME, and its jobs' times (retention). The daemon gives Redis's clock as this process sees it
   * (RedisClock, gateway.ts), so stamps are Redis-aligned, not this host's wall clock. Default `clock`.
   */
  sharedClock?: () => number;
  /**
   * Monotonic ms (default performance.now, see monotonic-clock.ts) for durations measured in this process: the
   * sessions' session-init and inactivity timers and deliver_sm answer deadlines, the failed-bind delay and
   * cooldown, open concatenated sets, the receipt outbox's send-by times, log throttles.
   */
  monotonicClock?: () => number;
  /**
   * The token (lowercase hex) this process stamps the receipts it sends from memory with. Stable across restarts of
   * one instance (derived from its instance id), a restarted instance sends at once the receipts its predecessor
   * held but had not delivered when it stopped, instead of after their stamps' deadline. Default: random.
   */
  instance?: string;
}
