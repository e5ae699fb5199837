import { describe, expect, it } from "vitest";
import { absoluteTime, relativeValidity } from "../../../src/smpp/validity.js";

describe("relativeValidity", () => {
  it("writes seconds from now as an SMPP relative time", () => {
    expect(relativeValidity(300)).toBe("000000000500000R");
    expect(relativeValidity(3661)).toBe("000000010101000R");
    expect(relativeValidity(90_061)).toBe("000001010101000R");
  });
  it("never asks for less than one second", () => {
    expect(relativeValidity(0.2)).toBe("000000000001000R");
    expect(relativeValidity(-5)).toBe("000000000001000R");
  });
});

describe("absoluteTime", () => {
  it("writes UTC as YYMMDDhhmmsst00+", () => {
    expect(absoluteTime(Date.UTC(2026, 10, 22, 14, 5, 9, 780))).toBe("2611221405097" + "00+");
    expect(absoluteTime(Date.UTC(2031, 0, 2, 3, 4, 5, 0))).toBe("310102030405000+");
  });
});
