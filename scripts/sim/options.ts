/**
 * Options of the carrier simulator: one typed defaults object, and the validation that turns a partial set of
 * options into a complete one. Every problem is reported at once (as a ConfigError) so an operator editing a
 * YAML file sees them all.
 */
import { ConfigError } from "../../src/errors.js";
import type { Logger } from "../../src/observability/logger.js";

export type OutageMode = "none" | "refuse-binds" | "drop-connections" | "stop-answering";
export const OUTAGE_MODES: readonly OutageMode[] = [
  "none",
  "refuse-binds",
  "drop-connections",
  "stop-answering",
];

/** How a message id is written on the wire: the same number as lower-case hex or as decimal digits. */
export type MessageIdFormat = "hex" | "decimal";

/** What a receipt carries: the Appendix B text, the receipted_message_id + message_state TLVs, or both. */
export type ReceiptStyle = "tlv+text" | "text" | "tlv";

/** A final outcome the simulator can report, or "none" (the carrier never sends a receipt). */
export type Outcome = "DELIVRD" | "UNDELIV" | "EXPIRED" | "none";
export const OUTCOMES: readonly Outcome[] = ["DELIVRD", "UNDELIV", "EXPIRED", "none"];

export interface Credential {
  systemId: string;
  password: string;
}

/** A uniform range in milliseconds. */
export interface UniformMs {
  min: number;
  max: number;
}

/**
 * A log-normal delay given by its median and 95th percentile (the shape real DLR latencies have: most arrive
 * quickly, a long tail arrives late). Samples above `max` are clamped to it (default 4 × p95).
 */
export interface LogNormalMs {
  p50: number;
  p95: number;
  max?: number;
}

/** Relative weights of the outcomes (they need not sum to 1). */
export type OutcomeMix = Record<Outcome, number>;

export interface SimulatorOptions {
  /** TCP port for SMPP; 0 picks a free one (read it from `start()`). Default 0. */
  port?: number;
  /** Address to listen on. Default "127.0.0.1". */
  host?: string;
  /** Accounts allowed to bind. Default one account `sim` / `sim`. */
  credentials?: Credential[];
  /** interface_version values a bind may carry; any other is refused with ESME_RBINDFAIL. Default 0x33, 0x34, 0x50. */
  interfaceVersions?: number[];
  /** Most concurrent binds per system_id (further binds get ESME_RBINDFAIL); 0 = unlimited. Default 0. */
  maxBindsPerSystemId?: number;
  /** Delay before each submit_sm_resp, uniform in [min, max] ms. Default { min: 2, max: 10 }. */
  submitRespLatencyMs?: UniformMs;
  /**
   * Delay from the submit_sm_resp to the receipt: `{ p50, p95, max? }` (log-normal) or `{ min, max }`
   * (uniform). Default { p50: 500, p95: 2000 }.
   */
  receiptLatencyMs?: LogNormalMs | UniformMs;
  /** Weights of the outcomes; "none" means no receipt is ever sent. Default all DELIVRD. */
  outcomeMix?: OutcomeMix;
  /** Form of the message_id in submit_sm_resp. Default "hex". */
  messageIdFormat?: MessageIdFormat;
  /** Form of the id in receipts (carriers that mix forms write the same number differently). Default = messageIdFormat. */
  receiptIdFormat?: MessageIdFormat;
  /** First message id (later ids count up from it). Default Date.now() × 1000, so a restarted simulator never reuses an id. */
  messageIdStart?: number;
  /** What a receipt carries. Sessions bound with interface_version ≤ 0x33 always get text only. Default "tlv+text". */
  receiptStyle?: ReceiptStyle;
  /** Most accepted submit_sm per bind in one wall-clock second; the excess gets ESME_RTHROTTLED. Default unlimited. */
  throttlePerSecond?: number;
  /**
   * Most submit_sm a bind may have unanswered: one more is answered at once with ESME_RMSGQFUL (0x14), like
   * carriers that enforce their window that way. Default unlimited.
   */
  windowLimit?: number;
  /**
   * Only send receipts the submit asked for in registered_delivery (bits 1..0: 01 any final outcome, 10 failures
   * only). With false every message with an outcome other than "none" gets a receipt. Default true.
   */
  honourRegisteredDelivery?: boolean;
  /** Most receipts sent on one session without a deliver_sm_resp; the rest wait. Default 100. */
  receiptWindow?: number;
  /** Delay before re-sending a receipt answered with ESME_RX_T_APPN, RMSGQFUL or RTHROTTLED. Default 1000 ms. */
  receiptRetryDelayMs?: number;
  /** Alphabet assumed for data_coding 0 when decoding submitted text. Default "gsm7". */
  defaultAlphabet?: "gsm7" | "latin1";
  /** How many received messages `received()` keeps (oldest dropped first). Default 200,000. */
  historyLimit?: number;
  /** Incomplete multi-part messages are dropped after this long without a new part. Default 600,000 ms. */
  reassemblyTimeoutMs?: number;
  /** Largest PDU accepted; a longer command_length closes the session (framing lost). Default 65,536. */
  maxPduBytes?: number;
  /** Port of the HTTP control endpoint (0 = random); not started when undefined. Default undefined. */
  controlPort?: number;
  /** Source of randomness in [0, 1) for latencies and outcomes; pass a seeded one in tests. Default Math.random. */
  rng?: () => number;
  /**
   * Wall clock in ms since the epoch for per-second buckets, throttling and receipt dates (delays run on a
   * monotonic clock regardless). Default Date.now.
   */
  now?: () => number;
  /** Logger for session-level events (binds, errors), never one line per PDU. Default silent. */
  logger?: Logger;
}

