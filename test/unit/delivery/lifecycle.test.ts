import { describe, expect, it } from "vitest";
import {
  applyReceipt,
  applySubmitResult,
  attemptOutcome,
  exhaustedCarriers,
  settle,
  startAttempt,
  triedCarriers,
} from "../../../src/delivery/lifecycle.js";
import type { Message } from "../../../src/delivery/types.js";

const T0 = 1_800_000_000_000;
const ctx = (now: number) => ({ now, minRemainingMs: 10_000 });
const DELIVRD = { stat: "DELIVRD", delivered: true, final: true };
const UNDELIV = { stat: "UNDELIV", err: "001", delivered: false, final: true };

function message(overrides: Partial<Message> = {}): Message {
  return {
    id: "m1",
    account: "acme",
    to: "+6281234567890",
    from: "ACME",
    country: "ID",
    parts: 1,
    textLength: 20,
    receiptVia: "webhook",
    createdAt: T0,
    expiresAt: T0 + 300_000,
    state: "accepted",
    attempts: [],
    ...overrides,
  };
}

describe("message lifecycle", () => {
  it("asks for a first attempt for a new message", () => {
    expect(settle(message(), ctx(T0)).next).toEqual({ kind: "attempt" });
  });

  it("waits for receipts until the DLR deadline while an attempt is open", () => {
    const m = startAttempt(message(), "tsel", 1, T0, 30_000);
    expect(m.state).toBe("attempting");
    expect(settle(m, ctx(T0 + 1000)).next).toEqual({ kind: "wait", timerAt: T0 + 30_000 });
  });

  it("is delivered when every part has a DELIVRD receipt, and only then", () => {
    let m = startAttempt(message({ parts: 2 }), "tsel", 2, T0, 30_000);
    m = applySubmitResult(m, 1, 0, { status: "accepted", carrierMessageId: "a" });
    m = applySubmitResult(m, 1, 1, { status: "accepted", carrierMessageId: "b" });
    m = applyReceipt(m, 1, 0, DELIVRD, T0 + 100);
    expect(settle(m, ctx(T0 + 100)).next.kind).toBe("wait");
    m = applyReceipt(m, 1, 1, DELIVRD, T0 + 200);
    const { message: done, next } = settle(m, ctx(T0 + 200));
    expect(next).toEqual({ kind: "final", state: "delivered", reason: "delivered by tsel" });
    expect(done.attempts[0]!.outcome).toBe("delivered");
  });

  it("moves on to the next attempt after a failed receipt", () => {
    let m = startAttempt(message(), "tsel", 1, T0, 30_000);
    m = applySubmitResult(m, 1, 0, { status: "accepted", carrierMessageId: "a" });
    m = applyReceipt(m, 1, 0, UNDELIV, T0 + 500);
    const { message: after, next } = settle(m, ctx(T0 + 500));
    expect(next).toEqual({ kind: "attempt" });
    expect(after.attempts[0]).toMatchObject({
      outcome: "failed",
      receiptStat: "UNDELIV",
      receiptErr: "001",
      endedAt: T0 + 500,
    });
    expect(triedCarriers(after)).toEqual(["tsel"]);
  });

  it("times out an attempt with no receipt by its deadline, and marks unanswered submits unknown", () => {
    let m = startAttempt(message(), "tsel", 1, T0, 30_000);
    m = applySubmitResult(m, 1, 0, { status: "accepted", carrierMessageId: "a" });
    expect(attemptOutcome(m.attempts[0]!, T0 + 29_999)).toBeUndefined();
    expect(attemptOutcome(m.attempts[0]!, T0 + 30_000)).toBe("timeout");
    const pending = startAttempt(message(), "tsel", 1, T0, 30_000);
    expect(attemptOutcome(pending.attempts[0]!, T0 + 30_000)).toBe("unknown");
  });

  it("fails an attempt at once when the carrier refuses the submit", () => {
    let m = startAttempt(message(), "tsel", 1, T0, 30_000);
    m = applySubmitResult(m, 1, 0, { status: "failed", error: "ESME_RINVDSTADR" });
    const { message: after, next } = settle(m, ctx(T0 + 10));
    expect(next.kind).toBe("attempt");
    expect(after.attempts[0]).toMatchObject({ outcome: "rejected", submitError: "ESME_RINVDSTADR" });
  });

  it("expires instead of starting an attempt that could not reach the user in time", () => {
    let m = startAttempt(message(), "tsel", 1, T0, 30_000);
    m = applyReceipt(
      applySubmitResult(m, 1, 0, { status: "accepted", carrierMessageId: "a" }),
      1,
      0,
      UNDELIV,
      T0,
    );
    const late = T0 + 300_000 - 9_000; // 9 s left, 10 s needed
    expect(settle(m, ctx(late)).next).toEqual({
      kind: "final",
      state: "expired",
      reason: "validity ended before delivery",
    });
  });

  it("records a receipt for an ended attempt as late, and a late DELIVRD delivers a non-final message", () => {
    let m = startAttempt(message(), "tsel", 1, T0, 30_000);
    m = applySubmitResult(m, 1, 0, { status: "accepted", carrierMessageId: "a" });
    m = settle(m, ctx(T0 + 30_000)).message; // timed out
    m = startAttempt(m, "isat", 1, T0 + 30_000, 30_000);
    m = applyReceipt(m, 1, 0, DELIVRD, T0 + 31_000);
    expect(m.attempts[0]!.lateReceipts).toEqual([{ stat: "DELIVRD", at: T0 + 31_000, part: 0 }]);
    expect(m.attempts[0]!.partStatus).toEqual(["accepted"]); // the ended attempt is not reopened
    expect(settle(m, ctx(T0 + 31_000)).next).toEqual({
      kind: "final",
      state: "delivered",
      reason: "delivered by tsel (late receipt for attempt 1)",
    });
  });

  it("a late DELIVRD for one part of a two-part attempt delivers nothing; one for each part (or after the other's DELIVRD) does", () => {
    let m = startAttempt(message({ parts: 2 }), "tsel", 2, T0, 30_000);
    m = applySubmitResult(m, 1, 0, { status: "accepted", carrierMessageId: "a" });
    m = applySubmitResult(m, 1, 1, { status: "accepted", carrierMessageId: "b" });
    m = applyReceipt(m, 1, 0, UNDELIV, T0 + 1_000);
    m = settle(m, ctx(T0 + 1_000)).message; // failed: part 0 undelivered
    expect(m.attempts[0]!.outcome).toBe("failed");
    m = startAttempt(m, "isat", 2, T0 + 1_000, 30_000);
    m = applyReceipt(m, 1, 1, DELIVRD, T0 + 2_000); // late, for part 1 only
    expect(settle(m, ctx(T0 + 2_000)).next.kind).not.toBe("final");
    m = applyReceipt(m, 1, 0, DELIVRD, T0 + 3_000); // the carrier corrects part 0 too
    expect(settle(m, ctx(T0 + 3_000)).next).toEqual({
      kind: "final",
      state: "delivered",
      reason: "delivered by tsel (late receipt for attempt 1)",
    });
    // A late receipt stored without its part (an earlier version) proves a one-part attempt only.
    const legacy = structuredClone(m);
    legacy.attempts[0]!.lateReceipts = [{ stat: "DELIVRD", at: T0 + 2_000 }];
    expect(settle(legacy, ctx(T0 + 3_000)).next.kind).not.toBe("final");
  });

  it("ignores intermediate receipts and submit results for an ended attempt", () => {
    let m = startAttempt(message(), "tsel", 1, T0, 30_000);
    m = applySubmitResult(m, 1, 0, { status: "accepted", carrierMessageId: "a" });
    m = applyReceipt(m, 1, 0, { stat: "ENROUTE", delivered: false, final: false }, T0 + 5);
    expect(m.attempts[0]).toMatchObject({ partStatus: ["accepted"], receiptStat: "ENROUTE" });
    const ended = settle(m, ctx(T0 + 30_000)).message;
    const after = applySubmitResult(ended, 1, 0, { status: "failed", error: "x" });
    expect(after.attempts[0]).toEqual(ended.attempts[0]);
  });

  it("keeps a fast receipt when the submit result is recorded after it", () => {
    let m = startAttempt(message(), "tsel", 1, T0, 30_000);
    m = applyReceipt(m, 1, 0, DELIVRD, T0 + 5);
    m = applySubmitResult(m, 1, 0, { status: "accepted", carrierMessageId: "a" });
    expect(m.attempts[0]!.partStatus).toEqual(["delivered"]);
  });

  it("never mutates its input", () => {
    const m = startAttempt(message(), "tsel", 1, T0, 30_000);
    const copy = structuredClone(m);
    applySubmitResult(m, 1, 0, { status: "accepted", carrierMessageId: "a" });
    applyReceipt(m, 1, 0, DELIVRD, T0);
    settle(m, ctx(T0 + 60_000));
    expect(m).toEqual(copy);
  });
});

