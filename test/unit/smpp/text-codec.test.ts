import { describe, expect, it } from "vitest";

import { encodeGsm7 } from "../../../src/smpp/gsm7.js";
import { chooseEncoding, decodeReceiptText, decodeText } from "../../../src/smpp/text-codec.js";
import { encodeUcs2 } from "../../../src/smpp/ucs2.js";

const gsm = encodeGsm7("@Code_1 {€}");
const latin = Buffer.from("café ü", "latin1");

describe("chooseEncoding", () => {
  it("chooses GSM when every character fits, extension characters included", () => {
    expect(chooseEncoding("Your code is 123456 [€]")).toBe("gsm7");
  });

  it("chooses UCS-2 for one character outside the alphabet", () => {
    expect(chooseEncoding("Your code is 123456 ✓")).toBe("ucs2");
    expect(chooseEncoding("인증번호 123456")).toBe("ucs2");
    expect(chooseEncoding("code `1`")).toBe("ucs2");
  });
});

describe("decodeText", () => {
  it("decodes 0x00 as GSM by default and as Latin-1 when the carrier says so", () => {
    expect(decodeText(0x00, gsm)).toBe("@Code_1 {€}");
    expect(decodeText(0x00, latin, "latin1")).toBe("café ü");
  });

  it("decodes 0x01 IA5 and 0x03 Latin-1 byte for byte", () => {
    expect(decodeText(0x01, Buffer.from("id:1 stat:DELIVRD"))).toBe("id:1 stat:DELIVRD");
    expect(decodeText(0x03, latin)).toBe("café ü");
  });

  it("decodes 8-bit binary (0x02, 0x04, 0xF4) as one Latin-1 character per byte", () => {
    const bin = Buffer.from([0x00, 0x7f, 0x80, 0xff]);
    for (const dc of [0x02, 0x04, 0xf4, 0xf5]) {
      const text = decodeText(dc, bin);
      expect(Buffer.from(text, "latin1").equals(bin)).toBe(true);
    }
  });

  it("decodes 0x08 and 0x18 (UCS-2 flash) as UTF-16BE", () => {
    const ucs = encodeUcs2("인증번호 😀");
    expect(decodeText(0x08, ucs)).toBe("인증번호 😀");
    expect(decodeText(0x18, ucs)).toBe("인증번호 😀");
  });

  it("decodes the 0xF0 group by bit 2: 0xF0/0xF1 GSM, 0xF4 8-bit", () => {
    expect(decodeText(0xf0, gsm)).toBe("@Code_1 {€}");
    expect(decodeText(0xf1, gsm)).toBe("@Code_1 {€}");
    expect(decodeText(0xf4, Buffer.from([0x00]))).toBe("\u0000");
  });

  it("decodes MWI groups: 0xC0–0xDF GSM, 0xE0–0xEF UCS-2", () => {
    expect(decodeText(0xc8, gsm)).toBe("@Code_1 {€}");
    expect(decodeText(0xe0, encodeUcs2("ab"))).toBe("ab");
  });

  it("decodes Cyrillic (0x06) as ISO-8859-5", () => {
    expect(decodeText(0x06, Buffer.from([0xbf, 0xe0, 0xd8]))).toBe("При");
  });

  it("never throws on reserved or unsupported codings", () => {
    for (const dc of [0x05, 0x09, 0x0a, 0x0d, 0x0f, 0x30, 0x80, 0xbf]) {
      expect(decodeText(dc, Buffer.from("abc"))).toBe("abc");
    }
  });
});

describe("decodeReceiptText", () => {
  it("reads a UCS-2-labelled receipt that is really ASCII as ASCII (node-smpp #68)", () => {
    const ascii = Buffer.from("id:12345 sub:001 dlvrd:001 stat:DELIVRD err:000 text:");
    expect(decodeText(0x08, ascii)).not.toContain("id:");
    expect(decodeReceiptText(0x08, ascii)).toBe(ascii.toString("latin1"));
    expect(decodeReceiptText(0x08, Buffer.from("ID:9 stat:UNDELIV"))).toBe("ID:9 stat:UNDELIV");
  });

  it("still decodes a real UCS-2 receipt as UCS-2", () => {
    const real = encodeUcs2("id:12345 stat:DELIVRD");
    expect(decodeReceiptText(0x08, real)).toBe("id:12345 stat:DELIVRD");
  });

  it("reads a default-labelled receipt that is really UTF-16BE as UCS-2", () => {
    expect(decodeReceiptText(0x00, encodeUcs2("id:7 stat:DELIVRD"))).toBe("id:7 stat:DELIVRD");
  });

  it("does not take CJK UCS-2 text without an id: prefix for ASCII", () => {
    // U+4E2D U+6587 is all printable-ASCII bytes ("N-ef") but is real UCS-2.
    expect(decodeReceiptText(0x08, encodeUcs2("中文"))).toBe("中文");
  });
});
