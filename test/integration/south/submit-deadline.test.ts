import { afterEach, describe, expect, it } from "vitest";
import { CarrierSimulator } from "../../../scripts/sim/carrier-simulator.js";
import type { CarrierConfig } from "../../../src/config/types.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { buildSubmits } from "../../../src/south/submit-builder.js";
import { SubmitTicket } from "../../../src/south/submit-ticket.js";
import type { SubmitOutcome } from "../../../src/south/submit-types.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { waitUntil } from "../../helpers/wait.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A carrier capped at 4 submits a second, so submits wait in the pool's queue. */
async function slowCarrier(): Promise<{ sim: CarrierSimulator; pool: CarrierPool; carrier: CarrierConfig }> {
  const sim = new CarrierSimulator({ credentials: [{ systemId: "otpgw", password: "secret" }] });
  await sim.start();
  cleanups.push(() => sim.stop());
  const carrier = testCarrier({ id: "slow", port: sim.port!, throughputPerSecond: 4 });
  const pool = new CarrierPool({ carrier, logger: silentLogger(), metrics: createMetrics() });
  pool.start();
  cleanups.push(() => pool.close(1000));
  await waitUntil(() => pool.boundCount === 1, 15_000, "the bind");
  return { sim, pool, carrier };
}

function part(carrier: CarrierConfig, i: number) {
  return buildSubmits(carrier, {
    source: "OTPGW",
    destination: `+62811${String(i).padStart(7, "0")}`,
    text: `Your code is ${String(100000 + i)}`,
    reference: i,
    validityPeriod: "000000000500000R",
  }).parts[0]!;
}

describe("a queued submit's not-after time", () => {
  it("is never written at or after its not-after time: refused as not_sent, not as a carrier answer", async () => {
    const { sim, pool, carrier } = await slowCarrier();
    const notAfter = Date.now() + 1000;
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => pool.submit(part(carrier, i), new SubmitTicket(notAfter))),
    );
    const kinds = outcomes.map((o: SubmitOutcome) => (o.kind === "not_sent" ? o.reason : o.kind));
    const sent = kinds.filter((k) => k === "accepted").length;
    // About 4 a second (plus the bucket's first token): most wait past the deadline.
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(sent).toBeLessThanOrEqual(7);
    expect(kinds.slice(sent).every((k) => k === "deadline_passed")).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const received = sim.received();
    expect(received).toHaveLength(sent);
    for (const r of received) expect(r.receivedAt).toBeLessThan(notAfter);
    expect(pool.queued).toBe(0);
  });

  it("is taken back while it waits: withdrawn submits are answered at once, never sent, and leave the queue count", async () => {
    const { sim, pool, carrier } = await slowCarrier();
    const tickets = Array.from({ length: 10 }, () => new SubmitTicket(Date.now() + 60_000));
    const pending = tickets.map((t, i) => pool.submit(part(carrier, i), t));
    await new Promise((r) => setTimeout(r, 50));
    const queuedBefore = pool.queued;
    expect(queuedBefore).toBeGreaterThanOrEqual(7);
    const withdrawn = tickets.slice(5).map((t) => t.withdraw());
    expect(withdrawn).toEqual([true, true, true, true, true]);
    expect(pool.queued).toBe(queuedBefore - 5);
    expect(await Promise.all(pending.slice(5))).toEqual(
      Array.from({ length: 5 }, () => ({ kind: "not_sent", reason: "withdrawn" })),
    );
    const first = await Promise.all(pending.slice(0, 5));
    expect(first.every((o) => o.kind === "accepted")).toBe(true);
    // A submit the carrier answered cannot be taken back.
    expect(tickets[0]!.withdraw()).toBe(false);
    await new Promise((r) => setTimeout(r, 600));
    expect(sim.received().map((r) => r.destination)).toEqual(
      Array.from({ length: 5 }, (_, i) => `62811${String(i).padStart(7, "0")}`),
    );
  });

  it("gets its validity_period when it is written, so it ends when the OTP does however long it waited", async () => {
    const { sim, pool, carrier } = await slowCarrier();
    const validUntil = Date.now() + 30_000;
    await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        pool.submit(part(carrier, i), new SubmitTicket(validUntil, validUntil)),
      ),
    );
    const last = sim.received().at(-1)!;
    // Written ~2 s after it was queued: ~28 s left then, not the 5 minutes it was built with.
    const seconds = Number(last.validityPeriod.slice(8, 10)) * 60 + Number(last.validityPeriod.slice(10, 12));
    expect(last.validityPeriod).toMatch(/^00000000\d{4}000R$/);
    expect(seconds).toBeLessThanOrEqual(Math.ceil((validUntil - last.receivedAt) / 1000));
    expect(seconds).toBeGreaterThan(20);
  });
});
