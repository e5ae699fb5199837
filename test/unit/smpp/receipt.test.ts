import smpp from "smpp";
import { describe, expect, it } from "vitest";

import {
  formatReceiptText,
  messageStateFor,
  normaliseMessageId,
  parseReceipt,
  parseReceiptText,
  type ReceiptStat,
} from "../../../src/smpp/receipt.js";
import { parseSmBody, type SmBody } from "../../../src/smpp/sm-body.js";
import { encodeUcs2 } from "../../../src/smpp/ucs2.js";

/** A deliver_sm as a carrier would send it, through node-smpp's encoder and our body reader. */
function deliverSm(fields: Record<string, unknown>): SmBody {
  return parseSmBody(
    new smpp.PDU("deliver_sm", {
      sequence_number: 1,
      source_addr: "6281234567890",
      destination_addr: "Acme",
      esm_class: 0x04,
      data_coding: 0x00,
      short_message: Buffer.alloc(0),
      ...fields,
    }).toBuffer(),
  );
}

const TEXT =
  "id:11259375 sub:001 dlvrd:001 submit date:2401011230 done date:2401011231 stat:DELIVRD err:000 text:Your code";

describe("normaliseMessageId", () => {
  it("gives a hex submit_sm_resp id and a decimal receipt id the same key", () => {
    expect(normaliseMessageId("0000ABCDEF", "hex")).toBe("11259375");
    expect(normaliseMessageId("11259375", "decimal")).toBe("11259375");
    expect(normaliseMessageId("1A2B", "hex")).toBe(normaliseMessageId("6699", "decimal"));
  });

  it("accepts 0x prefixes, any case and surrounding spaces, and drops leading zeros", () => {
    expect(normaliseMessageId(" 0x1a2b ", "hex")).toBe("6699");
    expect(normaliseMessageId("0006699", "decimal")).toBe("6699");
    expect(normaliseMessageId("0000", "hex")).toBe("0");
  });

  it("keeps ids beyond 2^53 exact", () => {
    expect(normaliseMessageId("FFFFFFFFFFFFFFFFFFFF", "hex")).toBe("1208925819614629174706175");
    expect(normaliseMessageId("18446744073709551617", "decimal")).toBe("18446744073709551617");
  });

  it("trims string ids and returns ids that do not fit their format unchanged", () => {
    expect(normaliseMessageId("  msg-0001 ", "string")).toBe("msg-0001");
    expect(normaliseMessageId("msg-1", "hex")).toBe("msg-1");
    expect(normaliseMessageId("12ab", "decimal")).toBe("12ab");
  });
});

