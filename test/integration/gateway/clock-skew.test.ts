import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

/** The skewed instance's host runs this far ahead of Redis's (and the other instance's) clock. */
const SKEW_MS = 5_000;
const DLR_TIMEOUT_S = 3;

const preload = fileURLToPath(new URL("../../helpers/skewed-clock.mjs", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Whether the simulator's record is of a message to `to` (E.164; written without its "+"). */
const to = (destination: string, number: string) => destination.replace(/^\+/, "") === number.slice(1);
const numbers = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `+62811${String(9000 + i).padStart(7, "0")}`);

describe("instances whose hosts' clocks differ, on one Redis (DESIGN promises 3 and 4)", () => {
  it("an instance whose host runs 5 s ahead does not end another's DLR wait early: the next attempt starts only after the DLR timeout", async () => {
    // id-one never sends a receipt: each attempt on it ends by its DLR timeout; id-two delivers.
    const silent = await startCarrierSim({
      submitRespLatencyMs: { min: 1, max: 3 },
      outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 },
    });
    const delivering = await startCarrierSim({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 10, max: 30 },
    });
    const a = await daemonFixture({
      redisUrl: inject("redisUrl"),
      dlrTimeoutSeconds: DLR_TIMEOUT_S,
      // Both carriers grant two binds: each instance holds one, so either may submit and take any timer.
      carriers: [
        { id: "id-one", port: silent.port!, extra: "binds: 2" },
        { id: "id-two", port: delivering.port!, extra: "binds: 2" },
      ],
    });
    await a.start();
    await a.waitForBinds();
    const ahead = a.another({
      NODE_OPTIONS: `--import ${preload}`,
      OTPGW_TEST_CLOCK_SKEW_MS: String(SKEW_MS),
    });
    await ahead.start();
    // a hands a slot of each carrier over at a renewal; then both instances hold one bind of each.
    await waitUntil(
      () => silent.counters().currentSessions === 2 && delivering.counters().currentSessions === 2,
      20_000,
      "a bind of each carrier on each instance",
    );
    await ahead.waitForBinds();
    // Past the start-up grace (5 s from a carrier's first bind) on both instances: a timeout is a timeout.
    await sleep(6_000);

    // Submitted to the instance with the right clock: it submits to id-one and writes the DLR deadline.
    const tos = numbers(4);
    for (const to of tos) {
      const { status } = await a.api("/v1/messages", {
        method: "POST",
        body: { to, from: FIXTURE_ACCOUNT.sender, text: "Your code is 318204" },
      });
      expect(status).toBe(202);
    }
    await waitUntil(
      () => tos.every((n) => delivering.received().some((m) => to(m.destination, n))),
      (DLR_TIMEOUT_S + 7) * 1000,
      "every message's second attempt",
    );
    const at = (sim: typeof silent, n: string) =>
      sim.received().find((m) => to(m.destination, n))?.receivedAt;
    const gaps = tos
      .filter((n) => at(silent, n) !== undefined) // weighted routing may, rarely, choose id-two first
      .map((n) => at(delivering, n)! - at(silent, n)!);
    expect(gaps.length).toBeGreaterThan(0);
    // Each second attempt started once its first one's DLR wait was over, not 5 s early (at once).
    // (Bounded generously: on its own clock the skewed instance starts it within a few tens of ms.)
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(DLR_TIMEOUT_S * 1000 - 1000);
    // The skewed instance says how far its host is off, and exports it.
    expect(ahead.logLines.some((l) => l.includes("more than a second off Redis's"))).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${ahead.ports!.metrics}/metrics`)).text();
    const offset = Number(/^otpgw_clock_offset_seconds (\S+)$/m.exec(metrics)?.[1]);
    expect(offset).toBeCloseTo(-SKEW_MS / 1000, 0);
  }, 90_000);
});
