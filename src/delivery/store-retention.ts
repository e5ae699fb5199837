/** How long the message store keeps what it writes (settings `retention`, docs/configuration.md). */
export interface StoreRetention {
  /** How long the text is kept after the final state (0 = deleted at once). */
  bodyMs: number;
  /** How long the message document (state, attempts) is kept after the final state. */
  messageMs: number;
  /** How long an idempotency key maps to its message. */
  idempotencyMs: number;
  /** How long a carrier message id maps to its message (late receipts are still recognised). */
  correlationMs: number;
}

/**
 * The store's retention for the daemon's `retention` settings: a carrier's message id maps to its message as long
 * as the message is kept.
 */
export function storeRetention(retention: {
  bodyMs: number;
  messageMs: number;
  idempotencyMs: number;
}): StoreRetention {
  return {
    bodyMs: retention.bodyMs,
    messageMs: retention.messageMs,
    idempotencyMs: retention.idempotencyMs,
    correlationMs: retention.messageMs,
  };
}
