import { describe, expect, it } from "vitest";
import { maskMsisdn, maskText } from "../../../src/observability/mask.js";

describe("masking numbers and texts", () => {
  it.each([
    ["+6281234567890", "+6281*******90"],
    ["+821012345678", "+821*******78"],
    ["+12025550123", "+120******23"],
    ["+29051234", "+290*****"],
    ["+50051234", "+500*****"],
    ["+1234567", "+123****"],
    ["+12345", "******"],
  ])("%s → %s: at least half of it and at least four characters hidden", (msisdn, masked) => {
    const out = maskMsisdn(msisdn);
    expect(out).toBe(masked);
    expect(out).toHaveLength(msisdn.length);
    const hidden = [...out].filter((c) => c === "*").length;
    expect(hidden).toBeGreaterThanOrEqual(Math.max(4, Math.ceil(msisdn.length / 2)));
  });

  it("shows a text only by its length", () => {
    expect(maskText("Your code is 123456")).toBe("[19 chars]");
  });
});
