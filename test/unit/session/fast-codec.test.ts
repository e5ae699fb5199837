import smpp from "smpp";
import { describe, expect, it } from "vitest";
import { decodePdu, encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { encodeHotPdu, readResponseMessageId } from "../../../src/smpp/session/fast-codec.js";

/** What the `smpp` package writes for the same PDU. */
function viaPackage(command: string, sequence: number, fields: smpp.PduFields): Buffer {
  return new smpp.PDU(command, { ...fields, sequence_number: sequence, command_status: 0 }).toBuffer();
}

const SUBMIT: smpp.PduFields = {
  source_addr: "ACME",
  source_addr_ton: 5,
  source_addr_npi: 0,
  destination_addr: "6281234567890",
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  esm_class: 0x40,
  registered_delivery: 1,
  data_coding: 8,
  validity_period: "000000000500000R",
  short_message: Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01, 0x00, 0x41, 0x00, 0x42]),
};

const RECEIPT: smpp.PduFields = {
  source_addr_ton: 1,
  source_addr_npi: 1,
  source_addr: "6281234567890",
  dest_addr_ton: 5,
  dest_addr_npi: 0,
  destination_addr: "ACME",
  esm_class: 0x04,
  data_coding: 0,
  short_message: Buffer.from(
    "id:abc sub:001 dlvrd:001 submit date:2611220000 done date:2611220000 stat:DELIVRD err:000 text:",
    "latin1",
  ),
  receipted_message_id: "abc",
  message_state: 2,
  network_error_code: Buffer.from([3, 0, 1]),
};

describe("hot-path PDU encoder", () => {
  it.each([
    ["submit_sm", SUBMIT],
    ["submit_sm", { destination_addr: "447700900123", short_message: Buffer.from("hi") }],
    [
      "submit_sm",
      { ...SUBMIT, message_payload: Buffer.from("a longer text"), short_message: Buffer.alloc(0) },
    ],
    ["submit_sm", { ...SUBMIT, sar_msg_ref_num: 513, sar_total_segments: 2, sar_segment_seqnum: 1 }],
    ["deliver_sm", RECEIPT],
    // Every mandatory field set, each to a value of its own: a field written in another's place shows.
    [
      "deliver_sm",
      {
        service_type: "OTP",
        source_addr_ton: 1,
        source_addr_npi: 2,
        source_addr: "6281234567890",
        dest_addr_ton: 3,
        dest_addr_npi: 4,
        destination_addr: "ACME",
        esm_class: 5,
        protocol_id: 6,
        priority_flag: 7,
        schedule_delivery_time: "261122000000000+",
        validity_period: "000000000500000R",
        registered_delivery: 8,
        replace_if_present_flag: 9,
        data_coding: 10,
        sm_default_msg_id: 11,
        short_message: Buffer.from("x"),
      },
    ],
    ["submit_sm_resp", { message_id: "5f0c1a2b3c4d5e6f70819203" }],
    ["deliver_sm_resp", { message_id: "" }],
    ["deliver_sm_resp", {}],
  ] as [string, smpp.PduFields][])("writes %s exactly as the smpp package does", (command, fields) => {
    const fast = encodeHotPdu(command, 0x01020304, fields);
    expect(fast).toBeDefined();
    expect(fast!.toString("hex")).toBe(viaPackage(command, 0x01020304, fields).toString("hex"));
  });

  it.each([
    ["a text given as a string", { ...SUBMIT, short_message: "hello" }],
    ["a TLV it does not know", { ...SUBMIT, callback_num: "123" }],
    ["an address too long for its field", { ...SUBMIT, destination_addr: "1".repeat(21) }],
    ["a non-ASCII address", { ...SUBMIT, source_addr: "ÄCME" }],
    ["an integer out of range", { ...SUBMIT, esm_class: 256 }],
    ["a short_message over 254 octets", { ...SUBMIT, short_message: Buffer.alloc(255) }],
  ] as [string, smpp.PduFields][])("leaves %s to the package", (_, fields) => {
    expect(encodeHotPdu("submit_sm", 1, fields)).toBeUndefined();
  });

  it("is what encodePdu uses, and the package still encodes the rest", () => {
    expect(encodePdu("submit_sm", 7, SUBMIT).equals(viaPackage("submit_sm", 7, SUBMIT))).toBe(true);
    const text = { ...SUBMIT, short_message: "hello", data_coding: 0, esm_class: 0 };
    expect(encodePdu("submit_sm", 7, text).equals(viaPackage("submit_sm", 7, text))).toBe(true);
  });

  it("decodes hot-path responses without the package and leaves their bodies to the walker", () => {
    const resp = encodePdu("submit_sm_resp", 9, { message_id: "abc123" });
    expect(readResponseMessageId(resp)).toBe("abc123");
    expect(decodePdu(resp)).toMatchObject({
      command: "submit_sm_resp",
      sequence: 9,
      fields: { message_id: "abc123" },
    });
    const headerOnly = resp.subarray(0, 16);
    expect(readResponseMessageId(headerOnly)).toBe("");
    const submit = decodePdu(encodePdu("submit_sm", 3, SUBMIT));
    expect(submit.command).toBe("submit_sm");
    expect(submit.fields).toEqual({ command: "submit_sm" });
  });
});
