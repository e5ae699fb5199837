import { describe, expect, it, onTestFinished } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { CommandId } from "../../../src/smpp/constants.js";
import { redisCommandStats } from "../../../scripts/bench/redis-info.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { webhookReceiver } from "../../helpers/webhook-receiver.js";
import { rawSmsc, receiptPdu } from "../../helpers/raw-smsc.js";
import { waitUntil } from "../../helpers/wait.js";

/** GETs Redis ran so far (the store's lookups run GET inside its scripts). */
const redisGets = (port: number): number => redisCommandStats(port).get("get")?.calls ?? 0;

/** A gateway on a Redis of its own, its one carrier a raw SMSC the test scripts, and a webhook receiver. */
async function gatewayOnRawSmsc() {
  const redis = await startPrivateRedis({ appendfsync: "always" });
  onTestFinished(() => redis.stop());
  const smsc = await rawSmsc();
  const hooks = await webhookReceiver(FIXTURE_ACCOUNT.webhookSecret);
  const daemon = await daemonFixture({ redisUrl: redis.url, carriers: [{ id: "id-a", port: smsc.port }] });
  await daemon.start();
  const { socket, frames } = await smsc.bound;
  return { hooks, daemon, socket, frames };
}

describe("receipts that match nothing", () => {
  it("a carrier replaying receipts for unknown ids: each answered and counted, one log line for them all", async () => {
    const redis = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => redis.stop());
    const smsc = await rawSmsc();
    const daemon = await daemonFixture({ redisUrl: redis.url, carriers: [{ id: "id-a", port: smsc.port }] });
    await daemon.start();
    const { socket, frames } = await smsc.bound;
    const answered = () => frames.frames.filter((f) => f.commandId === CommandId.deliver_sm_resp).length;
    // Start-up's own GETs (the bind-slot leases' first tick among them) are not the receipts'.
    const getsBefore = redisGets(redis.port);

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
    // No submit of otpgw's was outstanding: each receipt was looked up twice (at once and one retry, for another
    // instance's acceptance) and by the handset — not six times and the handset, each retry holding the window.
    const gets = redisGets(redis.port) - getsBefore;
    expect(gets).toBeGreaterThanOrEqual(total * 3);
    expect(gets).toBeLessThan(total * 4);
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    expect(metrics).toMatch(/^otpgw_carrier_receipts_unmatched_total\{carrier="id-a"\} 300$/m);
    const unknownIdLines = () =>
      daemon.logLines.filter((l) => l.includes('"msg":"receipt for an unknown carrier message id')).length;
    await waitUntil(() => unknownIdLines() > 0, 5000, "the log line (stdout is read asynchronously)");
    await new Promise((r) => setTimeout(r, 300));
    expect(unknownIdLines()).toBe(1);
  }, 90_000);

  it("a receipt that comes before its submit_sm_resp is looked up again until the submit is answered", async () => {
    const { hooks, daemon, socket, frames } = await gatewayOnRawSmsc();
    // A two-part message: no handset fallback for it, so only its own id can match a receipt.
    const r = await daemon.api("/v1/messages", {
      method: "POST",
      body: {
        to: "+6281100000077",
        from: FIXTURE_ACCOUNT.sender,
        text: `Your code is 918273. ${"Do not share it with anyone. ".repeat(6)}`,
        callback_url: hooks.url,
      },
    });
    expect(r.status).toBe(202);
    expect(r.body.parts).toBe(2);
    const submits = () => frames.frames.filter((f) => f.commandId === CommandId.submit_sm);
    await waitUntil(() => submits().length === 2, 5000, "both parts submitted");
    const [first, second] = submits();
    // The receipt of part 1 first; its submit_sm_resp 150 ms later (past two lookup retries).
    socket.write(receiptPdu(1, "PART-1"));
    await new Promise((res) => setTimeout(res, 150));
    socket.write(encodePdu("submit_sm_resp", first!.sequence, { message_id: "PART-1" }));
    socket.write(encodePdu("submit_sm_resp", second!.sequence, { message_id: "PART-2" }));
    await new Promise((res) => setTimeout(res, 50));
    socket.write(receiptPdu(2, "PART-2"));
    await waitUntil(() => hooks.calls.length >= 1, 10_000, "the message's webhook");
    expect(hooks.calls.map((c) => c.body.state)).toEqual(["delivered"]);
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    expect(metrics).not.toMatch(/^otpgw_carrier_receipts_unmatched_total\{/m);
  }, 30_000);

  it("a receipt the handset leads to a part it cannot be for is counted as unmatched, and the part's own receipt still lands", async () => {
    const { hooks, daemon, socket, frames } = await gatewayOnRawSmsc();
    const r = await daemon.api("/v1/messages", {
      method: "POST",
      body: {
        to: "+6281100000078",
        from: FIXTURE_ACCOUNT.sender,
        text: "Your code is 551234",
        callback_url: hooks.url,
      },
    });
    expect(r.status).toBe(202);
    const submits = () => frames.frames.filter((f) => f.commandId === CommandId.submit_sm);
    await waitUntil(() => submits().length === 1, 5000, "the submit");
    // Before the submit is answered, a receipt for an earlier message to the same handset (one a process that
    // died had sent; its id never recorded) comes after the submit went out: only the handset's key leads on, to
    // this part, which it cannot be for. Acknowledged (nothing to redeliver) and counted.
    socket.write(receiptPdu(1, "SENT-BY-A-DEAD-PROCESS", "6281100000078"));
    const receiptAnswers = () => frames.frames.filter((f) => f.commandId === CommandId.deliver_sm_resp);
    await waitUntil(() => receiptAnswers().length === 1, 10_000, "the receipt answered");
    const metricsText = async () => (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    expect(await metricsText()).toMatch(/^otpgw_carrier_receipts_unmatched_total\{carrier="id-a"\} 1$/m);
    socket.write(encodePdu("submit_sm_resp", submits()[0]!.sequence, { message_id: "OWN-1" }));
    await new Promise((res) => setTimeout(res, 50));
    socket.write(receiptPdu(2, "OWN-1", "6281100000078"));
    await waitUntil(() => hooks.calls.length >= 1, 10_000, "the message's webhook");
    expect(hooks.calls.map((c) => c.body.state)).toEqual(["delivered"]);
  }, 30_000);
});
