import { describe, expect, it } from "vitest";
import { measureStore } from "../../../scripts/bench/store-bench.js";

describe("store benchmark (real Redis)", () => {
  it("counts what a message costs Redis: 13 commands and its append-only-file bytes, none without the file", async () => {
    const options = { messages: 300, appendfsync: "everysec" as const, warmUp: 100 };
    const durable = await measureStore(true, options);
    expect(durable.messages).toBe(300);
    // create 3 (INCR, HSET, ZADD), acceptance 3 (EXISTS, HSET, SET), final 6 (HGET, HSET, ZREM, RPUSH, PEXPIRE,
    // HDEL), removal 1 (LREM); the list's and the rate window's expiries now and then.
    expect(durable.commandsPerMessage).toBeGreaterThanOrEqual(13);
    expect(durable.commandsPerMessage).toBeLessThan(13.1);
    expect(durable.aofBytes).toBeGreaterThan(800);
    expect(durable.aofBytes).toBeLessThan(2500);
    expect(durable.scriptCalls).toBeGreaterThan(0);
    // What a final message keeps for the retention: its document and carrier-id key (a few hundred bytes).
    expect(durable.retainedBytes).toBeGreaterThan(200);
    expect(durable.retainedBytes).toBeLessThan(3000);
    const volatile = await measureStore(false, options);
    expect(volatile.commandsPerMessage).toBeGreaterThanOrEqual(13);
    expect(volatile.commandsPerMessage).toBeLessThan(13.1);
    expect(volatile.aofBytes).toBe(0);
  });
});
