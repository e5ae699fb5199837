import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/delivery/types.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { decodePdu, encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { parseReceiptText } from "../../../src/smpp/receipt.js";
import { unbindPdu } from "../../helpers/scripted-smsc.js";
import { waitUntil } from "../../helpers/wait.js";
import { bindPdu, Esme, rawPeer, startServer, type Fixture } from "./smpp-fixture.js";

/** Submits with registered_delivery and returns the message as delivery stored it. */
async function submitted(
  fixture: Fixture,
  esme: Esme,
  registeredDelivery = 1,
): Promise<{ id: string; message: Message }> {
  const resp = await esme.submit({ registered_delivery: registeredDelivery });
  if (resp.command_status !== 0) throw new Error("submit refused");
  const message = fixture.delivery.messages.get(resp.message_id as string)!;
  return { id: resp.message_id as string, message };
}

function finalised(message: Message, state: Message["state"] = "delivered"): Message {
  return { ...message, state, finalAt: Date.now() };
}

/** What delivery does at a final state: the message enters its outbox, then is handed over to the server. */
async function handOver(fixture: Fixture, message: Message): Promise<boolean> {
  await fixture.redis.client.sadd(`${fixture.redis.prefix}outbox`, message.id);
  return fixture.server.enqueueReceipt(message);
}

describe("SMPP receipts back", () => {
  it("sends one receipt deliver_sm on the transceiver with our id in the text and the TLVs", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    await esme.bind();
    const { id, message } = await submitted(fixture, esme);
    expect(message.receiptVia).toBe("smpp");
    await handOver(fixture, finalised(message));
    // A repeated hand-over (an outbox sweep that raced with the first) queues nothing.
    expect(await fixture.server.enqueueReceipt(finalised(message))).toBe(true);
    await waitUntil(() => esme.deliveries.length === 1, 3000, "receipt");
    const dlr = esme.deliveries[0]!;
    expect(dlr.esm_class).toBe(0x04);
    expect(dlr.receipted_message_id).toBe(id);
    expect(dlr.message_state).toBe(2);
    expect(dlr.source_addr).toBe("6281234567890");
    expect(dlr.destination_addr).toBe("AcmeOTP");
    const text = Buffer.from((dlr.short_message as { message: string | Buffer }).message).toString("latin1");
    expect(parseReceiptText(text)).toMatchObject({
      id,
      stat: "DELIVRD",
      err: "000",
      sub: "001",
      dlvrd: "001",
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(esme.deliveries).toHaveLength(1);
  });

  it("sends the receipt on a separate receiver bind of the same system_id", async () => {
    const fixture = await startServer();
    const tx = await Esme.connect(fixture.port);
    await tx.bind("bind_transmitter");
    const rx = await Esme.connect(fixture.port);
    await rx.bind("bind_receiver");
    const { id, message } = await submitted(fixture, tx);
    await handOver(fixture, finalised(message, "undeliverable"));
    await waitUntil(() => rx.deliveries.length === 1, 3000, "receipt on RX");
    expect(rx.deliveries[0]!.receipted_message_id).toBe(id);
    expect(rx.deliveries[0]!.message_state).toBe(5);
    expect(tx.deliveries).toHaveLength(0);
  });

  it("keeps receipts in Redis while no receiver is bound and sends them when one binds", async () => {
    const fixture = await startServer();
    const tx = await Esme.connect(fixture.port);
    await tx.bind("bind_transmitter");
    const first = await submitted(fixture, tx);
    const second = await submitted(fixture, tx);
    await handOver(fixture, finalised(first.message));
    await handOver(fixture, finalised(second.message, "expired"));
    expect(await fixture.redis.client.llen(`${fixture.redis.prefix}smpp:receipts:acme`)).toBe(2);
    const rx = await Esme.connect(fixture.port);
    await rx.bind("bind_receiver");
    await waitUntil(() => rx.deliveries.length === 2, 3000, "queued receipts");
    expect(rx.deliveries.map((d) => d.receipted_message_id).sort()).toEqual([first.id, second.id].sort());
    await expectEventually(
      async () => (await fixture.redis.client.llen(`${fixture.redis.prefix}smpp:receipts:acme`)) === 0,
    );
  });

  it("sends the receipts a lost session left unanswered to the next receiver at once, not after the retry time", async () => {
    const fixture = await startServer({ server: { receiptRetryMs: 10_000 } });
    const tx = await Esme.connect(fixture.port);
    await tx.bind("bind_transmitter");
    const messages = [await submitted(fixture, tx), await submitted(fixture, tx)];
    // A receiver that takes the receipts and never answers them, then drops the connection.
    const lost = await rawPeer(fixture.port);
    lost.socket.write(bindPdu(1, {}, "bind_receiver"));
    for (const { message } of messages) await handOver(fixture, finalised(message));
    await lost.frames.waitFor(3); // bind_resp and the two deliver_sm
    lost.socket.destroy();
    await lost.closed;
    const rx = await Esme.connect(fixture.port);
    await rx.bind("bind_receiver");
    const started = Date.now();
    await waitUntil(() => rx.deliveries.length === 2, 5000, "the two receipts on the new receiver");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(rx.deliveries.map((d) => d.receipted_message_id).sort()).toEqual(messages.map((m) => m.id).sort());
  });

  it("takes the answer to a receipt that crossed the ESME's unbind on the wire: sent once, not again on its next bind", async () => {
    const fixture = await startServer({ server: { receiptRetryMs: 300 } });
    const tx = await Esme.connect(fixture.port);
    await tx.bind("bind_transmitter");
    const { message } = await submitted(fixture, tx);
    const leaving = await rawPeer(fixture.port);
    leaving.socket.write(bindPdu(1, {}, "bind_receiver"));
    await handOver(fixture, finalised(message));
    const [, deliver] = await leaving.frames.waitFor(2); // bind_resp, the receipt
    expect(deliver!.commandId).toBe(0x00000005);
    // The ESME had decided to unbind just as the receipt came: its unbind first, its answer 5 ms later.
    leaving.socket.write(unbindPdu(2));
    await new Promise((r) => setTimeout(r, 5));
    leaving.socket.write(encodePdu("deliver_sm_resp", deliver!.sequence, { message_id: "" }));
    await leaving.closed; // otpgw closes once its receipt is answered
    const rx = await Esme.connect(fixture.port);
    await rx.bind("bind_receiver");
    await new Promise((r) => setTimeout(r, 1000)); // beyond the retry time
    expect(rx.deliveries).toHaveLength(0);
    expect(await fixture.redis.client.llen(`${fixture.redis.prefix}smpp:receipts:acme`)).toBe(0);
  });

  it("sends a receipt queued by an earlier version (object form) and drops an unreadable item", async () => {
    const fixture = await startServer();
    const key = `${fixture.redis.prefix}smpp:receipts:acme`;
    const now = Date.now();
    const old = {
      id: "older-version-1",
      stat: "UNDELIV",
      err: "001",
      submitDate: now - 2000,
      doneDate: now - 1000,
      handset: "6281234567890",
      sender: "AcmeOTP",
      queuedAt: now - 1000,
    };
    await fixture.redis.client.rpush(key, "{not json", JSON.stringify(old));
    const rx = await Esme.connect(fixture.port);
    await rx.bind("bind_receiver");
    await waitUntil(() => rx.deliveries.length === 1, 3000, "the older receipt");
    expect(rx.deliveries[0]!.receipted_message_id).toBe("older-version-1");
    expect(rx.deliveries[0]!.message_state).toBe(5);
    await expectEventually(async () => (await fixture.redis.client.llen(key)) === 0);
  });

  it("retries a receipt answered ESME_RX_T_APPN and drops one answered ESME_RX_P_APPN", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    await esme.bind();
    const { message } = await submitted(fixture, esme);
    esme.receiptAnswer = SmppStatus.ESME_RX_T_APPN;
    await handOver(fixture, finalised(message));
    await waitUntil(() => esme.deliveries.length >= 2, 3000, "receipt retried");
    esme.receiptAnswer = SmppStatus.ESME_RX_P_APPN;
    const seen = esme.deliveries.length;
    await waitUntil(() => esme.deliveries.length > seen, 3000, "one more try");
    await expectEventually(
      async () => (await fixture.redis.client.llen(`${fixture.redis.prefix}smpp:receipts:acme`)) === 0,
    );
    const count = esme.deliveries.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(esme.deliveries.length).toBe(count);
  });

  it("sends no TLVs to an ESME bound with interface_version 0x33", async () => {
    const fixture = await startServer();
    const peer = await rawPeer(fixture.port);
    peer.socket.write(bindPdu(1, { interface_version: 0x33 }));
    await peer.frames.waitFor(1);
    peer.socket.write(
      encodePdu("submit_sm", 2, {
        source_addr: "AcmeOTP",
        destination_addr: "6281234567890",
        registered_delivery: 1,
        data_coding: 0,
        short_message: Buffer.from("code 1"),
      }),
    );
    const frames = await peer.frames.waitFor(2);
    const id = decodePdu(frames[1]!.raw).fields.message_id as string;
    await handOver(fixture, finalised(fixture.delivery.messages.get(id)!));
    const all = await peer.frames.waitFor(3);
    const dlr = decodePdu(all[2]!.raw).fields;
    expect(dlr.command).toBe("deliver_sm");
    expect(dlr.receipted_message_id).toBeUndefined();
    expect(dlr.message_state).toBeUndefined();
  });

  it("sends no receipt for a delivered message whose ESME asked for failure receipts only", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    await esme.bind();
    const delivered = await submitted(fixture, esme, 2);
    const failed = await submitted(fixture, esme, 2);
    await handOver(fixture, finalised(delivered.message));
    await handOver(fixture, finalised(failed.message, "undeliverable"));
    await waitUntil(() => esme.deliveries.length === 1, 3000, "failure receipt");
    expect(esme.deliveries[0]!.receipted_message_id).toBe(failed.id);
  });

  it("prepares the receipts of a message about to become final, sends them once committed, and removes them when answered", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    await esme.bind();
    const list = `${fixture.redis.prefix}smpp:receipts:acme`;
    const sent = await Promise.all([
      submitted(fixture, esme),
      submitted(fixture, esme),
      submitted(fixture, esme),
    ]);
    const prepared = sent.map(({ message }) => fixture.server.prepareReceipt(finalised(message))!);
    for (const handOver of prepared) {
      expect(handOver.list).toBe(list);
      expect(handOver.items).toHaveLength(1);
      // What delivery's final update does in the same step as the final state.
      await fixture.redis.client.rpush(list, ...handOver.items);
    }
    prepared.forEach((handOver) => handOver.committed());
    await waitUntil(() => esme.deliveries.length === 3, 3000, "three receipts");
    expect(esme.deliveries.map((d) => d.receipted_message_id).sort()).toEqual(sent.map((s) => s.id).sort());
    // Answered in one read: all taken out of the list.
    await expectEventually(async () => (await fixture.redis.client.llen(list)) === 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(esme.deliveries).toHaveLength(3);
  });

  it("prepares nothing to queue for a delivered message whose ESME asked for failures only, and none for webhooks", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    await esme.bind();
    const { message } = await submitted(fixture, esme, 2);
    expect(fixture.server.prepareReceipt(finalised(message))?.items).toEqual([]);
    expect(fixture.server.prepareReceipt(finalised(message, "undeliverable"))?.items).toHaveLength(1);
    expect(fixture.server.prepareReceipt({ ...finalised(message), receiptVia: "webhook" })).toBeUndefined();
    // Not final yet: nothing to prepare.
    expect(fixture.server.prepareReceipt(message)).toBeUndefined();
  });

  it("sends one receipt per part id for a reassembled message", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    await esme.bind();
    const udh = (seq: number) => Buffer.from([5, 0, 3, 42, 2, seq]);
    const ids: string[] = [];
    for (const seq of [1, 2]) {
      const resp = await esme.submit({
        esm_class: 0x40,
        registered_delivery: 1,
        short_message: Buffer.concat([udh(seq), Buffer.from(`part${seq}`)]),
      });
      ids.push(resp.message_id as string);
    }
    const message = [...fixture.delivery.messages.values()][0]!;
    await handOver(fixture, finalised(message));
    await waitUntil(() => esme.deliveries.length === 2, 3000, "two receipts");
    expect(esme.deliveries.map((d) => d.receipted_message_id).sort()).toEqual(ids.sort());
  });
});

async function expectEventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition never held");
    await new Promise((r) => setTimeout(r, 20));
  }
}
