import { newMessage } from "../../src/delivery/lifecycle.js";
import type { Message } from "../../src/delivery/types.js";

/** A message document as delivery stores it, accepted and with no attempt yet; `overrides` replace fields. */
export function testMessage(id: string, overrides: Partial<Message> = {}): Message {
  return {
    id,
    account: "acme",
    to: "+6281234567890",
    from: "ACME",
    country: "ID",
    parts: 1,
    textLength: 11,
    receiptVia: "webhook",
    createdAt: 1,
    expiresAt: 2,
    state: "accepted",
    attempts: [],
    ...overrides,
  };
}

/** An OTP to +6285512345678 created through the lifecycle at `at` (its id "m1"). */
export function newOtp(at: number, validitySeconds = 300, parts = 1): Message {
  return newMessage(
    "m1",
    {
      account: "acme",
      to: "+6285512345678",
      from: "ACME",
      country: "ID",
      text: "Your code is 123456",
      parts,
      validitySeconds,
      receiptVia: "none",
    },
    at,
  );
}

/** A message of account "acme", delivered 10 s ago, whose final state goes to `callbackUrl`. */
export function finalMessage(id: string, callbackUrl: string | undefined): Message {
  const t0 = Date.now() - 10_000;
  return {
    id,
    account: "acme",
    to: "+6281234567890",
    from: "AcmeOTP",
    country: "ID",
    parts: 1,
    textLength: 20,
    clientRef: "login-1",
    ...(callbackUrl !== undefined && { callbackUrl }),
    receiptVia: callbackUrl === undefined ? "none" : "webhook",
    createdAt: t0,
    expiresAt: t0 + 300_000,
    state: "delivered",
    finalAt: t0 + 5000,
    finalReason: "delivered by id-telkomsel",
    attempts: [
      {
        n: 1,
        channel: "sms",
        carrier: "id-telkomsel",
        startedAt: t0 + 10,
        dlrDeadline: t0 + 60_000,
        carrierMessageIds: ["c1"],
        partStatus: ["delivered"],
        receiptStat: "DELIVRD",
        outcome: "delivered",
        endedAt: t0 + 5000,
      },
    ],
  };
}
