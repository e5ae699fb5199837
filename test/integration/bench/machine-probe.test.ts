import { describe, expect, it } from "vitest";
import { formatProbe, probeMachine } from "../../../scripts/bench/machine-probe.js";

describe("bench machine probe", () => {
  it("measures a loop, loopback writes and fdatasync, each a positive figure", async () => {
    const probe = await probeMachine({ loopIterations: 1_000_000, writes: 2_000, syncs: 5 });
    expect(probe.jsLoopMs).toBeGreaterThan(0);
    expect(Number.isFinite(probe.jsLoopMs)).toBe(true);
    // Every write was read back whole before the CPU was read: some CPU per write, not infinite.
    expect(probe.loopbackWriteUs.user + probe.loopbackWriteUs.system).toBeGreaterThan(0);
    expect(Number.isFinite(probe.loopbackWriteUs.user + probe.loopbackWriteUs.system)).toBe(true);
    expect(probe.fdatasyncP50Us).toBeGreaterThan(0);
  });

  it("prints one line, and n/a for an fdatasync that could not run", () => {
    const probe = { jsLoopMs: 204.6, loopbackWriteUs: { user: 2.04, system: 6.56 }, fdatasyncP50Us: 233.7 };
    expect(formatProbe(probe)).toBe(
      "JS loop 205 ms · loopback write 8.6 µs CPU (system 6.6) · fdatasync p50 234 µs",
    );
    expect(formatProbe({ ...probe, fdatasyncP50Us: Number.NaN })).toMatch(/fdatasync p50 n\/a$/);
  });
});
