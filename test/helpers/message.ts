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
