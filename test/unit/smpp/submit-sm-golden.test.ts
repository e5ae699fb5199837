import smpp from "smpp";
import { describe, expect, it } from "vitest";

import { encodeGsm7 } from "../../../src/smpp/gsm7.js";
import { segmentText } from "../../../src/smpp/segmentation.js";
import { parseSmBody } from "../../../src/smpp/sm-body.js";

function hex(s: string): string {
  return Buffer.from(s, "latin1").toString("hex");
}

describe("submit_sm built by node-smpp from our encoded Buffer", () => {
  it("has exactly the expected bytes for a GSM OTP with explicit data_coding 0", () => {
    const text = "Your code is 482913 @Acme_$";
    const pdu = new smpp.PDU("submit_sm", {
      sequence_number: 0x2a,
      service_type: "",
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: "Acme",
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: "6281234567890",
      validity_period: "000000000500000R",
      registered_delivery: 1,
      data_coding: 0x00,
      short_message: encodeGsm7(text),
    });
    const expected = [
      "0000005d", // command_length 93
      "00000004", // submit_sm
      "00000000", // command_status
      "0000002a", // sequence_number
      "00", // service_type ""
      "05", // source_addr_ton alphanumeric
      "00", // source_addr_npi
      hex("Acme") + "00",
      "01", // dest_addr_ton international
      "01", // dest_addr_npi E.164
      hex("6281234567890") + "00",
      "00", // esm_class
      "00", // protocol_id
      "00", // priority_flag
      "00", // schedule_delivery_time immediate
      hex("000000000500000R") + "00", // validity 5 minutes relative, untouched
      "01", // registered_delivery: final outcome
      "00", // replace_if_present_flag
      "00", // data_coding GSM 03.38 (not node-smpp's auto-detected 0x01)
      "00", // sm_default_msg_id
      "1b", // sm_length 27
      hex("Your code is 482913 ") + "00" + hex("Acme") + "11" + "02", // @ → 00, _ → 11, $ → 02
    ].join("");
    expect(pdu.toBuffer().toString("hex")).toBe(expected);
  });

  it("passes a multipart UDH part and its esm_class through unchanged, and parseSmBody reads it back", () => {
    const seg = segmentText("a".repeat(200), 0x11);
    const part = seg.parts[0]!;
    const buf = new smpp.PDU("submit_sm", {
      sequence_number: 7,
      source_addr: "Acme",
      destination_addr: "6281234567890",
      esm_class: part.udhi ? 0x40 : 0x00,
      data_coding: seg.dataCoding,
      short_message: part.shortMessage,
    }).toBuffer();
    const body = parseSmBody(buf);
    expect(body.esmClass).toBe(0x40);
    expect(body.dataCoding).toBe(0x00);
    expect(body.shortMessage.equals(part.shortMessage)).toBe(true);
    expect(body.shortMessage.subarray(0, 6).toString("hex")).toBe("050003110201");
  });
});
