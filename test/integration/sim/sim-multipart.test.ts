import { describe, expect, it } from "vitest";
import type { CarrierSimulator } from "../../../scripts/sim/carrier-simulator.js";
import { seededRng } from "../../../scripts/sim/sampling.js";
import { encodeGsm7 } from "../../../src/smpp/gsm7.js";
import { encodeUcs2 } from "../../../src/smpp/ucs2.js";
import { SimClient, startSim, waitFor } from "./sim-client.js";

let sim: CarrierSimulator | undefined;

async function boundClient(): Promise<SimClient> {
  const started = await startSim({
    submitRespLatencyMs: { min: 0, max: 3 },
    receiptLatencyMs: { min: 1, max: 10 },
    outcomeMix: { DELIVRD: 1, UNDELIV: 1, EXPIRED: 1, none: 0 },
    rng: seededRng(3),
  });
  sim = started.sim;
  const c = await SimClient.connect(started.port);
  await c.bind("otpgw", "s3cret");
  return c;
}

function udh8(ref: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, ref, total, seq]);
}

function udh16(ref: number, total: number, seq: number): Buffer {
  return Buffer.from([0x06, 0x08, 0x04, ref >> 8, ref & 0xff, total, seq]);
}

const PARTS = ["A".repeat(153), "B".repeat(153), "tail with € and {}"];

describe("carrier simulator: multi-part messages", () => {
  it("reassembles 8-bit-reference UDH parts sent out of order into one message, one id and receipt per part", async () => {
    const c = await boundClient();
    const idsBySeq = new Map<number, string>();
    for (const seq of [3, 1, 2]) {
      const body = Buffer.concat([udh8(42, 3, seq), encodeGsm7(PARTS[seq - 1]!)]);
      const resp = await c.submit({ esm_class: 0x40, short_message: body });
      expect(resp.command_status).toBe(0);
      idsBySeq.set(seq, resp.message_id as string);
      if (seq !== 2) expect(sim!.received()).toHaveLength(0);
    }
    const messages = sim!.received();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      text: PARTS.join(""),
      parts: 3,
      messageIds: [idsBySeq.get(1), idsBySeq.get(2), idsBySeq.get(3)],
    });
    expect(new Set(idsBySeq.values()).size).toBe(3);

    await waitFor(() => c.receipts.length === 3, 3000, "a receipt per part");
    expect(new Set(c.receipts.map((r) => r.receipted_message_id))).toEqual(new Set(idsBySeq.values()));
    // One outcome per message: every part's receipt tells the same story.
    expect(new Set(c.receipts.map((r) => r.message_state)).size).toBe(1);
  });

  it("reassembles 16-bit-reference UDH parts of a UCS-2 message", async () => {
    const c = await boundClient();
    const text = "인증번호는 123456 입니다. ".repeat(5);
    const units = encodeUcs2(text);
    const halves = [units.subarray(0, 66 * 2), units.subarray(66 * 2)];
    for (const [i, half] of halves.entries()) {
      await c.submit({
        esm_class: 0x40,
        data_coding: 8,
        short_message: Buffer.concat([udh16(0x1234, 2, i + 1), half]),
      });
    }
    expect(sim!.received()).toMatchObject([{ text, parts: 2, dataCoding: 8 }]);
  });

  it("reassembles parts that carry SAR TLVs instead of a UDH", async () => {
    const c = await boundClient();
    for (const [i, part] of ["first half, ", "second half"].entries()) {
      await c.submit({
        short_message: encodeGsm7(part),
        sar_msg_ref_num: 700,
        sar_total_segments: 2,
        sar_segment_seqnum: i + 1,
      });
    }
    expect(sim!.received()).toMatchObject([{ text: "first half, second half", parts: 2 }]);
  });

  it("keeps messages with the same reference to different destinations apart", async () => {
    const c = await boundClient();
    for (const destination of ["628111", "628222"]) {
      for (const seq of [1, 2]) {
        await c.submit({
          destination_addr: destination,
          esm_class: 0x40,
          short_message: Buffer.concat([udh8(9, 2, seq), encodeGsm7(`${destination}-${seq} `)]),
        });
      }
    }
    const texts = sim!.received().map((m) => m.text);
    expect(texts).toEqual(["628111-1 628111-2 ", "628222-1 628222-2 "]);
  });

  it("records a resubmitted part once in the text and twice in messageIds, and counts the duplicate", async () => {
    const c = await boundClient();
    const first = await c.submit({
      esm_class: 0x40,
      short_message: Buffer.concat([udh8(5, 2, 1), encodeGsm7("one ")]),
    });
    const again = await c.submit({
      esm_class: 0x40,
      short_message: Buffer.concat([udh8(5, 2, 1), encodeGsm7("one ")]),
    });
    const second = await c.submit({
      esm_class: 0x40,
      short_message: Buffer.concat([udh8(5, 2, 2), encodeGsm7("two")]),
    });
    const [message] = sim!.received();
    expect(message?.text).toBe("one two");
    expect(message?.messageIds).toEqual([first.message_id, again.message_id, second.message_id]);
    expect(sim!.counters()).toMatchObject({ duplicateParts: 1, submitsReceived: 3, messagesReceived: 1 });
  });

  it("answers a UDH that runs past the message with ESME_RINVMSGLEN", async () => {
    const c = await boundClient();
    const resp = await c.submit({ esm_class: 0x40, short_message: Buffer.from([0x20, 0x00, 0x03, 1]) });
    expect(resp.command_status).toBe(0x01);
  });
});
