/**
 * Chooses the carrier for a message's next attempt on its route. Weights are traffic shares across many
 * messages; within one message each carrier is tried at most once, so a second attempt always goes to a
 * carrier not tried yet, chosen by weight among those left. The order of the carriers in routes.yaml does
 * not make one a primary: only the weights do. Operators' overrides (`otpgw carriers drain|weight`, kept by
 * src/ops/) take a drained carrier out and scale a carrier's weight; live health (`adjust`, see health-odds.ts) may
 * then lower a carrier's share by its health factor. Pure (the random source is injected) and allocation-free apart
 * from the explanation.
 */
import { drawAdjusted, type WeightAdjustment } from "./health-odds.js";
import type { Route } from "./route.js";

export type { WeightAdjustment } from "./health-odds.js";

export interface CarrierChoice {
  carrier: string;
  /**
   * Why, for logs and the message's history: `route id-otp (prefix +62811): id-telkomsel chosen by weight
   * 80 of 100; tried: none; unavailable: id-indosat`, with `; drained: …` and `; operator weights: …` when an
   * operator's override took part.
   */
  explain: string;
}

/** One carrier's operator override in force (ops/carrier-controls.ts). */
export interface CarrierOverride {
  /** No new attempt goes to it (those in flight finish). */
  readonly drained: boolean;
  /** Its weight in every route, as a percentage of the configured one (100 = as configured). */
  readonly weightPercent: number;
}

/** Operators' overrides as selection reads them: from memory, refreshed from Redis off the hot path. */
export interface CarrierOverrides {
  /** False while no carrier has an override in force: selection then looks nothing up. */
  readonly active: boolean;
  /** The carrier's override in force, or undefined when it has none. */
  get(carrierId: string): CarrierOverride | undefined;
}

/** Each candidate's weight with its factor applied, between the two passes (routes have at most 31 carriers). */
const scaled = new Float64Array(32);

/**
 * Picks, by weight, one of the route's carriers that is not in `tried`, not drained by an operator, and is
 * `available` now (bound and not saturated: the caller decides). Null when none is left: either every carrier was
 * tried (see hasUntriedCarrier) or every untried one is unavailable or drained, when the caller may try again later
 * while the OTP is still valid. `rng` returns a number in [0, 1), like Math.random. `adjust`: the route's live
 * health (none: the weights alone), applied to the weights as the operators' overrides left them.
 */
export function selectCarrier(
  route: Route,
  tried: readonly string[],
  available: (carrierId: string) => boolean,
  rng: () => number,
  overrides?: CarrierOverrides,
  adjust?: WeightAdjustment,
): CarrierChoice | null {
  const carriers = route.carriers;
  const active = overrides?.active === true;
  // Bit i set: carriers[i] is a candidate / is untried but unavailable / is untried but drained / is a candidate
  // whose weight an operator scaled. Routes have at most 31 carriers.
  let candidates = 0;
  let unavailable = 0;
  let drained = 0;
  let factored = 0;
  let total = 0;
  for (let index = 0; index < carriers.length; index++) {
    const carrier = carriers[index]!;
    if (tried.includes(carrier.id)) continue;
    const override = active ? overrides.get(carrier.id) : undefined;
    if (override?.drained === true) {
      drained |= 1 << index;
    } else if (available(carrier.id)) {
      candidates |= 1 << index;
      let weight = carrier.weight;
      if (override !== undefined && override.weightPercent !== 100) {
        weight = (weight * override.weightPercent) / 100;
        factored |= 1 << index;
      }
      scaled[index] = weight;
      total += weight;
    } else {
      unavailable |= 1 << index;
    }
  }
  if (candidates === 0) return null;

  const adjusted = adjust && drawAdjusted(route, candidates, scaled, total, adjust, rng);
  let chosen = -1;
  if (adjusted) {
    chosen = adjusted.index;
  } else {
    let point = rng() * total;
    for (let index = 0; index < carriers.length; index++) {
      if ((candidates & (1 << index)) === 0) continue;
      chosen = index;
      point -= scaled[index]!;
      // Falls through to the last candidate if rounding leaves `point` at or just above zero.
      if (point < 0) break;
    }
  }
  const carrier = carriers[chosen]!;
  let text = explain(route, carrier.id, scaled[chosen]!, total, tried, unavailable, adjusted?.by);
  if (drained !== 0) text += `; drained: ${listed(route, drained)}`;
  if (factored !== 0) text += `; operator weights: ${weightFactors(route, factored, overrides!)}`;
  return { carrier: carrier.id, explain: text };
}

/** Whether some carrier of the route has not been tried for this message (available or not). */
export function hasUntriedCarrier(route: Route, tried: readonly string[]): boolean {
  return route.carriers.some((carrier) => !tried.includes(carrier.id));
}

function explain(
  route: Route,
  id: string,
  weight: number,
  total: number,
  tried: readonly string[],
  unavailable: number,
  /** What decided instead of `weight <weight> of <total>` (live health: `weight 20×0.35 of 27 (health: …)`). */
  by?: string,
): string {
  const down = listed(route, unavailable);
  return (
    `route ${route.name} (${route.matchedBy}): ${id} chosen by ` +
    `${by ?? `weight ${formatWeight(weight)} of ${formatWeight(total)}`}; ` +
    `tried: ${tried.length === 0 ? "none" : tried.join(", ")}; ` +
    `unavailable: ${down === "" ? "none" : down}`
  );
}

/** The ids of the route's carriers whose bit is set in `mask`, comma-separated ("" for none). */
function listed(route: Route, mask: number): string {
  let ids = "";
  for (let index = 0; index < route.carriers.length; index++) {
    if ((mask & (1 << index)) === 0) continue;
    ids = ids === "" ? route.carriers[index]!.id : `${ids}, ${route.carriers[index]!.id}`;
  }
  return ids;
}

/** `id-a 50 % (80 → 40), id-b 200 % (20 → 40)`: the candidates whose weight an operator scaled. */
function weightFactors(route: Route, mask: number, overrides: CarrierOverrides): string {
  const parts: string[] = [];
  for (let index = 0; index < route.carriers.length; index++) {
    if ((mask & (1 << index)) === 0) continue;
    const { id, weight } = route.carriers[index]!;
    const percent = overrides.get(id)?.weightPercent ?? 100;
    parts.push(`${id} ${percent} % (${formatWeight(weight)} → ${formatWeight(scaled[index]!)})`);
  }
  return parts.join(", ");
}

/** Weights may be fractions; their sums are shown without floating-point noise (0.1 + 0.2 → 0.3). */
function formatWeight(weight: number): string {
  return Number.isInteger(weight) ? String(weight) : String(Number(weight.toFixed(6)));
}
