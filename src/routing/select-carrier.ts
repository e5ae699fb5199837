/**
 * Chooses the carrier for a message's next attempt on its route. Weights are traffic shares across many
 * messages; within one message each carrier is tried at most once, so a second attempt always goes to a
 * carrier not tried yet, chosen by weight among those left. The order of the carriers in routes.yaml does
 * not make one a primary: only the weights do. Live health (`adjust`, see health-odds.ts) may lower a carrier's
 * weight by its health factor. Pure (the random source is injected) and allocation-free apart from the explanation.
 */
import { drawAdjusted, type WeightAdjustment } from "./health-odds.js";
import type { Route } from "./route.js";

export type { WeightAdjustment } from "./health-odds.js";

export interface CarrierChoice {
  carrier: string;
  /**
   * Why, for logs and the message's history: `route id-otp (prefix +62811): id-telkomsel chosen by weight
   * 80 of 100; tried: none; unavailable: id-indosat`.
   */
  explain: string;
}

/**
 * Picks, by weight, one of the route's carriers that is not in `tried` and is `available` now (bound and
 * not saturated: the caller decides). Null when none is left: either every carrier was tried (see
 * hasUntriedCarrier) or every untried one is unavailable, when the caller may try again later while the
 * OTP is still valid. `rng` returns a number in [0, 1), like Math.random. `adjust`: the route's live health
 * (none: the configured weights alone).
 */
export function selectCarrier(
  route: Route,
  tried: readonly string[],
  available: (carrierId: string) => boolean,
  rng: () => number,
  adjust?: WeightAdjustment,
): CarrierChoice | null {
  const carriers = route.carriers;
  // Bit i set: carriers[i] is a candidate / is untried but unavailable. Routes have at most 31 carriers.
  let candidates = 0;
  let unavailable = 0;
  let total = 0;
  for (let index = 0; index < carriers.length; index++) {
    const carrier = carriers[index]!;
    if (tried.includes(carrier.id)) continue;
    if (available(carrier.id)) {
      candidates |= 1 << index;
      total += carrier.weight;
    } else {
      unavailable |= 1 << index;
    }
  }
  if (candidates === 0) return null;
  const adjusted = adjust && drawAdjusted(route, candidates, total, adjust, rng);
  if (adjusted) {
    const { id, weight } = carriers[adjusted.index]!;
    return { carrier: id, explain: explain(route, id, weight, total, tried, unavailable, adjusted.by) };
  }

  let point = rng() * total;
  let chosen = -1;
  for (let index = 0; index < carriers.length; index++) {
    if ((candidates & (1 << index)) === 0) continue;
    chosen = index;
    point -= carriers[index]!.weight;
    // Falls through to the last candidate if rounding leaves `point` at or just above zero.
    if (point < 0) break;
  }
  const carrier = carriers[chosen]!;
  return {
    carrier: carrier.id,
    explain: explain(route, carrier.id, carrier.weight, total, tried, unavailable),
  };
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
  let down = "";
  for (let index = 0; index < route.carriers.length; index++) {
    if ((unavailable & (1 << index)) === 0) continue;
    down = down === "" ? route.carriers[index]!.id : `${down}, ${route.carriers[index]!.id}`;
  }
  return (
    `route ${route.name} (${route.matchedBy}): ${id} chosen by ` +
    `${by ?? `weight ${formatWeight(weight)} of ${formatWeight(total)}`}; ` +
    `tried: ${tried.length === 0 ? "none" : tried.join(", ")}; ` +
    `unavailable: ${down === "" ? "none" : down}`
  );
}

/** Weights may be fractions; their sums are shown without floating-point noise (0.1 + 0.2 → 0.3). */
function formatWeight(weight: number): string {
  return Number.isInteger(weight) ? String(weight) : String(Number(weight.toFixed(6)));
}
