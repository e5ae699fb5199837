import { describe, expect, it } from "vitest";
import { messageReport, renderMessageReport } from "../../../src/cli/message-report.js";
import type { Attempt } from "../../../src/delivery/types.js";
import { testMessage } from "../../helpers/message.js";

const T0 = Date.UTC(2026, 10, 23, 20, 0, 0);

function attempt(n: number, overrides: Partial<Attempt> = {}): Attempt {
  return {
    n,
    channel: "sms",
    carrier: `carrier-${n}`,
    startedAt: T0 + n * 1000,
    dlrDeadline: T0 + n * 1000 + 60_000,
    carrierMessageIds: ["100", null],
    partStatus: ["accepted", "pending"],
    ...overrides,
  };
}

describe("the message report for the NOC", () => {
  it("shows a webhook's origin only: its path and query may hold the submitter's tokens", () => {
    const message = testMessage("m1", {
      createdAt: T0,
      expiresAt: T0 + 300_000,
      callbackUrl: "https://hooks.acme.example:8443/otp?token=s3cret",
      state: "delivered",
      finalAt: T0 + 4000,
      finalReason: "delivered by carrier-1",
      attempts: [
        attempt(1, { outcome: "delivered", endedAt: T0 + 4000, partStatus: ["delivered", "delivered"] }),
      ],
    });
    const text = renderMessageReport({ message, timerAt: null, inOutbox: true }, T0 + 5000);
    expect(text).toMatch(
      /receipts\s+webhook to https:\/\/hooks\.acme\.example:8443 \(waiting in the outbox to be handed over\)/,
    );
    expect(text).not.toContain("s3cret");
    const report = messageReport({ message, timerAt: null, inOutbox: true });
    expect(report.callback_origin).toBe("https://hooks.acme.example:8443");
    expect(JSON.stringify(report)).not.toContain("s3cret");
    expect(report.notification_pending).toBe(true);
  });

  it("names what the next look is for: an open attempt's DLR deadline, the expiry, or a later attempt", () => {
    const open = testMessage("m2", {
      createdAt: T0,
      expiresAt: T0 + 300_000,
      state: "attempting",
      attempts: [attempt(1)],
    });
    expect(renderMessageReport({ message: open, timerAt: T0 + 61_000, inOutbox: false }, T0 + 1_000)).toMatch(
      /next look\s+2026-11-23T20:01:01\.000Z \(in 1m\): attempt 1's DLR deadline/,
    );
    expect(renderMessageReport({ message: open, timerAt: T0 + 300_000, inOutbox: false }, T0)).toContain(
      "the OTP's expiry",
    );
    const ended = { ...open, attempts: [attempt(1, { outcome: "timeout", endedAt: T0 + 61_000 })] };
    expect(renderMessageReport({ message: ended, timerAt: T0 + 62_000, inOutbox: false }, T0)).toContain(
      "its next attempt or a recheck",
    );
  });

  it("lists late receipts with their part counted from 1, and an SMPP set's receipts by part id", () => {
    const message = testMessage("m3", {
      createdAt: T0,
      expiresAt: T0 + 300_000,
      receiptVia: "smpp",
      smppReceipt: { failuresOnly: true, set: { id: "4f0c2a9e1b7d3c55", total: 2 } },
      state: "undeliverable",
      finalAt: T0 + 70_000,
      attempts: [
        attempt(1, {
          outcome: "timeout",
          endedAt: T0 + 61_000,
          lateReceipts: [{ stat: "DELIVRD", at: T0 + 65_500, part: 1 }],
          route: "indonesia",
        }),
      ],
    });
    const text = renderMessageReport({ message, timerAt: null, inOutbox: false }, T0 + 80_000);
    expect(text).toContain(
      "attempt 1 part 2: DELIVRD, +65.500 s (after the attempt ended: recorded, not acted on)",
    );
    expect(text).toContain(
      "SMPP deliver_sm on the account's binds (failures only, one per part id 4f0c2a9e1b7d3c55-1…2",
    );
    expect(text).toContain("(handed over)");
    expect(text).toMatch(
      /^1\s+sms\s+carrier-1\s+indonesia\s+\+1\.000 s\s+\+61\.000 s\s+timeout\s+-\s+accepted,pending\s+100,-/m,
    );
    expect(text).toMatch(/expires\s+\S+ \(in 3m 40s\)/);
    expect(messageReport({ message, timerAt: null, inOutbox: false }).attempts[0]!.route).toBe("indonesia");
  });
});
