import { describe, expect, it } from "vitest";
import type { Attempt, Message } from "../../../src/delivery/types.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { CommandId, MessageState, RESPONSE_BIT } from "../../../src/smpp/constants.js";
import {
  account,
  assertServesWellBehavedClient,
  bindPdu,
  boundEsme,
  type Esme,
  rawPeer,
  startServer,
  type Fixture,
} from "./smpp-fixture.js";

function query(esme: Esme, messageId: string, sourceAddr = "") {
  return esme.request("query_sm", {
    message_id: messageId,
    source_addr_ton: sourceAddr === "" ? 0 : 5,
    source_addr_npi: 0,
    source_addr: sourceAddr,
  });
}

/** Makes a stored message final as delivery would (its last attempt carrying the receipt's stat and err). */
function finish(fixture: Fixture, id: string, state: Message["state"], finalAt: number, err?: string): void {
  const message = fixture.delivery.messages.get(id)!;
  const attempt: Attempt = {
    n: 1,
    channel: "sms",
    carrier: "id-sim",
    startedAt: message.createdAt,
    dlrDeadline: message.createdAt + 60_000,
    carrierMessageIds: ["c1"],
    partStatus: [state === "delivered" ? "delivered" : "failed"],
    receiptStat: state === "delivered" ? "DELIVRD" : "UNDELIV",
    ...(err !== undefined && { receiptErr: err }),
    outcome: state === "delivered" ? "delivered" : "failed",
    endedAt: finalAt,
  };
  fixture.delivery.messages.set(id, { ...message, state, finalAt, attempts: [attempt] });
}

