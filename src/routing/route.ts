/**
 * The route model: what routes.yaml says once validated (RouteSpec), and what a destination's match gives
 * the caller (Route). Times in a Route are in the units their users need: the DLR timeout feeds a timer
 * (ms), validities are compared with what submitters send (seconds).
 */

import type { ChannelId } from "../escalation/channel-types.js";

/** One carrier of a route and its traffic share. */
export interface RouteCarrier {
  /** Carrier id (a `carriers/*.yaml` id). */
  id: string;
  /** Share of the route's traffic, relative to the other carriers' weights; > 0. */
  weight: number;
}

/** Which destinations a route takes. */
export type RouteMatch =
  | { kind: "prefix"; prefixes: readonly string[] }
  | { kind: "country"; countries: readonly string[] }
  /** Mobile networks by MCC/MNC (`510-10`): the destination's network after number portability (networks.ts). */
  | { kind: "network"; networks: readonly string[] }
  | { kind: "default" };

/** Timing that applies to every route that does not set its own (routes.yaml `defaults`). */
export interface RouteTiming {
  /** No final receipt within this time after a submit: the attempt has failed and the next carrier gets it. */
  dlrTimeoutMs: number;
  /** OTP validity when the submitter gives none. */
  validitySeconds: number;
  /** The longest validity a submitter may ask for. */
  maxValiditySeconds: number;
}

/** How live carrier health adjusts a route's weights (routes.yaml `health:`, see docs/routing.md "Live health"). */
export interface HealthSettings {
  /** False: the configured weights alone choose, as without live health. */
  enabled: boolean;
  /** Attempts older than this no longer count (the window moves in tenths of itself). */
  windowMs: number;
  /** Below this many ended attempts in the window a carrier's factor is 1. */
  minSamples: number;
  /** The least share of the route's traffic a carrier keeps while available, in [0, 0.5] (or its configured share if less). */
  floorShare: number;
  /** A median DLR latency above this lowers the factor in proportion. */
  latencyTargetMs: number;
  /** A delivery's conversion (its code used) is judged once this long has passed since it (docs/routing.md). */
  conversionWaitMs: number;
}

/** One validated route of routes.yaml, with the defaults applied. */
export interface RouteSpec extends RouteTiming {
  /** Unique name, shown in explanations, logs and metrics. */
  name: string;
  match: RouteMatch;
  /** In the order written; at most `routeLimits.carriersPerRouteMax`, each id once. */
  carriers: readonly RouteCarrier[];
  /** One object per route, shared by every Route the route table builds from it. */
  health: HealthSettings;
  /** Channels tried, in order, once SMS has failed on every carrier (or every carrier left is down). */
  escalation: readonly ChannelId[];
  /**
   * Channels tried first, in order, before SMS (routes.yaml `before_sms`: a country whose people read WhatsApp
   * first); unset when none. A channel also in `escalation` is not tried again after SMS (each channel once).
   */
  beforeSms?: readonly ChannelId[];
}

/** The route a destination matched: what delivery needs to pick a carrier and time its attempts. */
export interface Route extends RouteTiming {
  name: string;
  /** How the destination matched, for explanations: `prefix +62811`, `network 510-10`, `country ID` or `default`. */
  matchedBy: string;
  carriers: readonly RouteCarrier[];
  health: HealthSettings;
  escalation: readonly ChannelId[];
  beforeSms?: readonly ChannelId[];
}
