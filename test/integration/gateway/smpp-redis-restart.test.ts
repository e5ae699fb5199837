import { Redis } from "ioredis";
import { describe, expect, it, onTestFinished } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { scanKeys } from "../../helpers/redis.js";
import { trafficAcrossRedisRestart } from "../../helpers/restart-traffic.js";
import { handset, receiptsFor, smppGateway, submitOtp } from "./smpp-gateway.js";

describe("Redis restart under the SMPP server", () => {
  it("an ESME's session stays bound; every submit_sm answered OK is delivered and receipted, the rest refused with a status", async () => {
    const redis = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => redis.stop());
    const sim = await startCarrierSim({
      submitRespLatencyMs: { min: 1, max: 5 },
      receiptLatencyMs: { min: 100, max: 400 },
    });
    const { daemon, esme } = await smppGateway({
      redisUrl: redis.url,
      carriers: [{ id: "id-a", port: sim.port! }],
    });

    const acked: string[] = [];
    const ackedAt: number[] = [];
    const refused = new Map<number, number>();
    let unanswered = 0;
    // Ten submits outstanding at a time, paced, for five seconds across the outage.
    const { sent, restartedAt } = await trafficAcrossRedisRestart(redis, async (i) => {
      try {
        const resp = await submitOtp(esme, handset(i));
        if (resp.command_status === 0) {
          acked.push(String(resp.message_id));
          ackedAt.push(Date.now());
        } else refused.set(resp.command_status, (refused.get(resp.command_status) ?? 0) + 1);
      } catch {
        unanswered++;
      }
    });
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

    const receipts = await receiptsFor(esme, acked, { timeoutMs: 60_000, settleMs: 1000 });
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
    // The outage is told in a few lines, not one per message (each is counted in the metrics), nor one per
    // reconnect attempt (~5 for the 700 ms down): each kind at most every 10 s.
    const warnings = new Map<string, number>();
    for (const line of daemon.logLines) {
      const { level, msg } = JSON.parse(line) as { level: number; msg: string };
      if (level >= 40) warnings.set(msg, (warnings.get(msg) ?? 0) + 1);
    }
    for (const [msg, count] of warnings) expect(count, msg).toBeLessThanOrEqual(10);
    expect(warnings.get("redis connection error") ?? 0).toBeLessThanOrEqual(1);
  }, 120_000);
});
