/**
 * Operators' overrides of a carrier (DESIGN promise 7): a drain (no new attempts go to it) and a weight factor (a
 * percentage of its configured weight in every route). Each says who set it, when, why, and until when (an incident
 * drain that lifts itself). Pure: the Redis side is control-store.ts, the daemon's view control-watch.ts.
 */

/** The weight factor of a carrier without one: its configured weight as written in routes.yaml. */
export const DEFAULT_WEIGHT_PERCENT = 100;
export const MIN_WEIGHT_PERCENT = 1;
/** Ten times the configured weight: enough to make a carrier dominate a route without editing routes.yaml. */
export const MAX_WEIGHT_PERCENT = 1000;
/** An incident override lasts at least a second (a shorter one would lift before every instance saw it). */
export const MIN_OVERRIDE_MS = 1_000;
/** An expiring override lasts at most 30 days: longer, and it is a configuration change (routes.yaml). */
export const MAX_OVERRIDE_MS = 30 * 24 * 3_600_000;
/** `--reason` and `--by` are for people reading a list or a log line, not documents. */
export const MAX_REASON_LENGTH = 200;
export const MAX_BY_LENGTH = 64;

/** Who set an override, when (ms since the epoch, Redis's clock), why, and when it lifts itself (if ever). */
export interface OverrideStamp {
  by: string;
  at: number;
  reason?: string;
  until?: number;
}

/** What Redis holds for one carrier: either override, or both. */
export interface CarrierControl {
  drain?: OverrideStamp;
  weight?: OverrideStamp & { percent: number };
}

/** What routing applies to a carrier now (the routing/select-carrier.ts view). */
export interface EffectiveControl {
  readonly drained: boolean;
  /** 1–1000; 100 = its weight as configured. */
  readonly weightPercent: number;
}

export const NO_OVERRIDE: EffectiveControl = Object.freeze({
  drained: false,
  weightPercent: DEFAULT_WEIGHT_PERCENT,
});

/** Whether an override is in force at `now` (one whose `until` passed lifted itself). */
export function inForce(stamp: OverrideStamp | undefined, now: number): stamp is OverrideStamp {
  return stamp !== undefined && (stamp.until === undefined || now < stamp.until);
}

/** The overrides of `control` in force at `now`. */
export function effectiveControl(control: CarrierControl | undefined, now: number): EffectiveControl {
  if (control === undefined) return NO_OVERRIDE;
  const drained = inForce(control.drain, now);
  const weightPercent = inForce(control.weight, now) ? control.weight.percent : DEFAULT_WEIGHT_PERCENT;
  return drained || weightPercent !== DEFAULT_WEIGHT_PERCENT ? { drained, weightPercent } : NO_OVERRIDE;
}

/** The stored fields of one carrier's hash (`drain`, `drain_by`, …, `weight`, `weight_by`, …). */
export type ControlFields = Record<string, string>;

/**
 * One carrier's hash as read from Redis; a field that does not parse (a hand-written value) drops its override and
 * is reported, never thrown.
 */
export function parseControlFields(fields: ControlFields): { control: CarrierControl; problems: string[] } {
  const problems: string[] = [];
  const control: CarrierControl = {};
  const stamp = (kind: "drain" | "weight"): OverrideStamp | undefined => {
    if (fields[kind] === undefined) return undefined;
    const at = Number(fields[`${kind}_at`]);
    const until = fields[`${kind}_until`] === undefined ? undefined : Number(fields[`${kind}_until`]);
    if (!Number.isFinite(at) || (until !== undefined && !Number.isFinite(until))) {
      problems.push(`${kind}: unreadable ${kind}_at or ${kind}_until`);
      return undefined;
    }
    return {
      by: fields[`${kind}_by`] ?? "unknown",
      at,
      ...(fields[`${kind}_reason`] !== undefined && { reason: fields[`${kind}_reason`] }),
      ...(until !== undefined && { until }),
    };
  };
  const drain = stamp("drain");
  if (drain) {
    if (fields.drain === "1") control.drain = drain;
    else problems.push(`drain: "${fields.drain}" is not 1`);
  }
  const weight = stamp("weight");
  if (weight) {
    const percent = Number(fields.weight);
    if (Number.isInteger(percent) && percent >= MIN_WEIGHT_PERCENT && percent <= MAX_WEIGHT_PERCENT)
      control.weight = { ...weight, percent };
    else
      problems.push(
        `weight: "${fields.weight}" is not a percentage of ${MIN_WEIGHT_PERCENT}–${MAX_WEIGHT_PERCENT}`,
      );
  }
  return { control, problems };
}

/** A command-line value was refused; the message says why and what is accepted. */
export class ControlInputError extends Error {
  override readonly name = "ControlInputError";
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--for`: a duration as one or more `<whole number><unit>` (s, m, h, d), e.g. `90s`, `30m`, `1h30m`, `7d`; between
 * a second and 30 days. @throws ControlInputError
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim().toLowerCase();
  const hint = "e.g. 90s, 30m, 2h, 1h30m or 7d";
  if (!/^(\d+[smhd])+$/.test(trimmed)) throw new ControlInputError(`"${text}" is not a duration (${hint})`);
  let ms = 0;
  for (const [, count, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) ms += Number(count) * UNIT_MS[unit!]!;
  if (ms < MIN_OVERRIDE_MS) throw new ControlInputError(`"${text}" is shorter than a second`);
  if (ms > MAX_OVERRIDE_MS)
    throw new ControlInputError(`"${text}" is longer than 30 days (for a lasting change, edit routes.yaml)`);
  return ms;
}

/** `weight <id> <percent>`: a whole percentage of 1–1000, a trailing `%` allowed. @throws ControlInputError */
export function parseWeightPercent(text: string): number {
  const match = /^(\d{1,4})%?$/.exec(text.trim());
  const percent = match ? Number(match[1]) : NaN;
  if (!(percent >= MIN_WEIGHT_PERCENT && percent <= MAX_WEIGHT_PERCENT))
    throw new ControlInputError(
      `"${text}" is not a whole percentage of ${MIN_WEIGHT_PERCENT}–${MAX_WEIGHT_PERCENT} (100 = the weight in routes.yaml; 50 halves it, 200 doubles it)`,
    );
  return percent;
}

/** `--reason` / `--by`: one line of printable text, bounded. @throws ControlInputError */
export function checkNote(what: "--reason" | "--by", text: string, maxLength: number): string {
  const trimmed = text.trim();
  if (trimmed === "") throw new ControlInputError(`${what} is empty`);
  if (trimmed.length > maxLength)
    throw new ControlInputError(`${what} is longer than ${maxLength} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(trimmed)) throw new ControlInputError(`${what} must be one line of text`);
  return trimmed;
}

/** `2h 5m`, `40s`: how long until an override lifts, for people. */
export function formatRemaining(ms: number): string {
  if (ms <= 0) return "now";
  const seconds = Math.ceil(ms / 1000);
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  const parts = [d && `${d}d`, h && `${h}h`, m && `${m}m`, !d && !h && s && `${s}s`].filter(Boolean);
  return parts.slice(0, 2).join(" ");
}
