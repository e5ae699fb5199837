import { describe, expect, it } from "vitest";
import { relativeValidity } from "../../../src/smpp/validity.js";

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
