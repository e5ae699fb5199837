/**
 * Reconnect delay after `attempt` consecutive failures (0-based): exponential from `minMs`, capped at
 * `maxMs`, with "equal jitter" — half fixed, half random — so a fleet of binds that dropped together does
 * not hammer the carrier in step, yet no retry comes sooner than half the nominal delay.
 */
export function backoffDelayMs(attempt: number, minMs: number, maxMs: number, rng: () => number): number {
  const nominal = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(nominal / 2 + (rng() * nominal) / 2);
}
