import { describe, expect, inject, it } from "vitest";
import type { SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import { seededRng } from "../../../scripts/sim/sampling.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK: SimulatorOptions = {
  submitRespLatencyMs: { min: 1, max: 3 },
  receiptLatencyMs: { min: 20, max: 60 },
};

const WARM_UP = 40;
const MEASURED = 100;

type Daemon = Awaited<ReturnType<typeof daemonFixture>>;

/** Submits `count` OTPs (ten at a time), numbered from `from`; resolves with their ids. */
async function submit(daemon: Daemon, from: number, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - start) }, (_, k) =>
        daemon.api("/v1/messages", {
          method: "POST",
          body: {
            to: `+62811${String(from + start + k).padStart(7, "0")}`,
            from: "ACME",
            text: "Your code is 482913",
          },
        }),
      ),
    );
    for (const response of batch) {
      expect(response.status).toBe(202);
      ids.push(response.body.id as string);
    }
  }
  return ids;
}

/** Each message once final: its state and the carriers of its attempts, in order. */
async function finals(daemon: Daemon, ids: string[]): Promise<{ state: string; carriers: string[] }[]> {
  const views: { state: string; carriers: string[] }[] = [];
  for (const id of ids) {
    let view: { state: string; carriers: string[] } | undefined;
    await waitUntil(
      async () => {
        const body = (await daemon.api(`/v1/messages/${id}`)).body;
        const attempts = (body.attempts ?? []) as { carrier: string }[];
        view = { state: body.state as string, carriers: attempts.map((a) => a.carrier) };
        return ["delivered", "undeliverable", "expired"].includes(view.state);
      },
      20_000,
      `message ${id} to be final`,
    );
    views.push(view!);
  }
  return views;
}

/** The gauge's value for `carrier` on the route, from the daemon's /metrics. */
async function healthFactor(daemon: Daemon, carrier: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`otpgw_carrier_health_factor{route="id-split",carrier="${carrier}"}`));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

describe("live carrier health (the daemon as a process)", () => {
  it("moves first attempts off a carrier whose receipts say UNDELIV, and every message still ends delivered", async () => {
    // id-a answers UNDELIV to 49 messages in 50 (seeded), id-b delivers every one; equal weights.
    const bad = await startCarrierSim({
      ...QUICK,
      outcomeMix: { DELIVRD: 1, UNDELIV: 49, EXPIRED: 0, none: 0 },
      rng: seededRng(9),
    });
    const good = await startCarrierSim(QUICK);
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [
        { id: "id-a", port: bad.port! },
        { id: "id-b", port: good.port! },
      ],
      routes: [
        "  - name: id-split",
        "    match: { country: ID }",
        "    carriers: [{ carrier: id-a }, { carrier: id-b }]",
        "    health: { min_samples: 10, window_seconds: 300, floor_percent: 5 }",
      ].join("\n"),
    });
    await daemon.start();
    await daemon.waitForBinds();

    // Warm-up: by the weights alone, about half the first attempts go to id-a and are rerouted to id-b.
    const warmUp = await finals(daemon, await submit(daemon, 0, WARM_UP));
    expect(warmUp.every((m) => m.state === "delivered")).toBe(true);
    expect(warmUp.filter((m) => m.carriers[0] === "id-a").length).toBeGreaterThanOrEqual(10);
    await waitUntil(
      async () => ((await healthFactor(daemon, "id-a")) ?? 1) < 0.5,
      10_000,
      "id-a's factor to fall",
    );
    expect(await healthFactor(daemon, "id-b")).toBe(1);

    const measured = await finals(daemon, await submit(daemon, 1000, MEASURED));
    expect(measured.every((m) => m.state === "delivered")).toBe(true);
    const firstOnA = measured.filter((m) => m.carriers[0] === "id-a").length;
    // At the 5 % floor now (factor ≤ 0.1 → ≤ 9 %): by the weights alone it would be ~50 (P(≤ 25) < 1e-6).
    expect(firstOnA).toBeLessThanOrEqual(25);
    expect(MEASURED - firstOnA).toBeGreaterThanOrEqual(75);

    // The crossing is logged once, with the figures and no message data.
    const crossings = daemon.logLines.filter((l) => l.includes("carrier health below 0.5"));
    expect(crossings).toHaveLength(1);
    expect(JSON.parse(crossings[0]!)).toMatchObject({ level: 30, route: "id-split", carrier: "id-a" });
    expect(crossings[0]).not.toContain("482913");
    expect(crossings[0]).not.toContain("+62811");
  });
});
