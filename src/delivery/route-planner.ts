import type { ChannelId } from "../escalation/channel-types.js";
import type { Attempt } from "./types.js";

/** What delivery needs from routing: which route a destination takes, and the next carrier to try. */
export interface RoutePlan {
  name: string;
  dlrTimeoutMs: number;
  carriers: readonly string[];
  /** Channels after SMS, in order (routes.yaml `escalation:`). */
  escalation: readonly ChannelId[];
  /** Channels before SMS, in order (routes.yaml `before_sms:`); unset when none. */
  beforeSms?: readonly ChannelId[] | undefined;
}

export interface RoutePlanner {
  /** Whether an operator drained the carrier: it takes no new attempt (`choose` leaves it out). */
  drained(carrierId: string): boolean;
  plan(to: string, country: string): RoutePlan | undefined;
  /**
   * The next carrier for a message, among the route's carriers not in `tried` and `available` now; null when
   * none is (the caller tells "all tried" from "none available" with `plan`).
   */
  choose(
    to: string,
    country: string,
    tried: readonly string[],
    available: (carrierId: string) => boolean,
  ): { carrier: string; explain: string } | null;
  /**
   * An attempt of a message to `to` has just ended (it has its outcome and endedAt): called once per attempt, by the
   * instance that stored its end, for live carrier health. Optional: a planner without live health ignores it.
   */
  attemptEnded?(to: string, country: string, attempt: Attempt): void;
  /**
   * For live health's conversion share (accounts that report conversions only): a message to `to` delivered by SMS
   * carrier `carrierId` at `deliveredAt` — counted once when its final state is stored (`converted` false), and again
   * when its conversion is reported (true). Optional, as attemptEnded.
   */
  conversionObserved?(
    to: string,
    country: string,
    carrierId: string,
    deliveredAt: number,
    converted: boolean,
  ): void;
}
