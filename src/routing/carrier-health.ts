/**
 * Live carrier health: per route and carrier (a carrier may do well for one country and badly for another), the
 * attempts that ended over the last window (health-window.ts), and the factor they give (health-factor.ts), which
 * selection multiplies the carrier's weight by (health-odds.ts).
 *
 * In memory, per instance: each instance learns from the attempts whose end it records, with no Redis on the hot
 * path. Behind a load balancer every instance sees a fair sample of every route's traffic, so each comes to the same
 * view within a window; a new instance starts at factor 1 and learns within min_samples attempts.
 *
 * Recording is O(1) and allocates nothing. A factor is computed again at most once a second per carrier (when read):
 * a choice reads the cached number; the explanation's texts are built only when a choice shows them.
 */
import type { Attempt } from "../delivery/types.js";
import type { Logger } from "../observability/logger.js";
import { describeFigures, formatFactor, healthFactor } from "./health-factor.js";
import type { WeightAdjustment } from "./health-odds.js";
import { HealthOutcome, HealthWindow, type WindowFigures } from "./health-window.js";
import type { HealthSettings, RouteCarrier } from "./route.js";

/** How old a factor may be when read: figures of a minute's traffic do not move in a second. */
export const HEALTH_REFRESH_MS = 1000;
/** A factor crossing this (either way) is logged: the carrier's share of the route is (no longer) much reduced. */
export const HEALTH_LOG_THRESHOLD = 0.5;
/** At most one such line per route and carrier per minute, whatever the flapping. */
const HEALTH_LOG_INTERVAL_MS = 60_000;

/** What the tracker needs to know of a route (a Route or a RouteSpec). */
export interface HealthRoute {
  name: string;
  carriers: readonly RouteCarrier[];
  health: HealthSettings;
}

/** One carrier's factor on one route, for the gauge. */
export interface HealthReading {
  route: string;
  carrier: string;
  factor: number;
}

export interface CarrierHealthOptions {
  clock: () => number;
  /** Where crossings of HEALTH_LOG_THRESHOLD are logged (info). */
  logger?: Logger;
}

class CarrierState {
  readonly id: string;
  readonly window: HealthWindow;
  factor = 1;
  factorText = "1";
  figures: WindowFigures | undefined;
  /** describeFigures(figures), built when first asked for. */
  summary: string | undefined;
  computedAt = -Infinity;
  /** The side of HEALTH_LOG_THRESHOLD last logged, and when. */
  loggedBelow = false;
  loggedAt = -Infinity;

  constructor(id: string, windowMs: number) {
    this.id = id;
    this.window = new HealthWindow(windowMs);
  }
}

/** One route's carriers; the route's WeightAdjustment for selectCarrier. */
class RouteHealth implements WeightAdjustment {
  readonly name: string;
  readonly settings: HealthSettings;
  readonly floorShare: number;
  readonly floorText: string;
  readonly #carriers = new Map<string, CarrierState>();
  readonly #crossed: (route: RouteHealth, state: CarrierState) => void;
  /** The time of the current read (set by CarrierHealth before selectCarrier asks). */
  now = 0;

  constructor(route: HealthRoute, crossed: (route: RouteHealth, state: CarrierState) => void) {
    this.name = route.name;
    this.settings = route.health;
    this.floorShare = route.health.floorShare;
    this.floorText = `${Math.round(route.health.floorShare * 1000) / 10} %`;
    this.#crossed = crossed;
    for (const { id } of route.carriers) this.#carriers.set(id, new CarrierState(id, route.health.windowMs));
  }

  carriers(): IterableIterator<CarrierState> {
    return this.#carriers.values();
  }

  record(carrierId: string, outcome: HealthOutcome, latencyMs: number, now: number): void {
    this.#carriers.get(carrierId)?.window.record(outcome, latencyMs, now);
  }

  factor(carrierId: string): number {
    const state = this.#carriers.get(carrierId);
    return state === undefined ? 1 : this.refresh(state).factor;
  }

  factorText(carrierId: string): string {
    const state = this.#carriers.get(carrierId);
    return state === undefined ? "1" : this.refresh(state).factorText;
  }

  describe(carrierId: string): string {
    const state = this.#carriers.get(carrierId);
    if (state === undefined) return "";
    this.refresh(state);
    if (state.figures === undefined) return "";
    return (state.summary ??= describeFigures(state.figures));
  }

