import { describe, expect, it } from "vitest";
import { otpGateway } from "../../helpers/otp-gateway.js";
import { scanKeys } from "../../helpers/redis.js";
import { sentinelGroup } from "../../helpers/redis-sentinel.js";
import { redisTlsSettings, testCertificates } from "../../helpers/tls-certificates.js";
import { waitUntil } from "../../helpers/wait.js";

/** Each acknowledged id has a webhook saying it was delivered. */
async function expectAllDelivered(
  hooks: { calls: { eventId: string; body: { state?: unknown } }[] },
  acked: string[],
): Promise<void> {
  const expected = new Set(acked.map((id) => `final:${id}`));
  await waitUntil(
    () =>
      new Set(hooks.calls.filter((c) => expected.has(c.eventId)).map((c) => c.eventId)).size ===
      expected.size,
    30_000,
    "a webhook per acknowledged message",
  );
  expect(hooks.calls.filter((c) => c.body.state !== "delivered")).toEqual([]);
}

describe("Redis through Sentinel, writes confirmed by replicas (redis_wait_replicas)", () => {
  it.each([
    { over: "plain TCP", tls: false },
    { over: "TLS (rediss+sentinel://, client certificates)", tls: true },
  ])(
    "the primary killed under load, over $over: otpgw follows Sentinel's failover and every acknowledged message is delivered",
    async ({ tls }) => {
      const certs = tls ? testCertificates() : undefined;
      const group = await sentinelGroup(2, certs ? { tls: certs } : {});
      const { hooks, daemon, send } = await otpGateway(group.url, {
        receiptLatencyMs: { min: 10, max: 30 },
        // Receipts that come while no primary is elected are answered ESME_RX_T_APPN and resent by the carrier each
        // second; on a loaded machine the failover can outlast a 5 s DLR timeout, and the route's only carrier then
        // leaves the message undeliverable — lawful, but not what this test is about.
        dlrTimeoutSeconds: 30,
        settings: [
          "redis_wait_replicas: 1\nredis_wait_timeout_ms: 500",
          ...(certs ? [redisTlsSettings(certs, { serverName: "localhost" })] : []),
        ].join("\n"),
      });
      await daemon.start();
      await daemon.waitForBinds();

      // Submits one after another (bounded in count and time); the primary is killed after the tenth acknowledgement.
      const acked: string[] = [];
      const statuses: number[] = [];
      let killedAt = -1;
      const deadline = Date.now() + 40_000;
      for (let i = 0; Date.now() < deadline && i < 2_000; i++) {
        const r = await send(i);
        statuses.push(r.status);
        if (r.status === 202) acked.push(r.body.id as string);
        else {
          expect(r.status, JSON.stringify(r.body)).toBe(503); // refused, never acknowledged and lost
          // Paced: 2,000 quick 503s took ~10 s, less than a Sentinel failover that needs a second try (10 s).
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        if (killedAt < 0 && acked.length === 10) {
          killedAt = acked.length;
          await group.primary.kill();
        }
        if (killedAt >= 0 && acked.length >= killedAt + 10) break;
      }
      expect(acked.length, `statuses ${statuses.join(",")}`).toBeGreaterThanOrEqual(20);
      // Sentinel made a replica the primary, and otpgw writes there.
      expect(group.replicaDataPorts).toContain(await group.primaryPort());
      await expectAllDelivered(hooks, acked);
    },
    90_000,
  );

  it("a write the replicas do not confirm in time is refused (503), withdrawn, and its resend delivered once; start-up refuses too few replicas", async () => {
    const group = await sentinelGroup(1);
    const { hooks, daemon, send } = await otpGateway(group.url, {
      settings: "redis_wait_replicas: 1\nredis_wait_timeout_ms: 300",
    });
    await daemon.start();
    await daemon.waitForBinds();
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    expect(metrics).toMatch(/^otpgw_redis_replicas_in_sync 1$/m);
    expect(metrics).toMatch(/^otpgw_redis_settings_problems 0$/m);
    const acked: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await send(i, { idempotencyKey: `k${i}` });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      acked.push(r.body.id as string);
    }

    // The replica stops answering for 3 s: the primary runs the create, but no replica confirms it. (The hot path's
    // calls wait in turn — WAIT holds its connection — so the submit is answered after a few timeouts.)
    const replica = group.admin(group.replicas[0]!);
    await replica.ping();
    const asleep = replica.call("DEBUG", "SLEEP", "3");
    await new Promise((r) => setTimeout(r, 200));
    const refused = await send(3, { idempotencyKey: "k3" });
    expect(refused.status).toBe(503);
    await asleep;

    // Sent again with the same key once the replica is back: accepted (as new, or the stored copy taken over instead
    // of withdrawn: 200), and delivered once.
    const resent = await send(3, { idempotencyKey: "k3" });
    expect([200, 202]).toContain(resent.status);
    acked.push(resent.body.id as string);
    await expectAllDelivered(hooks, acked);
    const primary = group.admin(group.primary);
    expect((await scanKeys(primary, `${daemon.prefix}m:*`)).length).toBe(4);
    expect(hooks.calls.filter((c) => c.eventId.startsWith("final:")).length).toBe(4);
    await daemon.stop();

    // Two replicas asked for, one connected: every write would fail, so start-up refuses.
    const { daemon: strict } = await otpGateway(group.url, { settings: "redis_wait_replicas: 2" });
    const failure = await strict.start().then(
      () => "started",
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/OTPGW_ERR_REDIS_UNSUITABLE/);
    expect(failure).toMatch(/redis_wait_replicas is 2 but 1 replica\(s\) are in sync/);
  }, 90_000);
});
