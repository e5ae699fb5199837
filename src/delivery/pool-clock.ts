import { monotonicEpochNow } from "../smpp/session/monotonic-clock.js";

/**
 * Times passed between delivery and the carrier pools. Delivery's clock is the one the instances share (Redis's,
 * RedisClock); the carrier side keeps its own (`poolClock`, the pools' `epochClock`: monotonicEpochNow unless given).
 * A time crossing between them keeps its distance from now, not its number: a host whose clock is seconds off Redis's
 * then neither refuses a submit's part early nor holds a start-up grace too long, and neither clock moves when the
 * host's wall clock steps.
 */
export interface PoolClocks {
  /** Delivery's clock. */
  clock: () => number;
  /** The pools' clock (default monotonicEpochNow, as CarrierPool's `epochClock`). */
  poolClock?: () => number;
}

/** `at` on delivery's clock, as the pools' clock reads the same moment. */
export function toPoolClock(clocks: PoolClocks, at: number): number {
  return at - clocks.clock() + (clocks.poolClock ?? monotonicEpochNow)();
}

/** `at` on the pools' clock, as delivery's clock reads the same moment. */
export function fromPoolClock(clocks: PoolClocks, at: number): number {
  return at - (clocks.poolClock ?? monotonicEpochNow)() + clocks.clock();
}
