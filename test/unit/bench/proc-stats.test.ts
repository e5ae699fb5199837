import { describe, expect, it } from "vitest";
import { mainThreadSchedMs, processCpuMs } from "../../../scripts/bench/proc-stats.js";

describe("bench process figures from /proc", () => {
  it("reads a main thread's time on a CPU and waiting for one, growing as it works", () => {
    const before = mainThreadSchedMs(process.pid);
    // Spin for 60 ms of this thread's own CPU, not of the clock: on a busy machine 60 ms of wall time can hold
    // little CPU (bounded at 10 s of wall time).
    const cpuStart = process.cpuUsage();
    const started = Date.now();
    let spin = 0;
    while (process.cpuUsage(cpuStart).user < 60_000 && Date.now() - started < 10_000) spin++;
    const after = mainThreadSchedMs(process.pid);
    expect(spin).toBeGreaterThan(0);
    expect(after.onCpu - before.onCpu).toBeGreaterThan(20);
    expect(after.waiting).toBeGreaterThanOrEqual(before.waiting);
    // The thread's time on a CPU is part of the whole process's CPU time.
    expect(after.onCpu).toBeLessThanOrEqual(processCpuMs(process.pid) + 20);
  });

  it("answers NaN for a process that does not exist", () => {
    const gone = mainThreadSchedMs(2 ** 22 + 1);
    expect(gone.onCpu).toBeNaN();
    expect(gone.waiting).toBeNaN();
  });
});
