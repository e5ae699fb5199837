import { once } from "node:events";
import { createServer } from "node:http";
import { describe, expect, it, onTestFinished } from "vitest";
import {
  bucketQuantile,
  daemonLatencyBetween,
  readDaemonSnapshot,
  withEventLoopDelay,
} from "../../../scripts/bench/latency-sources.js";
import { createMetrics } from "../../../src/observability/metrics.js";

describe("latency sources: otpgw's own view of a latency run, and the ESME's event loop", () => {
  it("reads quantiles from cumulative buckets as histogram_quantile does", () => {
    const bounds = [0.001, 0.01, 0.1, Number.POSITIVE_INFINITY];
    expect(bucketQuantile(bounds, [0, 50, 100, 100], 0.5)).toBeCloseTo(0.01, 6);
    expect(bucketQuantile(bounds, [0, 50, 100, 100], 0.25)).toBeCloseTo(0.0055, 6);
    expect(bucketQuantile(bounds, [0, 0, 90, 100], 0.99)).toBe(0.1); // in +Inf: the highest finite bound
    expect(bucketQuantile(bounds, [0, 0, 0, 0], 0.5)).toBeNaN();
  });

  it("takes otpgw's acknowledgement times, Redis calls, GC pauses and event-loop delay between two reads of its metrics", async () => {
    const metrics = createMetrics({ defaultMetrics: true });
    const server = createServer((_request, response) => {
      void metrics.registry.metrics().then((text) => response.end(text));
    }).listen(0, "127.0.0.1");
    await once(server, "listening");
    onTestFinished(() => new Promise<void>((done) => server.close(() => done())));
    const port = (server.address() as { port: number }).port;

    const ack = metrics.submitAckSeconds.cell({ interface: "smpp" });
    ack.observe(0.5); // before the run: not counted
    const before = await readDaemonSnapshot(port);
    for (let i = 0; i < 90; i++) ack.observe(0.002);
    for (let i = 0; i < 10; i++) ack.observe(0.04);
    for (let i = 0; i < 50; i++) metrics.submitAckSeconds.cell({ interface: "http" }).observe(0.3); // not SMPP
    for (let i = 0; i < 10; i++) metrics.redisBatchSeconds.observe({ outcome: "ok" }, 0.003);
    metrics.redisBatchSeconds.observe({ outcome: "error" }, 2); // a failed call: not counted
    const spin = Date.now() + 30; // the event loop held for 30 ms
    while (Date.now() < spin);
    await new Promise((r) => setTimeout(r, 20));
    const latency = daemonLatencyBetween(before, await readDaemonSnapshot(port));

    expect(latency.ackMs.count).toBe(100);
    expect(latency.ackMs.mean).toBeCloseTo(5.8, 1);
    expect(latency.ackMs.p50).toBeGreaterThan(1);
    expect(latency.ackMs.p50).toBeLessThanOrEqual(2.5); // in the (1, 2.5] ms bucket
    expect(latency.ackMs.p99).toBeGreaterThan(25);
    expect(latency.ackMs.p99).toBeLessThanOrEqual(50);
    expect(latency.redisCallMs).toMatchObject({ count: 10, mean: 3 });
    expect(latency.eventLoopDelayMs.max).toBeGreaterThanOrEqual(20);
  });

  it("measures this process's event-loop delay while a run goes on", async () => {
    const [value, delay] = await withEventLoopDelay(async () => {
      await new Promise((r) => setTimeout(r, 30));
      const spin = Date.now() + 40;
      while (Date.now() < spin);
      await new Promise((r) => setTimeout(r, 30));
      return "done";
    });
    expect(value).toBe("done");
    expect(delay.max).toBeGreaterThanOrEqual(30);
    expect(delay.p50).toBeLessThanOrEqual(delay.max);
  });
});