/** The options after defaults: every field set (controlPort and throttlePerSecond may stay undefined). */
export interface ResolvedSimulatorOptions extends Required<
  Omit<SimulatorOptions, "controlPort" | "throttlePerSecond" | "windowLimit" | "logger" | "receiptIdFormat">
> {
  windowLimit: number | undefined;
  receiptIdFormat: MessageIdFormat;
  controlPort: number | undefined;
  throttlePerSecond: number | undefined;
}

/** The defaults, in one place. `messageIdStart` is computed at resolve time (see its TSDoc). */
export const DEFAULT_SIMULATOR_OPTIONS = {
  port: 0,
  host: "127.0.0.1",
  credentials: [{ systemId: "sim", password: "sim" }],
  interfaceVersions: [0x33, 0x34, 0x50],
  maxBindsPerSystemId: 0,
  submitRespLatencyMs: { min: 2, max: 10 },
  receiptLatencyMs: { p50: 500, p95: 2000 },
  outcomeMix: { DELIVRD: 1, UNDELIV: 0, EXPIRED: 0, none: 0 },
  messageIdFormat: "hex",
  receiptStyle: "tlv+text",
  honourRegisteredDelivery: true,
  receiptWindow: 100,
  receiptRetryDelayMs: 1000,
  defaultAlphabet: "gsm7",
  historyLimit: 200_000,
  reassemblyTimeoutMs: 600_000,
  maxPduBytes: 65_536,
} as const satisfies Partial<SimulatorOptions>;

/** Options that only make sense before `start()`; `setOptions` refuses them. */
export const START_ONLY_OPTIONS = [
  "port",
  "host",
  "controlPort",
  "maxPduBytes",
  "rng",
  "now",
  "logger",
] as const;

/** Applies `patch` over `base` (or the defaults) and validates the result as a whole. */
export function resolveOptions(
  patch: SimulatorOptions,
  base?: ResolvedSimulatorOptions,
): ResolvedSimulatorOptions {
  const d = DEFAULT_SIMULATOR_OPTIONS;
  const pick = <K extends keyof SimulatorOptions>(key: K, fallback: NonNullable<SimulatorOptions[K]>) =>
    (patch[key] ?? base?.[key as keyof ResolvedSimulatorOptions] ?? fallback) as NonNullable<
      SimulatorOptions[K]
    >;
  const messageIdFormat = pick("messageIdFormat", d.messageIdFormat);
  const resolved: ResolvedSimulatorOptions = {
    port: pick("port", d.port),
    host: pick("host", d.host),
    credentials: pick(
      "credentials",
      d.credentials.map((c) => ({ ...c })),
    ),
    interfaceVersions: pick("interfaceVersions", [...d.interfaceVersions]),
    maxBindsPerSystemId: pick("maxBindsPerSystemId", d.maxBindsPerSystemId),
    submitRespLatencyMs: pick("submitRespLatencyMs", { ...d.submitRespLatencyMs }),
    receiptLatencyMs: pick("receiptLatencyMs", { ...d.receiptLatencyMs }),
    outcomeMix: pick("outcomeMix", { ...d.outcomeMix }),
    messageIdFormat,
    // A receipt format given earlier stays; otherwise it follows the submit format.
    receiptIdFormat: patch.receiptIdFormat ?? base?.receiptIdFormat ?? messageIdFormat,
    messageIdStart: pick("messageIdStart", Date.now() * 1000),
    receiptStyle: pick("receiptStyle", d.receiptStyle),
    throttlePerSecond: "throttlePerSecond" in patch ? patch.throttlePerSecond : base?.throttlePerSecond,
    windowLimit: "windowLimit" in patch ? patch.windowLimit : base?.windowLimit,
    honourRegisteredDelivery: pick("honourRegisteredDelivery", d.honourRegisteredDelivery),
    receiptWindow: pick("receiptWindow", d.receiptWindow),
    receiptRetryDelayMs: pick("receiptRetryDelayMs", d.receiptRetryDelayMs),
    defaultAlphabet: pick("defaultAlphabet", d.defaultAlphabet),
    historyLimit: pick("historyLimit", d.historyLimit),
    reassemblyTimeoutMs: pick("reassemblyTimeoutMs", d.reassemblyTimeoutMs),
    maxPduBytes: pick("maxPduBytes", d.maxPduBytes),
    controlPort: "controlPort" in patch ? patch.controlPort : base?.controlPort,
    rng: pick("rng", Math.random),
    now: pick("now", Date.now),
  };
  const problems = validateOptions(resolved);
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved;
}

