import smpp from "smpp";
import { describe, expect, it } from "vitest";

import { ErrorCodes, SmppError } from "../../../src/errors.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { parseSmBody } from "../../../src/smpp/sm-body.js";

interface RawFields {
  commandId?: number;
  serviceType?: Buffer;
  sourceAddr?: Buffer;
  destinationAddr?: Buffer;
  schedule?: Buffer;
  validity?: Buffer;
  smLength?: number;
  shortMessage?: Buffer;
  tail?: Buffer;
}

const z = (s: string): Buffer => Buffer.from(`${s}\0`, "latin1");
const noNul = (s: string): Buffer => Buffer.from(s, "latin1");

/** A submit_sm laid out by hand, so fields can be corrupted in ways node-smpp would never encode. */
function rawPdu(f: RawFields = {}): Buffer {
  const sm = f.shortMessage ?? Buffer.from("hello");
  const body = Buffer.concat([
    f.serviceType ?? z(""),
    Buffer.from([1, 1]),
    f.sourceAddr ?? z("12345"),
    Buffer.from([1, 1]),
    f.destinationAddr ?? z("6281234567890"),
    Buffer.from([0, 0, 0]),
    f.schedule ?? z(""),
    f.validity ?? z(""),
    Buffer.from([1, 0, 0, 0, f.smLength ?? sm.length]),
    sm,
    f.tail ?? Buffer.alloc(0),
  ]);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(16 + body.length, 0);
  header.writeUInt32BE(f.commandId ?? 0x00000004, 4);
  header.writeUInt32BE(9, 12);
  return Buffer.concat([header, body]);
}

function withLength(pdu: Buffer): Buffer {
  pdu.writeUInt32BE(pdu.length, 0);
  return pdu;
}

function tlv(tag: number, value: Buffer, declaredLength = value.length): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(tag, 0);
  head.writeUInt16BE(declaredLength, 2);
  return Buffer.concat([head, value]);
}

function statusOf(pdu: Buffer): number {
  try {
    parseSmBody(pdu);
  } catch (err) {
    expect(err).toBeInstanceOf(SmppError);
    expect((err as SmppError).code).toBe(ErrorCodes.SMPP_DECODE);
    expect((err as SmppError).fatal).toBe(false);
    return (err as SmppError).status;
  }
  throw new Error("parseSmBody accepted the PDU");
}

describe("parseSmBody on PDUs encoded by node-smpp", () => {
  it("reads every field of a submit_sm back, time fields as raw strings", () => {
    const sm = Buffer.from("0500032a0201c778", "hex");
    const buf = new smpp.PDU("submit_sm", {
      sequence_number: 5,
      service_type: "OTP",
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: "AcmeBank",
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: "6281234567890",
      esm_class: 0x43,
      protocol_id: 0,
      priority_flag: 1,
      schedule_delivery_time: "000000000100000R",
      validity_period: "240101120000000+",
      registered_delivery: 0x11,
      replace_if_present_flag: 0,
      data_coding: 0x08,
      sm_default_msg_id: 0,
      short_message: sm,
      sar_msg_ref_num: 0x2a,
    }).toBuffer();
    const body = parseSmBody(buf);
    expect(body).toMatchObject({
      serviceType: "OTP",
      sourceAddrTon: 5,
      sourceAddrNpi: 0,
      sourceAddr: "AcmeBank",
      destAddrTon: 1,
      destAddrNpi: 1,
      destinationAddr: "6281234567890",
      esmClass: 0x43,
      protocolId: 0,
      priorityFlag: 1,
      scheduleDeliveryTime: "000000000100000R",
      validityPeriod: "240101120000000+",
      registeredDelivery: 0x11,
      replaceIfPresentFlag: 0,
      dataCoding: 0x08,
      smDefaultMsgId: 0,
    });
    expect(body.shortMessage.equals(sm)).toBe(true);
    expect(body.tlvs.get(0x020c)?.toString("hex")).toBe("002a");
  });

  it("reads a deliver_sm receipt with TLVs and an empty short_message plus message_payload", () => {
    const payload = Buffer.from("id:1 stat:DELIVRD");
    const buf = new smpp.PDU("deliver_sm", {
      sequence_number: 1,
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.alloc(0),
      receipted_message_id: "ABC123",
      message_state: 2,
      message_payload: payload,
    }).toBuffer();
    const body = parseSmBody(buf);
    expect(body.shortMessage.length).toBe(0);
    expect(body.tlvs.get(0x001e)?.toString("latin1")).toBe("ABC123\0");
    expect(body.tlvs.get(0x0427)?.[0]).toBe(2);
    expect(body.tlvs.get(0x0424)?.equals(payload)).toBe(true);
  });

  it("accepts a hand-built PDU and ignores bytes past command_length", () => {
    const pdu = Buffer.concat([rawPdu(), Buffer.from([0xde, 0xad])]);
    pdu.writeUInt32BE(pdu.length - 2, 0);
    expect(parseSmBody(pdu).shortMessage.toString()).toBe("hello");
  });
});

