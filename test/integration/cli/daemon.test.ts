import { afterEach, describe, expect, inject, it } from "vitest";
import { CarrierSimulator } from "../../../scripts/sim/carrier-simulator.js";
import { daemonFixture } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("otpgw start", () => {
  it("binds to every carrier, reports them on /metrics and /healthz, and unbinds on SIGTERM", async () => {
    const sim = new CarrierSimulator({ credentials: [{ systemId: "otpgw", password: "secret" }] });
    const { port } = await sim.start();
    cleanups.push(() => sim.stop());
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port, extra: "binds: 2" }],
    });
    const ports = await daemon.start();
    await waitUntil(() => sim.counters().bindsAccepted === 2, 10_000, "two binds");
    const metrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
    expect(metrics).toContain('otpgw_carrier_bind_up{carrier="id-sim",bind="id-sim/trx0"} 1');
    expect(metrics).toContain('otpgw_carrier_bind_up{carrier="id-sim",bind="id-sim/trx1"} 1');
    // The timer poll at start went through the hot path's Redis batch: its round trips are exported.
    expect(metrics).toMatch(/^otpgw_redis_batch_seconds_count\{outcome="ok"\} [1-9]/m);
    expect(metrics).toMatch(/^otpgw_redis_batch_ops_total [1-9]/m);
    const health = (await (await fetch(`http://127.0.0.1:${ports.metrics}/healthz`)).json()) as {
      ok: boolean;
      detail: { ready: boolean; carriers: { id: string; bound: number }[] };
    };
    expect(health).toMatchObject({
      ok: true,
      detail: { ready: true, carriers: [{ id: "id-sim", bound: 2 }] },
    });
    expect((await fetch(`http://127.0.0.1:${ports.http}/readyz`)).status).toBe(200);

    expect(await daemon.stop()).toBe(0);
    expect(sim.counters().unbindsReceived).toBe(2);
    expect(daemon.logLines.some((l) => l.includes('"otpgw stopped"'))).toBe(true);
    // Neither the carrier password nor the webhook secret reaches the log.
    expect(daemon.logLines.join("\n")).not.toContain("secret");
  });

  it("refuses to start when Redis cannot be reached, and says so", async () => {
    const daemon = await daemonFixture({
      redisUrl: "redis://127.0.0.1:1",
      carriers: [{ id: "id-sim", port: 2 }],
    });
    await expect(daemon.start()).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
