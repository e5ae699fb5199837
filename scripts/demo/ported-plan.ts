/**
 * Which of the demo's numbers are ported (scenario.ts, PORTED), and the file `otpgw ported import` reads. Pure: the
 * traffic mix is drawn from a fixed seed, so every run ports the same numbers for a given `--messages`.
 */
import type { PORTED } from "./scenario.js";
import { buildTrafficMix, type DemoOtp } from "./traffic-mix.js";

/** The demo's largest --messages (args.ts). */
const MAX_MESSAGES = 5000;

export interface PortedPlan {
  spec: typeof PORTED;
  /** The ported numbers, in sending order. */
  numbers: string[];
  /** DemoOtp.index of the normal traffic's OTPs to them (one each: the mix never repeats a number). */
  indices: ReadonlySet<number>;
  /** The Telkomsel-range OTPs sent before the outage, which they are chosen among. */
  eligible: number;
  /**
   * Whether the ported numbers and the other Telkomsel-range numbers sent to before the outage are each at least
   * `spec.minCompared`: enough for their first carriers to be compared.
   */
  compared: boolean;
  /** The fewest --messages that compares them (normal traffic; the mix of every size starts alike). */
  messagesNeeded: number;
}

/** The ported numbers of a run whose normal traffic is `normal` (the outage comes before its second half). */
export function portedPlan(spec: typeof PORTED, normal: readonly DemoOtp[]): PortedPlan {
  const beforeOutage = normal
    .slice(0, Math.floor(normal.length / 2))
    .filter((otp) => otp.destination === "id-telkomsel-range");
  const chosen = beforeOutage.filter((_, i) => i % spec.every === 0);
  const compared = comparable(spec, beforeOutage.length);
  return {
    spec,
    numbers: chosen.map((otp) => otp.to),
    indices: new Set(chosen.map((otp) => otp.index)),
    eligible: beforeOutage.length,
    compared,
    messagesNeeded: compared ? normal.length : messagesNeeded(spec),
  };
}

/** Whether `eligible` Telkomsel-range OTPs before the outage make two groups of at least spec.minCompared. */
function comparable(spec: typeof PORTED, eligible: number): boolean {
  const ported = Math.ceil(eligible / spec.every);
  return ported >= spec.minCompared && eligible - ported >= spec.minCompared;
}

function messagesNeeded(spec: typeof PORTED): number {
  const mix = buildTrafficMix(MAX_MESSAGES);
  let eligible = 0;
  // With 2n messages, the first n are sent before the outage.
  for (let n = 1; 2 * n <= MAX_MESSAGES; n++) {
    if (mix[n - 1]!.destination === "id-telkomsel-range") eligible++;
    if (comparable(spec, eligible)) return 2 * n;
  }
  return MAX_MESSAGES;
}

/** The import file: a header (which the command skips) and one `number,mcc-mnc` line per number. */
export function portedCsv(plan: PortedPlan): string {
  return ["msisdn,mccmnc", ...plan.numbers.map((e164) => `${e164},${plan.spec.network}`), ""].join("\n");
}
