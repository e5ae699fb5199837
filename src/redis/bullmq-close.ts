/**
 * Closing BullMQ workers and queues within a time limit. BullMQ's close waits for Redis, so with Redis unreachable
 * it would never end: past the limit their connections are dropped instead (jobs they held stay in Redis for the
 * next start).
 */
import type { Logger } from "../observability/logger.js";

interface Closable {
  close(): Promise<void>;
  disconnect(): Promise<void>;
}

/** Closes `parts` (undefined ones skipped) within `timeoutMs`; logs as `what` when late or not clean. */
export async function closeWithin(
  parts: readonly (Closable | undefined)[],
  timeoutMs: number,
  logger: Logger,
  what: string,
): Promise<void> {
  const present = parts.filter((part): part is Closable => part !== undefined);
  const closed = Promise.allSettled(present.map((part) => part.close()));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve("late"), timeoutMs);
  });
  const results = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (results === "late") {
    logger.warn({ timeoutMs }, `${what} did not close in time (Redis unreachable?): disconnecting`);
    // Not awaited: BullMQ's disconnect waits for a connection to be ready first, which never comes while Redis
    // is unreachable; the process exits once this resolves.
    for (const part of present) part.disconnect().catch(() => undefined);
    return;
  }
  for (const result of results) {
    if (result.status === "rejected")
      logger.warn({ err: String(result.reason) }, `${what} did not close cleanly`);
  }
}
