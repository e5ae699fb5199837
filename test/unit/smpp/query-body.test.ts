import { describe, expect, it } from "vitest";
import { SmppError } from "../../../src/errors.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { CommandId } from "../../../src/smpp/constants.js";
import { parseQuerySmBody } from "../../../src/smpp/query-body.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";

const z = (s: string): Buffer => Buffer.from(`${s}\0`, "latin1");

/** A query_sm laid out by hand, so its fields can be corrupted in ways node-smpp would never encode. */
function rawQuery(body: Buffer, commandId: number = CommandId.query_sm): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(16 + body.length, 0);
  header.writeUInt32BE(commandId, 4);
  header.writeUInt32BE(7, 12);
  return Buffer.concat([header, body]);
}

function statusOf(pdu: Buffer): number {
  try {
    parseQuerySmBody(pdu);
  } catch (error) {
    if (error instanceof SmppError) return error.status;
    throw error;
  }
  throw new Error("parsed without error");
}

describe("parseQuerySmBody", () => {
  it("reads what node-smpp encodes", () => {
    const pdu = encodePdu("query_sm", 3, {
      message_id: "6b02fef43a4a788c588b6a93",
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: "AcmeOTP",
    });
    expect(parseQuerySmBody(pdu)).toEqual({
      messageId: "6b02fef43a4a788c588b6a93",
      sourceAddrTon: 5,
      sourceAddrNpi: 0,
      sourceAddr: "AcmeOTP",
    });
  });

  it("takes an empty source_addr as not given", () => {
    expect(parseQuerySmBody(rawQuery(Buffer.concat([z("abc"), Buffer.from([0, 0]), z("")]))).sourceAddr).toBe(
      "",
    );
  });

  it("answers a message_id without NUL within 65 octets with ESME_RINVMSGID", () => {
    const body = Buffer.concat([Buffer.from("a".repeat(70)), Buffer.from([0, 0, 0]), z("")]);
    expect(statusOf(rawQuery(body))).toBe(SmppStatus.ESME_RINVMSGID);
  });

  it("answers a source_addr without NUL within 21 octets with ESME_RINVSRCADR", () => {
    const body = Buffer.concat([
      z("abc"),
      Buffer.from([1, 1]),
      Buffer.from("1".repeat(30)),
      Buffer.from([0]),
    ]);
    expect(statusOf(rawQuery(body))).toBe(SmppStatus.ESME_RINVSRCADR);
  });

  it("answers a body that ends early with ESME_RINVCMDLEN", () => {
    expect(statusOf(rawQuery(z("abc")))).toBe(SmppStatus.ESME_RINVCMDLEN);
    expect(statusOf(rawQuery(Buffer.from("abc")))).toBe(SmppStatus.ESME_RINVCMDLEN);
    expect(statusOf(rawQuery(Buffer.concat([z("abc"), Buffer.from([1, 1]), Buffer.from("12")])))).toBe(
      SmppStatus.ESME_RINVCMDLEN,
    );
  });

  it("refuses another command", () => {
    expect(statusOf(rawQuery(z("abc"), CommandId.cancel_sm))).toBe(SmppStatus.ESME_RINVCMDID);
  });
});
