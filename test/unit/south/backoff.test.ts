import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "../../../src/south/backoff.js";
import { BACKOFF_RESET_AFTER_UP_MS, ReconnectBackoff } from "../../../src/south/reconnect-backoff.js";

describe("backoffDelayMs", () => {
  it("grows exponentially from the minimum and is capped at the maximum", () => {
    const mid = () => 0.5;
    expect(backoffDelayMs(0, 1000, 60_000, mid)).toBe(750);
    expect(backoffDelayMs(1, 1000, 60_000, mid)).toBe(1500);
    expect(backoffDelayMs(3, 1000, 60_000, mid)).toBe(6000);
    expect(backoffDelayMs(20, 1000, 60_000, mid)).toBe(45_000);
    expect(backoffDelayMs(1000, 1000, 60_000, () => 1)).toBe(60_000);
  });

  it("jitters between half and all of the nominal delay", () => {
    expect(backoffDelayMs(2, 1000, 60_000, () => 0)).toBe(2000);
    expect(backoffDelayMs(2, 1000, 60_000, () => 0.999999)).toBe(4000);
  });
});

describe("ReconnectBackoff", () => {
  function backoff() {
    let now = 0;
    const b = new ReconnectBackoff({ minDelayMs: 100, maxDelayMs: 10_000, rng: () => 1, clock: () => now });
    return { b, advance: (ms: number) => (now += ms) };
  }

  it("keeps growing while binds are accepted and dropped before they have stayed up long enough", () => {
    const { b, advance } = backoff();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      b.up();
      advance(BACKOFF_RESET_AFTER_UP_MS - 1);
      delays.push(b.nextDelayMs());
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600]);
  });

  it("starts again from the minimum after a bind that stayed up", () => {
    const { b, advance } = backoff();
    b.nextDelayMs();
    b.nextDelayMs();
    b.up();
    advance(BACKOFF_RESET_AFTER_UP_MS);
    expect(b.nextDelayMs()).toBe(100);
    expect(b.nextDelayMs()).toBe(200); // a refusal right after does not reset it again
  });
});
