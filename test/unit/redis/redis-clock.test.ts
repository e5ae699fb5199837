import { once } from "node:events";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { Redis } from "ioredis";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { createLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { RedisClock } from "../../../src/redis/redis-clock.js";

/** This process's host, played 5 s ahead of Redis's (the test Redis runs on this machine: same clock). */
const SKEW_MS = 5_000;
/** Its monotonic clock (µs resolution), as RedisClock's default local clock, and its wall clock. */
const skewed = (): number => performance.timeOrigin + performance.now() + SKEW_MS;
const skewedWall = (): number => Date.now() + SKEW_MS;

/**
 * A TCP forwarder to the test Redis that holds each command `delayMs` on its way in (answers come straight back): a
 * loaded path whose round trips are long and lopsided, so their middles misplace Redis's clock by half the delay.
 */
async function delayingProxy(): Promise<{ url: string; setDelay: (ms: number) => void }> {
  const target = new URL(inject("redisUrl"));
  let delayMs = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => {
      setTimeout(() => upstream.write(chunk), delayMs);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `redis://127.0.0.1:${port}`, setDelay: (ms) => (delayMs = ms) };
}

async function client(url: string): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  onTestFinished(() => redis.disconnect());
  return redis;
}

/**
 * How far `clock.now()` is from Redis's TIME, read straight (no proxy) a few times: the error of the quietest read,
 * bounded by half its round trip.
 */
