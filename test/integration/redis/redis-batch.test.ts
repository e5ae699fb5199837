import { describe, expect, it, onTestFinished } from "vitest";
import { Redis } from "ioredis";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import {
  RedisBatch,
  RedisOpError,
  RedisOutcomeUnknownError,
  ReplicasBehindError,
} from "../../../src/redis/redis-batch.js";
import { closeDaemonRedis } from "../../../src/redis/daemon-client.js";
import { startRedisProxy } from "../../helpers/redis-proxy.js";
import { testRedis } from "../../helpers/redis.js";

const INCR = `return redis.call("INCRBY", KEYS[1], ARGV[1])`;
const FAIL = `return redis.call("INCR", KEYS[1])`;
const READ = `return redis.call("HMGET", KEYS[1], "a", "b")`;

/** A Redis of the test's own behind a proxy that can lose answers and cut connections, and a client through it. */
async function proxiedRedis() {
  const redis = await startPrivateRedis();
  onTestFinished(() => redis.stop());
  const proxy = await startRedisProxy(redis.port);
  onTestFinished(() => proxy.close());
  const client = new Redis(proxy.url, { maxRetriesPerRequest: 2 });
  client.on("error", () => undefined);
  onTestFinished(() => client.disconnect());
  return { redis, proxy, client };
}

