import { describe, expect, it } from "vitest";

import { ErrorCodes, OtpgwError } from "../../../src/errors.js";
import { decodeGsm7 } from "../../../src/smpp/gsm7.js";
import { countSmsParts, segmentText, type SegmentedText } from "../../../src/smpp/segmentation.js";
import { concatInfo, parseUdh } from "../../../src/smpp/udh.js";
import { decodeUcs2 } from "../../../src/smpp/ucs2.js";

/** Reassembles the parts the way a handset would: UDH stripped, payloads decoded and joined in seq order. */
function reassemble(seg: SegmentedText): string {
  const decode = seg.encoding === "gsm7" ? decodeGsm7 : decodeUcs2;
  if (seg.parts.length === 1) return decode(seg.parts[0]!.shortMessage);
  return seg.parts
    .map((p) => parseUdh(p.shortMessage))
    .sort((a, b) => concatInfo(a.ies)!.seq - concatInfo(b.ies)!.seq)
    .map((u) => decode(u.payload))
    .join("");
}

describe("segmentText", () => {
  it("keeps 160 GSM septets in one part without UDH, data_coding 0", () => {
    const seg = segmentText("a".repeat(160), 1);
    expect(seg).toMatchObject({ encoding: "gsm7", dataCoding: 0x00, units: 160 });
    expect(seg.parts).toHaveLength(1);
    expect(seg.parts[0]).toMatchObject({ udhi: false, seq: 1, total: 1 });
    expect(seg.parts[0]!.shortMessage.length).toBe(160);
  });

  it("splits 161 GSM septets into 153 + 8 with the concatenation UDH", () => {
    const seg = segmentText("a".repeat(161), 0x42);
    expect(seg.units).toBe(161);
    expect(seg.parts.map((p) => p.shortMessage.length)).toEqual([6 + 153, 6 + 8]);
    expect(seg.parts[0]!.shortMessage.subarray(0, 6).toString("hex")).toBe("050003420201");
    expect(seg.parts[1]!.shortMessage.subarray(0, 6).toString("hex")).toBe("050003420202");
    expect(seg.parts.every((p) => p.udhi && p.total === 2)).toBe(true);
    expect(seg.parts.map((p) => p.seq)).toEqual([1, 2]);
  });

  it("counts extension characters as 2 septets for the single-part limit", () => {
    expect(segmentText("€".repeat(80), 1).parts).toHaveLength(1);
    const seg = segmentText("a".repeat(159) + "€", 1);
    expect(seg.units).toBe(161);
    expect(seg.parts).toHaveLength(2);
  });

  it("never splits an ESC+char pair at a part boundary", () => {
    // 152 basic septets then '€': only one septet is left in part 1, so ESC and 0x65 both move to part 2.
    const text = "a".repeat(152) + "€" + "b".repeat(10);
    const seg = segmentText(text, 9);
    const first = seg.parts[0]!.shortMessage;
    expect(first.length).toBe(6 + 152);
    expect(first[first.length - 1]).toBe(0x61);
    expect(seg.parts[1]!.shortMessage.subarray(6, 8).toString("hex")).toBe("1b65");
    expect(reassemble(seg)).toBe(text);
  });

  it("keeps 70 UCS-2 units in one part, data_coding 8", () => {
    const seg = segmentText("인".repeat(70), 1);
    expect(seg).toMatchObject({ encoding: "ucs2", dataCoding: 0x08, units: 70 });
    expect(seg.parts).toHaveLength(1);
    expect(seg.parts[0]!.shortMessage.length).toBe(140);
    expect(seg.parts[0]!.udhi).toBe(false);
  });

  it("splits 71 UCS-2 units into 67 + 4", () => {
    const seg = segmentText("인".repeat(71), 1);
    expect(seg.parts.map((p) => p.shortMessage.length)).toEqual([6 + 134, 6 + 8]);
    expect(reassemble(seg)).toBe("인".repeat(71));
  });

  it("never splits a surrogate pair at a part boundary", () => {
    // 66 units then an emoji (2 units) would straddle the 67-unit boundary: the whole pair moves to part 2.
    const text = "인".repeat(66) + "😀" + "끝".repeat(5);
    const seg = segmentText(text, 3);
    expect(seg.parts[0]!.shortMessage.length).toBe(6 + 66 * 2);
    expect(seg.parts[1]!.shortMessage.subarray(6, 10).toString("hex")).toBe("d83dde00");
    expect(reassemble(seg)).toBe(text);
  });

  it("reassembles a 3-part GSM message to the original text", () => {
    const text = "Your one-time code is 123456. ".repeat(12).slice(0, 400) + "{end}";
    const seg = segmentText(text, 200);
    expect(seg.parts).toHaveLength(3);
    expect(seg.parts.map((p) => concatInfo(parseUdh(p.shortMessage).ies))).toEqual([
      { reference: 200, total: 3, seq: 1, referenceBits: 8 },
      { reference: 200, total: 3, seq: 2, referenceBits: 8 },
      { reference: 200, total: 3, seq: 3, referenceBits: 8 },
    ]);
    expect(reassemble(seg)).toBe(text);
  });

  it("reassembles a 3-part UCS-2 message with emoji to the original text", () => {
    const text = "รหัส😀인증".repeat(25);
    const seg = segmentText(text, 7);
    expect(seg.parts).toHaveLength(3);
    expect(reassemble(seg)).toBe(text);
  });

  it("rejects an empty text with ENCODING_INVALID", () => {
    expect(() => segmentText("", 1)).toThrow(OtpgwError);
    try {
      segmentText("", 1);
    } catch (err) {
      expect((err as OtpgwError).code).toBe(ErrorCodes.ENCODING_INVALID);
      expect((err as OtpgwError).message).toMatch(/empty/);
    }
  });

  it("rejects a text needing more than maxParts parts", () => {
    expect(segmentText("a".repeat(153 * 2), 1, 2).parts).toHaveLength(2);
    expect(() => segmentText("a".repeat(153 * 2 + 1), 1, 2)).toThrow(/maximum of 2 SMS parts/);
    expect(() => segmentText("인".repeat(67 * 10 + 1), 1)).toThrow(/maximum of 10 SMS parts/);
    expect(() => segmentText("x".repeat(100_000), 1)).toThrow(OtpgwError);
  });
});

describe("countSmsParts", () => {
  const texts = [
    "a",
    "x".repeat(160),
    "x".repeat(161),
    "x".repeat(153 * 2),
    "x".repeat(153 * 2 + 1),
    // An extension character (2 septets) straddling the 153-septet boundary moves to the next part.
    `${"x".repeat(152)}€${"y".repeat(10)}`,
    `${"x".repeat(159)}€`,
    "가".repeat(70),
    "가".repeat(71),
    "가".repeat(67 * 3),
    // A surrogate pair at the 67-unit boundary is not split.
    `${"가".repeat(66)}😀${"가".repeat(5)}`,
  ];

  it("counts the parts segmentText makes, without encoding", () => {
    for (const text of texts) expect(countSmsParts(text)).toBe(segmentText(text, 0).parts.length);
  });

  it("refuses what segmentText refuses, with the same error", () => {
    for (const text of ["", "x".repeat(153 * 10 + 1), "가".repeat(67 * 10 + 1)]) {
      expect(() => countSmsParts(text)).toThrow(captureError(() => segmentText(text, 0)));
    }
    expect(countSmsParts("x".repeat(153 * 3), 3)).toBe(3);
    expect(() => countSmsParts("x".repeat(153 * 3 + 1), 3)).toThrow(/more than the maximum of 3/);
  });
});

function captureError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error");
}
