/**
 * Live carrier health: per route and carrier (a carrier may do well for one country and badly for another), the
 * attempts that ended over the last window (health-window.ts), and the factor they give (health-factor.ts), which
 * selection multiplies the carrier's weight by (health-odds.ts).
 *
 * In memory, per instance: each instance learns from the attempts whose end it records, with no Redis on the hot
 * path. Behind a load balancer every instance sees a fair sample of every route's traffic, so each comes to the same
 * view within a window; a new instance starts at factor 1 and learns within min_samples attempts.
 *
 * A carrier's factor is computed when one of its attempts ends (O(1), no allocation) and at each metrics scrape,
 * never on a choice: a choice reads cached numbers, and asks nothing at all of a route whose factors are all 1. So an
 * old bad figure leaves the window at the carrier's next ended attempt (the floor share keeps those coming while it is
 * available) or at the next scrape. The explanation's texts are built only when a choice shows them.
 *
 * Conversions (conversion-window.ts): for accounts that report them, each carrier's share of deliveries whose code was
 * used, against the best share among the route's carriers — a carrier whose DELIVRD receipts lie converts less than
 * the others for the same people. The scores are judged again at each delivery or conversion counted, and each scrape.
 */
import type { Attempt } from "../delivery/types.js";
import type { Logger } from "../observability/logger.js";
import { ConversionWindow, type ConversionFigures } from "./conversion-window.js";
import { describeConversions, describeFigures, formatFactor, healthFactor } from "./health-factor.js";
import type { WeightAdjustment } from "./health-odds.js";
import { HealthOutcome, HealthWindow, type WindowFigures } from "./health-window.js";
import type { HealthSettings, RouteCarrier } from "./route.js";

/** A factor crossing this (either way) is logged: the carrier's share of the route is (no longer) much reduced. */
export const HEALTH_LOG_THRESHOLD = 0.5;
/** At most one such line per route and carrier per minute, whatever the flapping. */
const HEALTH_LOG_INTERVAL_MS = 60_000;
/**
 * Conversions mature with time alone: a route that counts them has them judged again on a choice at most this often
 * (besides each delivery or conversion counted, and each scrape).
 */
const CONVERSIONS_JUDGED_EVERY_MS = 1000;

/** What the tracker needs to know of a route (a Route or a RouteSpec). */
export interface HealthRoute {
  name: string;
  carriers: readonly RouteCarrier[];
  health: HealthSettings;
  /** The route's DLR timeout: a timeout of an attempt given less (the OTP's expiry cut it short) is not counted. */
  dlrTimeoutMs: number;
}

/** One carrier's factor on one route, and its conversion share when judged, for the gauges. */
export interface HealthReading {
  route: string;
  carrier: string;
  factor: number;
  conversionShare?: number;
}

export interface CarrierHealthOptions {
  clock: () => number;
  /** Where crossings of HEALTH_LOG_THRESHOLD are logged (info). */
  logger?: Logger;
}

class CarrierState {
  readonly id: string;
  readonly window: HealthWindow;
  readonly figures: WindowFigures = { attempts: 0, delivered: 0, p50Ms: NaN };
  readonly conversions: ConversionWindow;
  readonly conversionFigures: ConversionFigures = { delivered: 0, converted: 0 };
  /** Its conversion share ÷ the route's best, 1 when not judged (too few deliveries, or no other carrier to beat). */
  conversionScore = 1;
  factor = 1;
  /** formatFactor(factor) and describeFigures(figures), built when first shown after they change. */
  factorText: string | undefined;
  summary: string | undefined;
  /** The side of HEALTH_LOG_THRESHOLD last logged, and when. */
  loggedBelow = false;
  loggedAt = -Infinity;

  constructor(id: string, settings: HealthSettings) {
    this.id = id;
    this.window = new HealthWindow(settings.windowMs);
    this.conversions = new ConversionWindow(settings.windowMs, settings.conversionWaitMs);
  }
}

/** One route's carriers; the route's WeightAdjustment for selectCarrier. */
class RouteHealth implements WeightAdjustment {
  readonly name: string;
  readonly settings: HealthSettings;
  readonly floorShare: number;
  readonly floorText: string;
  readonly states: CarrierState[];
  /** Some carrier's factor is below 1: only then do choices on the route consult it. */
  active = false;
  /** The best conversion share among the carriers judged (NaN: none judged). */
  bestConversionShare = NaN;
  /** When conversions are judged again on a choice (they mature with time alone); Infinity: none counted yet. */
  conversionsDueAt = Infinity;
  /** Some delivery or conversion was counted on the route (since the window was made). */
  #countsConversions = false;
  readonly #byId = new Map<string, CarrierState>();
  readonly #crossed: (route: RouteHealth, state: CarrierState, now: number) => void;

