import { describe, expect, it, onTestFinished } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { otpGateway } from "../../helpers/otp-gateway.js";
import { startRedisProxy } from "../../helpers/redis-proxy.js";
import { scanKeys } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";
import { Redis } from "ioredis";

describe("a Redis call whose answer is lost", () => {
  it("messages refused because their create's answer was lost are withdrawn, not delivered; their resends go out once", async () => {
    const redis = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => redis.stop());
    const proxy = await startRedisProxy(redis.port);
    onTestFinished(() => proxy.close());
    const admin = new Redis(redis.url);
    onTestFinished(() => admin.disconnect());
    const { sim, hooks, daemon, send: sendOtp } = await otpGateway(proxy.url);
    await daemon.start();
    await daemon.waitForBinds();
    const send = (i: number) => sendOtp(i, { idempotencyKey: `otp-${i}` });
    const acked: string[] = [];
    for (let i = 0; i < 5; i++) acked.push((await send(i)).body.id as string);

    // Redis runs these creates, but their answers never come back; then the connection drops for a second.
    proxy.swallowReplies();
    const inFlight = Array.from({ length: 10 }, (_, i) => send(100 + i));
    await new Promise((r) => setTimeout(r, 300));
    const stored = (await scanKeys(admin, `${daemon.prefix}m:*`)).length;
    expect(stored, "Redis ran the creates whose answers were lost").toBe(15);
    await proxy.cut(1500);
    const answers = await Promise.all(inFlight);
    // Refused (not acknowledged): the store could not say whether they were kept.
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 503));

    // The submitter sends them again with the same Idempotency-Key: each is accepted as a new message, once.
    await waitUntil(async () => (await send(100)).status === 202, 10_000, "the store to answer again");
    for (let i = 101; i < 110; i++) expect((await send(i)).status).toBe(202);
    for (let i = 100; i < 110; i++) acked.push((await send(i)).body.id as string);
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    expect(metrics).toMatch(/^otpgw_messages_withdrawn_total\{outcome="withdrawn"\} 10$/m);

    await waitUntil(() => hooks.calls.length >= acked.length, 20_000, "a webhook per acknowledged message");
    await new Promise((r) => setTimeout(r, 1000));
    // Every message in Redis was acknowledged; nothing refused is delivered (no webhook, no carrier submit).
    const ids = (await scanKeys(admin, `${daemon.prefix}m:*`)).map((k) => k.slice(k.lastIndexOf(":") + 1));
    expect(ids.sort()).toEqual([...acked].sort());
    expect(hooks.calls.map((c) => c.eventId).sort()).toEqual(acked.map((id) => `final:${id}`).sort());
    expect(sim.counters().messagesReceived).toBe(acked.length);
  }, 60_000);
});
