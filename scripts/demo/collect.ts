/**
 * After the last submit: wait (bounded) until every accepted message's final state has come back as a
 * webhook, then read every message with GET /v1/messages/:id for the summary.
 */
import type { MessageView } from "../../src/north/message-view.js";
import { ProgressBar } from "../lib/progress.js";
import type { ApiClient } from "./api-client.js";
import type { WebhookReceiver } from "./webhook-receiver.js";

/**
 * Resolves when every id in `ids` has a webhook or `timeoutMs` has passed (with how many are still missing).
 * Throws if `shouldStop` gives a reason (the daemon died, Ctrl-C).
 */
export async function waitForFinals(options: {
  receiver: WebhookReceiver;
  ids: string[];
  timeoutMs: number;
  shouldStop: () => string | undefined;
}): Promise<{ missing: number; waitedMs: number }> {
  const { receiver, ids } = options;
  const started = Date.now();
  const count = () => ids.reduce((n, id) => n + (receiver.finals.has(id) ? 1 : 0), 0);
  const bar = new ProgressBar("Final states", ids.length);
  for (;;) {
    const stop = options.shouldStop();
    if (stop) throw new Error(stop);
    const done = count();
    const waited = Date.now() - started;
    if (done >= ids.length || waited >= options.timeoutMs) {
      const note = finalStateNote(receiver);
      bar.done(done < ids.length ? `${note} (gave up after ${Math.round(waited / 1000)} s)` : note, done);
      return { missing: ids.length - done, waitedMs: waited };
    }
    bar.set(done, finalStateNote(receiver));
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** "delivered 212 · expired 30 · undeliverable 4" from the webhooks so far. */
function finalStateNote(receiver: WebhookReceiver): string {
  const states = new Map<string, number>();
  for (const final of receiver.finals.values()) {
    states.set(final.payload.state, (states.get(final.payload.state) ?? 0) + 1);
  }
  return [...states].map(([state, n]) => `${state} ${n}`).join(" · ");
}

/** GET /v1/messages/:id for every id, `concurrency` at a time; ids that fail or 404 are left out. */
export async function fetchViews(
  client: ApiClient,
  ids: string[],
  concurrency: number,
): Promise<Map<string, MessageView>> {
  const views = new Map<string, MessageView>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const id = ids[next++];
      if (id === undefined) return;
      try {
        const view = await client.get(id);
        if (view) views.set(id, view);
      } catch {
        // Counted as unreadable in the summary.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return views;
}
