import { describe, expect, it, onTestFinished } from "vitest";
import { startRedisProxy } from "../../helpers/redis-proxy.js";
import { testRedis } from "../../helpers/redis.js";
import { startSender } from "../../helpers/webhook-sender-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

describe("the webhook sender while Redis is unreachable", () => {
  it("tells the outage in a line per kind every 10 s, not one per reconnect attempt", async () => {
    const { url } = await testRedis();
    const proxy = await startRedisProxy(Number(new URL(url).port));
    onTestFinished(() => proxy.close());
    const { logs } = await startSender(new Map(), { connection: proxy.url });
    await new Promise((r) => setTimeout(r, 500)); // the worker connected
    const down = proxy.cut(6000);
    const errors = (kind: string) => logs.filter((l) => l.msg === kind).length;
    await waitUntil(() => errors("webhook worker error") > 0, 5000, "the outage noticed");
    await down;
    await new Promise((r) => setTimeout(r, 500));
    expect(errors("webhook worker error")).toBe(1);
    expect(errors("webhook queue error")).toBeLessThanOrEqual(1);
  }, 30_000);
});