describe("exhaustedCarriers", () => {
  it("gives a carrier whose only attempt had an unknown outcome one more try, and no carrier that failed", () => {
    let m = startAttempt(message(), "tsel", 1, T0, 1000);
    m = settle(m, ctx(T0 + 1000)).message; // pending at the deadline: unknown
    m = startAttempt(m, "isat", 1, T0 + 1000, 1000);
    m = applySubmitResult(m, 2, 0, { status: "failed", error: "ESME_RINVDSTADR" });
    m = settle(m, ctx(T0 + 1001)).message;
    expect(m.attempts.map((a) => a.outcome)).toEqual(["unknown", "rejected"]);
    expect(exhaustedCarriers(m)).toEqual(["isat"]);
    m = startAttempt(m, "tsel", 1, T0 + 2000, 1000);
    m = settle(m, ctx(T0 + 3000)).message;
    expect(exhaustedCarriers(m).sort()).toEqual(["isat", "tsel"]);
  });
});

describe("a part never sent", () => {
  it("ends its attempt at once as not_sent, not as a carrier failure, and the carrier keeps one more try", () => {
    let m = startAttempt(message(), "tsel", 2, T0, 30_000);
    m = applySubmitResult(m, 1, 0, { status: "accepted", carrierMessageId: "c1" });
    m = applySubmitResult(m, 1, 1, { status: "not_sent", reason: "deadline_passed" });
    const { message: ended, next } = settle(m, ctx(T0 + 1000));
    expect(ended.attempts[0]!.outcome).toBe("not_sent");
    expect(ended.attempts[0]!.partStatus).toEqual(["accepted", "not_sent"]);
    expect(ended.attempts[0]!.submitError).toBe("deadline_passed");
    expect(next).toEqual({ kind: "attempt" });
    expect(exhaustedCarriers(ended)).toEqual([]);
  });
});
