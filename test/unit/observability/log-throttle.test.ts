import { describe, expect, it } from "vitest";
import { LogThrottle } from "../../../src/observability/log-throttle.js";

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
});
