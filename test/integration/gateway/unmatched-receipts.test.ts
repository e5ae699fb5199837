import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { CommandId } from "../../../src/smpp/constants.js";
import { daemonFixture } from "../../helpers/daemon-fixture.js";
import { rawSmsc, receiptPdu } from "../../helpers/raw-smsc.js";
import { waitUntil } from "../../helpers/wait.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** GET commands Redis has run (from scripts too): each lookup of a carrier id is one. */
async function gets(admin: Redis): Promise<number> {
  const stats = await admin.info("commandstats");
  return Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

describe("receipts that match nothing", () => {
  it("a carrier replaying receipts for unknown ids, window 10: the lookups stop waiting, one log line, each counted", async () => {
    const redis = await startPrivateRedis({ appendfsync: "always" });
    cleanups.push(() => redis.stop());
    const admin = new Redis(redis.url);
    cleanups.push(() => admin.disconnect());
    const smsc = await rawSmsc();
    const daemon = await daemonFixture({ redisUrl: redis.url, carriers: [{ id: "id-a", port: smsc.port }] });
    await daemon.start();
    const { socket, frames } = await smsc.bound;
    const answered = () => frames.frames.filter((f) => f.commandId === CommandId.deliver_sm_resp).length;

    // 300 receipts for ids otpgw never sent (another system's, on a shared account), never more than 10 unanswered.
    const before = await gets(admin);
    const total = 300;
    let sent = 0;
    const pump = () => {
      while (sent < total && sent - answered() < 10) {
        sent++;
        socket.write(receiptPdu(sent, `FOREIGN${sent}`, `62811${String(sent).padStart(7, "0")}`));
      }
    };
    socket.on("data", () => setImmediate(pump));
    pump();
    await waitUntil(() => answered() === total, 60_000, "every receipt answered");
    const lookups = (await gets(admin)) - before;

    const answers = frames.frames.filter((f) => f.commandId === CommandId.deliver_sm_resp);
    expect(answers.every((f) => f.status === 0)).toBe(true); // acknowledged: nothing to redeliver
    // Each waited lookup costs 6 id GETs and a handset GET (7); one without waits, 2. Waiting for all 300 would be
    // 2,100; after 16 waited in vain (and the ≤ 10 already waiting) the rest no longer wait.
    expect(lookups).toBeLessThan(900);
    expect(lookups).toBeGreaterThanOrEqual(2 * total);
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    expect(metrics).toMatch(/^otpgw_carrier_receipts_unmatched_total\{carrier="id-a"\} 300$/m);
    const lines = daemon.logLines.map((l) => JSON.parse(l) as { msg: string });
    expect(lines.filter((l) => l.msg.startsWith("receipt for an unknown carrier message id"))).toHaveLength(
      1,
    );
    expect(
      lines.filter((l) => l.msg.startsWith("receipts of this carrier keep matching nothing")),
    ).toHaveLength(1);
  }, 90_000);
});
