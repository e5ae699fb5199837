/**
 * Every default and every limit of the configuration, in one place. The schemas read from here, the docs
 * (docs/configuration.md) and the example files repeat these values: change them together.
 */
import type { CarrierConfig, DaemonConfig } from "./types.js";

/** Carrier settings that may be left out of `carriers/*.yaml`. */
export type CarrierDefaults = Omit<
  CarrierConfig,
  "id" | "file" | "host" | "port" | "systemId" | "password" | "countries"
>;

/** Daemon settings that may be left out of `otpgw.yaml` (paths relative to that file, or to the cwd). */
// networksFile: the file otpgw ships, located at run time (daemon-settings.ts bundledNetworksFile).
export type DaemonDefaults = Omit<
  DaemonConfig,
  "file" | "redisUrl" | "redisSentinelPassword" | "networksFile"
>;

export const defaults = {
  carrier: {
    tls: false,
    // An unverified certificate defeats the point of TLS; turning it off must be an explicit choice.
    tlsRejectUnauthorized: true,
    systemType: "",
    // One session per direction is what most carriers grant an account by default.
    bindMode: "transceiver",
    binds: 1,
    // SMPP 3.4 (§2.7) recommends no more than 10 outstanding requests; carriers enforce it with ESME_RMSGQFUL.
    windowSize: 10,
    // A common contractual cap for an OTP route; carriers typically allow 10–500 per bind.
    throughputPerSecond: 50,
    // SMPP enquire_link_timer is usually 30–60 s; a carrier drops a session idle for longer than its own timer.
    enquireLinkIntervalMs: 30_000,
    // SMPP response_timer is usually 10–60 s; OTPs are urgent, so we give up on the short end.
    responseTimeoutMs: 10_000,
    // Back off from 1 s up to 1 min: carriers blacklist accounts that hammer bind after a refusal.
    reconnectMinDelayMs: 1_000,
    reconnectMaxDelayMs: 60_000,
    // Three missed enquire_link answers (90 s by default) is a dead peer, not a slow one.
    enquireLinkMaxMisses: 3,
    sourceAddress: {
      allowAlphanumeric: true,
      // TON 5 / NPI 0 (alphanumeric, unknown plan) and TON 1 / NPI 1 (international, E.164): SMPP 3.4 §5.2.5–6.
      alphanumericTon: 5,
      alphanumericNpi: 0,
      numericTon: 1,
      numericNpi: 1,
    },
    // "string" compares ids as written; hex/decimal are only needed when the carrier's two forms differ.
    receiptIdFormat: "string",
    submitIdFormat: "string",
    // GSM 03.38 is what SMPP 3.4 means by "SMSC default alphabet"; some SMSCs use Latin-1 instead.
    defaultAlphabet: "gsm7",
  },
  daemon: {
    logLevel: "info",
    carriersDir: "carriers",
    routesFile: "routes.yaml",
    accountsFile: "accounts.yaml",
    // One Redis may serve several deployments (staging, production): keys never collide.
    redisKeyPrefix: "otpgw:",
    // Lowest latency: a turn's operations go to Redis at the end of the turn (docs/performance.md for the trade).
    redisBatchDelayMs: 0,
    // Acknowledge once the primary has a write (and its append-only file): replicas are not waited for unless asked.
    // With Sentinel, 1 keeps an acknowledged message through a failover (docs/configuration.md).
    redisWait: { replicas: 0, timeoutMs: 1_000 },
    retention: {
      // OTP codes are secrets: the text is deleted as soon as the message is final.
      bodyMs: 0,
      // A week of state and attempts for GET /v1/messages/:id, support questions and late receipts.
      messageMs: 7 * 24 * 3600 * 1000,
      // A day covers any sane client retry policy for the same Idempotency-Key.
      idempotencyMs: 24 * 3600 * 1000,
    },
    delivery: {
      // A carrier needs a few seconds to get an SMS to a handset; an attempt with less time left only
      // delivers a code the user can no longer type in.
      minRemainingValidityMs: 10_000,
      // Binds usually come back within seconds (reconnect backoff starts at 1 s).
      retryUnavailableMs: 1_000,
      // DLR deadlines are tens of seconds; 100 ms resolution is plenty and costs one Redis call per poll.
      timerPollMs: 100,
      // Longer than any single handling takes, shorter than a DLR timeout: a crashed instance's work resumes soon.
      timerLeaseMs: 15_000,
    },
    // A few keep-alive connections per client; the cap keeps a flood of idle ones from taking every descriptor.
    http: { host: "0.0.0.0", port: 8080, maxConnections: 1_000 },
    smpp: {
      enabled: true,
      host: "0.0.0.0",
      // 2775 is SMPP's registered port: what aggregators expect.
      port: 2775,
      // SMPP's session_init_timer is usually 10–30 s; a connection that does not bind by then is not an ESME.
      sessionInitMs: 10_000,
      // Far above what aggregators open (a few binds each), far below a process's file descriptors.
      maxSessions: 1_000,
      // An ESME opens its binds one after another; ten connections from one address still unbound is a flood.
      maxUnboundPerAddress: 10,
      // Well-behaved ESMEs send enquire_link every 30–60 s; two minutes of silence is a dead session.
      inactivityMs: 120_000,
      // SMPP 3.4 suggests at most 10 outstanding requests; ESMEs size their receive side for it.
      windowSize: 10,
    },
    // 9464 is the port commonly used by Prometheus exporters of application metrics.
    metrics: { host: "0.0.0.0", port: 9464 },
    // Below Kubernetes' default 30 s termination grace period, so we finish before SIGKILL.
    shutdownTimeoutMs: 25_000,
    webhookPrivateAddresses: "refuse",
    // No escalation until a channel is configured (docs/channels.md).
    channels: {},
  },
} as const satisfies { carrier: CarrierDefaults; daemon: DaemonDefaults };

