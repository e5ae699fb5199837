import { describe, expect, inject, it, onTestFinished } from "vitest";
import type { CarrierSimulator } from "../../../scripts/sim/carrier-simulator.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 10, max: 30 } };

type Instance =
  | Awaited<ReturnType<typeof daemonFixture>>
  | ReturnType<Awaited<ReturnType<typeof daemonFixture>>["another"]>;

/** Binds up on an instance, from its /healthz. */
async function bound(instance: Instance): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${instance.ports!.metrics}/healthz`);
  const health = (await response.json()) as { detail: { carriers: { bound: number }[] } };
  return health.detail.carriers[0]?.bound ?? 0;
}

/** The most sessions the carrier had open at once, sampled every 20 ms until the test ends. */
function watchSessions(sim: CarrierSimulator): { max: () => number } {
  let max = 0;
  const timer = setInterval(() => (max = Math.max(max, sim.counters().currentSessions)), 20);
  onTestFinished(() => clearInterval(timer));
  return { max: () => Math.max(max, sim.counters().currentSessions) };
}

async function submitAll(instance: Instance, numbers: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const to of numbers) {
    const response = await instance.api("/v1/messages", {
      method: "POST",
      body: { to, from: FIXTURE_ACCOUNT.sender, text: "Your code is 318204" },
    });
    expect(response.status).toBe(202);
    ids.push(response.body.id as string);
  }
  return ids;
}

async function allDelivered(instance: Instance, ids: string[]): Promise<boolean> {
  for (const id of ids) {
    const { body } = await instance.api(`/v1/messages/${id}`);
    if (body.state !== "delivered") return false;
  }
  return true;
}

const numbers = (from: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `+62811${String(from + i).padStart(7, "0")}`);

describe("a carrier's binds across instances sharing one Redis (bind-slot leases)", () => {
  it("binds: 1 — one bind for both instances; messages submitted to either are delivered; after the holder's SIGTERM the other binds", async () => {
    // The carrier grants one bind to the account: a second one is refused (and counted).
    const sim = await startCarrierSim({ ...QUICK, maxBindsPerSystemId: 1 });
    const sessions = watchSessions(sim);
    const a = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port!, extra: "binds: 1" }],
    });
    await a.start();
    await a.waitForBinds();
    const b = a.another();
    await b.start();
    // b is ready and takes messages (handed to a, which holds the bind) without a bind of its own.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await bound(b)).toBe(0);
    const viaA = await submitAll(a, numbers(0, 10));
    const viaB = await submitAll(b, numbers(100, 10));
    await waitUntil(
      async () => (await allDelivered(a, viaA)) && (await allDelivered(b, viaB)),
      15_000,
      "delivery",
    );
    expect(sim.received().length).toBe(20);

    // The holder stops: it releases the slot, and the other instance binds within a renewal period (5 s).
    const stoppedAt = Date.now();
    expect(await a.stop()).toBe(0);
    await waitUntil(async () => (await bound(b)) === 1, 10_000, "b to bind");
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    const after = await submitAll(b, numbers(200, 5));
    await waitUntil(() => allDelivered(b, after), 10_000, "delivery after the takeover");

    expect(sim.counters().bindsRefused).toBe(0);
    expect(sessions.max()).toBe(1);
  }, 60_000);

  it("binds: 2 — each of two instances holds one slot", async () => {
    const sim = await startCarrierSim({ ...QUICK, maxBindsPerSystemId: 2 });
    const sessions = watchSessions(sim);
    const a = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port!, extra: "binds: 2" }],
    });
    await a.start();
    await a.waitForBinds();
    await waitUntil(async () => (await bound(a)) === 2, 5_000, "a alone to bind both slots");
    const b = a.another();
    await b.start();
    // a hands one slot over at its next renewal (every 5 s): drained, released, taken by b at b's next one.
    await waitUntil(async () => (await bound(a)) === 1 && (await bound(b)) === 1, 20_000, "one slot each");
    const ids = [...(await submitAll(a, numbers(0, 5))), ...(await submitAll(b, numbers(100, 5)))];
    await waitUntil(() => allDelivered(a, ids), 10_000, "delivery");
    expect(sim.counters().bindsRefused).toBe(0);
    expect(sessions.max()).toBeLessThanOrEqual(2);
  }, 60_000);

  it("binds: 2 at 2/s — each instance with a bind refuses what its own bind cannot send in time (back-pressure)", async () => {
    const sim = await startCarrierSim({ ...QUICK });
    const a = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port!, extra: "binds: 2\nthroughput_per_second: 2" }],
    });
    await a.start();
    await a.waitForBinds();
    const b = a.another();
    await b.start();
    await waitUntil(async () => (await bound(a)) === 1 && (await bound(b)) === 1, 20_000, "one bind each");
    for (const [instance, from] of [
      [a, 0],
      [b, 1000],
    ] as const) {
      const statuses: Record<number, number> = {};
      for (const to of numbers(from, 60)) {
        const { status } = await instance.api("/v1/messages", {
          method: "POST",
          body: { to, from: FIXTURE_ACCOUNT.sender, text: "Your code is 318204" },
        });
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
      // A bind at 2/s drains ~60 in the route's 30 s DLR timeout: a sequential burst of 60 outruns it.
      expect(statuses[503] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0);
      expect(statuses[202] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0);
    }
  }, 60_000);
});
