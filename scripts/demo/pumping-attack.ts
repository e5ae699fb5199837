/**
 * The demo's SMS pumping attack (scenario.ts, PUMPING_ATTACK) as OTPs among the normal traffic, and what the
 * account's anti-abuse limits must make of each of its parts — derived from the limits themselves, so the checks
 * carry no figures of their own. The plan is checked against the gateway's own number parser before anything is
 * sent: a mistyped number fails the demo at once, not as a wrong figure in the summary.
 */
import { ErrorCodes } from "../../src/errors.js";
import { parseDestination } from "../../src/routing/numbering.js";
import type { DEMO_ACCOUNT, PUMPING_ATTACK } from "./scenario.js";
import { otpCode, shortOtpText, type AbuseLimit, type DemoOtp, type Destination } from "./traffic-mix.js";

export type AttackPlan = typeof PUMPING_ATTACK;
export type AccountLimits = Pick<typeof DEMO_ACCOUNT, "countries" | "perNumberLimit" | "perRangeLimit">;

/** One part of the attack: `submits` sent, `allowed` of them accepted (whichever reach Redis first), the rest refused. */
export interface AttackPart {
  limit: AbuseLimit;
  submits: number;
  allowed: number;
  /** The answer every refusal must get. */
  status: number;
  code: string;
  /** For the summary: "60 OTPs walking through +6281988880xxx". */
  description: string;
}

/** The number `n` after `e164`, as long as it. */
export function plus(e164: string, n: number): string {
  const digits = e164.slice(1);
  return `+${(BigInt(digits) + BigInt(n)).toString().padStart(digits.length, "0")}`;
}

/** The range of `e164` as otpgw counts it: without its last `rangeDigits` digits, `x` for each. */
export function rangeOf(e164: string, rangeDigits: number): string {
  return e164.slice(0, e164.length - rangeDigits) + "x".repeat(rangeDigits);
}

function countryOf(e164: string): string {
  const destination = parseDestination(e164);
  if (!destination.ok)
    throw new Error(`PUMPING_ATTACK: ${e164} is not a valid number: ${destination.reason}`);
  return destination.country;
}

/**
 * What each part of `plan` must come to under `limits`.
 * @throws when the plan would not test what it says: the walk leaves its range, the repeats share it or could run
 * into the range limit first, a number is invalid, or a country is on the wrong side of the account's list.
 */
export function attackParts(plan: AttackPlan, limits: AccountLimits): AttackPart[] {
  const { rangeWalk, repeats, abroad } = plan;
  const digits = limits.perRangeLimit.rangeDigits;
  const walkRange = rangeOf(rangeWalk.first, digits);
  const last = plus(rangeWalk.first, rangeWalk.count - 1);
  const problems: string[] = [];
  if (rangeOf(last, digits) !== walkRange) problems.push(`the range walk leaves ${walkRange} (${last})`);
  if (rangeOf(repeats.to, digits) === walkRange) problems.push(`the repeats' number is in the walk's range`);
  if (repeats.count > limits.perRangeLimit.messages)
    problems.push("more repeats than per_range_limit: the range limit could refuse them first");
  const allowed = new Set(limits.countries);
  for (const e164 of [rangeWalk.first, last, repeats.to]) {
    if (!allowed.has(countryOf(e164))) problems.push(`${e164} is not in the account's countries`);
  }
  if (countryOf(repeats.to) !== repeats.country)
    problems.push(`the repeats' number ${repeats.to} is not of ${repeats.country}`);
  for (let i = 0; i < abroad.count; i++) {
    const country = countryOf(plus(abroad.first, i));
    if (allowed.has(country) || country !== abroad.country)
      problems.push(`${plus(abroad.first, i)} is a number of ${country}, not of a country the account lacks`);
  }
  if (problems.length > 0) throw new Error(`PUMPING_ATTACK: ${problems.join("; ")}`);

  const volume = { status: 429, code: ErrorCodes.HTTP_VOLUME_LIMITED };
  return [
    {
      limit: "range",
      submits: rangeWalk.count,
      allowed: Math.min(rangeWalk.count, limits.perRangeLimit.messages),
      ...volume,
      description: `${rangeWalk.count} OTPs walking through ${walkRange}`,
    },
    {
      limit: "number",
      submits: repeats.count,
      allowed: Math.min(repeats.count, limits.perNumberLimit.messages),
      ...volume,
      description: `${repeats.count} to ${repeats.to}`,
    },
    {
      limit: "country",
      submits: abroad.count,
      allowed: 0,
      status: 422,
      code: ErrorCodes.HTTP_COUNTRY_NOT_ALLOWED,
      description: `${abroad.count} to ${abroad.country} numbers (${rangeOf(abroad.first, 4)})`,
    },
  ];
}

/** Where an attack number goes, for the summary: Korea's route never escalates, Indonesia's do. */
function destinationOf(e164: string): Destination {
  const country = countryOf(e164);
  // The attack's Indonesian numbers are outside Telkomsel's and Indosat's ranges (route `indonesia`).
  return country === "KR" ? "kr" : country === "ID" ? "id-other" : "abroad";
}

/** One OTP of the attack to `to`: its Idempotency-Key ends in `index`, its client_ref is `clientRef`. */
export function attackOtp(to: string, attack: AbuseLimit, index: number, clientRef: string): DemoOtp {
  const code = otpCode();
  return {
    index,
    destination: destinationOf(to),
    to,
    text: shortOtpText(code),
    code,
    long: false,
    clientRef,
    attack,
  };
}

/** The attack's OTPs, numbered from `firstIndex` (their Idempotency-Keys follow the normal traffic's). */
export function buildAttack(plan: AttackPlan, firstIndex: number): DemoOtp[] {
  const numbers: { to: string; attack: AbuseLimit }[] = [
    ...Array.from({ length: plan.rangeWalk.count }, (_, i) => ({
      to: plus(plan.rangeWalk.first, i),
      attack: "range" as const,
    })),
    ...Array.from({ length: plan.repeats.count }, () => ({ to: plan.repeats.to, attack: "number" as const })),
    ...Array.from({ length: plan.abroad.count }, (_, i) => ({
      to: plus(plan.abroad.first, i),
      attack: "country" as const,
    })),
  ];
  return numbers.map(({ to, attack }, i) => attackOtp(to, attack, firstIndex + i, `attack-${attack}-${i}`));
}

/** Whether a message's client_ref is of the range walk (or its second wave): its number is the fraudster's. */
export function isRangeWalk(clientRef: string | null): boolean {
  return clientRef?.startsWith("attack-range-") === true;
}

/** How many OTPs of the normal traffic are sent before the attack. */
export function attackAt(normalCount: number, afterShare: number): number {
  return Math.floor(normalCount * afterShare);
}

/**
 * The normal traffic with the attack sent after `afterShare` of it, and the index (in that order) of the normal
 * OTP half way through, before which the outage comes: the attack moves neither.
 */
export function withAttack(
  normal: DemoOtp[],
  attack: DemoOtp[],
  afterShare: number,
): { otps: DemoOtp[]; halfwayIndex: number } {
  const at = attackAt(normal.length, afterShare);
  const half = Math.floor(normal.length / 2);
  return {
    otps: [...normal.slice(0, at), ...attack, ...normal.slice(at)],
    halfwayIndex: half + (at <= half ? attack.length : 0),
  };
}
