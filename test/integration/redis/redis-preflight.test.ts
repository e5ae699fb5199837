import { Redis } from "ioredis";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startPrivateRedis, type PrivateRedis } from "../../../scripts/lib/private-redis.js";
import { checkRedis, type RedisCheck } from "../../../src/redis/redis-preflight.js";
import { RedisSettingsWatch } from "../../../src/redis/redis-settings-watch.js";
import { waitUntil } from "../../helpers/wait.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(
  options: Parameters<typeof startPrivateRedis>[0] = {},
): Promise<{ redis: PrivateRedis; client: Redis }> {
  const redis = await startPrivateRedis(options);
  cleanups.push(() => redis.stop());
  const client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
  cleanups.push(() => client.disconnect());
  return { redis, client };
}

/** A pino logger whose lines the test can read. */
function capturedLogger(): { logger: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: "info" },
    { write: (line: string) => void lines.push(JSON.parse(line) as never) },
  );
  return { logger, lines };
}

describe("Redis preflight against real servers", () => {
  it("reads a durable private Redis as it was started: no findings", async () => {
    const { client } = await server({ appendfsync: "always" });
    const check = await checkRedis(client);
    expect(check.facts).toMatchObject({
      role: "master",
      clusterEnabled: false,
      maxmemory: 0,
      maxmemoryPolicy: "noeviction",
      aofEnabled: true,
      appendfsync: "always",
    });
    expect(check.facts.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual([]);
  });

  it("finds an eviction policy set with a memory limit, and persistence turned off", async () => {
    const { client } = await server();
    await client.config("SET", "maxmemory", "64mb");
    await client.config("SET", "maxmemory-policy", "allkeys-lru");
    await client.config("SET", "appendonly", "no");
    const check = await checkRedis(client);
    expect(check.problems).toEqual([expect.stringMatching(/64 MB, maxmemory-policy allkeys-lru/)]);
    expect(check.warnings).toEqual([expect.stringMatching(/appendonly no/)]);
  });

  it("finds a replica and a Cluster node", async () => {
    const { redis: primary } = await server();
    const { client: replica } = await server();
    await replica.replicaof("127.0.0.1", primary.port);
    expect((await checkRedis(replica)).problems).toEqual([expect.stringMatching(/replica \(role slave\)/)]);
    const { client: clustered } = await server({ extraArgs: ["--cluster-enabled", "yes"] });
    expect((await checkRedis(clustered)).problems).toEqual([
      expect.stringMatching(/Redis Cluster is not supported/),
    ]);
  });

  it("a restricted account that may not run INFO gets a warning, not a refusal", async () => {
    const { redis, client } = await server();
    await client.acl("SETUSER", "limited", "on", ">pw-limited", "~*", "+@all", "-info", "-config");
    const limited = new Redis(`redis://limited:pw-limited@127.0.0.1:${redis.port}`, {
      maxRetriesPerRequest: 2,
    });
    cleanups.push(() => limited.disconnect());
    const check = await checkRedis(limited);
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual([expect.stringMatching(/cannot read Redis's settings .*NOPERM/)]);
  });

  it("with redis_wait_replicas, an account that may not run WAIT is refused, as is a primary without replicas", async () => {
    const { redis, client } = await server();
    await client.acl("SETUSER", "nowait", "on", ">pw-nowait", "~*", "+@all", "-wait");
    const nowait = new Redis(`redis://nowait:pw-nowait@127.0.0.1:${redis.port}`, { maxRetriesPerRequest: 2 });
    cleanups.push(() => nowait.disconnect());
    expect((await checkRedis(nowait)).problems).toEqual([]); // WAIT not asked for
    expect((await checkRedis(nowait, { waitReplicas: 1 })).problems).toEqual([
      expect.stringMatching(/redis_wait_replicas is 1 but 0 replica\(s\) are in sync/),
      expect.stringMatching(/WAIT is refused to otpgw's Redis user \(NOPERM.*allow \+wait/),
    ]);
    expect((await checkRedis(client, { waitReplicas: 1 })).problems).toEqual([
      expect.stringMatching(/0 replica\(s\) are in sync/),
    ]);
  });

  it("the watch sees a setting changed at run time and cleared again, logging each change once", async () => {
    const { client } = await server();
    const admin = client.duplicate();
    cleanups.push(() => admin.disconnect());
    const { logger, lines } = capturedLogger();
    const checks: RedisCheck[] = [];
    const watch = new RedisSettingsWatch({
      redis: client,
      logger,
      intervalMs: 50,
      onCheck: (c) => checks.push(c),
    });
    watch.start();
    cleanups.push(() => watch.stop());
    await waitUntil(() => checks.length >= 2, 5000, "two checks");
    expect(lines).toEqual([]); // unchanged findings are not logged
    await admin.config("SET", "maxmemory", "32mb");
    await admin.config("SET", "maxmemory-policy", "volatile-ttl");
    await waitUntil(() => checks.at(-1)?.problems.length === 1, 5000, "the problem seen");
    const seenAt = checks.length;
    await waitUntil(() => checks.length >= seenAt + 3, 5000, "three more checks");
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
    expect(lines[0]!.msg).toMatch(/Redis settings can lose acknowledged messages/);
    await admin.config("SET", "maxmemory-policy", "noeviction");
    await waitUntil(() => checks.at(-1)?.problems.length === 0, 5000, "the problem cleared");
    await waitUntil(() => lines.length === 2, 5000, "the all-clear logged");
    expect(lines[1]).toMatchObject({ level: 30, msg: "Redis settings fine again" });
  });

  it("the watch checks again as soon as the connection is back", async () => {
    const { client } = await server();
    const admin = client.duplicate();
    cleanups.push(() => admin.disconnect());
    await client.ping(); // connected (and its first "ready" past) before the watch starts
    const checks: RedisCheck[] = [];
    const watch = new RedisSettingsWatch({
      redis: client,
      logger: capturedLogger().logger,
      intervalMs: 3_600_000,
      onCheck: (c) => checks.push(c),
    });
    watch.start();
    cleanups.push(() => watch.stop());
    await admin.config("SET", "maxmemory", "32mb");
    await admin.config("SET", "maxmemory-policy", "allkeys-random");
    await new Promise((r) => setTimeout(r, 100));
    expect(checks).toEqual([]); // no reconnect yet, and the interval is an hour
    await admin.client("KILL", "TYPE", "normal", "SKIPME", "yes");
    await waitUntil(() => checks.length > 0, 5000, "a check after the reconnect");
    expect(checks[0]!.problems).toEqual([expect.stringMatching(/allkeys-random/)]);
  });
});
