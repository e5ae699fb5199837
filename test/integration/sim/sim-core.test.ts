import { describe, expect, it } from "vitest";
import { DelayQueue } from "../../../scripts/sim/delay-queue.js";
import { resolveOptions } from "../../../scripts/sim/options.js";
import { ReceivedLog } from "../../../scripts/sim/received-log.js";
import { pickOutcome, sampleLogNormalMs, seededRng } from "../../../scripts/sim/sampling.js";
import { parseSimConfig } from "../../../scripts/sim/sim-config.js";
import { wantsReceipt } from "../../../scripts/sim/submit-handler.js";
import { ConfigError } from "../../../src/errors.js";
import type { ReceivedMessage } from "../../../scripts/sim/received-log.js";
import { sleep } from "./sim-client.js";

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("carrier simulator: pure parts", () => {
  it("draws log-normal receipt latencies with the configured median and 95th percentile", () => {
    const rng = seededRng(11);
    const draws = Array.from({ length: 20_000 }, () =>
      sampleLogNormalMs({ p50: 1000, p95: 5000, max: 1e9 }, rng),
    ).sort((a, b) => a - b);
    const p50 = draws[10_000]!;
    const p95 = draws[19_000]!;
    expect(p50).toBeGreaterThan(900);
    expect(p50).toBeLessThan(1100);
    expect(p95).toBeGreaterThan(4300);
    expect(p95).toBeLessThan(5800);
  });

  it("clamps log-normal draws at max (default 4 × p95)", () => {
    const rng = seededRng(5);
    const draws = Array.from({ length: 5000 }, () => sampleLogNormalMs({ p50: 100, p95: 1000 }, rng));
    expect(Math.max(...draws)).toBeLessThanOrEqual(4000);
  });

  it("picks outcomes in proportion to their weights and never one weighted 0", () => {
    const rng = seededRng(1);
    const counts = { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 0 };
    for (let i = 0; i < 10_000; i++)
      counts[pickOutcome({ DELIVRD: 8, UNDELIV: 2, EXPIRED: 0, none: 0 }, rng)]++;
    expect(counts.EXPIRED + counts.none).toBe(0);
    expect(counts.UNDELIV).toBeGreaterThan(1700);
    expect(counts.UNDELIV).toBeLessThan(2300);
  });

  it("follows registered_delivery: 0 none, 1 all, 2 failures only, 3 successes only", () => {
    expect(wantsReceipt("DELIVRD", 0, true)).toBe(false);
    expect(wantsReceipt("DELIVRD", 0, false)).toBe(true);
    expect(wantsReceipt("UNDELIV", 1, true)).toBe(true);
    expect(wantsReceipt("DELIVRD", 2, true)).toBe(false);
    expect(wantsReceipt("EXPIRED", 2, true)).toBe(true);
    expect(wantsReceipt("UNDELIV", 3, true)).toBe(false);
    expect(wantsReceipt("none", 1, false)).toBe(false);
  });

  it("runs delayed tasks in due order with one timer, and clear() drops them", async () => {
    const ran: number[] = [];
    const queue = new DelayQueue((e) => {
      throw e;
    });
    // Delays far apart, so a timer that fires late on a loaded machine (a parallel test run) cannot change the order.
    for (const d of [300, 100, 200, 100]) queue.after(d, () => ran.push(d));
    queue.after(5, () => queue.after(1, () => ran.push(1)));
    await sleep(450);
    expect(ran).toEqual([1, 100, 100, 200, 300]);
    queue.after(10, () => ran.push(99));
    queue.clear();
    await sleep(30);
    expect(ran).not.toContain(99);
  });

  it("keeps only the last historyLimit received messages, oldest first", () => {
    const log = new ReceivedLog(3);
    for (let i = 0; i < 5; i++) log.add({ text: String(i) } as ReceivedMessage);
    expect(log.all().map((m) => m.text)).toEqual(["2", "3", "4"]);
    log.setLimit(2);
    expect(log.all().map((m) => m.text)).toEqual(["3", "4"]);
    log.add({ text: "5" } as ReceivedMessage);
    expect(log.all().map((m) => m.text)).toEqual(["4", "5"]);
  });

  it("validates options as a whole and lists every problem", () => {
    const problems = problemsOf(() =>
      resolveOptions({
        credentials: [{ systemId: "a-very-long-system-id", password: "toolongpassword" }],
        outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 0 },
        receiptLatencyMs: { p50: 100, p95: 50 },
      }),
    );
    expect(problems).toEqual([
      "credentials[0].systemId: must be 1..15 characters",
      "credentials[0].password: must be a string of at most 8 characters",
      "receiptLatencyMs: p95 must be ≥ p50",
      "outcomeMix: weights must not all be 0",
    ]);
  });

  it("reads a YAML file in snake_case with ${VAR} credentials and a seed", () => {
    const instances = parseSimConfig(
      [
        "instances:",
        "  - name: one",
        "    port: 2999",
        "    credentials: [{ system_id: otp, password: '${PW}' }]",
        "    receipt_id_format: decimal",
        "    outcome_mix: { DELIVRD: 9, UNDELIV: 1, EXPIRED: 0, none: 0 }",
        "    seed: 4",
      ].join("\n"),
      "sims.yaml",
      { PW: "pw" },
    );
    expect(instances).toHaveLength(1);
    expect(instances[0]!.name).toBe("one");
    expect(instances[0]!.options).toMatchObject({
      port: 2999,
      credentials: [{ systemId: "otp", password: "pw" }],
      receiptIdFormat: "decimal",
      outcomeMix: { DELIVRD: 9, UNDELIV: 1 },
    });
    expect(typeof instances[0]!.options.rng).toBe("function");
  });

  it("reports YAML problems as file:line: path: reason, in line order", () => {
    const problems = problemsOf(() =>
      parseSimConfig(
        [
          "- name: one", // 1
          "  credentials:", // 2
          "    - system_id: otp", // 3
          "      password: ${MISSING_PW}", // 4
          "  submit_resp_latency_ms: { min: 5, max: 1 }", // 5
          "  colour: blue", // 6
        ].join("\n"),
        "sims.yaml",
        {},
      ),
    );
    expect(problems).toEqual([
      "sims.yaml:4: 0.credentials.0.password: environment variable MISSING_PW is not set",
      "sims.yaml:5: 0.submit_resp_latency_ms: need 0 ≤ min ≤ max",
      "sims.yaml:6: 0.colour: unknown option",
    ]);
  });
});
