import { Redis } from "ioredis";
import { describe, expect, it, onTestFinished } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { otpGateway } from "../../helpers/otp-gateway.js";
import { startRedisProxy } from "../../helpers/redis-proxy.js";
import { waitUntil } from "../../helpers/wait.js";

describe("a Redis failover behind the same address", () => {
  it("after the old primary became a replica, the daemon follows the address to the new primary instead of failing every write", async () => {
    const a = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => a.stop());
    const b = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => b.stop());
    const adminA = new Redis(a.url);
    const adminB = new Redis(b.url);
    onTestFinished(() => adminA.disconnect());
    onTestFinished(() => adminB.disconnect());
    await adminB.replicaof("127.0.0.1", a.port);
    await waitUntil(
      async () => /master_link_status:up/.test(await adminB.info("replication")),
      10_000,
      "B in sync",
    );
    // The address the daemon knows (a DNS name, in production) leads to A.
    const proxy = await startRedisProxy(a.port);
    onTestFinished(() => proxy.close());
    const { hooks, daemon, send } = await otpGateway(proxy.url, { receiptLatencyMs: { min: 10, max: 30 } });
    await daemon.start();
    await daemon.waitForBinds();
    const acked: string[] = [];
    for (let i = 0; i < 5; i++) acked.push((await send(i)).body.id as string);
    await waitUntil(() => hooks.calls.length === 5, 10_000, "the first webhooks");

    // A coordinated failover (Redis's FAILOVER: writes paused on A until B has everything, then the roles swap; a
    // hand-made one could lose writes A acknowledged in between, as any split brain does). Then the address leads
    // to B — but the daemon's open connections still reach A.
    await adminA.call("FAILOVER", "TO", "127.0.0.1", String(b.port));
    await waitUntil(
      async () =>
        /role:master/.test(await adminB.info("replication")) &&
        /role:slave/.test(await adminA.info("replication")),
      10_000,
      "the roles swapped",
    );
    proxy.retarget(b.port);

    // Soon the daemon is writing to B again (within a second of its first READONLY; a submit refused meanwhile was
    // not acknowledged: 503). Without following the failover, every write failed for as long as the connection
    // lived (still after 10 s).
    const statuses: number[] = [];
    await waitUntil(
      async () => {
        const r = await send(100 + statuses.length);
        statuses.push(r.status);
        if (r.status === 202) acked.push(r.body.id as string);
        return r.status === 202;
      },
      10_000,
      "a submit accepted after the failover",
    );
    expect(statuses.slice(0, -1).every((s) => s === 503)).toBe(true);
    for (let i = 200; i < 210; i++) {
      const r = await send(i);
      expect(r.status).toBe(202);
      acked.push(r.body.id as string);
    }
    const expected = new Set(acked.map((id) => `final:${id}`));
    await waitUntil(
      () => hooks.calls.filter((c) => expected.has(c.eventId)).length === expected.size,
      20_000,
      "a webhook per acknowledged message",
    );
    expect(hooks.calls.filter((c) => c.body.state !== "delivered")).toEqual([]);
  }, 60_000);

  it("an address that leads to a replica (and no new primary behind it): submits are refused 503 at once, not held", async () => {
    const a = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => a.stop());
    const b = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => b.stop());
    const adminA = new Redis(a.url);
    onTestFinished(() => adminA.disconnect());
    const { daemon, send } = await otpGateway(a.url);
    await daemon.start();
    await daemon.waitForBinds();
    expect((await send(1)).status).toBe(202);
    await adminA.replicaof("127.0.0.1", b.port); // the primary turned replica, behind the same address
    for (let i = 2; i < 6; i++) {
      const started = Date.now();
      const answer = await Promise.race([
        send(i).then((r) => r.status),
        new Promise<string>((resolve) => setTimeout(() => resolve("no answer within 5 s"), 5000)),
      ]);
      expect(answer, `submit ${i}`).toBe(503);
      expect(Date.now() - started, `submit ${i}`).toBeLessThan(5000);
    }
  }, 60_000);
});
