import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/observability/logger.js";
import { ShutdownSequence } from "../../../src/shutdown-sequence.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("ShutdownSequence", () => {
  it("runs the steps in reverse order, each with what the steps before it left of one deadline", async () => {
    const sequence = new ShutdownSequence();
    const given: [string, number][] = [];
    for (const name of ["redis", "carriers", "http"]) {
      sequence.add({
        name,
        close: async (remainingMs) => {
          given.push([name, remainingMs]);
          if (name === "http") await sleep(300); // uses part of the time
        },
      });
    }
    await sequence.run(1000, silentLogger());
    expect(given.map(([name]) => name)).toEqual(["http", "carriers", "redis"]);
    expect(given[0]![1]).toBeGreaterThan(900);
    expect(given[1]![1]).toBeLessThanOrEqual(720);
    expect(given[2]![1]).toBeLessThanOrEqual(given[1]![1]);
  });

  it("runs every step even when one fails, and gives 0 once the time is spent", async () => {
    const sequence = new ShutdownSequence();
    const given: number[] = [];
    sequence.add({
      name: "last",
      close: (ms) => {
        given.push(ms);
        return Promise.resolve();
      },
    });
    sequence.add({ name: "failing", close: () => Promise.reject(new Error("boom")) });
    sequence.add({ name: "slow", close: () => sleep(80) });
    await sequence.run(50, silentLogger());
    expect(given).toEqual([0]);
  });
});
