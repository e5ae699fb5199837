import { describe, expect, it } from "vitest";
import { ErrorCodes, OtpgwError } from "../../../src/errors.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { MemoryDelivery } from "../north/memory-delivery.js";
import { account, boundEsme, startServer } from "./smpp-fixture.js";
import { readHistogram } from "../../helpers/histogram-reading.js";

/** YYMMDDhhmmss in UTC for an absolute validity_period. */
function smppUtc(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

describe("SMPP submit_sm", () => {
  it("accepts a GSM text and answers with the message id only after delivery accepted it", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    const resp = await esme.submit({ short_message: Buffer.from("Code: 123456 @home") });
    expect(resp.command_status).toBe(0);
    const [accepted] = fixture.delivery.accepted;
    expect(accepted).toMatchObject({
      account: "acme",
      to: "+6281234567890",
      from: "AcmeOTP",
      country: "ID",
      parts: 1,
    });
    expect(accepted!.text).toBe("Code: 123456 ¡home");
    expect(resp.message_id).toBe([...fixture.delivery.messages.keys()][0]);
  });

  it("decodes UCS-2 Korean text", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    const text = "인증번호는 123456 입니다";
    const resp = await esme.submit({ data_coding: 8, short_message: Buffer.from(text, "utf16le").swap16() });
    expect(resp.command_status).toBe(0);
    expect(fixture.delivery.accepted[0]!.text).toBe(text);
  });

  it("takes the text from message_payload when short_message is empty", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    const text = "A".repeat(200);
    const resp = await esme.submit({ short_message: Buffer.alloc(0), message_payload: Buffer.from(text) });
    expect(resp.command_status).toBe(0);
    expect(fixture.delivery.accepted[0]).toMatchObject({ text, parts: 2 });
  });

  it("reads relative and absolute validity periods and clamps them to the maximum", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    await esme.submit({ validity_period: "000000000200000R" });
    await esme.submit({ validity_period: "000001000000000R" });
    await esme.submit({ validity_period: `${smppUtc(Date.now() + 240_000)}000+` });
    await esme.submit({});
    const validities = fixture.delivery.accepted.map((m) => m.validitySeconds);
    expect(validities[0]).toBe(120);
    expect(validities[1]).toBe(600);
    expect(validities[2]).toBeGreaterThan(230);
    expect(validities[2]).toBeLessThanOrEqual(241);
    expect(validities[3]).toBe(300);
  });

  it.each([
    [
      "a validity period already past",
      { validity_period: `${smppUtc(Date.now() - 60_000)}000+` },
      SmppStatus.ESME_RINVEXPIRY,
    ],
    ["a malformed validity period", { validity_period: "tomorrow" }, SmppStatus.ESME_RINVEXPIRY],
    [
      "a validity period too short for an attempt to start",
      { validity_period: "000000000005000R" },
      SmppStatus.ESME_RINVEXPIRY,
    ],
    ["a sender the account does not have", { source_addr: "Other" }, SmppStatus.ESME_RINVSRCADR],
    ["an invalid destination", { destination_addr: "12" }, SmppStatus.ESME_RINVDSTADR],
    [
      "a fixed line, which cannot receive SMS",
      { destination_addr: "622150123456" },
      SmppStatus.ESME_RINVDSTADR,
    ],
    ["8-bit binary data", { data_coding: 4 }, SmppStatus.ESME_RINVDCS],
    [
      "JIS text (data_coding 0x05, read only byte for byte)",
      { data_coding: 5, short_message: Buffer.from([0x1b, 0x24, 0x42, 0x24, 0x33, 0x1b, 0x28, 0x42]) },
      SmppStatus.ESME_RINVDCS,
    ],
    [
      "GSM 7-bit text with a byte above 0x7F",
      { data_coding: 0, short_message: Buffer.from([0x31, 0x32, 0xe9, 0x33]) },
      SmppStatus.ESME_RINVDCS,
    ],
    [
      "UCS-2 text of an odd number of bytes",
      { data_coding: 8, short_message: Buffer.from([0x00, 0x31, 0x00, 0x32, 0x00]) },
      SmppStatus.ESME_RINVMSGLEN,
    ],
    ["an empty text", { short_message: Buffer.alloc(0) }, SmppStatus.ESME_RINVMSGLEN],
    ["a scheduled delivery", { schedule_delivery_time: "000000000500000R" }, SmppStatus.ESME_RINVSCHED],
  ])("refuses %s with its status and accepts nothing", async (_, fields, status) => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    expect((await esme.submit(fields)).command_status).toBe(status);
    expect(fixture.delivery.accepted).toHaveLength(0);
    expect((await esme.submit()).command_status).toBe(0);
  });

  it("answers ESME_RMSGQFUL when the carriers are saturated and ESME_RSYSERR when the store fails", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    fixture.delivery.saturated.add("ID");
    expect((await esme.submit()).command_status).toBe(SmppStatus.ESME_RMSGQFUL);
    fixture.delivery.saturated.clear();
    fixture.delivery.acceptError = MemoryDelivery.saturatedError();
    expect((await esme.submit()).command_status).toBe(SmppStatus.ESME_RMSGQFUL);
    fixture.delivery.acceptError = new OtpgwError(ErrorCodes.DELIVERY_STORE, "redis down");
    expect((await esme.submit()).command_status).toBe(SmppStatus.ESME_RSYSERR);
    fixture.delivery.acceptError = undefined;
    expect((await esme.submit()).command_status).toBe(0);
    expect(fixture.delivery.messages.size).toBe(1);
  });

  it("throttles an ESME above the account's rate across its binds with ESME_RTHROTTLED", async () => {
    const fixture = await startServer({ accounts: [account({ ratePerSecond: 5 })] });
    const a = await boundEsme(fixture.port);
    const b = await boundEsme(fixture.port);
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) => (i % 2 ? a : b).submit()).map((p) =>
        p.then((r) => r.command_status),
      ),
    );
    const ok = results.filter((s) => s === 0).length;
    const throttled = results.filter((s) => s === SmppStatus.ESME_RTHROTTLED).length;
    expect(ok + throttled).toBe(15);
    // 15 submits within a second or two: at most two one-second windows of 5.
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThanOrEqual(10);
    expect(fixture.delivery.accepted).toHaveLength(ok);
  });
});

