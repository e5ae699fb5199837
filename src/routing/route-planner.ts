import type { RoutePlan, RoutePlanner } from "../delivery/route-planner.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { CarrierHealth } from "./carrier-health.js";
import type { RouteTable } from "./route-table.js";
import { selectCarrier } from "./select-carrier.js";

/** Where live carrier health logs and reports (carrier-health.ts); all optional. */
export interface LiveHealthOptions {
  /** Default Date.now. */
  clock?: () => number;
  logger?: Logger;
  /** Its `otpgw_carrier_health_factor` gauge is read from the tracker at each scrape. */
  metrics?: Pick<Metrics, "setHealthSource">;
}

/**
 * Delivery's view of the route table: the route a destination takes, its next carrier by weight and live health,
 * and the ended attempts live health learns from.
 */
export function createRoutePlanner(
  table: RouteTable,
  rng: () => number = Math.random,
  live: LiveHealthOptions = {},
): RoutePlanner {
  const health = new CarrierHealth({ clock: live.clock ?? Date.now, logger: live.logger });
  live.metrics?.setHealthSource(() => health.readings(table.specs));
  return {
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
      return route ? selectCarrier(route, tried, available, rng, health.adjustment(route)) : null;
    },
    attemptEnded(to, country, attempt) {
      const route = table.match(to, country);
      if (route) health.observe(route, attempt);
    },
  };
}
