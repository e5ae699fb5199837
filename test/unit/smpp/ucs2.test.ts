import { describe, expect, it } from "vitest";

import { decodeUcs2, encodeUcs2 } from "../../../src/smpp/ucs2.js";

describe("UCS-2 (UTF-16BE) codec", () => {
  it("encodes Korean as big-endian code units", () => {
    const text = "인증번호 123456";
    const bytes = encodeUcs2(text);
    expect(bytes.subarray(0, 4).toString("hex")).toBe("c778c99d");
    expect(bytes.length).toBe(text.length * 2);
    expect(decodeUcs2(bytes)).toBe(text);
  });

  it("round-trips Thai", () => {
    const text = "รหัส OTP ของคุณคือ 123456";
    expect(decodeUcs2(encodeUcs2(text))).toBe(text);
  });

  it("keeps emoji as a surrogate pair", () => {
    const bytes = encodeUcs2("😀");
    expect(bytes.toString("hex")).toBe("d83dde00");
    expect(decodeUcs2(bytes)).toBe("😀");
  });

  it("ignores an odd trailing byte", () => {
    expect(decodeUcs2(Buffer.from([0x00, 0x41, 0x00, 0x42, 0x00]))).toBe("AB");
    expect(decodeUcs2(Buffer.from([0x00]))).toBe("");
  });

  it("does not modify the input buffer", () => {
    const input = Buffer.from([0x00, 0x41]);
    decodeUcs2(input);
    expect(input.toString("hex")).toBe("0041");
  });
});
