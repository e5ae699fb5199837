import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { otpGateway } from "../../helpers/otp-gateway.js";
import { waitUntil } from "../../helpers/wait.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A private Redis (appendfsync always), an admin client on it, and a gateway on it (otpGateway). */
async function setup(receiptLatencyMs = { min: 20, max: 60 }) {
  const redis = await startPrivateRedis({ appendfsync: "always" });
  cleanups.push(() => redis.stop());
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 2 });
  cleanups.push(() => admin.disconnect());
  const { sim, hooks, daemon, send } = await otpGateway(redis.url, {
    submitRespLatencyMs: { min: 1, max: 5 },
    receiptLatencyMs,
  });
  return { redis, admin, sim, hooks, daemon, send };
}

const logged = (lines: string[], level: number) =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === level);

async function problemsGauge(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("otpgw_redis_settings_problems "));
  return Number(line?.split(" ")[1]);
}

describe("Redis settings", () => {
  it("start-up is refused on a Redis that would evict messages, naming the setting and the fix", async () => {
    const { admin, daemon, sim } = await setup();
    await admin.config("SET", "maxmemory", "256mb");
    await admin.config("SET", "maxmemory-policy", "allkeys-lru");
    const failure = await daemon.start().then(
      () => "started",
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/otpgw exited with 1/);
    expect(failure).toMatch(/OTPGW_ERR_REDIS_UNSUITABLE/);
    expect(failure).toMatch(/256 MB, maxmemory-policy allkeys-lru.*Set maxmemory-policy noeviction/);
    // Refused before anything was started: no carrier was bound, nothing written to Redis.
    expect(sim.counters().connectionsAccepted).toBe(0);
    expect(await admin.keys("*")).toEqual([]);
  }, 60_000);

  it("starts without the append-only file, saying what that risks; a setting broken at run time is reported, traffic goes on", async () => {
    const { admin, daemon } = await setup();
    await admin.config("SET", "appendonly", "no");
    const ports = await daemon.start();
    await daemon.waitForBinds();
    expect(logged(daemon.logLines, 40).map((l) => l.warnings)).toContainEqual([
      expect.stringMatching(/append-only file is off/),
    ]);
    const checked = logged(daemon.logLines, 30).find((l) => l.msg === "redis checked");
    expect(checked?.redis).toMatchObject({
      aofEnabled: false,
      maxmemoryPolicy: "noeviction",
      role: "master",
    });
    expect(await problemsGauge(ports.metrics)).toBe(0);

    // An operator sets an eviction policy on the running Redis; the daemon's connection drops and comes back
    // (as in a failover): it checks again at once.
    await admin.config("SET", "maxmemory", "512mb");
    await admin.config("SET", "maxmemory-policy", "volatile-lru");
    await admin.client("KILL", "TYPE", "normal", "SKIPME", "yes");
    await waitUntil(
      async () => (await problemsGauge(ports.metrics)) === 1,
      10_000,
      "the gauge to show the problem",
    );
    // The daemon's stdout is read asynchronously: the line may come a moment after the gauge.
    await waitUntil(() => logged(daemon.logLines, 50).length > 0, 5000, "the error line");
    const errors = logged(daemon.logLines, 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.problems).toEqual([expect.stringMatching(/maxmemory-policy volatile-lru/)]);
    // It keeps serving: every instance stopping at once for a setting would be an outage of its own.
    const r = await daemon.api("/v1/messages", {
      method: "POST",
      body: { to: "+628111234567", from: FIXTURE_ACCOUNT.sender, text: "Your code is 482913" },
    });
    expect(r.status).toBe(202);
  }, 60_000);

  it("Redis full (maxmemory, noeviction): new messages refused with 503, none lost; all delivered once it has room", async () => {
    const { admin, daemon, hooks, send } = await setup({ min: 300, max: 600 });
    await daemon.start();
    await daemon.waitForBinds();
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await send(i);
      expect(r.status).toBe(202);
      acked.push(r.body.id as string);
    }
    // Full while those 20 are in flight: their acceptances and receipts cannot be written either.
    await admin.config("SET", "maxmemory", "1");
    for (let i = 20; i < 30; i++) {
      const r = await send(i);
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ error: { code: "OTPGW_ERR_HTTP_UNAVAILABLE" } });
    }
    await new Promise((r) => setTimeout(r, 1500));
    await admin.config("SET", "maxmemory", "0");
    for (let i = 30; i < 40; i++) {
      const r = await send(i);
      expect(r.status).toBe(202);
      acked.push(r.body.id as string);
    }
    const expected = new Set(acked.map((id) => `final:${id}`));
    await waitUntil(
      () => hooks.calls.filter((c) => expected.has(c.eventId)).length >= expected.size,
      30_000,
      "a webhook per acknowledged message",
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(hooks.calls).toHaveLength(expected.size); // one each, and none for a refused message
    expect(hooks.calls.filter((c) => c.body.state !== "delivered")).toEqual([]);
  }, 60_000);
});