describe("SMPP query_sm", () => {
  it("answers ENROUTE while a message is in flight, then its final state, final date and error code", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    const submitted = await esme.submit({ registered_delivery: 1 });
    const id = submitted.message_id as string;

    const pending = await query(esme, id, "AcmeOTP");
    expect(pending.command_status).toBe(0);
    expect(pending).toMatchObject({ message_id: id, message_state: MessageState.ENROUTE, error_code: 0 });
    expect(pending.final_date).toBe("");

    const finalAt = Date.UTC(2026, 10, 22, 14, 5, 9, 700);
    finish(fixture, id, "undeliverable", finalAt, "011");
    const failed = await query(esme, id);
    expect(failed.command_status).toBe(0);
    expect(failed).toMatchObject({
      message_id: id,
      message_state: MessageState.UNDELIVERABLE,
      error_code: 11,
    });
    // node-smpp turns the absolute time back into a Date: the same instant, to the tenth of a second.
    expect((failed.final_date as Date).getTime()).toBe(finalAt);

    finish(fixture, id, "delivered", finalAt);
    expect(await query(esme, id)).toMatchObject({ message_state: MessageState.DELIVERED, error_code: 0 });
  });

  it("answers ESME_RQUERYFAIL alike for an unknown id, another account's message and another source_addr", async () => {
    const fixture = await startServer({
      accounts: [account(), account({ id: "other" }, { systemId: "other" })],
    });
    const acme = await boundEsme(fixture.port);
    const other = await boundEsme(fixture.port, "other");
    const id = (await acme.submit()).message_id as string;

    expect((await query(acme, "no-such-message")).command_status).toBe(SmppStatus.ESME_RQUERYFAIL);
    expect((await query(acme, "")).command_status).toBe(SmppStatus.ESME_RQUERYFAIL);
    expect((await query(other, id)).command_status).toBe(SmppStatus.ESME_RQUERYFAIL);
    expect((await query(acme, id, "62811000")).command_status).toBe(SmppStatus.ESME_RQUERYFAIL);
    expect((await query(acme, id, "AcmeOTP")).command_status).toBe(0);
    const counted = await fixture.metrics.registry.getSingleMetricAsString("otpgw_smpp_queries_total");
    expect(counted).toContain('otpgw_smpp_queries_total{outcome="not_found"} 4');
    expect(counted).toContain('otpgw_smpp_queries_total{outcome="found"} 1');
  });

  it("answers for the message of a reassembled submission under each part id it gave", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    const udh = (seq: number) => Buffer.from([5, 0, 3, 9, 2, seq]);
    const text = "X".repeat(153) + "Your code is 123456";
    const r1 = await esme.submit({
      esm_class: 0x40,
      short_message: Buffer.concat([udh(1), Buffer.from(text.slice(0, 153))]),
    });
    const r2 = await esme.submit({
      esm_class: 0x40,
      registered_delivery: 1,
      short_message: Buffer.concat([udh(2), Buffer.from(text.slice(153))]),
    });
    const [id1, id2] = [r1.message_id as string, r2.message_id as string];
    expect(id1).toMatch(/^[0-9a-f]{16}-1$/);
    const [messageId] = [...fixture.delivery.messages.keys()];
    finish(fixture, messageId!, "delivered", Date.now());

    for (const partId of [id1, id2]) {
      expect(await query(esme, partId)).toMatchObject({
        command_status: 0,
        message_id: partId,
        message_state: MessageState.DELIVERED,
      });
    }
    // The set had two parts: a third id was never given.
    expect((await query(esme, id1.replace(/-1$/, "-3"))).command_status).toBe(SmppStatus.ESME_RQUERYFAIL);
    // Nor does a part id of a set never stored answer.
    expect((await query(esme, "0123456789abcdef-1")).command_status).toBe(SmppStatus.ESME_RQUERYFAIL);
  });

  it("answers ESME_RTHROTTLED beyond the account's lookups per second, and answers again once the second is over", async () => {
    // rate_per_second 1: the lookup floor (10 per second) applies.
    const fixture = await startServer({ accounts: [account({ ratePerSecond: 1 })] });
    const esme = await boundEsme(fixture.port);
    const id = (await esme.submit()).message_id as string;
    const answers = await Promise.all(Array.from({ length: 15 }, () => query(esme, id)));
    const statuses = answers.map((a) => a.command_status);
    expect(statuses.filter((s) => s === 0)).toHaveLength(10);
    expect(statuses.filter((s) => s === SmppStatus.ESME_RTHROTTLED)).toHaveLength(5);
    const counted = await fixture.metrics.registry.getSingleMetricAsString("otpgw_smpp_queries_total");
    expect(counted).toContain('otpgw_smpp_queries_total{outcome="throttled"} 5');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await query(esme, id)).command_status).toBe(0);
    await assertServesWellBehavedClient(fixture);
  });

  it("refuses query_sm on a receiver bind with ESME_RINVBNDSTS", async () => {
    const fixture = await startServer();
    const sender = await boundEsme(fixture.port);
    const id = (await sender.submit()).message_id as string;
    const receiver = await boundEsme(fixture.port, "acme", "bind_receiver");
    expect((await query(receiver, id)).command_status).toBe(SmppStatus.ESME_RINVBNDSTS);
  });

  it("answers a malformed query_sm with its status, keeps the session, and still serves others", async () => {
    const fixture = await startServer();
    const { socket, frames } = await rawPeer(fixture.port);
    socket.write(bindPdu(1));
    await frames.waitFor(1);
    expect(frames.frames[0]!.status).toBe(0);
    // message_id of 70 octets without a NUL.
    const body = Buffer.concat([Buffer.from("a".repeat(70)), Buffer.from([0, 0, 0])]);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(16 + body.length, 0);
    header.writeUInt32BE(CommandId.query_sm, 4);
    header.writeUInt32BE(2, 12);
    socket.write(Buffer.concat([header, body]));
    const [, answer] = await frames.waitFor(2);
    expect(answer).toMatchObject({
      commandId: (CommandId.query_sm | RESPONSE_BIT) >>> 0,
      status: SmppStatus.ESME_RINVMSGID,
      sequence: 2,
    });
    // The same session still answers.
    const enquire = Buffer.alloc(16);
    enquire.writeUInt32BE(16, 0);
    enquire.writeUInt32BE(CommandId.enquire_link, 4);
    enquire.writeUInt32BE(3, 12);
    socket.write(enquire);
    const [, , alive] = await frames.waitFor(3);
    expect(alive).toMatchObject({ status: 0, sequence: 3 });
    await assertServesWellBehavedClient(fixture);
  });
});
