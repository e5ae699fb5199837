/** The Redis keys of the SMPP server, all under the daemon's key prefix. */
export function smppKeys(prefix: string) {
  return {
    /** Receipts waiting for (or being sent to) a receiver bind of this system_id, oldest first. */
    receipts: (systemId: string) => `${prefix}smpp:receipts:${systemId}`,
    /** Prefix of the leases on its receipts: an instance sending one holds its lease (see receipt-scripts.ts). */
    receiptLeases: (systemId: string) => `${prefix}smpp:receipt-lease:${systemId}:`,
  };
}

export type SmppKeys = ReturnType<typeof smppKeys>;
