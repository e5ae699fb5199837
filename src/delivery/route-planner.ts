/** What delivery needs from routing: which route a destination takes, and the next carrier to try. */
export interface RoutePlan {
  name: string;
  dlrTimeoutMs: number;
  carriers: readonly string[];
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
}
