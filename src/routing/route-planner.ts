import type { RoutePlan, RoutePlanner } from "../delivery/route-planner.js";
import type { RouteTable } from "./route-table.js";
import { selectCarrier, type CarrierOverrides } from "./select-carrier.js";

/**
 * Delivery's view of the route table: the route a destination takes, and its next carrier by weight — with the
 * operators' `overrides` (drains, weight factors) applied when given. `table` may be a LiveRouteTable: each call
 * matches on the table in use at that moment.
 */
export function createRoutePlanner(
  table: Pick<RouteTable, "match">,
  rng: () => number = Math.random,
  overrides?: CarrierOverrides,
): RoutePlanner {
  return {
    drained: (carrierId) => overrides?.active === true && overrides.get(carrierId)?.drained === true,
    plan(to: string, country: string): RoutePlan | undefined {
      const route = table.match(to, country);
      if (!route) return undefined;
      return {
        name: route.name,
        dlrTimeoutMs: route.dlrTimeoutMs,
        carriers: route.carriers.map((c) => c.id),
      };
    },
    choose(to, country, tried, available) {
      const route = table.match(to, country);
      return route ? selectCarrier(route, tried, available, rng, overrides) : null;
    },
  };
}