  /** The state with its factor at most HEALTH_REFRESH_MS old. */
  refresh(state: CarrierState): CarrierState {
    if (this.now - state.computedAt < HEALTH_REFRESH_MS) return state;
    state.computedAt = this.now;
    const figures = state.window.figures(this.now);
    state.figures = figures;
    state.summary = undefined;
    const factor = healthFactor(figures, this.settings);
    if (factor !== state.factor) {
      state.factor = factor;
      state.factorText = formatFactor(factor);
    }
    if (factor < HEALTH_LOG_THRESHOLD !== state.loggedBelow) this.#crossed(this, state);
    return state;
  }
}

/** The classification of an ended attempt, or undefined when it says nothing of the carrier. */
function healthOutcome(attempt: Attempt): HealthOutcome | undefined {
  switch (attempt.outcome) {
    case "delivered":
      return HealthOutcome.Delivered;
    case "failed":
      return HealthOutcome.Failed;
    case "timeout":
      return HealthOutcome.Timeout;
    case "rejected":
      // Refused by otpgw itself before anything reached the carrier (its sender rules, say): not the carrier's doing.
      return attempt.submitError?.startsWith("OTPGW_ERR_") ? undefined : HealthOutcome.Refused;
    default:
      // unknown (the link dropped around the submit) and not_sent (it never left): the carrier is not blamed, as
      // the lifecycle does not blame it (it may be tried once more).
      return undefined;
  }
}

export class CarrierHealth {
  readonly #clock: () => number;
  readonly #logger: Logger | undefined;
  readonly #routes = new Map<string, RouteHealth>();

  constructor(options: CarrierHealthOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger;
  }

  /** What selectCarrier multiplies the route's weights by now; undefined when the route's health is off. */
  adjustment(route: HealthRoute): WeightAdjustment | undefined {
    if (!route.health.enabled) return undefined;
    const health = this.#route(route);
    health.now = this.#clock();
    return health;
  }

  /** Counts an attempt of `route` that has just ended (once per attempt, by the instance that recorded its end). */
  observe(route: HealthRoute, attempt: Attempt): void {
    if (!route.health.enabled || attempt.endedAt === undefined) return;
    const outcome = healthOutcome(attempt);
    if (outcome === undefined) return;
    const latencyMs = attempt.endedAt - attempt.startedAt;
    this.#route(route).record(attempt.carrier, outcome, latencyMs, attempt.endedAt);
  }

  /** Every carrier's factor on every route with health on (for the gauge; crossings are logged as they are read). */
  readings(routes: readonly HealthRoute[]): HealthReading[] {
    const now = this.#clock();
    const readings: HealthReading[] = [];
    for (const route of routes) {
      if (!route.health.enabled) continue;
      const health = this.#route(route);
      health.now = now;
      for (const state of health.carriers())
        readings.push({ route: route.name, carrier: state.id, factor: health.refresh(state).factor });
    }
    return readings;
  }

  /** The route's state, made on first use, and again when its settings are another object (another route table). */
  #route(route: HealthRoute): RouteHealth {
    let health = this.#routes.get(route.name);
    if (health === undefined || health.settings !== route.health) {
      health = new RouteHealth(route, (r, state) => this.#crossed(r, state));
      this.#routes.set(route.name, health);
    }
    return health;
  }

  /**
   * Logs that a carrier's factor went below (or back above) the threshold, at most once a minute per carrier: a
   * crossing within the minute after the last line is logged when the minute is over, if it still holds.
   */
  #crossed(route: RouteHealth, state: CarrierState): void {
    const logger = this.#logger;
    if (logger === undefined || route.now - state.loggedAt < HEALTH_LOG_INTERVAL_MS) return;
    const below = state.factor < HEALTH_LOG_THRESHOLD;
    state.loggedBelow = below;
    state.loggedAt = route.now;
    const figures = state.figures!;
    logger.info(
      {
        route: route.name,
        carrier: state.id,
        factor: Math.round(state.factor * 100) / 100,
        attempts: figures.attempts,
        deliveredPercent: Math.round((figures.delivered * 100) / Math.max(1, figures.attempts)),
        p50DlrSeconds: Number.isNaN(figures.p50Ms) ? null : Math.round(figures.p50Ms / 100) / 10,
      },
      below
        ? `carrier health below ${HEALTH_LOG_THRESHOLD} on the route: its share of the traffic is reduced`
        : `carrier health back to ${HEALTH_LOG_THRESHOLD} or above on the route: its share is restored`,
    );
  }
}
