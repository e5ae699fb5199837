import { describe, expect, inject, it } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { handset, receiptsFor, smppGateway, submitOtp } from "./smpp-gateway.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 20, max: 60 } };

describe("a carrier going silent under an SMPP submitter", () => {
  it("reroutes what it held, and the ESME gets exactly one receipt per message — late receipts from the silent carrier are not passed on", async () => {
    // The primary's receipts take 300-600 ms: dozens are pending when it goes silent, for messages it accepted.
    const primary = await startCarrierSim({ ...QUICK, receiptLatencyMs: { min: 300, max: 600 } });
    const secondary = await startCarrierSim(QUICK);
    const { esme } = await smppGateway({
      redisUrl: inject("redisUrl"),
      carriers: [
        { id: "id-primary", port: primary.port!, extra: "response_timeout_ms: 500" },
        { id: "id-secondary", port: secondary.port! },
      ],
      dlrTimeoutSeconds: 1,
    });

    // The primary stops answering (submits and receipts held) 0.5 s into a 2 s burst, and comes back after it:
    // the receipts it held then arrive for messages otpgw has rerouted meanwhile.
    const acked: string[] = [];
    let sent = 0;
    const stopAt = Date.now() + 2000;
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, 500));
      primary.setOutage("stop-answering");
      await new Promise((r) => setTimeout(r, 2500));
      primary.setOutage("none");
    })();
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        while (Date.now() < stopAt && sent < 400) {
          const resp = await submitOtp(esme, handset(sent++));
          if (resp.command_status === 0) acked.push(String(resp.message_id));
          await new Promise((r) => setTimeout(r, 10));
        }
      }),
    );
    await outage;

    // 1.5 s more: time for the primary's held receipts to arrive (and, wrongly, be passed on).
    const receipts = await receiptsFor(esme, acked, { timeoutMs: 30_000, settleMs: 1500 });

    expect(acked.length).toBeGreaterThan(50);
    for (const id of acked) expect(receipts.get(id), id).toEqual(["DELIVRD"]);
    expect(esme.deliveries).toHaveLength(acked.length);
    // The outage did happen under load: the primary left submits unanswered (rerouted to the secondary), and
    // the carriers sent more DELIVRD receipts than there are messages — the primary's late ones for messages the
    // secondary had delivered meanwhile — while the ESME got one per message.
    const [p, s] = [primary.counters(), secondary.counters()];
    expect(p.submitsReceived).toBeGreaterThan(p.submitResponsesByStatus["0x00000000"] ?? 0);
    expect(p.receiptsSent + s.receiptsSent).toBeGreaterThan(acked.length + 10);
  }, 60_000);
});