/** Limits the validation enforces; each is a protocol limit or a guard against a typo. */
export const limits = {
  /** Carrier ids appear in logs, metric labels, Redis keys and routes.yaml. */
  carrierIdPattern: /^[a-z0-9][a-z0-9-]*$/,
  /** Long enough for "country-operator-purpose" ids, short enough for a metric label. */
  carrierIdMaxLength: 63,
  /** SMPP 3.4 §4.1.1: system_id is a C-Octet String of at most 16 octets including the NUL. */
  systemIdMaxLength: 15,
  /** SMPP 3.4 §4.1.1: password is a C-Octet String of at most 9 octets including the NUL. */
  passwordMaxLength: 8,
  /** SMPP 3.4 §4.1.1: system_type is a C-Octet String of at most 13 octets including the NUL. */
  systemTypeMaxLength: 12,
  /** TCP ports a carrier listens on. */
  portMin: 1,
  portMax: 65535,
  /** Ports otpgw listens on: 0 asks the OS for a free port (tests, side-by-side instances). */
  listenPortMin: 0,
  /** A bind is a TCP session a carrier counts against the account; more than this is surely a typo. */
  bindsMax: 64,
  /** Throughput saturates near a window of 100 (SMPP-NOTES §A bench); beyond 1000 is a typo. */
  windowSizeMax: 1000,
  /** Far above any carrier's per-bind cap; larger values are a typo. */
  throughputPerSecondMax: 10_000,
  /** Acknowledgements wait for the batch: beyond this the delay would dominate the gateway's latency. */
  redisBatchDelayMsMax: 20,
  /** More replicas than this waited for per write is a cluster otpgw was not meant for. */
  redisWaitReplicasMax: 5,
  /** An acknowledgement held longer than 10 s for replicas is an outage, not a wait. */
  redisWaitTimeoutMsRange: [10, 10_000] as const,
  /** setTimeout fires at once for delays above 2^31-1 ms, which would turn a timer into a busy loop. */
  timerMaxMs: 2_147_483_647,
  /** Missing this many enquire_link answers in a row is a dead peer; beyond 100 detection is meaningless. */
  enquireLinkMaxMissesMax: 100,
  /** SMPP 3.4 §5.2.5: TON values 0–6 are defined. */
  tonMax: 6,
  /** SMPP 3.4 §5.2.6: the defined NPI values. */
  npiValues: [0, 1, 3, 4, 6, 8, 9, 10, 14, 18],
  /** GSM 03.40 TP-OA: an alphanumeric sender is at most 11 characters. */
  alphanumericSenderMaxLength: 11,
  /** SMPP 3.4 §4.4.1: source_addr is a C-Octet String of at most 21 octets including the NUL. */
  numericSenderMaxLength: 20,
  /** Pino's levels, and "silent" to turn logging off. */
  logLevels: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
} as const;
