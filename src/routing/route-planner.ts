import type { RoutePlan, RoutePlanner } from "../delivery/route-planner.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { CarrierHealth } from "./carrier-health.js";
import type { RouteTable } from "./route-table.js";
import { selectCarrier, type CarrierOverrides } from "./select-carrier.js";

/** What a planner takes besides its table: the operators' overrides, and where live health logs and reports. */
export interface RoutePlannerOptions {
  /** Drains and weight factors (src/ops/), applied when given. */
  overrides?: CarrierOverrides;
  /** Live health's clock. Default Date.now. */
  clock?: () => number;
  logger?: Logger;
  /** Its `otpgw_carrier_health_factor` gauge is read from the tracker at each scrape. */
  metrics?: Pick<Metrics, "setHealthSource">;
}

/**
 * Delivery's view of the route table: the route a destination takes, its next carrier by weight — as operators'
 * overrides leave it — and live health, and the ended attempts live health learns from. `table` may be a
 * LiveRouteTable: each call matches on the table in use at that moment.
 */
export function createRoutePlanner(
  table: Pick<RouteTable, "match" | "specs">,
  rng: () => number = Math.random,
  options: RoutePlannerOptions = {},
): RoutePlanner {
  const { overrides } = options;
  const health = new CarrierHealth({ clock: options.clock ?? Date.now, logger: options.logger });
  options.metrics?.setHealthSource(() => health.readings(table.specs));
  return {
    drained: (carrierId) => overrides?.active === true && overrides.get(carrierId)?.drained === true,
    plan(to: string, country: string): RoutePlan | undefined {
      const route = table.match(to, country);
      if (!route) return undefined;
      return {
        name: route.name,
        dlrTimeoutMs: route.dlrTimeoutMs,
        carriers: route.carriers.map((c) => c.id),
        escalation: route.escalation,
        beforeSms: route.beforeSms,
      };
    },
    choose(to, country, tried, available) {
      const route = table.match(to, country);
      return route ? selectCarrier(route, tried, available, rng, overrides, health.adjustment(route)) : null;
    },
    attemptEnded(to, country, attempt) {
      const route = table.match(to, country);
      if (route) health.observe(route, attempt);
    },
    conversionObserved(to, country, carrierId, deliveredAt, converted) {
      const route = table.match(to, country);
      if (route) health.observeConversion(route, carrierId, deliveredAt, converted);
    },
  };
}
