import { vi } from "vitest";

/**
 * A wall-clock step (NTP correction, VM resume, an operator's `date -s`) in a test: Date alone is faked — sockets,
 * timers and performance.now() stay real — and it advances with real time until the test steps it.
 */
export const HOUR_MS = 3_600_000;

/** Fakes Date only, running on from now; call it before what is tested exists, as a clock taken at start-up would be. */
export function fakeWallClock(): void {
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
}

/** Moves the faked wall clock by `byMs` (negative: back). */
export function stepWallClock(byMs: number): void {
  vi.setSystemTime(Date.now() + byMs);
}

/** Back to the real clock (afterEach). */
export function restoreWallClock(): void {
  vi.useRealTimers();
}