function validateOptions(o: ResolvedSimulatorOptions): string[] {
  const problems: string[] = [];
  const integer = (path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`${path}: must be an integer in ${min}..${max}`);
    }
  };
  const nonNegative = (path: string, value: unknown) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      problems.push(`${path}: must be a number ≥ 0`);
    }
  };
  integer("port", o.port, 0, 65535);
  if (o.controlPort !== undefined) integer("controlPort", o.controlPort, 0, 65535);
  if (typeof o.host !== "string" || o.host === "") problems.push("host: must be a non-empty string");
  if (!Array.isArray(o.credentials) || o.credentials.length === 0) {
    problems.push("credentials: must list at least one { systemId, password }");
  } else {
    o.credentials.forEach((c, i) => {
      // SMPP C-Octet Strings: system_id ≤ 16 and password ≤ 9 octets including the NUL (§4.1).
      if (typeof c?.systemId !== "string" || c.systemId.length < 1 || c.systemId.length > 15) {
        problems.push(`credentials[${i}].systemId: must be 1..15 characters`);
      }
      if (typeof c?.password !== "string" || c.password.length > 8) {
        problems.push(`credentials[${i}].password: must be a string of at most 8 characters`);
      }
    });
  }
  if (!Array.isArray(o.interfaceVersions) || o.interfaceVersions.length === 0) {
    problems.push("interfaceVersions: must list at least one version");
  } else {
    o.interfaceVersions.forEach((v, i) => integer(`interfaceVersions[${i}]`, v, 0, 255));
  }
  integer("maxBindsPerSystemId", o.maxBindsPerSystemId, 0);
  checkUniform("submitRespLatencyMs", o.submitRespLatencyMs, problems);
  const receipt = o.receiptLatencyMs as Partial<LogNormalMs & UniformMs> | undefined;
  if (receipt !== undefined && typeof receipt === "object" && "p50" in receipt) {
    nonNegative("receiptLatencyMs.p50", receipt.p50);
    nonNegative("receiptLatencyMs.p95", receipt.p95);
    if (receipt.max !== undefined) nonNegative("receiptLatencyMs.max", receipt.max);
    if ((receipt.p95 ?? 0) < (receipt.p50 ?? 0)) problems.push("receiptLatencyMs: p95 must be ≥ p50");
  } else {
    checkUniform("receiptLatencyMs", receipt, problems);
  }
  const mix = o.outcomeMix as Partial<Record<string, unknown>> | undefined;
  if (typeof mix !== "object" || mix === null) {
    problems.push("outcomeMix: must be an object of weights");
  } else {
    for (const key of Object.keys(mix)) {
      if (!(OUTCOMES as readonly string[]).includes(key)) problems.push(`outcomeMix.${key}: unknown outcome`);
    }
    let total = 0;
    for (const outcome of OUTCOMES) {
      const w = mix[outcome] ?? 0;
      nonNegative(`outcomeMix.${outcome}`, w);
      if (typeof w === "number") total += w;
    }
    if (!(total > 0)) problems.push("outcomeMix: weights must not all be 0");
  }
  for (const key of ["messageIdFormat", "receiptIdFormat"] as const) {
    if (o[key] !== "hex" && o[key] !== "decimal") problems.push(`${key}: must be "hex" or "decimal"`);
  }
  integer("messageIdStart", o.messageIdStart, 0);
  if (!["tlv+text", "text", "tlv"].includes(o.receiptStyle)) {
    problems.push('receiptStyle: must be "tlv+text", "text" or "tlv"');
  }
  if (o.throttlePerSecond !== undefined) integer("throttlePerSecond", o.throttlePerSecond, 1);
  if (o.windowLimit !== undefined) integer("windowLimit", o.windowLimit, 1);
  if (typeof o.honourRegisteredDelivery !== "boolean")
    problems.push("honourRegisteredDelivery: must be a boolean");
  integer("receiptWindow", o.receiptWindow, 1);
  nonNegative("receiptRetryDelayMs", o.receiptRetryDelayMs);
  if (o.defaultAlphabet !== "gsm7" && o.defaultAlphabet !== "latin1") {
    problems.push('defaultAlphabet: must be "gsm7" or "latin1"');
  }
  integer("historyLimit", o.historyLimit, 0);
  nonNegative("reassemblyTimeoutMs", o.reassemblyTimeoutMs);
  integer("maxPduBytes", o.maxPduBytes, 64, 16 * 1024 * 1024);
  if (typeof o.rng !== "function") problems.push("rng: must be a function");
  if (typeof o.now !== "function") problems.push("now: must be a function");
  return problems;
}

function checkUniform(path: string, value: unknown, problems: string[]): void {
  const r = value as Partial<UniformMs> | undefined;
  if (typeof r !== "object" || r === null || typeof r.min !== "number" || typeof r.max !== "number") {
    problems.push(`${path}: must be { min, max } in ms`);
    return;
  }
  if (!(r.min >= 0) || !(r.max >= r.min) || !Number.isFinite(r.max)) {
    problems.push(`${path}: need 0 ≤ min ≤ max`);
  }
}
