import { Redis } from "ioredis";
import { describe, expect, it, onTestFinished } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { otpGateway } from "../../helpers/otp-gateway.js";
import { scanKeys } from "../../helpers/redis.js";
import { trafficAcrossRedisRestart } from "../../helpers/restart-traffic.js";
import { waitUntil } from "../../helpers/wait.js";

describe("Redis restart", () => {
  it("the daemon reconnects and carries on: every acknowledged message is delivered and notified once", async () => {
    // A Redis of this test's own (appendfsync always, as the docs recommend), so it can be killed.
    const redis = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => redis.stop());
    const { hooks, daemon, send } = await otpGateway(redis.url, {
      submitRespLatencyMs: { min: 1, max: 5 },
      receiptLatencyMs: { min: 100, max: 400 },
    });
    await daemon.start();
    await daemon.waitForBinds();

    const acked: string[] = [];
    const ackedAt: number[] = [];
    let lastError = "";
    const refused = new Map<number, number>();
    const { sent, restartedAt } = await trafficAcrossRedisRestart(redis, async (i) => {
      try {
        const r = await send(i);
        if (r.status !== 202 && r.status !== 503) lastError = JSON.stringify(r.body);
        if (r.status === 202) {
          acked.push(r.body.id as string);
          ackedAt.push(Date.now());
        } else refused.set(r.status, (refused.get(r.status) ?? 0) + 1);
      } catch (error) {
        lastError = String(error);
        refused.set(0, (refused.get(0) ?? 0) + 1);
      }
    });
    if (process.env.OTPGW_TEST_VERBOSE)
      console.log({ sent, acked: acked.length, refused: Object.fromEntries(refused) });
    const stats = JSON.stringify({ sent, acked: acked.length, refused: [...refused], lastError });
    expect(acked.length, stats).toBeGreaterThan(100);
    // Traffic ran on both sides of the restart, and while Redis was down the API refused (503: not
    // acknowledged) rather than hanging or crashing.
    expect(ackedAt.filter((t) => t > restartedAt).length).toBeGreaterThan(10);
    expect([...refused.keys()].every((status) => status === 503)).toBe(true);

    const expected = new Set(acked.map((id) => `final:${id}`));
    const seen = () => hooks.calls.filter((c) => expected.has(c.eventId)).length;
    await waitUntil(() => seen() >= expected.size, 60_000, "a webhook per acknowledged message");
    await new Promise((r) => setTimeout(r, 500));
    const perEvent = new Map<string, number>();
    for (const c of hooks.calls) perEvent.set(c.eventId, (perEvent.get(c.eventId) ?? 0) + 1);
    for (const event of expected) expect(perEvent.get(event)).toBe(1);
    const notDelivered = hooks.calls.filter((c) => c.body.state !== "delivered");
    if (process.env.OTPGW_TEST_VERBOSE) console.log(JSON.stringify(notDelivered.slice(0, 3), null, 1));
    expect(notDelivered).toEqual([]);
    // The daemon survived the outage and still answers.
    expect((await fetch(`http://127.0.0.1:${daemon.ports!.http}/readyz`)).status).toBe(200);
    // And nothing refused was kept: a create Redis ran whose answer the restart cut off was withdrawn.
    const client = new Redis(redis.url);
    onTestFinished(() => void client.disconnect());
    await waitUntil(
      async () => (await scanKeys(client, `${daemon.prefix}m:*`)).length === acked.length,
      10_000,
      "exactly the acknowledged messages stored",
    );
    // The outage is told in a few lines: each kind at most every 10 s, not one per reconnect attempt.
    const lines = new Map<string, number>();
    for (const line of daemon.logLines) {
      const { level, msg } = JSON.parse(line) as { level: number; msg: string };
      if (level >= 40) lines.set(msg, (lines.get(msg) ?? 0) + 1);
    }
    for (const kind of ["redis connection error", "webhook worker error", "webhook queue error"])
      expect(lines.get(kind) ?? 0, kind).toBeLessThanOrEqual(1);
  }, 120_000);
});
