import { describe, expect, inject, it } from "vitest";
import type { SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { waitUntil } from "../../helpers/wait.js";
import { boundEsme, type Esme } from "../north-smpp/smpp-fixture.js";
import { handset, smppGateway, submitOtp } from "./smpp-gateway.js";

async function setup(sim: SimulatorOptions, options: { rateLimit?: number } = {}) {
  const carrier = await startCarrierSim(sim);
  const { daemon, esme } = await smppGateway({
    redisUrl: inject("redisUrl"),
    carriers: [{ id: "id-sim", port: carrier.port! }],
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
  });
  return { carrier, daemon, esme };
}

/** Receipts an ESME got, by receipted message id (TLV): the stat of the last one. */
function receiptsById(esme: Esme): Map<string, string> {
  return new Map([...esme.receiptStats()].map(([id, stats]) => [id, stats.at(-1) ?? "?"]));
}

describe("SMPP submits through the daemon", () => {
  it("after a SIGKILL during a submit burst, every submit_sm that got OK is delivered and its receipt reaches the re-bound ESME", async () => {
    const { carrier, daemon, esme } = await setup({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 1500, max: 2500 },
    });

    const acked = new Map<string, string>(); // message id → destination
    let sent = 0;
    let killed = false;
    const burst = (async () => {
      // Window of 10 outstanding submits; stops when the connection dies.
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (sent < 400 && !esme.closed) {
            const to = handset(sent++);
            try {
              const resp = await submitOtp(esme, to);
              if (resp.command_status === 0) acked.set(String(resp.message_id), to);
            } catch {
              return; // no response: the daemon died with it in flight (not acknowledged)
            }
          }
        }),
      );
    })();
    await waitUntil(() => acked.size >= 150, 20_000, "150 acknowledged submits");
    await daemon.kill();
    killed = true;
    await burst;
    expect(killed).toBe(true);
    const ackedAtKill = new Map(acked);

    await daemon.start();
    await daemon.waitForBinds();
    const again = await boundEsme(daemon.ports!.smpp!);
    await waitUntil(
      () => [...ackedAtKill.keys()].every((id) => receiptsById(again).has(id)),
      60_000,
      "a receipt for every acknowledged submit",
    );
    const receipts = receiptsById(again);
    const notDelivered = [...ackedAtKill.keys()].filter((id) => receipts.get(id) !== "DELIVRD");
    const views = await Promise.all(
      notDelivered.slice(0, 3).map((id) => daemon.api(`/v1/messages/${id.split("-")[0]}`)),
    );
    expect(notDelivered, JSON.stringify(views.map((v) => v.body))).toEqual([]);
    const atCarrier = new Set(carrier.received().map((m) => m.destination));
    for (const to of ackedAtKill.values()) expect(atCarrier.has(to)).toBe(true);
  }, 120_000);

  it("answers ESME_RTHROTTLED above the account's cap, and delivers everything it said OK to", async () => {
    const { esme } = await setup(
      { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 20, max: 60 } },
      { rateLimit: 50 },
    );
    // 3× the cap: 150 submits per second for two seconds.
    const statuses: number[] = [];
    const ok: string[] = [];
    const started = Date.now();
    for (let i = 0; i < 300; i++) {
      const due = started + (i * 1000) / 150;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      void submitOtp(esme, handset(i)).then((resp) => {
        statuses.push(resp.command_status);
        if (resp.command_status === 0) ok.push(String(resp.message_id));
      });
    }
    await waitUntil(() => statuses.length === 300, 20_000, "an answer to every submit");
    const throttled = statuses.filter((s) => s === 0x58).length;
    expect(throttled).toBeGreaterThan(100);
    expect(statuses.every((s) => s === 0 || s === 0x58)).toBe(true);
    expect(ok.length).toBeLessThanOrEqual(50 * 3 + 10); // ~2 s of budget, plus the bucket's initial allowance
    await waitUntil(
      () => ok.every((id) => receiptsById(esme).get(id) === "DELIVRD"),
      20_000,
      "every OK delivered",
    );
  }, 60_000);

  it("answers query_sm from the store: ENROUTE, then the final state, also under a reassembled set's part ids", async () => {
    const { esme } = await setup({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 200, max: 300 },
    });
    const query = (messageId: string) =>
      esme.request("query_sm", { message_id: messageId, source_addr_ton: 5, source_addr: "ACME" });

    const single = String(
      (await esme.submit({ source_addr: "ACME", destination_addr: "6281100000001", registered_delivery: 1 }))
        .message_id,
    );
    const udh = (seq: number) => Buffer.from([5, 0, 3, 4, 2, seq]);
    const text = "X".repeat(153) + "Your code is 123456";
    const parts: string[] = [];
    for (const [seq, piece] of [text.slice(0, 153), text.slice(153)].entries()) {
      const resp = await esme.submit({
        source_addr: "ACME",
        destination_addr: "6281100000002",
        esm_class: 0x40,
        registered_delivery: 1,
        short_message: Buffer.concat([udh(seq + 1), Buffer.from(piece)]),
      });
      expect(resp.command_status).toBe(0);
      parts.push(String(resp.message_id));
    }
    expect(await query(single)).toMatchObject({ command_status: 0, message_state: 1, final_date: "" });

    await waitUntil(() => esme.deliveries.length >= 3, 10_000, "three receipts (one message, two part ids)");
    const before = Date.now();
    for (const id of [single, ...parts]) {
      const answer = await query(id);
      expect(answer).toMatchObject({ command_status: 0, message_id: id, message_state: 2, error_code: 0 });
      expect((answer.final_date as Date).getTime()).toBeLessThanOrEqual(before);
    }
    expect((await query(parts[0]!.replace(/-1$/, "-3"))).command_status).toBe(0x67);
  }, 30_000);
});
