import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../scripts/lib/free-port.js";
import { CarrierSimulator, type SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import type { CarrierConfig } from "../../../src/config/types.js";
import { ConnectionClosedError, ResponseTimeoutError } from "../../../src/errors.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { buildSubmits } from "../../../src/south/submit-builder.js";
import type { SubmitOutcome } from "../../../src/south/submit-types.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { waitUntil } from "../../helpers/wait.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CREDENTIALS = [{ systemId: "otpgw", password: "secret" }];

async function startSim(options: SimulatorOptions = {}): Promise<CarrierSimulator> {
  const sim = new CarrierSimulator({
    credentials: CREDENTIALS,
    receiptLatencyMs: { min: 5, max: 20 },
    ...options,
  });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

function startPool(carrier: CarrierConfig, extra: { maxQueued?: number } = {}): CarrierPool {
  const pool = new CarrierPool({ carrier, logger: silentLogger(), metrics: createMetrics(), ...extra });
  pool.start();
  cleanups.push(() => pool.close(2000));
  return pool;
}

/** Submits one GSM part per destination: +62811000000 + i, so the simulator can tell messages apart. */
function submitMany(pool: CarrierPool, carrier: CarrierConfig, count: number, offset = 0) {
  return Array.from({ length: count }, (_, i) => {
    const { parts } = buildSubmits(carrier, {
      source: "OTPGW",
      destination: `+62811${String(offset + i).padStart(7, "0")}`,
      text: `Your code is ${String(100000 + i)}`,
      reference: i,
    });
    return pool.submit(parts[0]!);
  });
}

function settle<T>(promises: Promise<T>[]): Promise<(T | Error)[]> {
  return Promise.all(
    promises.map((p) =>
      p.then(
        (v) => v,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      ),
    ),
  );
}

describe("carrier pool against the simulator", () => {
  it("keeps each bind within its window and throughput cap over 5,000 submits and answers every one", async () => {
    const sim = await startSim({
      submitRespLatencyMs: { min: 30, max: 80 },
      outcomeMix: { DELIVRD: 1, UNDELIV: 0, EXPIRED: 0, none: 0 },
    });
    const carrier = testCarrier({ port: sim.port!, binds: 2, windowSize: 10, throughputPerSecond: 200 });
    const pool = startPool(carrier);
    await waitUntil(() => pool.status().bound === 2, 5000);

    const outcomes = await settle(submitMany(pool, carrier, 5000));
    const accepted = outcomes.filter(
      (o): o is SubmitOutcome => !(o instanceof Error) && o.kind === "accepted",
    );
    expect(accepted).toHaveLength(5000);

    const counters = sim.counters();
    const binds = counters.binds.filter((b) => b.submitsReceived > 0);
    expect(binds).toHaveLength(2);
    for (const bind of binds) {
      expect(bind.maxOutstanding).toBeLessThanOrEqual(10);
      // The bucket allows rate + burst (2 % of the rate) in any second; 1-s buckets add nothing beyond that.
      expect(bind.maxSubmitsPerSecond).toBeLessThanOrEqual(200 * 1.05);
      // Both binds carried real load, and the window was actually exercised.
      expect(bind.submitsReceived).toBeGreaterThan(1500);
      expect(bind.maxOutstanding).toBeGreaterThanOrEqual(5);
    }
    expect(counters.submitsReceived).toBe(5000);
    expect(new Set(sim.received().map((m) => m.destination)).size).toBe(5000);
  });

  it("survives a carrier restart: queued submits go out exactly once, in-flight ones are reported outcome-unknown", async () => {
    const simOptions: SimulatorOptions = { submitRespLatencyMs: { min: 20, max: 60 } };
    // Outside the kernel's ephemeral range: the second simulator listens on it again after the first has gone.
    const first = await startSim({ ...simOptions, port: await freePort() });
    const port = first.port!;
    const carrier = testCarrier({ port, binds: 2, windowSize: 10, throughputPerSecond: 200 });
    const pool = startPool(carrier);
    await waitUntil(() => pool.status().bound === 2, 5000);

    const pending = settle(submitMany(pool, carrier, 1500));
    await waitUntil(() => first.counters().submitsReceived >= 400, 10_000);
    await first.stop(); // the carrier dies with submits in flight
    await new Promise((r) => setTimeout(r, 300));
    const second = new CarrierSimulator({ ...simOptions, credentials: CREDENTIALS, port });
    await second.start();
    cleanups.push(() => second.stop());

    const outcomes = await pending;
    const accepted = outcomes.filter((o) => !(o instanceof Error) && o.kind === "accepted").length;
    const unknown = outcomes.filter(
      (o) => o instanceof ConnectionClosedError || o instanceof ResponseTimeoutError,
    );
    expect(accepted + unknown.length).toBe(1500);
    expect(unknown.length).toBeGreaterThan(0); // the kill caught some in flight
    expect(unknown.length).toBeLessThanOrEqual(2 * 10); // never more than the two windows

    // Nothing is sent twice: across both carriers' logs every destination appears at most once, and every
    // accepted one exactly once.
    const seen = [...first.received(), ...second.received()].map((m) => m.destination);
    expect(new Set(seen).size).toBe(seen.length);
    expect(second.counters().submitsReceived).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThanOrEqual(accepted);
    expect(pool.status().binds.every((b) => b.reconnects >= 1)).toBe(true);
  });

  it("detects a carrier that stops answering, fails in-flight submits by timeout, and reconnects", async () => {
    const sim = await startSim({ submitRespLatencyMs: { min: 1, max: 3 } });
    const carrier = testCarrier({
      port: sim.port!,
      responseTimeoutMs: 400,
      enquireLinkIntervalMs: 200,
      enquireLinkMaxMisses: 1,
    });
    const pool = startPool(carrier);
    await waitUntil(() => pool.status().bound === 1, 5000);
    expect((await settle(submitMany(pool, carrier, 5)))[0]).toMatchObject({ kind: "accepted" });

    sim.setOutage("stop-answering");
    const started = Date.now();
    const stuck = await settle(submitMany(pool, carrier, 3, 100));
    expect(stuck.every((o) => o instanceof ResponseTimeoutError || o instanceof ConnectionClosedError)).toBe(
      true,
    );
    expect(Date.now() - started).toBeLessThan(5000); // nothing waits forever
    await waitUntil(() => pool.status().binds[0]!.reconnects >= 1, 5000);

    sim.setOutage("none");
    await waitUntil(() => pool.status().bound === 1, 5000);
    const after = await settle(submitMany(pool, carrier, 3, 200));
    expect(after.every((o) => !(o instanceof Error) && o.kind === "accepted")).toBe(true);
  });

  it("slows down when the carrier throttles and still delivers every message", async () => {
    const sim = await startSim({ submitRespLatencyMs: { min: 1, max: 5 }, throttlePerSecond: 100 });
    const carrier = testCarrier({ port: sim.port!, binds: 1, windowSize: 10, throughputPerSecond: 200 });
    const pool = startPool(carrier);
    await waitUntil(() => pool.status().bound === 1, 5000);

    const outcomes = await settle(submitMany(pool, carrier, 600));
    expect(outcomes.every((o) => !(o instanceof Error) && o.kind === "accepted")).toBe(true);
    const counters = sim.counters();
    expect(counters.throttled).toBeGreaterThan(0);
    expect(pool.status().binds[0]!.throttled).toBe(counters.throttled);
    // Every message went out exactly once despite the requeues.
    const destinations = sim.received().map((m) => m.destination);
    expect(destinations).toHaveLength(600);
    expect(new Set(destinations).size).toBe(600);
    // Throttled sends are a fraction of the traffic: the bind backed off rather than hammering.
    expect(counters.throttled).toBeLessThan(300);
  });

  it("refuses new submits beyond the queue limit instead of buffering without bound", async () => {
    const sim = await startSim();
    sim.setOutage("refuse-binds");
    const carrier = testCarrier({ port: sim.port! });
    const pool = startPool(carrier, { maxQueued: 3 });
    const queued = submitMany(pool, carrier, 3);
    await expect(submitMany(pool, carrier, 1, 10)[0]).rejects.toMatchObject({
      code: "OTPGW_ERR_CARRIER_SATURATED",
    });
    await pool.close(100);
    const closed = await settle(queued);
    expect(
      closed.every((o) => o instanceof Error && (o as { code?: string }).code === "OTPGW_ERR_CARRIER_CLOSED"),
    ).toBe(true);
  });

  it("on close lets the window drain, then unbinds: in-flight submits still get their answers", async () => {
    const sim = await startSim({ submitRespLatencyMs: { min: 200, max: 300 } });
    const carrier = testCarrier({ port: sim.port!, windowSize: 5, throughputPerSecond: 1000 });
    const pool = startPool(carrier);
    await waitUntil(() => pool.status().bound === 1, 5000);
    const inFlight = settle(submitMany(pool, carrier, 5));
    await waitUntil(() => sim.counters().submitsReceived === 5, 5000);
    const closing = pool.close(5000);
    await expect(submitMany(pool, carrier, 1, 10)[0]).rejects.toMatchObject({
      code: "OTPGW_ERR_CARRIER_CLOSED",
    });
    await closing;
    const outcomes = await inFlight;
    expect(outcomes.every((o) => !(o instanceof Error) && o.kind === "accepted")).toBe(true);
    expect(sim.counters().unbindsReceived).toBe(1);
    expect(pool.status().binds[0]!.state).toBe("closed");
  });
});
