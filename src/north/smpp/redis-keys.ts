/** The Redis keys of the SMPP server, all under the daemon's key prefix. */
export function smppKeys(prefix: string) {
  return {
    /** Set when the ESME asked for failure receipts only (registered_delivery 2). */
    receiptMode: (messageId: string) => `${prefix}smpp:receipt-mode:${messageId}`,
    /** `<setId>:<total>` for a message reassembled from parts: its receipts go out per part id. */
    partsOf: (messageId: string) => `${prefix}smpp:parts-of:${messageId}`,
    /** Marks a message whose receipt was queued (enqueueReceipt is idempotent). */
    receiptQueued: (messageId: string) => `${prefix}smpp:receipt-queued:${messageId}`,
    /** Receipts waiting for (or being sent to) a receiver bind of this system_id, oldest first. */
    receipts: (systemId: string) => `${prefix}smpp:receipts:${systemId}`,
  };
}

export type SmppKeys = ReturnType<typeof smppKeys>;
