/**
 * Applying one event to a message despite other instances: the step is computed from the document in hand (or
 * read), committed with its version, and on a version conflict (another instance wrote first) read again and
 * computed again, up to MAX_CONFLICT_RETRIES times.
 */
import type { Logger } from "../observability/logger.js";
import type { DocumentCache } from "./document-cache.js";
import type { SubmitResult } from "./lifecycle.js";
import type { MessageStore, Versioned } from "./message-store.js";
import { isFinal, type Message } from "./types.js";

/** Attempts to apply one event before giving up on version conflicts (another instance kept winning). */
const MAX_CONFLICT_RETRIES = 10;

/** What the retry works with: the processor's documents in hand, the store, and its step (advance). */
export interface ConflictRetryContext {
  cache: DocumentCache;
  store: Pick<MessageStore, "get" | "update" | "dropOrphanTimer">;
  logger: Logger;
  /** Settles and commits `message` (computed from `loaded`); false on a version conflict. */
  advance: (
    loaded: Versioned,
    message: Message,
    correlate?: [number, number, SubmitResult],
  ) => Promise<boolean>;
}

/**
 * Loads, applies `event`, settles and commits; on a version conflict, reloads and does it again. The usual case
 * — the message in hand and not final — takes one step without a suspended frame; the rest loops below.
 */
export function applyWithConflictRetry(
  ctx: ConflictRetryContext,
  id: string,
  event: (message: Message) => Message,
  correlate?: [number, number, SubmitResult],
): Promise<void> {
  const cached = ctx.cache.get(id);
  if (!cached || isFinal(cached.message.state)) return loadAndApply(ctx, id, event, correlate, 0);
  return ctx.advance(cached, event(cached.message), correlate).then((applied) => {
    if (applied) return;
    ctx.cache.delete(id);
    return loadAndApply(ctx, id, event, correlate, 1);
  });
}

async function loadAndApply(
  ctx: ConflictRetryContext,
  id: string,
  event: (message: Message) => Message,
  correlate: [number, number, SubmitResult] | undefined,
  triedAlready: number,
): Promise<void> {
  for (let tries = triedAlready; tries < MAX_CONFLICT_RETRIES; tries++) {
    const loaded = ctx.cache.get(id) ?? (await ctx.store.get(id));
    if (!loaded) {
      const timerDropped = await ctx.store.dropOrphanTimer(id);
      return ctx.logger.warn({ messageId: id, timerDropped }, "message not found (gone from the store)");
    }
    if (isFinal(loaded.message.state)) {
      // Final: only a late receipt is still worth recording, and only on the document (again on a conflict).
      const updated = event(loaded.message);
      if (updated === loaded.message) return;
      ctx.cache.delete(id);
      if (await ctx.store.update(loaded.version, { message: updated, timerAt: null, final: false })) return;
      continue;
    }
    const changed = event(loaded.message);
    const applied = await ctx.advance(loaded, changed, correlate);
    if (applied) return;
    ctx.cache.delete(id);
  }
  // Not recorded, so not done: the carrier is asked for its receipt again, a submit result is retried.
  ctx.logger.error({ messageId: id }, "gave up after repeated version conflicts");
  throw new Error(`message ${id}: gave up after ${MAX_CONFLICT_RETRIES} version conflicts`);
}
