import { describe, expect, it } from "vitest";

import { ErrorCodes, SmppError } from "../../../src/errors.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { buildConcatUdh, concatInfo, parseUdh } from "../../../src/smpp/udh.js";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("UDH", () => {
  it("builds the 8-bit-reference concatenation header 05 00 03 ref total seq", () => {
    expect(buildConcatUdh(0x2a, 3, 2).toString("hex")).toBe("0500032a0302");
    expect(buildConcatUdh(0x1ff, 2, 1).toString("hex")).toBe("050003ff0201");
  });

  it("refuses a seq outside 1..total", () => {
    expect(() => buildConcatUdh(1, 3, 0)).toThrow(RangeError);
    expect(() => buildConcatUdh(1, 3, 4)).toThrow(RangeError);
    expect(() => buildConcatUdh(1, 256, 1)).toThrow(RangeError);
  });

  it("parses an 8-bit concatenation header and the payload after it", () => {
    const sm = Buffer.from("0500032a0302" + "414243", "hex");
    const { ies, payload } = parseUdh(sm);
    expect(ies).toHaveLength(1);
    expect(ies[0]!.iei).toBe(0x00);
    expect(payload.toString()).toBe("ABC");
    expect(concatInfo(ies)).toEqual({ reference: 0x2a, total: 3, seq: 2, referenceBits: 8 });
  });

  it("parses a 16-bit concatenation header among other IEs", () => {
    // port addressing IE 0x05 (4 octets) then 0x08 (ref 0x1234, total 2, seq 2)
    const sm = Buffer.from("0c" + "050400000000" + "08041234" + "0202" + "41", "hex");
    const { ies, payload } = parseUdh(sm);
    expect(ies.map((ie) => ie.iei)).toEqual([0x05, 0x08]);
    expect(payload.toString()).toBe("A");
    expect(concatInfo(ies)).toEqual({ reference: 0x1234, total: 2, seq: 2, referenceBits: 16 });
  });

  it("returns null for no or malformed concatenation IEs", () => {
    expect(concatInfo([])).toBeNull();
    expect(concatInfo([{ iei: 0x00, data: Buffer.from([1, 2]) }])).toBeNull();
    expect(concatInfo([{ iei: 0x00, data: Buffer.from([1, 2, 3]) }])).toBeNull();
    expect(concatInfo([{ iei: 0x00, data: Buffer.from([1, 0, 0]) }])).toBeNull();
  });

  it("throws a typed SmppError when the UDHL runs past the end", () => {
    const err = thrown(() => parseUdh(Buffer.from("0500032a", "hex")));
    expect(err).toBeInstanceOf(SmppError);
    expect((err as SmppError).code).toBe(ErrorCodes.SMPP_DECODE);
    expect((err as SmppError).status).toBe(SmppStatus.ESME_RINVMSGLEN);
  });

  it("throws when an IE runs past the UDH or the message is empty", () => {
    expect(() => parseUdh(Buffer.from("03000341", "hex"))).toThrow(SmppError);
    expect(() => parseUdh(Buffer.alloc(0))).toThrow(SmppError);
  });
});
