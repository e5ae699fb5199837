/** The Redis keys of the SMPP server, all under the daemon's key prefix. */
export function smppKeys(prefix: string) {
  return {
    /** Receipts waiting for (or being sent to) a receiver bind of this system_id, oldest first. */
    receipts: (systemId: string) => `${prefix}smpp:receipts:${systemId}`,
  };
}

export type SmppKeys = ReturnType<typeof smppKeys>;
