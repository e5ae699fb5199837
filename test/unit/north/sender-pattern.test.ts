import { describe, expect, it } from "vitest";
import { globMatch, senderAllowed } from "../../../src/north/accounts/sender-pattern.js";

describe("senderAllowed", () => {
  it("matches exact senders case-sensitively", () => {
    expect(senderAllowed(["MyBank"], "MyBank")).toBe(true);
    expect(senderAllowed(["MyBank"], "mybank")).toBe(false);
    expect(senderAllowed(["MyBank"], "MyBankOTP")).toBe(false);
  });

  it("lets * match any run of characters, including none", () => {
    expect(senderAllowed(["MyBank*"], "MyBank")).toBe(true);
    expect(senderAllowed(["MyBank*"], "MyBankOTP")).toBe(true);
    expect(senderAllowed(["*OTP"], "BankOTP")).toBe(true);
    expect(senderAllowed(["*OTP"], "BankOTPX")).toBe(false);
    expect(senderAllowed(["A*B*C"], "AxxBxxC")).toBe(true);
    expect(senderAllowed(["A*B*C"], "AxxCxxB")).toBe(false);
    expect(senderAllowed(["*"], "anything at all")).toBe(true);
  });

  it("allows a sender matching any one of several patterns, and none from an empty list", () => {
    expect(senderAllowed(["One", "Two*"], "TwoFactor")).toBe(true);
    expect(senderAllowed([], "One")).toBe(false);
  });

  it("stays fast on patterns built to backtrack", () => {
    const started = Date.now();
    expect(globMatch("*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