async function errorAgainstRedis(clock: RedisClock, direct: Redis): Promise<number> {
  let best = { rtt: Infinity, error: 0 };
  for (let i = 0; i < 5; i++) {
    const sent = performance.now();
    const before = clock.now();
    const [seconds, micros] = (await direct.time()) as unknown as [string, string];
    const after = clock.now();
    const rtt = performance.now() - sent;
    const redisAt = Number(seconds) * 1000 + Number(micros) / 1000;
    if (rtt < best.rtt) best = { rtt, error: (before + after) / 2 - redisAt };
  }
  return best.error;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("RedisClock (Redis's TIME through round trips, on an injected local clock)", () => {
  it("reads Redis's time, not the host's: a host 5 s ahead gets Redis's clock within a few ms, gauged and warned about once", async () => {
    const direct = await client(inject("redisUrl"));
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: "info",
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const metrics = createMetrics();
    const clock = new RedisClock({
      redis: direct,
      local: skewed,
      wall: skewedWall,
      logger,
      metrics,
      sampleMs: 20,
    });
    await clock.start();
    onTestFinished(() => clock.close());
    expect(Math.abs(await errorAgainstRedis(clock, direct))).toBeLessThan(15);
    expect(clock.errorMs()).toBeLessThan(15);
    await sleep(200); // ~10 more samples
    const gauge = (await metrics.registry.getSingleMetric("otpgw_clock_offset_seconds")!.get()).values[0]!
      .value;
    expect(gauge).toBeCloseTo(-SKEW_MS / 1000, 1);
    const warnings = lines.filter((l) => /more than a second off Redis's/.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    expect(Math.abs((warnings[0]!.offsetMs as number) + SKEW_MS)).toBeLessThan(50);
  });

  it("keeps the quietest round trip's offset when later ones are long and lopsided (not the latest one's middle)", async () => {
    const proxy = await delayingProxy();
    const direct = await client(inject("redisUrl"));
    const clock = new RedisClock({ redis: await client(proxy.url), local: skewed, wall: skewedWall });
    await clock.start(); // quiet round trips
    proxy.setDelay(100); // each later one's middle is ~50 ms before Redis read its clock
    for (let i = 0; i < 5; i++) await clock.sync();
    expect(Math.abs(await errorAgainstRedis(clock, direct))).toBeLessThan(15);
  });

  it("never goes back when a better round trip lowers the estimate: it stands still, then runs on Redis's time", async () => {
    const proxy = await delayingProxy();
    const direct = await client(inject("redisUrl"));
    const clock = new RedisClock({ redis: await client(proxy.url), local: skewed, wall: skewedWall });
    proxy.setDelay(120);
    await clock.start(); // only lopsided round trips: the estimate is ~60 ms ahead of Redis's clock
    const ahead = await errorAgainstRedis(clock, direct);
    expect(ahead).toBeGreaterThan(30); // else this test would show nothing
    proxy.setDelay(0);
    let last = clock.now();
    let wentBack = 0;
    const watch = setInterval(() => {
      const now = clock.now();
      wentBack = Math.max(wentBack, last - now);
      last = now;
    }, 1);
    onTestFinished(() => clearInterval(watch));
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = clock.now();
      await clock.sync();
      const after = clock.now();
      seen.push(after - before);
    }
    expect(seen.every((step) => step >= 0)).toBe(true);
    await sleep(ahead + 50); // the time it stood still
    expect(Math.abs(await errorAgainstRedis(clock, direct))).toBeLessThan(15);
    clearInterval(watch);
    expect(wentBack).toBe(0);
  });

  it("is not held back by a time read before its first measurement (delivery is built before the clock starts)", async () => {
    const direct = await client(inject("redisUrl"));
    const clock = new RedisClock({ redis: direct, local: skewed, wall: skewedWall });
    const unmeasured = clock.now(); // the host's clock alone: 5 s ahead
    await clock.start();
    expect(unmeasured - clock.now()).toBeGreaterThan(SKEW_MS - 500);
    expect(Math.abs(await errorAgainstRedis(clock, direct))).toBeLessThan(15);
  });

  it("keeps its last offset while Redis does not answer", async () => {
    const proxy = await delayingProxy();
    const direct = await client(inject("redisUrl"));
    const redis = await client(proxy.url);
    const clock = new RedisClock({ redis, local: skewed, wall: skewedWall });
    await clock.start();
    redis.disconnect();
    await expect(clock.sync()).rejects.toThrow();
    expect(Math.abs(await errorAgainstRedis(clock, direct))).toBeLessThan(15);
  });

  it("rides an NTP slew without a step: never goes back, no warning; a real step is followed and warned about once", () => {
    let local = 1_000_000;
    const lines: string[] = [];
    const logger = createLogger({
      level: "warn",
      destination: { write: (line: string) => lines.push(line) },
    });
    const clock = new RedisClock({ local: () => local, wall: () => local, logger });
    let redisOffset = 0;
    /** A quiet round trip (0.4 ms) now, Redis `redisOffset` ahead of the local clock. */
    const roundTrip = (): void => clock.observe(local, local + 0.2 + redisOffset, local + 0.4, 0.001);
    let last = clock.now();
    let wentBack = 0;
    // The local clock slewed 500 ppm faster than Redis's for a minute (Redis falls behind it 0.5 ms a second).
    for (let second = 0; second < 60; second++) {
      roundTrip();
      for (let ms = 0; ms < 1_000; ms += 50) {
        local += 50;
        redisOffset -= 50 * 500e-6;
        const now = clock.now();
        wentBack = Math.max(wentBack, last - now);
        last = now;
      }
    }
    expect(wentBack).toBe(0);
    expect(lines.filter((l) => l.includes("at a stroke"))).toEqual([]);
    // Redis's clock stepped back 2 s (a failover to another host), then forward 3 s: each followed at once (back too),
    // and said once — a clock flapping does not flood the log.
    for (const step of [-2_000, 0, 0, 3_000, 0]) {
      redisOffset += step;
      roundTrip();
      expect(Math.abs(clock.now() - (local + redisOffset))).toBeLessThan(1);
      local += 1_000;
    }
    expect(lines.filter((l) => l.includes("at a stroke"))).toHaveLength(1);
  });

  it("closes at once with a TIME round trip in flight on a connection that went silent (shutdown has a deadline)", async () => {
    const proxy = await delayingProxy();
    const clock = new RedisClock({ redis: await client(proxy.url), local: skewed, wall: skewedWall });
    await clock.start();
    proxy.setDelay(120_000); // black-holed: the next TIME is answered in two minutes
    void clock.sync().catch(() => undefined);
    const started = performance.now();
    const closed = await Promise.race([clock.close().then(() => "closed"), sleep(2_000).then(() => "held")]);
    expect(closed).toBe("closed");
    expect(performance.now() - started).toBeLessThan(500);
  });
});
