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
 * ioredis's `reconnectOnError` for a connection that runs plain commands (the rate and lookup limits, BullMQ's): on
 * READONLY, reconnect and send the refused command again (it did not run) — at most once a second. Should the
 * address itself lead to a replica (no new primary behind it), the command resent is refused again and then fails
 * (its caller answers 503) instead of being resent on every reconnect for ever. One per connection.
 */
export function readonlyReconnect(clock: () => number = Date.now): (error: Error) => 2 | false {
  let lastAt = -Infinity;
  return (error) => {
    if (!isReadonlyError(error.message)) return false;
    const now = clock();
    if (now - lastAt < 1000) return false;
    lastAt = now;
    return 2;
  };
}
