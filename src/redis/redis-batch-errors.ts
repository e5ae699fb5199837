/** What a RedisBatch call can fail with, besides the connection's own errors (redis-batch.ts). */

/** An operation's own error, raised inside its Lua body (its caller gets it; the rest of the batch is unaffected). */
export class RedisOpError extends Error {
  constructor(op: string, message: string) {
    super(`redis op ${op}: ${message}`);
    this.name = "RedisOpError";
  }
}

/**
 * A call that failed after it may have reached Redis (sent on a ready connection, or queued and possibly sent on
 * a reconnect) and whose answer was lost with the connection: each operation may or may not have run. Callers whose
 * answer to a client depends on the outcome must find it out (or undo the operation) before they rely on it.
 */
export class RedisOutcomeUnknownError extends Error {
  constructor(cause: Error) {
    super(`outcome unknown: ${cause.message}`, { cause });
    this.name = "RedisOutcomeUnknownError";
  }
}

/**
 * The replicas did not all confirm a call's writes in time (Redis WAIT, see RedisBatch's `wait`): the primary ran
 * them, but a failover now could lose them.
 */
export class ReplicasBehindError extends Error {
  constructor(acked: number, wanted: number, timeoutMs: number, waitError?: string) {
    super(
      waitError === undefined
        ? `${acked} of ${wanted} Redis replicas confirmed the writes within ${timeoutMs} ms`
        : `the writes' replication could not be confirmed (WAIT failed: ${waitError})`,
    );
    this.name = "ReplicasBehindError";
  }
}

/** How many replicas must have a call's writes before its operations are answered (0: the primary alone). */
export interface ReplicaWait {
  replicas: number;
  timeoutMs: number;
}
