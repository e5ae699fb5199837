import { describe, expect, it, onTestFinished } from "vitest";
import { createLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { ControlWatch } from "../../../src/ops/control-watch.js";
import {
  accountControlId,
  rangeControlId,
  carrierKey,
  indexKey,
  readControls,
  versionKey,
  writeControl,
} from "../../../src/ops/control-store.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

/** A logger whose JSON lines land in `lines`. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "info",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

async function watch(
  redis: Awaited<ReturnType<typeof testRedis>>,
  options: { clock?: () => number; pollMs?: number } = {},
) {
  const { logger, lines } = capturedLogger();
  const metrics = createMetrics();
  const watcher = new ControlWatch({
    redis: redis.client,
    prefix: redis.prefix,
    carriers: ["id-a", "id-b"],
    logger,
    metrics,
    pollMs: options.pollMs ?? 50,
    ...(options.clock && { clock: options.clock }),
  });
  await watcher.start();
  onTestFinished(() => watcher.close());
  const gauge = async (name: string, carrier: string) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.carrier === carrier)
      ?.value;
  return { watcher, lines, gauge, metrics };
}

describe("carrier overrides in Redis", () => {
  it("a drain written after start reaches a running instance within a poll, with its log line and gauges", async () => {
    const redis = await testRedis();
    const { watcher, lines, gauge } = await watch(redis);
    expect(watcher.active).toBe(false);
    expect(await gauge("otpgw_carrier_drained", "id-a")).toBe(0);
    expect(await gauge("otpgw_carrier_weight_percent", "id-a")).toBe(100);

    await writeControl(redis.client, redis.prefix, "id-a", {
      op: "set",
      kind: "drain",
      by: "alice",
      reason: "SMSC degraded",
    });
    await waitUntil(() => watcher.get("id-a")?.drained === true, 2_000, "the drain to be seen");
    expect(watcher.active).toBe(true);
    expect(watcher.get("id-b")).toBeUndefined();
    expect(await gauge("otpgw_carrier_drained", "id-a")).toBe(1);
    expect(lines.find((l) => l.change === "drained")).toMatchObject({
      carrier: "id-a",
      by: "alice",
      reason: "SMSC degraded",
    });

    await writeControl(redis.client, redis.prefix, "id-b", {
      op: "set",
      kind: "weight",
      percent: 250,
      by: "bob",
    });
    await waitUntil(() => watcher.get("id-b")?.weightPercent === 250, 2_000, "the weight to be seen");
    expect(await gauge("otpgw_carrier_weight_percent", "id-b")).toBe(250);

    await writeControl(redis.client, redis.prefix, "id-a", { op: "clear", kind: "drain", by: "carol" });
    await waitUntil(() => watcher.get("id-a") === undefined, 2_000, "the drain to lift");
    expect(lines.find((l) => l.change === "undrained")).toMatchObject({
      carrier: "id-a",
      cause: "removed",
      by: "carol",
    });
    expect(await gauge("otpgw_carrier_drained", "id-a")).toBe(0);
  });

  it("an override with an end lifts itself on every instance, and Redis forgets it then", async () => {
    const redis = await testRedis();
    const { watcher, lines } = await watch(redis);
    await writeControl(redis.client, redis.prefix, "id-a", {
      op: "set",
      kind: "drain",
      by: "alice",
      forMs: 1_500,
    });
    // The hash and the index expire with the override (nothing left without an expiry). Read at once: on a slow
    // machine the wait for the watcher below can take most of the 1.5 s.
    const ttl = await redis.client.pttl(carrierKey(redis.prefix, "id-a"));
    expect(ttl).toBeGreaterThan(500);
    expect(ttl).toBeLessThanOrEqual(1_500);
    expect(await redis.client.pttl(indexKey(redis.prefix))).toBeGreaterThan(500);
    expect(await redis.client.pttl(versionKey(redis.prefix))).toBeGreaterThan(0);
    await waitUntil(() => watcher.get("id-a")?.drained === true, 1_000, "the drain to be seen");

    await waitUntil(() => watcher.get("id-a") === undefined, 3_000, "the drain to lift at its end");
    expect(lines.find((l) => l.change === "undrained")).toMatchObject({ carrier: "id-a", cause: "expired" });
    expect(await redis.client.exists(carrierKey(redis.prefix, "id-a"), indexKey(redis.prefix))).toBe(0);
  });

  it("an override without an end lives on without an expiry; once cleared, nothing is left", async () => {
    const redis = await testRedis();
    await writeControl(redis.client, redis.prefix, "id-a", {
      op: "set",
      kind: "drain",
      by: "a",
      forMs: 60_000,
    });
    await writeControl(redis.client, redis.prefix, "id-a", {
      op: "set",
      kind: "weight",
      percent: 50,
      by: "a",
    });
    expect(await redis.client.pttl(carrierKey(redis.prefix, "id-a"))).toBe(-1);
    expect(await redis.client.pttl(indexKey(redis.prefix))).toBe(-1);
    await writeControl(redis.client, redis.prefix, "id-a", { op: "clear", kind: "weight", by: "a" });
    expect(await redis.client.pttl(carrierKey(redis.prefix, "id-a"))).toBeGreaterThan(55_000);
    await writeControl(redis.client, redis.prefix, "id-a", { op: "clear", kind: "drain", by: "a" });
    expect(await redis.client.exists(carrierKey(redis.prefix, "id-a"), indexKey(redis.prefix))).toBe(0);
  });

  it("reads the state at start, ignores a carrier it does not have with a warning, and forgets one on request", async () => {
    const redis = await testRedis();
    await writeControl(redis.client, redis.prefix, "id-b", { op: "set", kind: "drain", by: "a" });
    await writeControl(redis.client, redis.prefix, "id-gone", { op: "set", kind: "drain", by: "a" });
    const { watcher, lines } = await watch(redis);
    // In force from the first read: before start() resolved, not a poll later.
    expect(watcher.get("id-b")?.drained).toBe(true);
    expect(watcher.get("id-gone")).toBeUndefined();
    expect(lines.find((l) => l.level === 40 && Array.isArray(l.carriers))).toMatchObject({
      carriers: ["id-gone"],
    });
    await writeControl(redis.client, redis.prefix, "id-gone", { op: "forget", kind: "drain", by: "a" });
    const snapshot = await readControls(redis.client, redis.prefix);
    expect([...snapshot.controls.keys()]).toEqual(["id-b"]);
  });

  it("keeps the last state read while Redis does not answer, and says so once", async () => {
    const redis = await testRedis();
    await writeControl(redis.client, redis.prefix, "id-a", { op: "set", kind: "drain", by: "a" });
    const { watcher, lines } = await watch(redis, { pollMs: 20 });
    expect(watcher.get("id-a")?.drained).toBe(true);
    // The watcher's connection goes away: every poll now fails.
    redis.client.disconnect();
    await waitUntil(() => lines.some((l) => l.level === 40), 2_000, "the warning");
    await new Promise((r) => setTimeout(r, 300));
    expect(watcher.get("id-a")?.drained).toBe(true);
    expect(lines.filter((l) => /carrier overrides not read/.test(String(l.msg)))).toHaveLength(1);
    await redis.client.connect();
  });
});

describe("override ends judged by Redis's clock, whatever each instance's own clock says", () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Drains id-a for `forMs`; resolves to when the write was answered (this process's clock). */
  const drainFor = async (redis: Awaited<ReturnType<typeof testRedis>>, forMs: number) => {
    await writeControl(redis.client, redis.prefix, "id-a", { op: "set", kind: "drain", by: "a", forMs });
    return Date.now();
  };

  it("instances whose clocks run 2 minutes ahead or 10 minutes behind apply a --for drain at once and lift it at its end", async () => {
    const redis = await testRedis();
    const instances = await Promise.all(
      [120_000, -600_000, 0].map((skewMs) => watch(redis, { clock: () => Date.now() + skewMs })),
    );
    const written = await drainFor(redis, 2_000);
    const drained = () => instances.map(({ watcher }) => watcher.get("id-a")?.drained === true);
    await waitUntil(() => drained().every(Boolean), 1_000, "every instance to apply the drain");
    // Still in force a second before its end (on Redis's clock) on every instance…
    await sleep(written + 1_000 - Date.now());
    expect(drained()).toEqual([true, true, true]);
    // …and lifted on every instance once Redis has dropped it.
    await waitUntil(() => drained().every((d) => !d), 3_000, "every instance to lift the drain");
    expect(Date.now() - written).toBeGreaterThanOrEqual(1_900);
    for (const { lines } of instances)
      expect(lines.find((l) => l.change === "undrained")).toMatchObject({
        carrier: "id-a",
        cause: "expired",
      });
  });

  it("keeps judging ends by Redis's clock while Redis does not answer", async () => {
    const redis = await testRedis();
    const { watcher } = await watch(redis, { clock: () => Date.now() + 120_000, pollMs: 20 });
    const written = await drainFor(redis, 1_500);
    await waitUntil(() => watcher.get("id-a")?.drained === true, 1_000, "the drain to be seen");
    redis.client.disconnect();
    await sleep(written + 1_000 - Date.now());
    expect(watcher.get("id-a")?.drained).toBe(true);
    await waitUntil(() => watcher.get("id-a") === undefined, 2_000, "the drain to lift at its end");
    expect(Date.now() - written).toBeGreaterThanOrEqual(1_400);
    await redis.client.connect();
  });

  it("a drain stays in force, without a flicker, when the instance's clock is stepped past its end", async () => {
    const redis = await testRedis();
    let skewMs = 0;
    const { watcher, lines } = await watch(redis, { clock: () => Date.now() + skewMs });
    await drainFor(redis, 60_000);
    await waitUntil(() => watcher.get("id-a")?.drained === true, 1_000, "the drain to be seen");
    skewMs = 120_000; // as NTP stepping the host's clock would
    const until = Date.now() + 400;
    while (Date.now() < until) {
      expect(watcher.get("id-a")?.drained).toBe(true);
      await sleep(5);
    }
    expect(lines.filter((l) => l.change === "undrained")).toEqual([]);
  });

  it("an account's suspension with an end applies and lifts itself, logged and gauged, apart from the carriers", async () => {
    const redis = await testRedis();
    const { watcher, lines, metrics: registry } = await watch(redis);
    const metrics = async () =>
      (await registry.registry.getSingleMetric("otpgw_account_suspended")!.get()).values;
    await writeControl(redis.client, redis.prefix, accountControlId("acme"), {
      op: "set",
      kind: "drain",
      by: "alice",
      reason: "INC-812",
      forMs: 1_500,
    });
    await waitUntil(() => watcher.accounts.suspended("acme"), 1_000, "the suspension to be seen");
    expect(watcher.accounts.suspended("globex")).toBe(false);
    expect(watcher.active).toBe(false);
    expect(await metrics()).toEqual([{ labels: { account: "acme" }, value: 1 }]);
    expect(lines.find((l) => l.change === "suspended")).toMatchObject({
      account: "acme",
      by: "alice",
      reason: "INC-812",
    });
    // Not a carrier this instance does not have: no warning about it.
    expect(lines.some((l) => String(l.msg).includes("not configured here"))).toBe(false);

    await waitUntil(() => !watcher.accounts.suspended("acme"), 3_000, "the suspension to lift at its end");
    expect(lines.find((l) => l.change === "resumed")).toMatchObject({ account: "acme", cause: "expired" });
    expect(await metrics()).toEqual([{ labels: { account: "acme" }, value: 0 }]);
  });

  it("ranges blocked for one account or for all refuse the numbers they start, from memory, logged and gauged, and lift at their end", async () => {
    const redis = await testRedis();
    const { watcher, lines, metrics: registry } = await watch(redis);
    const gauge = async () => (await registry.registry.getSingleMetric("otpgw_ranges_blocked")!.get()).values;
    expect(watcher.accounts.blockedRange("acme", "+628123456789")).toBeUndefined();
    const block = (account: string, prefix: string, forMs?: number) =>
      writeControl(redis.client, redis.prefix, rangeControlId(account, prefix), {
        op: "set",
        kind: "drain",
        by: "alice",
        reason: "INC-9 pumping",
        ...(forMs !== undefined && { forMs }),
      });
    await block("acme", "+6281234", 1_500);
    await block("acme", "+62812345");
    await block("*", "+4470");
    await waitUntil(
      () => watcher.accounts.blockedRange("globex", "+447012345678") !== undefined,
      1_000,
      "the blocks to be seen",
    );
    // The longest blocked prefix the number starts with is named.
    expect(watcher.accounts.blockedRange("acme", "+628123456789")).toBe("+62812345");
    expect(watcher.accounts.blockedRange("acme", "+628123499999")).toBe("+6281234");
    expect(watcher.accounts.blockedRange("acme", "+628129999999")).toBeUndefined();
    expect(watcher.accounts.blockedRange("globex", "+628123456789")).toBeUndefined();
    expect(watcher.accounts.blockedRange("acme", "+447012345678")).toBe("+4470");
    expect(watcher.active).toBe(false);
    expect(lines.some((l) => String(l.msg).includes("not configured here"))).toBe(false);
    expect(lines.filter((l) => l.change === "blocked")).toHaveLength(3);
    expect(lines.find((l) => l.change === "blocked" && l.account === "*")).toMatchObject({
      range: "+4470",
      by: "alice",
      reason: "INC-9 pumping",
    });
    expect(await gauge()).toEqual(
      expect.arrayContaining([
        { labels: { account: "acme" }, value: 2 },
        { labels: { account: "*" }, value: 1 },
      ]),
    );

    await waitUntil(
      () => watcher.accounts.blockedRange("acme", "+628123499999") === undefined,
      3_000,
      "the block with an end to lift",
    );
    expect(watcher.accounts.blockedRange("acme", "+628123456789")).toBe("+62812345");
    expect(lines.find((l) => l.change === "unblocked")).toMatchObject({
      account: "acme",
      range: "+6281234",
      cause: "expired",
    });
    expect(await gauge()).toEqual(expect.arrayContaining([{ labels: { account: "acme" }, value: 1 }]));

    await writeControl(redis.client, redis.prefix, rangeControlId("*", "+4470"), {
      op: "clear",
      kind: "drain",
      by: "bob",
    });
    await waitUntil(
      () => watcher.accounts.blockedRange("acme", "+447012345678") === undefined,
      1_000,
      "the block to be removed",
    );
    expect(lines.find((l) => l.change === "unblocked" && l.account === "*")).toMatchObject({
      cause: "removed",
      by: "bob",
    });
  });

  it("a channel drained in one country is known (no warning) and in force under its own id", async () => {
    const redis = await testRedis();
    const { logger, lines } = capturedLogger();
    const watcher = new ControlWatch({
      redis: redis.client,
      prefix: redis.prefix,
      carriers: ["id-a", "whatsapp"],
      logger,
      pollMs: 50,
    });
    await watcher.start();
    onTestFinished(() => watcher.close());
    await writeControl(redis.client, redis.prefix, "whatsapp@ID", { op: "set", kind: "drain", by: "bob" });
    await writeControl(redis.client, redis.prefix, "voice@ID", { op: "set", kind: "drain", by: "bob" });
    await waitUntil(() => watcher.get("whatsapp@ID")?.drained === true, 1_000, "the drain to be seen");
    expect(watcher.get("whatsapp")).toBeUndefined();
    // voice is not configured here: its drain in a country is as unknown as any other id.
    expect(watcher.get("voice@ID")).toBeUndefined();
    expect(lines.find((l) => String(l.msg).includes("not configured here"))).toMatchObject({
      carriers: ["voice@ID"],
    });
  });
});
