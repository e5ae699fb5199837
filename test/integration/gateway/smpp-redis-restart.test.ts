import { Redis } from "ioredis";
import { describe, expect, it, onTestFinished } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, smppAccountBlock } from "../../helpers/daemon-fixture.js";
import { scanKeys } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";
import { Esme, PASSWORD } from "../north-smpp/smpp-fixture.js";

describe("Redis restart under the SMPP server", () => {
  it("an ESME's session stays bound; every submit_sm answered OK is delivered and receipted, the rest refused with a status", async () => {
    const redis = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => redis.stop());
    const sim = await startCarrierSim({
      submitRespLatencyMs: { min: 1, max: 5 },
      receiptLatencyMs: { min: 100, max: 400 },
    });
    const daemon = await daemonFixture({
      redisUrl: redis.url,
      carriers: [{ id: "id-a", port: sim.port! }],
      smppBlock: await smppAccountBlock(PASSWORD),
    });
    await daemon.start();
    await daemon.waitForBinds();
    const esme = await Esme.connect(daemon.ports!.smpp!);
    expect((await esme.bind()).command_status).toBe(0);

    const acked: string[] = [];
    const ackedAt: number[] = [];
    const refused = new Map<number, number>();
    let unanswered = 0;
    let restartedAt = Number.POSITIVE_INFINITY;
    let sent = 0;
    const stopAt = Date.now() + 5000;
    const restart = (async () => {
      await new Promise((r) => setTimeout(r, 1500));
      await redis.restart({ downMs: 700 });
      restartedAt = Date.now();
    })();
    // Ten submits outstanding at a time, paced, for five seconds across the outage.
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (Date.now() < stopAt && sent < 3000) {
          const to = `62811${String(sent++).padStart(7, "0")}`;
          try {
            const resp = await esme.submit({
              source_addr: "ACME",
              destination_addr: to,
              registered_delivery: 1,
            });
            if (resp.command_status === 0) {
              acked.push(String(resp.message_id));
              ackedAt.push(Date.now());
            } else refused.set(resp.command_status, (refused.get(resp.command_status) ?? 0) + 1);
          } catch {
            unanswered++;
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      }),
    );
    await restart;
    const stats = JSON.stringify({ sent, acked: acked.length, refused: [...refused], unanswered });
    expect(acked.length, stats).toBeGreaterThan(100);
    expect(ackedAt.filter((t) => t > restartedAt).length, stats).toBeGreaterThan(10);
    // While Redis was down a submit was refused (not acknowledged: the ESME resends), never left unanswered.
    expect(unanswered, stats).toBe(0);
    expect(
      [...refused.keys()].every((s) => s === SmppStatus.ESME_RSYSERR || s === SmppStatus.ESME_RMSGQFUL),
      stats,
    ).toBe(true);
    expect(esme.closed).toBe(false);

    let receipts = esme.receiptStats();
    const collect = (): number => {
      receipts = esme.receiptStats();
      return acked.filter((id) => receipts.has(id)).length;
    };
    await waitUntil(() => collect() >= acked.length, 60_000, "a receipt per acknowledged submit");
    await new Promise((r) => setTimeout(r, 1000));
    collect();
    const stats2 = JSON.stringify({
      acked: acked.length,
      receipts: esme.deliveries.length,
      duplicated: [...receipts].filter(([, stats]) => stats.length > 1).length,
    });
    for (const id of acked) expect(receipts.get(id), `${id} ${stats2}`).toEqual(["DELIVRD"]);
    expect(esme.closed).toBe(false);
    // And a refused submit left nothing behind: exactly the acknowledged messages exist (an ESME resends a refused
    // one, which would otherwise send the OTP twice).
    const client = new Redis(redis.url);
    onTestFinished(() => void client.disconnect());
    expect((await scanKeys(client, `${daemon.prefix}m:*`)).length, stats).toBe(acked.length);
    // The outage is told in a few lines, not one per message (each is counted in the metrics); a reconnect attempt
    // is one line each ("redis connection error", ~5 for the 700 ms down).
    const warnings = new Map<string, number>();
    for (const line of daemon.logLines) {
      const { level, msg } = JSON.parse(line) as { level: number; msg: string };
      if (level >= 40) warnings.set(msg, (warnings.get(msg) ?? 0) + 1);
    }
    for (const [msg, count] of warnings) expect(count, msg).toBeLessThanOrEqual(10);
  }, 120_000);
});
