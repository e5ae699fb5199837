import { describe, expect, it } from "vitest";
import { handsetMatches } from "../../../src/delivery/handset-match.js";
import { applySubmitResult, startAttempt } from "../../../src/delivery/lifecycle.js";
import type { Attempt, Message } from "../../../src/delivery/types.js";
import { newOtp } from "../../helpers/message.js";

const T0 = 1_000_000;
const whatsapp = startAttempt(newOtp(T0), "whatsapp", 1, T0, 60_000, "whatsapp");
const attempt = (message: Message): Attempt => message.attempts[0]!;

describe("matching a channel status found by the handset", () => {
  it("matches a pending send only while its request is out (the mark), never one waiting out a 429", () => {
    expect(handsetMatches(attempt(whatsapp), 0, "wamid.x", { waitsHere: false, channelSendMade: true })).toBe(
      true,
    );
    expect(
      handsetMatches(attempt(whatsapp), 0, "wamid.x", { waitsHere: false, channelSendMade: false }),
    ).toBe(false);
    expect(handsetMatches(attempt(whatsapp), 0, "wamid.x", { waitsHere: false })).toBe(false);
  });

  it("matches a send of unknown outcome, and never a refused, not sent or otherwise-identified one", () => {
    const result = (r: Parameters<typeof applySubmitResult>[3]) =>
      attempt(applySubmitResult(whatsapp, 1, 0, r));
    const made = { waitsHere: false, channelSendMade: true };
    expect(
      handsetMatches(result({ status: "unknown", error: "timeout" }), 0, "wamid.x", { waitsHere: false }),
    ).toBe(true);
    expect(handsetMatches(result({ status: "failed", error: "whatsapp 131026" }), 0, "wamid.x", made)).toBe(
      false,
    );
    expect(handsetMatches(result({ status: "not_sent", reason: "too late" }), 0, "wamid.x", made)).toBe(
      false,
    );
    const accepted = result({ status: "accepted", carrierMessageId: "wamid.ours" });
    expect(handsetMatches(accepted, 0, "wamid.other", made)).toBe(false);
    expect(handsetMatches(accepted, 0, "wamid.ours", made)).toBe(true);
  });

  it("keeps SMS's rule: a part sent here and unanswered is not matched, one answered without an id is", () => {
    const sms = startAttempt(newOtp(T0), "id-a", 1, T0, 30_000);
    expect(handsetMatches(attempt(sms), 0, "c1", { waitsHere: true })).toBe(false);
    expect(handsetMatches(attempt(sms), 0, "c1", { waitsHere: false })).toBe(true);
    const noId = applySubmitResult(sms, 1, 0, { status: "accepted", carrierMessageId: "" });
    expect(handsetMatches(attempt(noId), 0, "c1", { waitsHere: false })).toBe(true);
  });
});
