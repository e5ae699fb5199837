import { describe, expect, it } from "vitest";

import { ErrorCodes, OtpgwError } from "../../../src/errors.js";
import { decodeGsm7, encodeGsm7, gsm7Septets, isGsm7 } from "../../../src/smpp/gsm7.js";

/** TS 23.038 §6.2.1 basic table in code order, typed from the spec; ESC (0x1B) is not a character. */
const BASIC_BEFORE_ESC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ";
const BASIC_AFTER_ESC =
  "ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const EXTENSION = "\f^{}\\[~]|€";

describe("GSM 03.38 codec", () => {
  it("encodes every basic character to its code point in the table", () => {
    const bytes = encodeGsm7(BASIC_BEFORE_ESC + BASIC_AFTER_ESC);
    const expected = [...Array(128).keys()].filter((c) => c !== 0x1b);
    expect([...bytes]).toEqual(expected);
  });

  it("round-trips every basic and extension character", () => {
    const all = BASIC_BEFORE_ESC + BASIC_AFTER_ESC + EXTENSION;
    expect(decodeGsm7(encodeGsm7(all))).toBe(all);
  });

  it("maps the ASCII characters that differ from GSM codes (@ $ _) to their GSM codes", () => {
    expect(encodeGsm7("@$_").toString("hex")).toBe("000211");
  });

  it("escapes extension characters and counts each as 2 septets", () => {
    const text = "€[]{}^~|\\";
    expect(encodeGsm7(text).toString("hex")).toBe("1b651b3c1b3e1b281b291b141b3d1b401b2f");
    expect(gsm7Septets(text)).toBe(18);
    expect(gsm7Septets("abc€")).toBe(5);
    expect(decodeGsm7(encodeGsm7(text))).toBe(text);
  });

  it("rejects a backtick with ENCODING_INVALID instead of replacing it", () => {
    expect(isGsm7("a`b")).toBe(false);
    let caught: unknown;
    try {
      encodeGsm7("code `123`");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(OtpgwError);
    expect((caught as OtpgwError).code).toBe(ErrorCodes.ENCODING_INVALID);
    expect((caught as OtpgwError).message).toContain("U+0060");
    expect((caught as OtpgwError).message).not.toContain("123");
  });

  it("rejects characters outside the alphabet, including a literal ESC, curly quotes and emoji", () => {
    for (const text of ["\x1b", "“quoted”", "✓", "😀", "ç"]) {
      expect(isGsm7(text)).toBe(false);
      expect(() => encodeGsm7(text)).toThrow(OtpgwError);
      expect(() => gsm7Septets(text)).toThrow(OtpgwError);
    }
  });

  it("accepts plain OTP text and the empty string", () => {
    expect(isGsm7("Your code is 123456. Do not share it!")).toBe(true);
    expect(isGsm7("")).toBe(true);
    expect(encodeGsm7("").length).toBe(0);
  });

  it("decodes ESC ESC and a trailing ESC as spaces", () => {
    expect(decodeGsm7(Buffer.from([0x41, 0x1b, 0x1b, 0x42]))).toBe("A B");
    expect(decodeGsm7(Buffer.from([0x41, 0x1b]))).toBe("A ");
  });

  it("decodes an extension code the table does not define as the basic character (TS 23.038 §6.2.1.1)", () => {
    // A stray ESC before a digit must not cost the OTP that digit.
    expect(decodeGsm7(Buffer.from([0x1b, 0x31, 0x32, 0x1b, 0x41]))).toBe("12A");
    expect(decodeGsm7(Buffer.from([0x41, 0x1b, 0x41, 0x42]))).toBe("AAB");
    expect(decodeGsm7(Buffer.from([0x1b, 0x65]))).toBe("€"); // a defined one still reads as the extension
  });

  it("decodes bytes above 0x7F as U+FFFD rather than guessing", () => {
    expect(decodeGsm7(Buffer.from([0x41, 0xe9, 0x42]))).toBe("A\ufffdB");
  });
});
