import { describe, expect, it } from "vitest";
import { writeSync, openSync, closeSync, readSync } from "node:fs";
import { mainThreadSchedMs, processCpuMs, processSyscalls } from "../../../scripts/bench/proc-stats.js";

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

  it("counts a process's read and write system calls, each call once", () => {
    const fd = openSync("/dev/null", "r+");
    try {
      const before = processSyscalls("self");
      for (let i = 0; i < 50; i++) writeSync(fd, "x");
      for (let i = 0; i < 30; i++) readSync(fd, Buffer.alloc(1));
      const after = processSyscalls("self");
      // Other threads of this process (the thread pool, V8's) may make calls of their own meanwhile: at least ours.
      expect(after.writes - before.writes).toBeGreaterThanOrEqual(50);
      expect(after.writes - before.writes).toBeLessThan(100);
      expect(after.reads - before.reads).toBeGreaterThanOrEqual(30);
      expect(processSyscalls(process.pid).writes).toBeGreaterThanOrEqual(after.writes);
    } finally {
      closeSync(fd);
    }
  });

  it("answers NaN for a process that does not exist", () => {
    const gone = mainThreadSchedMs(2 ** 22 + 1);
    expect(gone.onCpu).toBeNaN();
    expect(gone.waiting).toBeNaN();
    expect(processSyscalls(2 ** 22 + 1).writes).toBeNaN();
  });
});
