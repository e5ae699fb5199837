import type smpp from "smpp";
import { describe, expect, inject, it } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { waitUntil } from "../../helpers/wait.js";
import { boundEsme } from "../north-smpp/smpp-fixture.js";
import { handset, smppGateway, submitOtp } from "./smpp-gateway.js";

describe("graceful shutdown under an SMPP submitter", () => {
  it("on SIGTERM every outstanding submit_sm is answered, the ESME is unbound, and after a restart every OK'd message is delivered and receipted", async () => {
    const sim = await startCarrierSim({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 500, max: 1500 },
    });
    const { daemon, esme } = await smppGateway({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port! }],
    });
    // A well-behaved ESME: asked to unbind, it sends nothing more and answers.
    let unbound = false;
    let stopping = false;
    esme.session.on("unbind", (pdu: smpp.PDU) => {
      unbound = true;
      stopping = true;
      esme.session.send(pdu.response());
    });

    const acked: string[] = [];
    const refused = new Map<number, number>();
    let unanswered = 0;
    let sent = 0;
    const burst = Promise.all(
      Array.from({ length: 10 }, async () => {
        while (!esme.closed && !stopping && sent < 2000) {
          try {
            const resp = await submitOtp(esme, handset(sent++));
            if (resp.command_status === 0) acked.push(String(resp.message_id));
            else refused.set(resp.command_status, (refused.get(resp.command_status) ?? 0) + 1);
          } catch {
            unanswered++;
          }
        }
      }),
    );
    await waitUntil(() => acked.length >= 200, 10_000, "200 acknowledged submits");
    const exitCode = await daemon.stop();
    await burst;
    const stats = JSON.stringify({ sent, acked: acked.length, refused: [...refused], unanswered, unbound });
    expect(exitCode, stats).toBe(0);
    expect(unbound, stats).toBe(true);
    // Nothing the ESME sent was left without an answer (an unanswered submit may have been stored: a resend
    // would then send the OTP twice).
    expect(unanswered, stats).toBe(0);

    await daemon.start();
    await daemon.waitForBinds();
    const again = await boundEsme(daemon.ports!.smpp!);
    const received = (): Set<string> => {
      const ids = new Set<string>();
      for (const pdu of [...esme.deliveries, ...again.deliveries]) {
        const rid = pdu.receipted_message_id;
        ids.add((typeof rid === "string" ? rid : "").replace(/\0$/, ""));
      }
      return ids;
    };
    await waitUntil(
      () => acked.every((id) => received().has(id)),
      30_000,
      "a receipt for every acknowledged submit, after the restart",
    );
  }, 60_000);
});
