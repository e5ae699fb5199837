import { afterEach, describe, expect, it, vi } from "vitest";
import { LogThrottle } from "../../../src/observability/log-throttle.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("LogThrottle", () => {
  it("lets one line per key through per interval and tells the next line how many were held back", () => {
    let now = 0;
    const throttle = new LogThrottle(1000, () => now);
    expect(throttle.passes("a")).toBe(0);
    expect(throttle.passes("a")).toBeUndefined();
    expect(throttle.passes("a")).toBeUndefined();
    expect(throttle.allow("b")).toBe(true); // keys are apart
    now = 999;
    expect(throttle.passes("a")).toBeUndefined();
    now = 1000;
    expect(throttle.passes("a")).toBe(3);
    expect(throttle.passes("a")).toBeUndefined();
    now = 5000;
    expect(throttle.passes("a")).toBe(1);
    expect(throttle.passes("a")).toBeUndefined();
  });

  it("lets the next line through after its interval when the wall clock stepped back an hour (default clock)", async () => {
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    const throttle = new LogThrottle(50);
    expect(throttle.passes("a")).toBe(0);
    expect(throttle.passes("a")).toBeUndefined();
    vi.setSystemTime(Date.now() - 3_600_000);
    await new Promise((r) => setTimeout(r, 80));
    expect(throttle.passes("a")).toBe(1);
  });
});
