import { describe, expect, it } from "vitest";
import { applyReceipt, applySubmitResult, startAttempt } from "../../../src/delivery/lifecycle.js";
import { startupGraceUntil } from "../../../src/delivery/startup-grace.js";
import { newOtp } from "../../helpers/message.js";

const T0 = 1_000_000;
/** An attempt started by an earlier process at T0, accepted, DLR deadline T0 + 30 s; this process started at +40 s. */
const held = applySubmitResult(startAttempt(newOtp(T0), "a", 1, T0, 30_000), 1, 0, {
  status: "accepted",
  carrierMessageId: "c1",
});
const ctx = {
  now: T0 + 41_000,
  processStartedAt: T0 + 40_000,
  firstBoundAt: () => T0 + 40_500,
  graceMs: 5_000,
};

describe("the start-up grace for receipts a carrier held", () => {
  it("holds back the timeout of an attempt from an earlier process until its carrier has been bound a while", () => {
    expect(startupGraceUntil(held, ctx)).toBe(T0 + 45_500);
  });

  it.each([
    ["UNDELIV", false],
    ["DELIVRD", true],
  ])("does not hold back an attempt whose outcome a held %s already told", (stat, delivered) => {
    const told = applyReceipt(held, 1, 0, { stat, delivered, final: true }, T0 + 41_000);
    expect(startupGraceUntil(told, ctx)).toBeUndefined();
  });
});
