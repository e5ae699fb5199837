import type smpp from "smpp";
import { describe, expect, it } from "vitest";
import type { CarrierSimulator, SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { encodeGsm7 } from "../../../src/smpp/gsm7.js";
import { parseReceiptText } from "../../../src/smpp/receipt.js";
import { encodeUcs2 } from "../../../src/smpp/ucs2.js";
import { seededRng } from "../../../scripts/sim/sampling.js";
import { SimClient, sleep, startSim, waitFor, type BindCommand } from "./sim-client.js";

let sim: CarrierSimulator | undefined;

async function boundClient(
  options: SimulatorOptions = {},
  bind: BindCommand = "bind_transceiver",
): Promise<SimClient> {
  const started = await startSim({
    submitRespLatencyMs: { min: 1, max: 5 },
    receiptLatencyMs: { min: 5, max: 20 },
    rng: seededRng(7),
    ...options,
  });
  sim = started.sim;
  const c = await SimClient.connect(started.port);
  expect((await c.bind("otpgw", "s3cret", bind)).command_status).toBe(0);
  return c;
}

function shortMessageText(pdu: smpp.PDU): string {
  const sm = pdu.short_message as { message?: unknown } | undefined;
  return typeof sm?.message === "string" ? sm.message : "";
}

describe("carrier simulator: submit_sm and receipts", () => {
  it("answers a GSM submit with a message id and sends a receipt with TLVs and parseable text", async () => {
    const c = await boundClient();
    const text = "Your code is 123456 {valid} €5";
    const resp = await c.submit({ short_message: encodeGsm7(text) });
    expect(resp.command_status).toBe(0);
    const id = resp.message_id as string;
    expect(id).toMatch(/^[0-9a-f]+$/);

    await waitFor(() => c.receipts.length === 1, 3000, "the receipt");
    const dlr = c.receipts[0]!;
    expect(dlr.esm_class).toBe(0x04);
    expect(dlr.receipted_message_id).toBe(id);
    expect(dlr.message_state).toBe(2);
    expect(dlr.source_addr).toBe("6281234567890");
    expect(dlr.destination_addr).toBe("OTPGW");
    const fields = parseReceiptText(shortMessageText(dlr));
    expect(fields).toMatchObject({ id, sub: "001", dlvrd: "001", stat: "DELIVRD", err: "000" });
    expect(fields.submitDate).toMatch(/^\d{10}$/);
    expect(fields.doneDate).toMatch(/^\d{10}$/);

    await waitFor(() => sim!.counters().receiptsAcknowledged === 1, 2000, "the receipt to be acknowledged");
    const [message] = sim!.received();
    expect(message).toMatchObject({
      systemId: "otpgw",
      messageIds: [id],
      text,
      parts: 1,
      outcome: "DELIVRD",
    });
    expect(sim!.counters()).toMatchObject({ submitsReceived: 1, receiptsSent: 1, messagesReceived: 1 });
  });

  it("decodes UCS-2 text with otpgw's codec", async () => {
    const c = await boundClient();
    const text = "코드 123456 🔐";
    await c.submit({ data_coding: 8, short_message: encodeUcs2(text) });
    expect(sim!.received()[0]?.text).toBe(text);
  });

  it("writes decimal ids when messageIdFormat is decimal", async () => {
    const c = await boundClient({ messageIdFormat: "decimal", messageIdStart: 1000 });
    const first = await c.submit({ short_message: Buffer.from("a") });
    const second = await c.submit({ short_message: Buffer.from("b") });
    expect(first.message_id).toBe("1000");
    expect(second.message_id).toBe("1001");
  });

  it("writes the same number in hex in the response and in decimal in the receipt when formats differ", async () => {
    const c = await boundClient({
      messageIdFormat: "hex",
      receiptIdFormat: "decimal",
      messageIdStart: 0xabcdef,
    });
    const resp = await c.submit({ short_message: Buffer.from("a") });
    expect(resp.message_id).toBe("abcdef");
    await waitFor(() => c.receipts.length === 1, 3000, "the receipt");
    expect(c.receipts[0]!.receipted_message_id).toBe(String(0xabcdef));
    expect(parseReceiptText(shortMessageText(c.receipts[0]!)).id).toBe(String(0xabcdef));
  });

  it("sends text-only or TLV-only receipts as receiptStyle says", async () => {
    const c = await boundClient({ receiptStyle: "text" });
    await c.submit({ short_message: Buffer.from("a") });
    await waitFor(() => c.receipts.length === 1, 3000, "the receipt");
    expect(c.receipts[0]!.receipted_message_id).toBeUndefined();
    expect(parseReceiptText(shortMessageText(c.receipts[0]!)).stat).toBe("DELIVRD");

    sim!.setOptions({ receiptStyle: "tlv", outcomeMix: { DELIVRD: 0, UNDELIV: 1, EXPIRED: 0, none: 0 } });
    await c.submit({ short_message: Buffer.from("b") });
    await waitFor(() => c.receipts.length === 2, 3000, "the second receipt");
    const tlvOnly = c.receipts[1]!;
    expect(shortMessageText(tlvOnly)).toBe("");
    expect(tlvOnly.message_state).toBe(5);
    expect(tlvOnly.network_error_code).toEqual(Buffer.from([3, 0, 1]));
  });

  it("sends text-only receipts to a session bound with interface_version 0x33", async () => {
    const { port } = await startSim({
      submitRespLatencyMs: { min: 0, max: 0 },
      receiptLatencyMs: { min: 1, max: 2 },
    });
    const c = await SimClient.connect(port);
    await c.bind("otpgw", "s3cret", "bind_transceiver", 0x33);
    await c.submit({ short_message: Buffer.from("a") });
    await waitFor(() => c.receipts.length === 1, 3000, "the receipt");
    expect(c.receipts[0]!.receipted_message_id).toBeUndefined();
    expect(c.receipts[0]!.message_state).toBeUndefined();
  });

  it("honours registered_delivery: none when 0, failures only when 2", async () => {
    const c = await boundClient({ outcomeMix: { DELIVRD: 1, UNDELIV: 1, EXPIRED: 0, none: 0 } });
    for (let i = 0; i < 20; i++)
      await c.submit({ registered_delivery: 0, short_message: Buffer.from(`n${i}`) });
    for (let i = 0; i < 20; i++)
      await c.submit({ registered_delivery: 2, short_message: Buffer.from(`f${i}`) });
    const failures = sim!.received().filter((m) => m.text.startsWith("f") && m.outcome === "UNDELIV").length;
    expect(failures).toBeGreaterThan(0);
    await waitFor(() => c.receipts.length >= failures, 3000, "the failure receipts");
    await sleep(100);
    expect(c.receipts.length).toBe(failures);
    expect(c.receipts.every((r) => r.message_state === 5)).toBe(true);
  });

  it("never sends a receipt for the outcome none, and records the outcome", async () => {
    const c = await boundClient({ outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 } });
    await c.submit({ short_message: Buffer.from("a") });
    await sleep(100);
    expect(c.receipts).toHaveLength(0);
    expect(sim!.received()[0]).toMatchObject({ outcome: "none", receiptRequested: false });
    expect(sim!.counters().receiptsScheduled).toBe(0);
  });

  it("answers submits above throttlePerSecond in one second with ESME_RTHROTTLED (0x58)", async () => {
    const c = await boundClient({ throttlePerSecond: 5, submitRespLatencyMs: { min: 0, max: 0 } });
    // Start at the beginning of a wall-clock second so all 8 fall in one bucket.
    await sleep(1000 - (Date.now() % 1000) + 5);
    const statuses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => c.submit({ short_message: Buffer.from(`m${i}`) })),
    ).then((r) => r.map((p) => p.command_status));
    expect(statuses.filter((s) => s === 0)).toHaveLength(5);
    expect(statuses.filter((s) => s === SmppStatus.ESME_RTHROTTLED)).toHaveLength(3);
    const counters = sim!.counters();
    expect(counters.throttled).toBe(3);
    expect(counters.submitResponsesByStatus).toEqual({ "0x00000000": 5, "0x00000058": 3 });
    expect(counters.messagesReceived).toBe(5);
  });

  it("answers ESME_RMSGQFUL above windowLimit outstanding", async () => {
    const c = await boundClient({ windowLimit: 2, submitRespLatencyMs: { min: 100, max: 100 } });
    const statuses = await Promise.all(
      Array.from({ length: 4 }, (_, i) => c.submit({ short_message: Buffer.from(`m${i}`) })),
    ).then((r) => r.map((p) => p.command_status));
    expect(statuses.filter((s) => s === SmppStatus.ESME_RMSGQFUL)).toHaveLength(2);
    expect(sim!.counters().queueFull).toBe(2);
  });

  it("answers a malformed submit body with the status our parser gives", async () => {
    const c = await boundClient();
    const resp = await c.submit({ destination_addr: "1".repeat(30), short_message: Buffer.from("a") });
    expect(resp.command_status).toBe(SmppStatus.ESME_RINVDSTADR);
    expect(sim!.received()).toHaveLength(0);
  });

  it("delivers receipts to a receiver bind of the same account when the submit came on a transmitter", async () => {
    const tx = await boundClient({}, "bind_transmitter");
    const rx = await SimClient.connect(sim!.port!);
    await rx.bind("otpgw", "s3cret", "bind_receiver");
    const resp = await tx.submit({ short_message: Buffer.from("a") });
    await waitFor(() => rx.receipts.length === 1, 3000, "the receipt on the receiver");
    expect(rx.receipts[0]!.receipted_message_id).toBe(resp.message_id);
    expect(tx.receipts).toHaveLength(0);
  });

  it("holds receipts until a receiver binds, then delivers them", async () => {
    const tx = await boundClient({}, "bind_transmitter");
    await tx.submit({ short_message: Buffer.from("a") });
    await waitFor(() => sim!.counters().receiptsPending === 1, 3000, "the receipt to wait");
    const rx = await SimClient.connect(sim!.port!);
    await rx.bind("otpgw", "s3cret", "bind_receiver");
    await waitFor(() => rx.receipts.length === 1, 3000, "the held receipt");
    expect(sim!.counters().receiptsPending).toBe(0);
  });

  it("re-sends a receipt answered with ESME_RX_T_APPN after the retry delay", async () => {
    const c = await boundClient({ receiptRetryDelayMs: 50 });
    c.deliverStatus = SmppStatus.ESME_RX_T_APPN;
    await c.submit({ short_message: Buffer.from("a") });
    await waitFor(() => c.receipts.length === 1, 3000, "the first receipt");
    c.deliverStatus = 0;
    await waitFor(() => c.receipts.length === 2, 3000, "the re-sent receipt");
    expect(c.receipts[1]!.receipted_message_id).toBe(c.receipts[0]!.receipted_message_id);
    await waitFor(() => sim!.counters().receiptsAcknowledged === 1, 2000, "the acknowledgement");
    expect(sim!.counters()).toMatchObject({ receiptsRejected: 1, receiptsRequeued: 1, receiptsSent: 2 });
  });

  it("re-sends unacknowledged receipts on another bind when their session closes", async () => {
    const first = await boundClient();
    first.answerReceipts = false;
    const resp = await first.submit({ short_message: Buffer.from("a") });
    await waitFor(() => first.receipts.length === 1, 3000, "the unanswered receipt");
    const second = await SimClient.connect(sim!.port!);
    await second.bind("otpgw", "s3cret", "bind_receiver");
    first.close();
    await waitFor(() => second.receipts.length === 1, 3000, "the receipt on the other bind");
    expect(second.receipts[0]!.receipted_message_id).toBe(resp.message_id);
  });
});
