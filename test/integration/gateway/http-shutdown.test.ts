import { Redis } from "ioredis";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture } from "../../helpers/daemon-fixture.js";
import { scanKeys } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

describe("graceful shutdown under HTTP submitters", () => {
  it("on SIGTERM the daemon exits within its shutdown timeout though clients hold keep-alive connections, and stores nothing it did not answer 202", async () => {
    const sim = await startCarrierSim({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 500, max: 900 },
    });
    // The fixture's shutdown_timeout_ms is 3000.
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port! }],
    });
    await daemon.start();
    await daemon.waitForBinds();

    let acked = 0;
    let refused = false;
    const failures = new Map<string, number>();
    // Ten keep-alive clients submitting back to back until the listener refuses them.
    const clients = Promise.all(
      Array.from({ length: 10 }, async (_, client) => {
        for (let n = 0; !refused; n++) {
          try {
            const response = await daemon.api("/v1/messages", {
              method: "POST",
              body: {
                to: `+62811${client}${String(n).padStart(6, "0")}`,
                from: "ACME",
                text: "Your code is 123456",
              },
            });
            if (response.status === 202) acked++;
          } catch (error) {
            const code = (error as { cause?: { code?: string } }).cause?.code ?? "other";
            failures.set(code, (failures.get(code) ?? 0) + 1);
            if (code === "ECONNREFUSED") return;
          }
        }
      }),
    );
    await waitUntil(() => acked >= 200, 10_000, "200 accepted submits");
    const sigterm = Date.now();
    const exitCode = await Promise.race([
      daemon.stop(),
      new Promise((resolve) => setTimeout(() => resolve("still running 15 s after SIGTERM"), 15_000)),
    ]);
    const tookMs = Date.now() - sigterm;
    refused = true;
    await clients;
    const stats = JSON.stringify({ acked, failures: [...failures], tookMs });
    expect(exitCode, stats).toBe(0);
    // Three seconds of shutdown timeout, plus the time to stop what follows the API (carriers, Redis) on a busy
    // machine; before, an idle keep-alive connection held it for Fastify's 72 s keep-alive timeout.
    expect(tookMs, stats).toBeLessThan(10_000);

    // A request cut by the shutdown was not stored: only what was answered 202 exists.
    const redis = new Redis(inject("redisUrl"));
    onTestFinished(() => void redis.disconnect());
    expect((await scanKeys(redis, `${daemon.prefix}m:*`)).length, stats).toBe(acked);
  }, 40_000);
});
