import { describe, expect, it, onTestFinished } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { CommandId } from "../../../src/smpp/constants.js";
import { daemonFixture } from "../../helpers/daemon-fixture.js";
import { rawSmsc, receiptPdu } from "../../helpers/raw-smsc.js";
import { waitUntil } from "../../helpers/wait.js";

describe("receipts that match nothing", () => {
  it("a carrier replaying receipts for unknown ids: each answered and counted, one log line for them all", async () => {
    const redis = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => redis.stop());
    const smsc = await rawSmsc();
    const daemon = await daemonFixture({ redisUrl: redis.url, carriers: [{ id: "id-a", port: smsc.port }] });
    await daemon.start();
    const { socket, frames } = await smsc.bound;
    const answered = () => frames.frames.filter((f) => f.commandId === CommandId.deliver_sm_resp).length;

    // 300 receipts for ids otpgw never sent (another system's, on a shared account), at most 10 unanswered.
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

    const answers = frames.frames.filter((f) => f.commandId === CommandId.deliver_sm_resp);
    expect(answers.every((f) => f.status === 0)).toBe(true); // acknowledged: nothing to redeliver
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    expect(metrics).toMatch(/^otpgw_carrier_receipts_unmatched_total\{carrier="id-a"\} 300$/m);
    const unknownIdLines = () =>
      daemon.logLines.filter((l) => l.includes('"msg":"receipt for an unknown carrier message id')).length;
    await waitUntil(() => unknownIdLines() > 0, 5000, "the log line (stdout is read asynchronously)");
    await new Promise((r) => setTimeout(r, 300));
    expect(unknownIdLines()).toBe(1);
  }, 90_000);
});
