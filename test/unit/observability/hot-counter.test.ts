import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { HotCounter } from "../../../src/observability/hot-counter.js";

type Labels = "carrier" | "outcome" | "status";

/** The same counter twice: prom-client's own and the hot one, each in its own registry. */
function pair(labelNames: Labels[] = ["carrier", "outcome", "status"]) {
  const plainRegistry = new Registry();
  const hotRegistry = new Registry();
  const config = { name: "otpgw_test_total", help: "test", labelNames };
  const plain = new Counter<Labels>({ ...config, registers: [plainRegistry] });
  const hot = new HotCounter<Labels>({ ...config, registers: [hotRegistry] });
  return { plain, hot, plainRegistry, hotRegistry };
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe("HotCounter", () => {
  it("exports exactly what prom-client's Counter exports for the same increments", async () => {
    const { plain, hot, plainRegistry, hotRegistry } = pair();
    const next = random(7);
    const carriers = ["sim-a", "sim-b", "kr-1"];
    const outcomes = ["accepted", "rejected", "unknown"];
    const statuses = ["ESME_ROK", "ESME_RTHROTTLED", "ESME_RSYSERR"];
    for (let i = 0; i < 5_000; i++) {
      const labels = {
        carrier: carriers[Math.floor(next() * 3)]!,
        outcome: outcomes[Math.floor(next() * 3)]!,
        status: statuses[Math.floor(next() * 3)]!,
      };
      const value = next() < 0.2 ? Math.floor(next() * 10) : undefined;
      plain.inc(labels, value);
      hot.inc(labels, value);
      if (i % 1_000 === 999) expect(await hotRegistry.metrics()).toBe(await plainRegistry.metrics());
    }
    // Partial label sets and a missing label written as undefined are one series, as in prom-client.
    for (const labels of [{ carrier: "sim-a" }, { carrier: "sim-a", outcome: undefined }]) {
      plain.inc(labels as { carrier: string });
      hot.inc(labels as { carrier: string });
    }
    const text = await hotRegistry.metrics();
    expect(text).toBe(await plainRegistry.metrics());
    expect(text).toMatch(/otpgw_test_total\{carrier="sim-a"\} 2/);
  });

  it("counts increments without labels, and numbers and strings as the same label value", async () => {
    const registry = new Registry();
    const unlabelled = new HotCounter({ name: "otpgw_a_total", help: "a", registers: [registry] });
    unlabelled.inc();
    unlabelled.inc(4);
    const byStatus = new HotCounter<"status">({
      name: "otpgw_b_total",
      help: "b",
      labelNames: ["status"],
      registers: [registry],
    });
    byStatus.inc({ status: 200 });
    byStatus.inc({ status: "200" }, 2);
    expect((await unlabelled.get()).values).toEqual([{ value: 5, labels: {} }]);
    expect((await byStatus.get()).values).toEqual([{ value: 3, labels: { status: 200 } }]);
    // Read twice: counted once.
    expect((await byStatus.get()).values[0]!.value).toBe(3);
  });

  it("refuses an unknown label, a negative or infinite increment (as prom-client does) and NaN", () => {
    const { hot } = pair(["carrier"]);
    expect(() => hot.inc({ nope: "x" } as unknown as { carrier: string })).toThrow(
      /not included in initial labelset/,
    );
    expect(() => hot.inc({ carrier: "sim-a" }, -1)).toThrow(/not possible to decrease/);
    expect(() => hot.inc(Number.POSITIVE_INFINITY)).toThrow(/not a valid number/);
    expect(() => hot.inc(Number.NaN)).toThrow(/not a valid number/);
  });

  it("forgets pending increments on reset", async () => {
    const { hot, hotRegistry } = pair(["carrier"]);
    hot.inc({ carrier: "sim-a" }, 3);
    hot.reset();
    hot.inc({ carrier: "sim-b" });
    const text = await hotRegistry.metrics();
    expect(text).not.toMatch(/sim-a/);
    expect(text).toMatch(/otpgw_test_total\{carrier="sim-b"\} 1/);
  });
});