describe("parseSmBody on corrupted PDUs", () => {
  it("gives ESME_RINVCMDLEN for a body truncated to 4 octets", () => {
    const pdu = rawPdu().subarray(0, 20);
    expect(statusOf(withLength(Buffer.from(pdu)))).toBe(SmppStatus.ESME_RINVCMDLEN);
  });

  it("gives ESME_RINVCMDLEN for a body that stops before sm_length", () => {
    const full = rawPdu();
    const cut = Buffer.from(full.subarray(0, full.length - 6)); // drop sm_length and "hello"
    expect(statusOf(withLength(cut))).toBe(SmppStatus.ESME_RINVCMDLEN);
  });

  it("gives ESME_RINVCMDLEN when command_length exceeds the buffer or is below 16", () => {
    const pdu = rawPdu();
    pdu.writeUInt32BE(pdu.length + 10, 0);
    expect(statusOf(pdu)).toBe(SmppStatus.ESME_RINVCMDLEN);
    pdu.writeUInt32BE(8, 0);
    expect(statusOf(pdu)).toBe(SmppStatus.ESME_RINVCMDLEN);
    expect(statusOf(Buffer.alloc(10))).toBe(SmppStatus.ESME_RINVCMDLEN);
  });

  it("gives the field's status for a C-string without NUL within its size", () => {
    expect(statusOf(rawPdu({ serviceType: z("CMTXXX") }))).toBe(SmppStatus.ESME_RINVSERTYP);
    expect(statusOf(rawPdu({ sourceAddr: z("1".repeat(21)) }))).toBe(SmppStatus.ESME_RINVSRCADR);
    expect(statusOf(rawPdu({ destinationAddr: noNul("6".repeat(40)) }))).toBe(SmppStatus.ESME_RINVDSTADR);
    expect(statusOf(rawPdu({ schedule: z("0".repeat(17)) }))).toBe(SmppStatus.ESME_RINVSCHED);
    expect(statusOf(rawPdu({ validity: z("0".repeat(17)) }))).toBe(SmppStatus.ESME_RINVEXPIRY);
  });

  it("accepts C-strings of exactly their maximum size", () => {
    const body = parseSmBody(
      rawPdu({ serviceType: z("CMTXX"), sourceAddr: z("1".repeat(20)), validity: z("000000000500000R") }),
    );
    expect(body.serviceType).toBe("CMTXX");
    expect(body.sourceAddr).toBe("1".repeat(20));
    expect(body.validityPeriod).toBe("000000000500000R");
  });

  it("gives ESME_RINVCMDLEN when the PDU ends inside a C-string", () => {
    // header 16 + service_type 1 + ton/npi 2 + "12345\0" 6 + ton/npi 2 = 27: cut 3 octets into destination_addr.
    const cut = Buffer.from(rawPdu({ destinationAddr: noNul("6281234567890") }).subarray(0, 30));
    expect(statusOf(withLength(cut))).toBe(SmppStatus.ESME_RINVCMDLEN);
  });

  it("gives ESME_RINVMSGLEN for sm_length above 254 or past the end", () => {
    expect(statusOf(rawPdu({ shortMessage: Buffer.alloc(255, 0x41) }))).toBe(SmppStatus.ESME_RINVMSGLEN);
    expect(statusOf(rawPdu({ smLength: 10, shortMessage: Buffer.from("abc") }))).toBe(
      SmppStatus.ESME_RINVMSGLEN,
    );
  });

  it("gives ESME_RINVPARLEN (0xC2) for a TLV whose length runs past the end", () => {
    const pdu = rawPdu({ tail: tlv(0x0424, Buffer.from("abc"), 100) });
    expect(statusOf(pdu)).toBe(0xc2);
  });

  it("gives ESME_RINVOPTPARSTREAM (0xC0) for stray octets after the last TLV", () => {
    expect(statusOf(rawPdu({ tail: Buffer.from([0x00, 0x1e]) }))).toBe(0xc0);
  });

  it("gives ESME_ROPTPARNOTALLWD (0xC1) when short_message and message_payload are both set", () => {
    expect(statusOf(rawPdu({ tail: tlv(0x0424, Buffer.from("more")) }))).toBe(0xc1);
    const empty = parseSmBody(
      rawPdu({ shortMessage: Buffer.alloc(0), tail: tlv(0x0424, Buffer.from("more")) }),
    );
    expect(empty.tlvs.get(0x0424)?.toString()).toBe("more");
  });

  it("keeps unknown TLVs and the first of a repeated tag", () => {
    const body = parseSmBody(
      rawPdu({ tail: Buffer.concat([tlv(0x1400, Buffer.from("v1")), tlv(0x1400, Buffer.from("v2"))]) }),
    );
    expect(body.tlvs.get(0x1400)?.toString()).toBe("v1");
  });

  it("gives ESME_RINVCMDID for a PDU that is not submit_sm or deliver_sm", () => {
    expect(statusOf(rawPdu({ commandId: 0x00000015 }))).toBe(SmppStatus.ESME_RINVCMDID);
  });
});
