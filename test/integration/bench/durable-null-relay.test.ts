import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { BENCH_CARRIER_ACCOUNT } from "../../../scripts/bench/bench-daemon.js";
import { EsmeLoad } from "../../../scripts/bench/esme-load.js";
import { startNullRelay } from "../../../scripts/bench/null-relay-process.js";
import { benchSimConfig, startSimProcess } from "../../../scripts/bench/sim-process.js";
import { testRedis } from "../../helpers/redis.js";

/** A database of the test run's Redis that no other test uses: the relay writes under a fixed prefix. */
const DB = 13;
const MESSAGES = 300;

describe("the durable null relay (SMPP bench baseline, real Redis, real sockets)", () => {
  it("answers submits with its own ids once stored, and passes each receipt on under that id once recorded", async () => {
    const { url } = await testRedis();
    const redis = new Redis(`${url}/${DB}`);
    await redis.flushdb();
    const sim = await startSimProcess(benchSimConfig());
    const relay = await startNullRelay({ port: sim.port, ...BENCH_CARRIER_ACCOUNT }, `${url}/${DB}`);
    try {
      const esme = await EsmeLoad.connect(
        relay.port,
        { systemId: "bench", password: "any" },
        { noDelay: true },
      );
      const result = await esme.run({
        window: 20,
        durationMs: 10_000,
        maxMessages: MESSAGES,
        drainMaxMs: 15_000,
        sender: "BenchOTP",
        destinationPrefix: "62811",
      });
      await esme.close();
      expect(result.accepted).toBe(MESSAGES);
      // The receipts came under the ids the relay answered with (the simulator's ids differ): all matched, once.
      expect(result.receipts).toBe(MESSAGES);
      expect(result.missing).toBe(0);
      expect(result.duplicates).toBe(0);
      expect(result.receiptStats).toEqual({ DELIVRD: MESSAGES });

      const docs = await redis.keys("bench:m:*");
      expect(docs).toHaveLength(MESSAGES);
      // Each stored final (version 2, text dropped) with its carrier id recorded beside it.
      for (const key of docs.slice(0, 20)) {
        const hash = await redis.hgetall(key);
        expect(hash.v).toBe("2");
        expect(hash.t).toBeUndefined();
        expect(Object.keys(hash).some((field) => field.startsWith("a:1:"))).toBe(true);
        expect((JSON.parse(hash.doc!) as unknown[])[11]).toBe("delivered");
      }
      expect(await redis.zcard("bench:timers")).toBe(0);
      // Every receipt job leaves the list once the ESME answered its deliver_sm.
      const deadline = Date.now() + 5000;
      while ((await redis.llen("bench:smpp:receipts:bench")) > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await redis.llen("bench:smpp:receipts:bench")).toBe(0);
    } finally {
      await relay.stop();
      await sim.stop();
      await redis.flushdb();
      redis.disconnect();
    }
  }, 60_000);
});