describe("RedisBatch (real Redis)", () => {
  it("runs the operations of one turn in a single script call, in order, each answered on its own", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client);
    batch.define("incr", INCR);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => batch.run("incr", [`${prefix}n`], [i + 1])),
    );
    // Applied in the order asked: the running sum after each.
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => ((i + 1) * (i + 2)) / 2));
    expect(batch.calls).toBe(1);
    expect(batch.opsSent).toBe(50);
  });

  it("splits a large turn into bounded calls and keeps their order", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client);
    batch.define("incr", INCR);
    const results = await Promise.all(
      Array.from({ length: 600 }, () => batch.run<number>("incr", [`${prefix}n`], [1])),
    );
    expect(results).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(batch.calls).toBe(3);
  });

  it("with a delay, operations of several turns share one call; without, each turn has its own", async () => {
    const { client, prefix } = await testRedis();
    const spread = async (batch: RedisBatch): Promise<number[]> => {
      batch.define("incr", INCR);
      const answers: Promise<number>[] = [];
      for (let i = 0; i < 4; i++) {
        answers.push(batch.run<number>("incr", [`${prefix}spread`], [1]));
        await new Promise((r) => setTimeout(r, 2)); // the next operation comes a turn (and ~2 ms) later
      }
      return Promise.all(answers);
    };
    const eager = new RedisBatch(client);
    expect(await spread(eager)).toEqual([1, 2, 3, 4]);
    expect(eager.calls).toBe(4);
    const patient = new RedisBatch(client, undefined, { delayMs: 200 });
    expect(await spread(patient)).toEqual([5, 6, 7, 8]);
    expect(patient.calls).toBe(1);
  });

  it("with a delay, sends a full call at once rather than waiting", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client, undefined, { delayMs: 10_000 });
    batch.define("incr", INCR);
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 256 }, () => batch.run<number>("incr", [`${prefix}full`], [1])),
    );
    expect(results[255]).toBe(256);
    expect(batch.calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000); // far below the 10 s delay: it did not wait
  });

  it("a deferred operation rides along with the next operation's call while others keep coming, in order", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client, undefined, { deferMs: 10_000 });
    batch.define("incr", INCR);
    expect(await batch.run<number>("incr", [`${prefix}ride`], [100])).toBe(100); // others are coming
    const deferred = batch.defer<number>("incr", [`${prefix}ride`], [1]);
    await new Promise((r) => setTimeout(r, 100)); // an operation of `run` would have gone long ago
    expect(batch.calls).toBe(1);
    const eager = batch.run<number>("incr", [`${prefix}ride`], [10]);
    expect(await Promise.all([deferred, eager])).toEqual([101, 111]);
    expect(batch.calls).toBe(2);
  });

  it("a deferred operation with nothing else written lately goes at the end of the turn: no wait paces it", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client, undefined, { deferMs: 10_000 });
    batch.define("incr", INCR);
    const started = Date.now();
    expect(await batch.defer<number>("incr", [`${prefix}quiet`], [1])).toBe(1);
    expect(await batch.defer<number>("incr", [`${prefix}quiet`], [1])).toBe(2);
    expect(Date.now() - started).toBeLessThan(5000); // far below the 10 s a ride may wait
  });

  it("beyond the deferred operations allowed to wait, the rest go at the end of the turn", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client, undefined, { deferMs: 10_000 });
    batch.define("incr", INCR);
    await batch.run("incr", [`${prefix}burst`], [0]); // others are coming: deferred operations would wait
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 40 }, () => batch.defer<number>("incr", [`${prefix}burst`], [1])),
    );
    expect(results[39]).toBe(40);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("hurry also sends a deferred operation queued later in the same turn", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client, undefined, { deferMs: 10_000 });
    batch.define("incr", INCR);
    await batch.run("incr", [`${prefix}later`], [0]);
    const started = Date.now();
    batch.hurry(); // as the serializer does when an event queues behind a step that has not deferred yet
    const deferred = Promise.resolve().then(() => batch.defer<number>("incr", [`${prefix}later`], [1]));
    expect(await deferred).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a deferred operation alone still goes, in a call of its own", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client);
    batch.define("incr", INCR);
    expect(await batch.defer<number>("incr", [`${prefix}alone`], [3])).toBe(3);
    expect(batch.calls).toBe(1);
  });

  it("hurry sends deferred operations at the end of the turn instead of after their wait", async () => {
    const { client, prefix } = await testRedis();
    // A deferred operation waits at least the batch delay: 10 s here, far beyond the bound below.
    const batch = new RedisBatch(client, undefined, { delayMs: 10_000 });
    batch.define("incr", INCR);
    const started = Date.now();
    const deferred = batch.defer<number>("incr", [`${prefix}hurried`], [1]);
    batch.hurry();
    expect(await deferred).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("sends a full call of deferred operations at once rather than waiting", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client, undefined, { delayMs: 10_000 });
    batch.define("incr", INCR);
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 256 }, () => batch.defer<number>("incr", [`${prefix}fulldefer`], [1])),
    );
    expect(results[255]).toBe(256);
    expect(batch.calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("at shutdown, deferred writes still queued are sent and answered before the connection's QUIT", async () => {
    const { client, prefix } = await testRedis();
    const own = client.duplicate();
    const batch = new RedisBatch(own, undefined, { delayMs: 10_000 }); // deferred: would wait 10 s
    batch.define("incr", INCR);
    await own.script("FLUSH"); // Redis does not know the script: the call needs its EVAL fallback, a second command
    const deferred = batch.defer<number>("incr", [`${prefix}at-quit`], [7]);
    await closeDaemonRedis(own, batch, 5000);
    expect(await deferred).toBe(7);
    expect(await client.get(`${prefix}at-quit`)).toBe("7");
  });

  it("fails only the operation whose script raised an error", async () => {
    const { client, prefix } = await testRedis();
    await client.set(`${prefix}text`, "not a number");
    const batch = new RedisBatch(client);
    batch.define("incr", INCR);
    batch.define("fail", FAIL);
    const [before, failed, after] = await Promise.allSettled([
      batch.run("incr", [`${prefix}n`], [1]),
      batch.run("fail", [`${prefix}text`], []),
      batch.run("incr", [`${prefix}n`], [1]),
    ]);
    expect(before).toEqual({ status: "fulfilled", value: 1 });
    expect(failed.status).toBe("rejected");
    expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(RedisOpError);
    expect(String((failed as PromiseRejectedResult).reason)).toMatch(/not an integer/);
    expect(after).toEqual({ status: "fulfilled", value: 2 });
  });

  it("answers missing values as null, also inside arrays", async () => {
    const { client, prefix } = await testRedis();
    await client.hset(`${prefix}h`, "b", "2");
    const batch = new RedisBatch(client);
    batch.define("read", READ);
    expect(await batch.run("read", [`${prefix}h`], [])).toEqual([null, "2"]);
  });

  it("answers an operation that returns nothing or a missing key as null, without cutting off the rest", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client);
    batch.define("incr", INCR);
    batch.define("nothing", `redis.call("GET", KEYS[1])`);
    batch.define("get", `return redis.call("GET", KEYS[1])`);
    const results = await Promise.all([
      batch.run("incr", [`${prefix}n`], [1]),
      batch.run("nothing", [`${prefix}missing`], []),
      batch.run("get", [`${prefix}missing`], []),
      batch.run("incr", [`${prefix}n`], [1]),
    ]);
    expect(results).toEqual([1, null, null, 2]);
    expect(batch.calls).toBe(1);
  });

  it("with replicas to wait for, a write none confirms fails as outcome unknown (it ran); a read-only call waits for none", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client, undefined, { wait: { replicas: 1, timeoutMs: 50 } });
    batch.define("incr", INCR);
    batch.define("read", READ, { readOnly: true });
    const failure = await batch.run("incr", [`${prefix}w`], [5]).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(RedisOutcomeUnknownError);
    expect((failure as Error).cause).toBeInstanceOf(ReplicasBehindError);
    expect((failure as Error).message).toMatch(/0 of 1 Redis replicas confirmed the writes within 50 ms/);
    expect(await client.get(`${prefix}w`)).toBe("5"); // the primary ran it
    const started = Date.now();
    expect(await batch.run("read", [`${prefix}h`], [])).toEqual([null, null]);
    expect(Date.now() - started).toBeLessThan(50); // no WAIT for a read
  });

  it("a WAIT the server refuses (an ACL without it) still fails the writes as outcome unknown, not as refused", async () => {
    const redis = await startPrivateRedis();
    onTestFinished(() => redis.stop());
    const admin = new Redis(redis.url);
    onTestFinished(() => admin.disconnect());
    await admin.call("ACL", "SETUSER", "nowait", "on", ">pw", "~*", "+@all", "-wait");
    const client = new Redis(redis.url, { username: "nowait", password: "pw" });
    onTestFinished(() => client.disconnect());
    const batch = new RedisBatch(client, undefined, { wait: { replicas: 1, timeoutMs: 50 } });
    batch.define("incr", INCR);
    const failure = await batch.run("incr", ["n"], [2]).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(RedisOutcomeUnknownError);
    expect((failure as Error).message).toMatch(/WAIT failed: NOPERM/);
    expect(await admin.get("n")).toBe("2");
  });

  it("tells its observer each call's round trip and operations, and whether it failed", async () => {
    const { client, prefix } = await testRedis();
    const seen: [number, number, boolean][] = [];
    const batch = new RedisBatch(client, (seconds, ops, failed) => seen.push([seconds, ops, failed]));
    batch.define("incr", INCR);
    await Promise.all(Array.from({ length: 7 }, () => batch.run("incr", [`${prefix}n`], [1])));
    expect(seen).toHaveLength(1);
    expect(seen[0]![1]).toBe(7);
    expect(seen[0]![2]).toBe(false);
    expect(seen[0]![0]).toBeGreaterThan(0);
    expect(seen[0]![0]).toBeLessThan(5);
    const gone = client.duplicate({ maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const lostSeen: boolean[] = [];
    const lost = new RedisBatch(gone, (_, __, failed) => lostSeen.push(failed));
    lost.define("incr", INCR);
    gone.disconnect();
    await expect(lost.run("incr", [`${prefix}n`], [1])).rejects.toThrow();
    expect(lostSeen).toEqual([true]);
  });

  it("reloads its script when Redis lost it (restart, SCRIPT FLUSH)", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client);
    batch.define("incr", INCR);
    expect(await batch.run("incr", [`${prefix}n`], [1])).toBe(1);
    await client.script("FLUSH");
    expect(await batch.run("incr", [`${prefix}n`], [1])).toBe(2);
  });

  it("rejects every operation of a call that could not be made, and refuses unknown or conflicting ops", async () => {
    const { client, prefix } = await testRedis();
    const batch = new RedisBatch(client);
    batch.define("incr", INCR);
    batch.define("incr", INCR);
    expect(() => batch.define("incr", FAIL)).toThrow(/already defined differently/);
    await expect(batch.run("nope", [], [])).rejects.toThrow(/not defined/);
    const gone = client.duplicate({ maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const lost = new RedisBatch(gone);
    lost.define("incr", INCR);
    gone.disconnect();
    const settled = await Promise.allSettled([
      lost.run("incr", [`${prefix}n`], [1]),
      lost.run("incr", [`${prefix}n`], [1]),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
  });

  it("a call whose answer is lost with the connection fails as outcome unknown; one never sent fails plainly", async () => {
    const { redis, proxy, client } = await proxiedRedis();
    const batch = new RedisBatch(client);
    batch.define("incr", INCR);
    expect(await batch.run("incr", ["n"], [1])).toBe(1);

    // Redis runs it, the answer never comes back, the connection drops and stays down past ioredis's retries.
    proxy.swallowReplies();
    const lost = batch.run("incr", ["n"], [1]).catch((error: Error) => error);
    await new Promise((r) => setTimeout(r, 100));
    const cut = proxy.cut(1500);
    const error = await lost;
    expect(error).toBeInstanceOf(RedisOutcomeUnknownError);
    expect((error as Error).message).toMatch(/^outcome unknown: /);
    // Asked while the connection is down: never sent, so it did not run.
    await new Promise((r) => setTimeout(r, 50));
    const unsent = await batch.run("incr", ["n"], [1]).catch((e: Error) => e);
    expect(unsent).toBeInstanceOf(Error);
    expect(unsent).not.toBeInstanceOf(RedisOutcomeUnknownError);
    await cut;
    const direct = new Redis(redis.url);
    onTestFinished(() => direct.disconnect());
    expect(await direct.get("n")).toBe("2"); // the lost one ran; the unsent one did not
  });

  it("a call ioredis sends again after a quick reconnect runs once: the second run answers what the first did", async () => {
    const { redis, proxy, client } = await proxiedRedis();
    const batch = new RedisBatch(client, undefined, { keyPrefix: "p:" });
    batch.define("incr", INCR);
    batch.define("read", READ, { readOnly: true });
    expect(await batch.run("incr", ["n"], [1])).toBe(1);

    const direct = new Redis(redis.url);
    onTestFinished(() => direct.disconnect());
    await direct.hset("h", "a", "551177");

    // Redis runs it, its answer is lost, the connection comes back at once: ioredis sends the same call again.
    proxy.swallowReplies();
    const resent = Promise.all([batch.run("incr", ["n"], [1]), batch.run("read", ["h"], [])]);
    await new Promise((r) => setTimeout(r, 100));
    await direct.hset("h", "b", "read again");
    await proxy.cut(20);
    // The write answers as its first run did (not a second increment); the read ran again.
    expect(await resent).toEqual([2, ["551177", "read again"]]);
    expect(await direct.get("n")).toBe("2");

    // Each call that writes keeps its writes' answers under a key of the deployment's prefix, for 30 s —
    // never what a read answered (a message's text, say); a call that only reads keeps nothing.
    await batch.run("read", ["h"], []);
    const kept = await direct.keys("*batch:*");
    expect(kept).toHaveLength(2);
    for (const key of kept) {
      expect(key.startsWith("p:batch:")).toBe(true);
      const ttl = await direct.pttl(key);
      expect(ttl).toBeGreaterThan(20_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      expect(await direct.get(key)).not.toContain("551177");
    }
  });
});