describe("SMPP concatenated submits", () => {
  const udh8 = (ref: number, total: number, seq: number) => Buffer.from([5, 0, 3, ref, total, seq]);
  const udh16 = (ref: number, total: number, seq: number) =>
    Buffer.from([6, 8, 4, ref >> 8, ref & 0xff, total, seq]);

  it("observes an accepted submit's wait for its acknowledgement (each part of a set too), not a refused one's", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    fixture.delivery.acceptDelayMs = 60; // the store takes its time: the answer waits for it
    expect((await esme.submit()).command_status).toBe(0);
    expect((await esme.submit({ source_addr: "Other" })).command_status).toBe(SmppStatus.ESME_RINVSRCADR);
    fixture.delivery.acceptError = MemoryDelivery.saturatedError();
    expect((await esme.submit()).command_status).toBe(SmppStatus.ESME_RMSGQFUL);
    fixture.delivery.acceptError = undefined;
    const text = "X".repeat(153) + "Your code is 123456";
    for (const [seq, piece] of [text.slice(0, 153), text.slice(153)].entries()) {
      const resp = await esme.submit({
        esm_class: 0x40,
        short_message: Buffer.concat([udh8(9, 2, seq + 1), Buffer.from(piece)]),
      });
      expect(resp.command_status).toBe(0);
    }
    const ack = await readHistogram(fixture.metrics.registry, "otpgw_submit_ack_seconds", {
      interface: "smpp",
    });
    expect(ack.count).toBe(3); // the single message and both parts; the two refusals not
    // The first part is answered once stored in the set store (not delayed here); the last once the whole message is.
    expect(ack.atMost(0.05)).toBe(1);
    expect(ack.sum).toBeGreaterThanOrEqual(0.115);
  });

  it("reassembles a 2-part GSM message (8-bit reference) into one message and acks each part with its own id", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    const text = "X".repeat(153) + "Your code is 123456";
    const r1 = await esme.submit({
      esm_class: 0x40,
      short_message: Buffer.concat([udh8(7, 2, 1), Buffer.from(text.slice(0, 153))]),
    });
    expect(r1.command_status).toBe(0);
    expect(fixture.delivery.accepted).toHaveLength(0);
    const r2 = await esme.submit({
      esm_class: 0x40,
      short_message: Buffer.concat([udh8(7, 2, 2), Buffer.from(text.slice(153))]),
    });
    expect(r2.command_status).toBe(0);
    expect(fixture.delivery.accepted).toHaveLength(1);
    expect(fixture.delivery.accepted[0]).toMatchObject({ text, parts: 2 });
    const [id1, id2] = [r1.message_id as string, r2.message_id as string];
    expect(id1).toMatch(/-1$/);
    expect(id2).toBe(id1.replace(/-1$/, "-2"));
  });

  it("reassembles UCS-2 parts with a 16-bit reference, out of order", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    const part1 = "인증".repeat(30);
    const part2 = "번호 123456";
    const ucs2 = (s: string) => Buffer.from(s, "utf16le").swap16();
    await esme.submit({
      esm_class: 0x40,
      data_coding: 8,
      short_message: Buffer.concat([udh16(0x1234, 2, 2), ucs2(part2)]),
    });
    await esme.submit({
      esm_class: 0x40,
      data_coding: 8,
      short_message: Buffer.concat([udh16(0x1234, 2, 1), ucs2(part1)]),
    });
    expect(fixture.delivery.accepted).toHaveLength(1);
    expect(fixture.delivery.accepted[0]!.text).toBe(part1 + part2);
  });

  it("refuses a set whose joined UCS-2 text has an odd length at its last part, and a part in an unread coding at once", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    const ucs2 = (s: string) => Buffer.from(s, "utf16le").swap16();
    const first = await esme.submit({
      esm_class: 0x40,
      data_coding: 8,
      short_message: Buffer.concat([udh8(7, 2, 1), ucs2("인증번호 ")]),
    });
    expect(first.command_status).toBe(0);
    const last = await esme.submit({
      esm_class: 0x40,
      data_coding: 8,
      short_message: Buffer.concat([udh8(7, 2, 2), ucs2("123456"), Buffer.from([0x00])]),
    });
    expect(last.command_status).toBe(SmppStatus.ESME_RINVMSGLEN);
    const jis = await esme.submit({
      esm_class: 0x40,
      data_coding: 5,
      short_message: Buffer.concat([udh8(8, 2, 1), Buffer.from([0x24, 0x33])]),
    });
    expect(jis.command_status).toBe(SmppStatus.ESME_RINVDCS);
    expect(fixture.delivery.accepted).toHaveLength(0);
  });

  it("reassembles parts sent with SAR TLVs", async () => {
    const fixture = await startServer();
    const esme = await boundEsme(fixture.port);
    for (const [seq, chunk] of [
      [1, "Your code "],
      [2, "is 654321"],
    ] as const) {
      const resp = await esme.submit({
        short_message: Buffer.from(chunk),
        sar_msg_ref_num: 99,
        sar_total_segments: 2,
        sar_segment_seqnum: seq,
      });
      expect(resp.command_status).toBe(0);
    }
    expect(fixture.delivery.accepted.map((m) => m.text)).toEqual(["Your code is 654321"]);
  });

  it("refuses a new set beyond the per-session bound with ESME_RMSGQFUL", async () => {
    const fixture = await startServer({ server: { maxOpenSetsPerSession: 2 } });
    const esme = await boundEsme(fixture.port);
    for (const ref of [1, 2]) {
      expect(
        (
          await esme.submit({
            esm_class: 0x40,
            short_message: Buffer.concat([udh8(ref, 2, 1), Buffer.from("a")]),
          })
        ).command_status,
      ).toBe(0);
    }
    const third = await esme.submit({
      esm_class: 0x40,
      short_message: Buffer.concat([udh8(3, 2, 1), Buffer.from("a")]),
    });
    expect(third.command_status).toBe(SmppStatus.ESME_RMSGQFUL);
    // Completing an open set still works.
    const done = await esme.submit({
      esm_class: 0x40,
      short_message: Buffer.concat([udh8(1, 2, 2), Buffer.from("b")]),
    });
    expect(done.command_status).toBe(0);
    expect(fixture.delivery.accepted.map((m) => m.text)).toEqual(["ab"]);
  });
});
