/**
 * Handing final messages to the notifier (webhooks), and the outbox sweep that retries what is left in Redis's
 * outbox: one hand-over per message at a time in this process, none again for a message a sweep read before it left
 * the outbox, and a sweep's hand-overs never awaited by the timer poll that starts them.
 */
import type { Logger } from "../observability/logger.js";
import type { MessageStore } from "./message-store.js";
import type { Message } from "./types.js";

/**
 * What a hand-over did with the outbox entry: "out-of-outbox" when the notifier took the message out itself in
 * the same step as queuing its notification (SMPP receipts), else delivery removes it afterwards.
 */
export type NotifyResult = "out-of-outbox" | void;

/** Outbox hand-overs started by sweeps and still under way (receivers that hang): no more are taken beyond it. */
const SWEEP_HAND_OVERS = 100;

/** Resolves at `deadline` (ms since the epoch), at once if it passed; holds no process open. */
export function untilDeadline(deadline: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref());
}

export interface OutboxHandOverDeps {
  store: Pick<MessageStore, "claimOutbox" | "get" | "outboxDone" | "outboxRelease">;
  notify: (message: Message) => Promise<NotifyResult>;
  logger: Logger;
  /** A sweep's hand-over failed outside the hand-over's own handling (logged throttled by the caller). */
  sweepFailed: (error: unknown) => void;
}

export class OutboxHandOvers {
  /** Hand-overs under way in this process: message id → the hand-over (close waits for them, bounded). */
  private readonly handingOver = new Map<string, Promise<void>>();
  /** Of those, the ones outbox sweeps started: never awaited by a poll, which runs the timers. */
  private sweepHandOvers = 0;
  /**
   * Messages this process handed over that a running outbox sweep may still have read before they left the
   * outbox: true once out of it. A sweep drops the true ones before it reads the outbox (what it then reads cannot
   * hold them), so this holds the hand-overs since the last sweep (~100 ms), not a minute's worth.
   */
  private readonly handedOver = new Map<string, boolean>();

  constructor(private readonly deps: OutboxHandOverDeps) {}

  /**
   * Takes what waits in the outbox and starts its hand-overs. Only messages nobody is handing over are taken (leased
   * to this instance, so no other one takes them too); those being handed over here right now are left to that
   * hand-over. The rest are started before this resolves (the next sweep drops what `handedOver` holds) and awaited
   * by none: a receiver that hangs must not hold up the caller's timers. Rejects when Redis cannot answer.
   */
  async sweep(): Promise<void> {
    for (const [id, out] of this.handedOver) if (out) this.handedOver.delete(id);
    const room = Math.min(100, SWEEP_HAND_OVERS - this.sweepHandOvers);
    if (room <= 0) return;
    const { store } = this.deps;
    const pending = (await store.claimOutbox(room)).filter((id) => !this.handingOver.has(id));
    const loaded = await Promise.all(pending.map((id) => store.get(id)));
    pending.forEach((id, i) => {
      const message = loaded[i]?.message;
      this.countSweep(message ? this.handOver(message) : store.outboxDone(id));
    });
  }

  /**
   * Hand-overs under way finish (until `deadline`); those still unanswered then (a webhook receiver that hangs)
   * are left to the next sweep, here after a restart or on another instance, at once rather than when their leases
   * run out. Released earlier, another instance would send them while they are still going out.
   */
  async settle(deadline: number): Promise<void> {
    await Promise.race([Promise.allSettled(this.handingOver.values()), untilDeadline(deadline)]);
    await Promise.all(
      [...this.handingOver.keys()].map((id) => this.deps.store.outboxRelease(id).catch(() => undefined)),
    );
  }

  /**
   * Hands a final message to the notifier, then takes it out of the outbox. One hand-over per message at a
   * time in this process, and none again for one an outbox sweep read before it left the outbox (see
   * `handedOver`); across a crash the notifier may see a message twice and must dedupe (webhook jobs are keyed
   * by message id).
   */
  handOver(message: Message): Promise<void> {
    const running = this.handingOver.get(message.id);
    if (running) return running;
    const handOver = this.handOverNow(message).finally(() => this.handingOver.delete(message.id));
    this.handingOver.set(message.id, handOver);
    return handOver;
  }

  /** Counts a hand-over a sweep started while it runs (see SWEEP_HAND_OVERS). */
  private countSweep(handOver: Promise<unknown>): void {
    this.sweepHandOvers++;
    handOver.catch((error: unknown) => this.deps.sweepFailed(error)).finally(() => this.sweepHandOvers--);
  }

  private async handOverNow(message: Message): Promise<void> {
    try {
      let leftOutbox = false;
      if (!this.handedOver.has(message.id)) {
        leftOutbox = (await this.deps.notify(message)) === "out-of-outbox";
        this.handedOver.set(message.id, false);
      }
      if (!leftOutbox) await this.deps.store.outboxDone(message.id);
      this.handedOver.set(message.id, true);
    } catch (error) {
      // Stays in the outbox: the next poll tries again. A notification that failed is left to any instance (its
      // lease given up); one that went out and only its removal failed stays leased here, so this instance's own
      // sweep finishes it (handedOver) and no other notifies again.
      this.deps.logger.warn(
        { err: error, messageId: message.id },
        "notification hand-over failed; will retry",
      );
      if (!this.handedOver.has(message.id)) {
        await this.deps.store.outboxRelease(message.id).catch(() => undefined);
      }
    }
  }
}
