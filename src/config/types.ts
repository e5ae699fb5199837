/**
 * The validated, typed shape of the configuration. The schema in this folder turns YAML into these types;
 * everything else in otpgw only ever sees these (never raw YAML).
 */

/** How the carrier writes message ids: in submit_sm_resp and in receipts (they may differ in form). */
import type { ChannelsConfig } from "../escalation/channel-config.js";

export type MessageIdFormat = "hex" | "decimal" | "string";

export type BindMode = "transceiver" | "transmitter+receiver";

export interface SourceAddressRules {
  /** Alphanumeric sender ids (TON 5) are accepted by this carrier. */
  allowAlphanumeric: boolean;
  /** TON/NPI used for an alphanumeric sender. Default 5/0. */
  alphanumericTon: number;
  alphanumericNpi: number;
  /** TON/NPI used for a numeric (international) sender. Default 1/1. */
  numericTon: number;
  numericNpi: number;
  /** Sender used when the message has none allowed for this carrier (optional). */
  defaultSender?: string;
}

export interface CarrierConfig {
  /** Stable id, [a-z0-9-]+; used in logs, metrics and routes.yaml. */
  id: string;
  /** File the carrier came from (for messages). */
  file: string;
  host: string;
  port: number;
  tls: boolean;
  /** Verify the carrier's TLS certificate (default true). */
  tlsRejectUnauthorized: boolean;
  systemId: string;
  /** Resolved from the environment (`${VAR}`), never committed. */
  password: string;
  systemType: string;
  bindMode: BindMode;
  /** Number of binds (sessions); with transmitter+receiver, this many of each. */
  binds: number;
  /** Most outstanding requests per bind. */
  windowSize: number;
  /** Most submit_sm per second per bind. */
  throughputPerSecond: number;
  enquireLinkIntervalMs: number;
  responseTimeoutMs: number;
  reconnectMinDelayMs: number;
  reconnectMaxDelayMs: number;
  /** Idle session close: a bind with no answer to enquire_link after this many misses is dropped. */
  enquireLinkMaxMisses: number;
  sourceAddress: SourceAddressRules;
  /** Format of the message id in receipts (normalised to the submit_sm_resp form). */
  receiptIdFormat: MessageIdFormat;
  /** Format of the message id in submit_sm_resp. */
  submitIdFormat: MessageIdFormat;
  /** ISO 3166-1 alpha-2 country codes this carrier serves. */
  countries: string[];
  /** Alphabet the carrier assumes for data_coding 0 (received text only). */
  defaultAlphabet: "gsm7" | "latin1";
}

export interface DaemonConfig {
  /** File the settings came from, if any. */
  file?: string;
  logLevel: string;
  /** Directory holding carriers/*.yaml. */
  carriersDir: string;
  /** routes.yaml path. */
  routesFile: string;
  /** accounts.yaml path: who may submit (API keys, senders, rates). */
  accountsFile: string;
  /** The networks file (MCC/MNC, countries, number ranges): otpgw.yaml `networks_file`, else data/networks.yaml. */
  networksFile: string;
  redisUrl?: string;
  /**
   * Variables `redis_url` refers to that are not set (only under allowMissingEnv: the operations commands, config
   * check): the URL holds placeholders, so it must not be connected to. Absent when every reference is set.
   */
  redisUrlUnset?: readonly string[];
  /** Every Redis key otpgw writes starts with this (several deployments may share one Redis). */
  redisKeyPrefix: string;
  /**
   * How long the hot path's Redis operations wait to share one script call (0 = only those of one event-loop
   * turn share it). A few ms save Redis and otpgw CPU below saturation, and add that much to acknowledgements.
   */
  redisBatchDelayMs: number;
  /**
   * Replicas that must have a write before it is acknowledged (Redis WAIT), and how long to wait for them; fewer in
   * time and the write counts as failed (its submit is refused). 0 = the primary alone.
   */
  redisWait: { replicas: number; timeoutMs: number };
  /** The sentinels' own password (OTPGW_REDIS_SENTINEL_PASSWORD; environment only, like every secret). */
  redisSentinelPassword?: string;
  /**
   * TLS to Redis beyond the system's trust (`redis_tls`; rediss:// and rediss+sentinel:// only): paths absolute.
   * The files are read when a connection is made (redis/redis-tls.ts).
   */
  redisTls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string };
  retention: {
    /** Text kept after the final state (0 = deleted at once): OTP codes are secrets. */
    bodyMs: number;
    /** Message documents (state, attempts) kept after the final state, for GET and late receipts. */
    messageMs: number;
    /** An Idempotency-Key maps to its message this long. */
    idempotencyMs: number;
  };
  delivery: {
    /** No attempt starts with less OTP validity left than this. */
    minRemainingValidityMs: number;
    /** When no carrier of the route can take a message now, look again after this long. */
    retryUnavailableMs: number;
    /** How often due timers (DLR deadlines, retries, recovery) are checked. */
    timerPollMs: number;
    /** A claimed timer returns after this long if its handling never completed (a crashed instance). */
    timerLeaseMs: number;
  };
  /** `maxConnections`: connections open at once; more are closed as they are accepted. */
  http: { host: string; port: number; maxConnections: number };
  /** The SMPP server aggregators bind to (src/north/smpp). */
  smpp: {
    enabled: boolean;
    host: string;
    port: number;
    /** A TLS listener beside the plain one (key and certificate files, PEM). */
    tls?: { port: number; keyFile: string; certFile: string };
    /** Close a connection that has not bound within this time. */
    sessionInitMs: number;
    /** Connections open at once; more are closed as accepted. */
    maxSessions: number;
    /** Connections from one address not bound yet; more are closed as accepted. */
    maxUnboundPerAddress: number;
    /** Close a session with no PDU for this long. */
    inactivityMs: number;
    /** Most deliver_sm (receipts) outstanding per session. */
    windowSize: number;
  };
  metrics: { host: string; port: number };
  /** How long shutdown may take before remaining work is abandoned. */
  shutdownTimeoutMs: number;
  /** The channels escalation may use after SMS (otpgw.yaml `channels:`); empty: none. */
  channels: ChannelsConfig;
  /** Webhooks to loopback, private, link-local or reserved addresses: refused (default) or allowed. */
  webhookPrivateAddresses: "refuse" | "allow";
  /**
   * This instance's name among those sharing the Redis (bind-slot leases); unset: derived from the host name and
   * listening ports (see instance-id.ts).
   */
  instanceId?: string;
}
