/**
 * A failover behind the same address: managed Redis services (and DNS-based setups) move the primary's name to
 * the promoted replica, but a connection opened before stays with the old primary — now a replica — and every
 * write it carries is refused with READONLY, for as long as the connection lives. The fix is to reconnect, which
 * reaches whatever the address leads to now.
 */

/** True for Redis's refusal of a write on a replica (also when raised inside a script). */
export function isReadonlyError(message: string): boolean {
  return message.startsWith("READONLY") || message.includes(" READONLY ");
}

/**
 * ioredis's `reconnectOnError` for connections that run plain commands (BullMQ's): on READONLY, reconnect and send
 * the refused command again (it did not run).
 */
export function reconnectOnReadonly(error: Error): 2 | false {
  return isReadonlyError(error.message) ? 2 : false;
}