  /**
   * `previous`: the route's state under the table a reload replaced: its carriers still on the route keep what they
   * learned (unless the window's length changed), judged again under the new settings at `now`.
   */
  constructor(
    route: HealthRoute,
    crossed: (route: RouteHealth, state: CarrierState, now: number) => void,
    previous?: RouteHealth,
    now = 0,
  ) {
    this.name = route.name;
    this.settings = route.health;
    this.floorShare = route.health.floorShare;
    this.floorText = `${Math.round(route.health.floorShare * 1000) / 10} %`;
    this.#crossed = crossed;
    const keep =
      previous !== undefined &&
      previous.settings.windowMs === route.health.windowMs &&
      previous.settings.conversionWaitMs === route.health.conversionWaitMs;
    this.states = route.carriers.map(
      ({ id }) => (keep ? previous.#byId.get(id) : undefined) ?? new CarrierState(id, route.health),
    );
    for (const state of this.states) this.#byId.set(state.id, state);
    if (!keep) return;
    this.#countsConversions = previous.#countsConversions;
    this.judgeConversions(now);
    for (const state of this.states) this.refresh(state, now);
    this.active = this.#anyBelowOne();
  }

  record(carrierId: string, outcome: HealthOutcome, latencyMs: number, now: number): void {
    const state = this.#byId.get(carrierId);
    if (state === undefined) return;
    state.window.record(outcome, latencyMs, now);
    this.refresh(state, now);
  }

  /** A delivery by the carrier (`converted` false) or the conversion of one (true), both by the delivery's time. */
  recordConversion(carrierId: string, deliveredAt: number, converted: boolean, now: number): void {
    const state = this.#byId.get(carrierId);
    if (state === undefined) return;
    if (converted) state.conversions.converted(deliveredAt, now);
    else state.conversions.delivered(deliveredAt, now);
    this.#countsConversions = true;
    this.judgeConversions(now);
  }

  /**
   * Reads every carrier's matured conversion figures at `now` and scores each against the best share among those
   * with min_samples deliveries judged; a carrier whose score changes is judged again.
   */
  judgeConversions(now: number): void {
    if (!this.#countsConversions) return;
    this.conversionsDueAt = now + CONVERSIONS_JUDGED_EVERY_MS;
    let best = NaN;
    for (const state of this.states) {
      const figures = state.conversions.read(now, state.conversionFigures);
      if (figures.delivered < this.settings.minSamples) continue;
      const share = figures.converted / figures.delivered;
      if (!(share <= best)) best = share;
    }
    this.bestConversionShare = best;
    for (const state of this.states) {
      const figures = state.conversionFigures;
      const score =
        best > 0 && figures.delivered >= this.settings.minSamples
          ? figures.converted / figures.delivered / best
          : 1;
      if (score === state.conversionScore) continue;
      state.conversionScore = score;
      this.refresh(state, now);
    }
  }

  factor(carrierId: string): number {
    return this.#byId.get(carrierId)?.factor ?? 1;
  }

  factorText(carrierId: string): string {
    const state = this.#byId.get(carrierId);
    if (state === undefined) return "1";
    return (state.factorText ??= formatFactor(state.factor));
  }

  describe(carrierId: string): string {
    const state = this.#byId.get(carrierId);
    if (state === undefined) return "";
    return (state.summary ??= this.#describe(state));
  }

  /** The DLR figures, then the conversion figures when they lower the factor (none of either: left out). */
  #describe(state: CarrierState): string {
    const dlr = state.figures.attempts > 0 ? describeFigures(state.figures) : "";
    if (state.conversionScore >= 1) return dlr;
    const { delivered, converted } = state.conversionFigures;
    const conversions = describeConversions(delivered, converted, this.bestConversionShare);
    return dlr === "" ? conversions : `${dlr}, ${conversions}`;
  }

  #anyBelowOne(): boolean {
    for (const state of this.states) if (state.factor < 1) return true;
    return false;
  }

  /** Computes the carrier's factor from its window at `now`. */
  refresh(state: CarrierState, now: number): void {
    // The median only matters once the factor does.
    const figures = state.window.read(now, state.figures, this.settings.minSamples);
    state.summary = undefined;
    const factor = healthFactor(figures, this.settings, state.conversionScore);
    if (factor !== state.factor) {
      state.factor = factor;
      state.factorText = undefined;
      this.active = factor < 1 || this.#anyBelowOne();
    }
    if (factor < HEALTH_LOG_THRESHOLD !== state.loggedBelow) this.#crossed(this, state, now);
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

  /**
   * What selectCarrier multiplies the route's weights by; undefined when the route's health is off or every factor is
   * 1 (the weights alone then choose, at the cost of one lookup).
   */
  adjustment(route: HealthRoute): WeightAdjustment | undefined {
    let health = this.#routes.get(route.name);
    // Another route table (a reload): the route's state moves over to it once, with what it learned.
    if (health !== undefined && health.settings !== route.health) health = this.#route(route);
    if (health === undefined) return undefined;
    // Only a route that counts conversions reads the clock here.
    if (health.conversionsDueAt !== Infinity) {
      const now = this.#clock();
      if (now >= health.conversionsDueAt) health.judgeConversions(now);
    }
    return health.active ? health : undefined;
  }

  /**
   * Counts a delivery by `carrierId` on `route` at `deliveredAt` for an account that reports conversions (`converted`
   * false, once, when its final state is stored), or that delivery's conversion (true, when it is reported).
   */
  observeConversion(route: HealthRoute, carrierId: string, deliveredAt: number, converted: boolean): void {
    if (!route.health.enabled) return;
    this.#route(route).recordConversion(carrierId, deliveredAt, converted, this.#clock());
  }

  /** Counts an attempt of `route` that has just ended (once per attempt, by the instance that recorded its end). */
  observe(route: HealthRoute, attempt: Attempt): void {
    // A WhatsApp or voice attempt says nothing of the route's carriers.
    if (!route.health.enabled || attempt.endedAt === undefined || attempt.channel !== "sms") return;
    const outcome = healthOutcome(attempt);
    if (outcome === undefined) return;
    // No receipt within a deadline the OTP's expiry shortened says little of the carrier: only full ones count.
    if (outcome === HealthOutcome.Timeout && attempt.dlrDeadline - attempt.startedAt < route.dlrTimeoutMs)
      return;
    // Delivered without a DELIVRD (a conversion report ended it): no receipt latency to count.
    const timed = outcome !== HealthOutcome.Delivered || attempt.receiptStat === "DELIVRD";
    const latencyMs = timed ? attempt.endedAt - attempt.startedAt : NaN;
    this.#route(route).record(attempt.carrier, outcome, latencyMs, attempt.endedAt);
  }

  /** Every carrier's factor on every route with health on, computed now (for the gauge; crossings are logged). */
  readings(routes: readonly HealthRoute[]): HealthReading[] {
    const now = this.#clock();
    const readings: HealthReading[] = [];
    // Routes a reload removed (or renamed) are forgotten.
    const names = new Set(routes.map((r) => r.name));
    for (const name of this.#routes.keys()) if (!names.has(name)) this.#routes.delete(name);
    for (const route of routes) {
      if (!route.health.enabled) continue;
      const health = this.#route(route);
      health.judgeConversions(now);
      for (const state of health.states) {
        health.refresh(state, now);
        const { delivered, converted } = state.conversionFigures;
        readings.push({
          route: route.name,
          carrier: state.id,
          factor: state.factor,
          ...(delivered >= health.settings.minSamples && { conversionShare: converted / delivered }),
        });
      }
    }
    return readings;
  }

  /**
   * The route's state, made on first use, and made again when its settings are another object (another route table,
   * after a reload) — carrying over what its carriers learned.
   */
  #route(route: HealthRoute): RouteHealth {
    const previous = this.#routes.get(route.name);
    if (previous !== undefined && previous.settings === route.health) return previous;
    const health = new RouteHealth(
      route,
      (r, state, now) => this.#crossed(r, state, now),
      previous,
      // Only a route carried over from another table is judged now (once per route and reload).
      previous === undefined ? 0 : this.#clock(),
    );
    this.#routes.set(route.name, health);
    return health;
  }

  /**
   * Logs that a carrier's factor went below (or back above) the threshold, at most once a minute per carrier: a
   * crossing within the minute after the last line is logged when the minute is over, if it still holds.
   */
  #crossed(route: RouteHealth, state: CarrierState, now: number): void {
    const logger = this.#logger;
    if (logger === undefined || now - state.loggedAt < HEALTH_LOG_INTERVAL_MS) return;
    const below = state.factor < HEALTH_LOG_THRESHOLD;
    state.loggedBelow = below;
    state.loggedAt = now;
    const { figures } = state;
    logger.info(
      {
        route: route.name,
        carrier: state.id,
        factor: Math.round(state.factor * 100) / 100,
        attempts: figures.attempts,
        deliveredPercent: Math.round((figures.delivered * 100) / Math.max(1, figures.attempts)),
        p50DlrSeconds: Number.isNaN(figures.p50Ms) ? null : Math.round(figures.p50Ms / 100) / 10,
        ...(state.conversionScore < 1 && {
          conversionPercent: Math.round(
            (state.conversionFigures.converted * 100) / Math.max(1, state.conversionFigures.delivered),
          ),
          bestConversionPercent: Math.round(route.bestConversionShare * 100),
        }),
      },
      below
        ? `carrier health below ${HEALTH_LOG_THRESHOLD} on the route: its share of the traffic is reduced`
        : `carrier health back to ${HEALTH_LOG_THRESHOLD} or above on the route: its share is restored`,
    );
  }
}
