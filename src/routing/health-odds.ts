/**
 * How live health changes the odds of a choice (docs/routing.md, "Live health"). Each candidate's effective weight is
 * its configured weight × its health factor, and the draw is in proportion to those, except that no candidate's share
 * falls below the floor: min(floor share, its share by configured weight alone). A candidate below its floor gets
 * exactly the floor, and the others share the rest in proportion to their effective weights (repeated until none is
 * below: a few passes over at most 31 candidates). So the operator's weights stay the intent, a bad carrier keeps
 * enough traffic for its figures to stay fresh, and a carrier the operator gave 1 % is never raised to 5 %.
 * Allocation-free apart from the explanation.
 */
import { formatHundredths } from "./health-factor.js";
import type { Route } from "./route.js";
import { routeLimits } from "./route-defaults.js";

/** What selectCarrier needs from live health (carrier-health.ts) for one route. */
export interface WeightAdjustment {
  /** The multiplier of the carrier's configured weight, in (0, 1]. */
  factor(carrierId: string): number;
  /** The factor as the explanation shows it ("0.35"). */
  factorText(carrierId: string): string;
  /** The figures behind a factor below 1: `41 % delivered, p50 DLR 9.2 s over 47 attempts`. */
  describe(carrierId: string): string;
  /** The least share of the candidates' traffic a candidate keeps (or its share by weight, if less); in [0, 1). */
  floorShare: number;
  /** floorShare for the explanation ("5 %"). */
  floorText: string;
}

/** The index of the chosen carrier, and the part of the explanation after "chosen by". */
export interface AdjustedDraw {
  index: number;
  by: string;
}

// Scratch space for one draw (the process is single-threaded and a draw never yields).
const factors = new Float64Array(routeLimits.carriersPerRouteMax);
const floors = new Float64Array(routeLimits.carriersPerRouteMax);

/**
 * Draws among `candidates` (bit i: route.carriers[i], whose weight — as operators' overrides left it — is
 * `weights[i]`; `total` their sum) with live health, or returns undefined without drawing when every candidate's
 * factor is 1: the caller then draws by the weights alone, exactly as without live health.
 */
export function drawAdjusted(
  route: Route,
  candidates: number,
  weights: Float64Array,
  total: number,
  adjust: WeightAdjustment,
  rng: () => number,
): AdjustedDraw | undefined {
  const carriers = route.carriers;
  let adjusted = false;
  let effectiveTotal = 0;
  for (let i = 0; i < carriers.length; i++) {
    if ((candidates & (1 << i)) === 0) continue;
    const factor = adjust.factor(carriers[i]!.id);
    factors[i] = factor;
    floors[i] = Math.min(adjust.floorShare, weights[i]! / total);
    if (factor < 1) adjusted = true;
    effectiveTotal += weights[i]! * factor;
  }
  if (!adjusted) return undefined;

  // Water-filling: lift every candidate whose proportional share is under its floor to the floor, then again among
  // the rest (lifting one only lowers the others' shares), until none is under.
  let lifted = 0;
  let liftedShare = 0;
  let restWeight = effectiveTotal;
  for (let again = true; again;) {
    again = false;
    for (let i = 0; i < carriers.length; i++) {
      const bit = 1 << i;
      if ((candidates & bit) === 0 || (lifted & bit) !== 0) continue;
      const effective = weights[i]! * factors[i]!;
      if ((effective / restWeight) * (1 - liftedShare) >= floors[i]!) continue;
      lifted |= bit;
      liftedShare += floors[i]!;
      restWeight -= effective;
      again = true;
    }
  }
  const restShare = lifted === candidates ? 0 : 1 - liftedShare;

  let point = rng() * (liftedShare + restShare);
  let chosen = -1;
  for (let i = 0; i < carriers.length; i++) {
    const bit = 1 << i;
    if ((candidates & bit) === 0) continue;
    chosen = i;
    point -= (lifted & bit) !== 0 ? floors[i]! : ((weights[i]! * factors[i]!) / restWeight) * restShare;
    // Falls through to the last candidate if rounding leaves `point` at or just above zero.
    if (point < 0) break;
  }
  return {
    index: chosen,
    by: explainAdjusted(
      route,
      candidates,
      weights,
      chosen,
      effectiveTotal,
      (lifted & (1 << chosen)) !== 0,
      adjust,
    ),
  };
}

/**
 * `weight 20×0.35 of 27 (health: 41 % delivered, p50 DLR 9.2 s over 47 attempts)`, with `, raised to the 5 % floor`
 * after the total when the floor decided the share, and the others' factors below 1 in the parentheses
 * (`id-b ×0.5`).
 */
function explainAdjusted(
  route: Route,
  candidates: number,
  weights: Float64Array,
  chosen: number,
  effectiveTotal: number,
  raised: boolean,
  adjust: WeightAdjustment,
): string {
  const carriers = route.carriers;
  const carrier = carriers[chosen]!;
  const own = factors[chosen]! < 1;
  let health = own ? adjust.describe(carrier.id) : "";
  for (let i = 0; i < carriers.length; i++) {
    if ((candidates & (1 << i)) === 0 || i === chosen || factors[i]! >= 1) continue;
    const other = `${carriers[i]!.id} ×${adjust.factorText(carriers[i]!.id)}`;
    health = health === "" ? other : `${health}; ${other}`;
  }
  return (
    `weight ${formatHundredths(weights[chosen]!)}${own ? `×${adjust.factorText(carrier.id)}` : ""} of ` +
    `${formatHundredths(effectiveTotal)}${raised ? raisedTo(floors[chosen]!, adjust) : ""} (health: ${health})`
  );
}

/**
 * `, raised to the 5 % floor`; or, for a carrier whose share by weight is below the floor (it keeps that share, never
 * more), `, raised to its 2 % share by weight`.
 */
function raisedTo(floor: number, adjust: WeightAdjustment): string {
  if (floor >= adjust.floorShare) return `, raised to the ${adjust.floorText} floor`;
  return `, raised to its ${Math.round(floor * 1000) / 10} % share by weight`;
}
