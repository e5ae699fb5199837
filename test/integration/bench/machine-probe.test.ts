import { describe, expect, it } from "vitest";
import { formatProbe, probeMachine } from "../../../scripts/bench/machine-probe.js";

describe("bench machine probe", () => {
  it("measures a loop, loopback writes and fdatasync, each a positive figure", async () => {
    const small = await probeMachine({ loopIterations: 1_000_000, writes: 2_000, syncs: 5 });
    const large = await probeMachine({ loopIterations: 40_000_000, writes: 2_000, syncs: 5 });
    // The loop's time follows its length (40 times as long: more than twice the time, whatever the noise).
    expect(large.jsLoopMs).toBeGreaterThan(2 * small.jsLoopMs);
    // Per write, not per byte or per run: a loopback write and its read cost between 0.1 µs and 1 ms of CPU.
    const perWrite = small.loopbackWriteUs.user + small.loopbackWriteUs.system;
    expect(perWrite).toBeGreaterThan(0.1);
    expect(perWrite).toBeLessThan(1000);
    expect(small.fdatasyncP50Us).toBeGreaterThan(0);
  });

  it("prints one line, and n/a for an fdatasync that could not run", () => {
    const probe = { jsLoopMs: 204.6, loopbackWriteUs: { user: 2.04, system: 6.56 }, fdatasyncP50Us: 233.7 };
    expect(formatProbe(probe)).toBe(
      "JS loop 205 ms · loopback write 8.6 µs CPU (system 6.6) · fdatasync p50 234 µs",
    );
    expect(formatProbe({ ...probe, fdatasyncP50Us: Number.NaN })).toMatch(/fdatasync p50 n\/a$/);
  });
});
