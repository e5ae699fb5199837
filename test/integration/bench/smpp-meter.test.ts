import { describe, expect, it } from "vitest";
import { EsmeLoad } from "../../../scripts/bench/esme-load.js";
import { BENCH_ESME, startRelayStack } from "../../../scripts/bench/relay-stack.js";
import { SliceMeter } from "../../../scripts/bench/smpp-meter.js";

describe("SMPP bench slices (null relay and simulator processes, real sockets)", () => {
  it("sums a relay's slices into one result: counts, rates over the slices' time, CPU per message", async () => {
    const stack = await startRelayStack("null relay");
    const esme = await EsmeLoad.connect(stack.port, BENCH_ESME, { noDelay: true });
    try {
      const meter = new SliceMeter("null relay", esme, stack.pids);
      const slice = { durationMs: 400, maxMessages: 150, window: 20, sender: BENCH_ESME.sender };
      let slicesMs = 0;
      for (let i = 0; i < 2; i++) {
        const started = performance.now();
        await meter.slice(slice);
        slicesMs += performance.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 300)); // idle between slices: not counted
      }
      const result = meter.result(0.8);
      expect(result.slices).toBe(2);
      expect(result.sent).toBe(300); // 150 per slice: the count bounds each slice before its time does
      expect(result.accepted).toBe(300);
      expect(result.receipts).toBe(300);
      expect(result.missing).toBe(0);
      expect(result.receiptStats).toEqual({ DELIVRD: 300 });
      // The rate is over the slices' own time (at most what the calls took), not the pauses between them.
      expect(result.completedPerSecond).toBeGreaterThanOrEqual(Math.floor(300 / (slicesMs / 1000)));
      expect(result.cpuMsPerMessage.relay).toBeGreaterThan(0);
      expect(result.cpuMsPerMessage.simulator).toBeGreaterThan(0);
      expect(result.cpuMsPerMessage.redis).toBeUndefined();
      expect(result.relayThread.onCpuPercent).toBeGreaterThan(0);
      expect(result.relayThread.onCpuPercent).toBeLessThanOrEqual(100);
      expect(result.redisCommandsPerMessage).toBeUndefined();
    } finally {
      await esme.close();
      await stack.stop();
    }
  }, 60_000);
});
