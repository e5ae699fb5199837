import { describe, expect, it } from "vitest";
import {
  defaultOtpCodePattern,
  otpCodeIn,
  otpCodePattern,
  otpCodePatternProblem,
} from "../../../src/escalation/otp-code.js";

describe("the OTP code in a text", () => {
  const byDefault = otpCodePattern(undefined);

  it("takes the first run of 4-8 digits standing alone by default", () => {
    expect(otpCodeIn("Your code is 483920. Valid 5 minutes.", byDefault)).toBe("483920");
    expect(otpCodeIn("1234 is your ACME code", byDefault)).toBe("1234");
    // A longer number (a phone number, an amount with no separator) is not a code; the next run is.
    expect(otpCodeIn("Call 0800123456789 if this was not you; code 7731", byDefault)).toBe("7731");
    expect(otpCodeIn("Code: 123", byDefault)).toBeUndefined();
    expect(otpCodeIn("Your code is ABCD-EFGH", byDefault)).toBeUndefined();
  });

  it("takes an account pattern's first capture group, else its whole match", () => {
    expect(otpCodeIn("ref 5521, code G7-KX92", otpCodePattern("code ([A-Z0-9-]+)"))).toBe("G7-KX92");
    expect(otpCodeIn("ref 5521, code G7-KX92", otpCodePattern("[A-Z]\\d-[A-Z]{2}\\d{2}"))).toBe("G7-KX92");
    // Longer than a template parameter may be: no code rather than a truncated one.
    expect(otpCodeIn("code 1234567890123456", otpCodePattern("\\d+"))).toBeUndefined();
  });

  it("compiles each pattern once", () => {
    expect(otpCodePattern("code (\\d+)")).toBe(otpCodePattern("code (\\d+)"));
    expect(otpCodePattern(undefined)).toBe(otpCodePattern(defaultOtpCodePattern));
  });

  it("refuses a pattern that does not compile, is too long, or matches an empty text", () => {
    expect(otpCodePatternProblem("(\\d{4,8}")).toMatch(/^is not a valid regular expression: /);
    expect(otpCodePatternProblem("\\d*")).toBe(
      "matches an empty text: it would find a code in every message",
    );
    expect(otpCodePatternProblem("x".repeat(201))).toBe("must be at most 200 characters");
    expect(otpCodePatternProblem(defaultOtpCodePattern)).toBeUndefined();
  });
});