describe("parseReceipt", () => {
  it("reads a TLV-only receipt", () => {
    const r = parseReceipt(deliverSm({ receipted_message_id: "0000ABCDEF", message_state: 2 }), "hex");
    expect(r).toEqual({ messageId: "11259375", stat: "DELIVRD", final: true, delivered: true, from: "tlv" });
  });

  it("reads a text-only receipt with its err and dates", () => {
    const r = parseReceipt(deliverSm({ short_message: Buffer.from(TEXT) }), "decimal");
    expect(r).toEqual({
      messageId: "11259375",
      stat: "DELIVRD",
      final: true,
      delivered: true,
      err: "000",
      submitDate: "2401011230",
      doneDate: "2401011231",
      from: "text",
    });
  });

  it("prefers the TLVs over the text when both are present, and keeps err and dates from the text", () => {
    const r = parseReceipt(
      deliverSm({ short_message: Buffer.from(TEXT), receipted_message_id: "abcdef", message_state: 5 }),
      "hex",
    );
    expect(r).toMatchObject({
      messageId: "11259375",
      stat: "UNDELIV",
      final: true,
      delivered: false,
      from: "tlv",
    });
    expect(r?.err).toBe("000");
    expect(r?.doneDate).toBe("2401011231");
  });

  it("correlates a hex submit_sm_resp id with a decimal receipt id", () => {
    const key = normaliseMessageId("0000ABCDEF", "hex");
    const r = parseReceipt(deliverSm({ short_message: Buffer.from(TEXT) }), "decimal");
    expect(r?.messageId).toBe(key);
  });

  it("tolerates dates with seconds, Text: capitalised, 1-digit err, long ids and extra spaces", () => {
    const text =
      "id:  123456789012345678901234  sub:001   dlvrd:000 submit date:240101123045 done date:240101123159  " +
      "stat:  UNDELIV  err:1 Text:stat:DELIVRD id:999";
    const r = parseReceipt(deliverSm({ short_message: Buffer.from(text) }), "decimal");
    expect(r).toMatchObject({
      messageId: "123456789012345678901234",
      stat: "UNDELIV",
      err: "1",
      submitDate: "240101123045",
      doneDate: "240101123159",
      delivered: false,
    });
  });

  it("reads a receipt without a text field and with lower-case keys in any order", () => {
    const r = parseReceipt(
      deliverSm({ short_message: Buffer.from("stat:EXPIRED id:77 err:062") }),
      "decimal",
    );
    expect(r).toMatchObject({ messageId: "77", stat: "EXPIRED", err: "062", final: true });
  });

  it("reads a UCS-2-labelled receipt whose text is really ASCII", () => {
    const r = parseReceipt(deliverSm({ data_coding: 0x08, short_message: Buffer.from(TEXT) }), "decimal");
    expect(r).toMatchObject({ messageId: "11259375", stat: "DELIVRD" });
  });

  it("reads a genuinely UCS-2 receipt text", () => {
    const r = parseReceipt(
      deliverSm({ data_coding: 0x08, short_message: encodeUcs2("id:42 stat:REJECTD err:11") }),
      "decimal",
    );
    expect(r).toMatchObject({ messageId: "42", stat: "REJECTD", final: true, delivered: false });
  });

  it("reads the text from message_payload when short_message is empty", () => {
    const r = parseReceipt(deliverSm({ message_payload: Buffer.from(TEXT) }), "decimal");
    expect(r?.messageId).toBe("11259375");
  });

  it("tolerates a receipted_message_id without its NUL", () => {
    const body = deliverSm({ message_state: 2 });
    body.tlvs.set(0x001e, Buffer.from("ABC"));
    expect(parseReceipt(body, "string")?.messageId).toBe("ABC");
  });

  it("takes err from network_error_code when the text has none", () => {
    const r = parseReceipt(
      deliverSm({
        receipted_message_id: "9",
        message_state: 5,
        network_error_code: Buffer.from([3, 0x00, 0x0b]),
      }),
      "decimal",
    );
    expect(r?.err).toBe("011");
  });

  it("maps UNKNOWN to a final failure, ENROUTE and ACCEPTD to not final", () => {
    expect(parseReceipt(deliverSm({ receipted_message_id: "1", message_state: 7 }), "decimal")).toMatchObject(
      {
        stat: "UNKNOWN",
        final: true,
        delivered: false,
      },
    );
    expect(
      parseReceipt(deliverSm({ short_message: Buffer.from("id:1 stat:ENROUTE") }), "decimal")?.final,
    ).toBe(false);
    expect(
      parseReceipt(deliverSm({ short_message: Buffer.from("id:1 stat:ACCEPTD") }), "decimal")?.final,
    ).toBe(false);
  });

  it("accepts spelled-out stat words", () => {
    expect(
      parseReceipt(deliverSm({ short_message: Buffer.from("id:1 stat:delivered") }), "decimal")?.stat,
    ).toBe("DELIVRD");
  });

  it("falls back to the text stat when message_state is outside 1..8", () => {
    const r = parseReceipt(deliverSm({ short_message: Buffer.from(TEXT), message_state: 0 }), "decimal");
    expect(r?.stat).toBe("DELIVRD");
  });

  it("returns null for SME acks, intermediate notifications and mobile-originated messages", () => {
    for (const esm of [0x00, 0x08, 0x10, 0x20, 0x48]) {
      expect(
        parseReceipt(deliverSm({ esm_class: esm, short_message: Buffer.from(TEXT) }), "decimal"),
      ).toBeNull();
    }
  });

  it("returns null without an id or without a recognisable state", () => {
    expect(
      parseReceipt(deliverSm({ short_message: Buffer.from("stat:DELIVRD err:000") }), "decimal"),
    ).toBeNull();
    expect(parseReceipt(deliverSm({ short_message: Buffer.from("id:1 stat:WEIRD") }), "decimal")).toBeNull();
    expect(parseReceipt(deliverSm({}), "decimal")).toBeNull();
  });

  it("reads a receipt with UDHI set past its UDH", () => {
    const sm = Buffer.concat([Buffer.from("050003010101", "hex"), Buffer.from("id:5 stat:DELIVRD")]);
    const r = parseReceipt(deliverSm({ esm_class: 0x44, short_message: sm }), "decimal");
    expect(r?.messageId).toBe("5");
  });
});

describe("formatReceiptText", () => {
  const submitDate = new Date(Date.UTC(2024, 0, 2, 3, 4, 59));
  const doneDate = new Date(Date.UTC(2024, 11, 31, 23, 59, 1));

  it("writes the standard text with UTC YYMMDDhhmm dates and an empty text field", () => {
    const text = formatReceiptText({
      messageId: "42",
      stat: "DELIVRD",
      err: "0",
      submitDate,
      doneDate,
      dlvrd: 1,
      sub: 1,
    });
    expect(text).toBe(
      "id:42 sub:001 dlvrd:001 submit date:2401020304 done date:2412312359 stat:DELIVRD err:000 text:",
    );
  });

  it("is read back by the parser", () => {
    const text = formatReceiptText({
      messageId: "abc-1",
      stat: "UNDELIV",
      err: "11",
      submitDate,
      doneDate,
      dlvrd: 0,
      sub: 1,
    });
    expect(parseReceiptText(text)).toEqual({
      id: "abc-1",
      sub: "001",
      dlvrd: "000",
      submitDate: "2401020304",
      doneDate: "2412312359",
      stat: "UNDELIV",
      err: "011",
    });
  });
});

describe("messageStateFor", () => {
  it("gives the message_state number of every stat", () => {
    const table: [ReceiptStat, number][] = [
      ["ENROUTE", 1],
      ["DELIVRD", 2],
      ["EXPIRED", 3],
      ["DELETED", 4],
      ["UNDELIV", 5],
      ["ACCEPTD", 6],
      ["UNKNOWN", 7],
      ["REJECTD", 8],
    ];
    for (const [stat, state] of table) expect(messageStateFor(stat)).toBe(state);
  });
});
