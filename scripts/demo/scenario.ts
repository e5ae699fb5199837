/**
 * What the demo simulates: three carriers with their quirks, the routes between them, the account that submits
 * and the timing that makes reroutes and expiries visible within a minute. Everything the other demo files
 * configure comes from here, so the story the summary tells can be read in one place.
 */
import type { SimulatorOptions } from "../sim/carrier-simulator.js";

/** One simulated carrier: how the simulator behaves and how otpgw's carrier file is set up for it. */
export interface DemoCarrier {
  id: string;
  /** One line for the start-up banner: what is special about this carrier. */
  description: string;
  countries: string[];
  /** Simulator behaviour (credentials and port are added by the demo). */
  sim: SimulatorOptions;
  /** Extra lines for otpgw's carrier file (binds, window, throughput, id formats). */
  carrierYaml: string[];
}

/** SMPP account of every simulated carrier (system_id ≤ 15, password ≤ 8 characters). */
export const SMPP_SYSTEM_ID = "otpgw";
export const SMPP_PASSWORD = "demo-pw1";

/** The carrier taken down half way through sending, and how. */
export const OUTAGE_CARRIER = "id-telkomsel";
export const OUTAGE_MODE = "drop-connections" as const;

export const DEMO_CARRIERS: DemoCarrier[] = [
  {
    id: "id-telkomsel",
    description: "healthy: every message DELIVRD, receipts in ~0.3 s",
    countries: ["ID"],
    sim: {
      submitRespLatencyMs: { min: 3, max: 15 },
      receiptLatencyMs: { p50: 300, p95: 900 },
      outcomeMix: { DELIVRD: 1, UNDELIV: 0, EXPIRED: 0, none: 0 },
    },
    carrierYaml: ["binds: 2", "window: 10", "throughput_per_second: 100"],
  },
  {
    id: "id-indosat",
    description: "flaky: 20 % UNDELIV, 10 % no receipt, slow receipts, throttles above 25/s per bind",
    countries: ["ID"],
    sim: {
      submitRespLatencyMs: { min: 5, max: 30 },
      receiptLatencyMs: { p50: 500, p95: 1500 },
      outcomeMix: { DELIVRD: 70, UNDELIV: 20, EXPIRED: 0, none: 10 },
      throttlePerSecond: 25,
    },
    // Our cap is above what the carrier really takes, as happens in practice: ESME_RTHROTTLED shows.
    carrierYaml: ["binds: 2", "window: 10", "throughput_per_second: 40"],
  },
  {
    id: "kr-skt",
    description: "Korea: UCS-2 texts, decimal ids in responses and hex in receipts, 3 % UNDELIV",
    countries: ["KR"],
    sim: {
      submitRespLatencyMs: { min: 3, max: 15 },
      receiptLatencyMs: { p50: 250, p95: 700 },
      outcomeMix: { DELIVRD: 97, UNDELIV: 3, EXPIRED: 0, none: 0 },
      messageIdFormat: "decimal",
      receiptIdFormat: "hex",
    },
    carrierYaml: ["binds: 1", "window: 10", "throughput_per_second: 100"],
  },
];

/**
 * Timing. The DLR timeout and the OTP validity are far shorter than in production (30 s and 5 min) so that
 * reroutes and expiries happen while the demo runs.
 */
export const DEMO_TIMING = {
  dlrTimeoutSeconds: 3,
  validitySeconds: 15,
  /** No attempt starts with less validity left than this. */
  minRemainingValiditySeconds: 2,
  /** Longest wait for every accepted message to reach a final state after the last submit. */
  finalWaitMs: 30_000,
};

/** routes.yaml of the demo: each operator's number ranges go to it first, the other carrier is the fallback. */
export function routesYaml(): string {
  return [
    "defaults:",
    `  dlr_timeout_seconds: ${DEMO_TIMING.dlrTimeoutSeconds}`,
    `  validity_seconds: ${DEMO_TIMING.validitySeconds}`,
    "  max_validity_seconds: 300",
    "routes:",
    "  - name: id-telkomsel-ranges",
    '    match: { prefix: ["+62811", "+62812", "+62813"] }',
    "    carriers:",
    "      - { carrier: id-telkomsel, weight: 80 }",
    "      - { carrier: id-indosat, weight: 20 }",
    "  - name: id-indosat-ranges",
    '    match: { prefix: ["+62814", "+62815", "+62816", "+62855", "+62856", "+62857", "+62858"] }',
    "    carriers:",
    "      - { carrier: id-indosat, weight: 80 }",
    "      - { carrier: id-telkomsel, weight: 20 }",
    "  - name: indonesia",
    "    match: { country: ID }",
    "    carriers:",
    "      - { carrier: id-telkomsel }",
    "      - { carrier: id-indosat }",
    "  - name: south-korea",
    "    match: { country: KR }",
    "    carriers:",
    "      - { carrier: kr-skt }",
    "",
  ].join("\n");
}

/** The environment variable that carries a carrier's SMPP password into otpgw (`${VAR}` in its file). */
export function passwordVariable(carrierId: string): string {
  return `CARRIER_${carrierId.toUpperCase().replace(/-/g, "_")}_PASSWORD`;
}

/** The one account the demo submits with. */
export const DEMO_ACCOUNT = {
  id: "demo",
  sender: "OTPGW",
  webhookSecretVariable: "ACCOUNT_DEMO_WEBHOOK_SECRET",
  /** Far above the demo's pace: the account limit is not what the demo shows. */
  ratePerSecond: 5000,
};
