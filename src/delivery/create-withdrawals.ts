/**
 * Creates whose answer was lost. When the connection to Redis drops after a create was sent, the create may or may
 * not have run, and the submitter has to be answered now: it is told the message was not accepted (HTTP 503,
 * ESME_RSYSERR) and will send it again. If the create did run, the first copy must not be delivered as well — the
 * person would get the code twice — so it is withdrawn (MessageStore.withdraw) as soon as Redis answers again,
 * before the timer poll could pick it up. A copy that moved on meanwhile (another instance took it) is too late
 * to withdraw: counted and logged; so is one that a repeat with its idempotency key was told about meanwhile (it
 * is delivered — here, started by `reclaim`). Pending withdrawals live in memory: a crash while Redis is unreachable forgets
 * them (those messages would then be delivered as well as their resends).
 */
import type { Logger } from "pino";
import { RedisOpError } from "../redis/redis-batch.js";
import type { Metrics } from "../observability/metrics.js";
import type { MessageStore, Update } from "./message-store.js";
import type { ReadyAttempt } from "./attempt-planner.js";
import type { Message } from "./types.js";

/** More than this pending (a store unreachable for long under load) and the oldest are given up, with an error log. */
const MAX_PENDING = 100_000;

interface Pending {
  message: Message;
  options: { idempotencyKey?: string; correlations?: Update["correlations"] };
  /** The first attempt planned with it, to start should a repeat take the message over (`reclaim`). */
  first?: ReadyAttempt;
}

export class CreateWithdrawals {
  private readonly pending = new Map<string, Pending>();
  private draining: Promise<void> | undefined;

  constructor(private readonly deps: { store: MessageStore; logger: Logger; metrics?: Metrics }) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * A repeat with the same idempotency key found the message (so the create had run) and was told about it: it is
   * no longer to be withdrawn but delivered, and nothing started it yet. Returns what it was remembered with.
   */
  reclaim(id: string): Pending | undefined {
    const pending = this.pending.get(id);
    if (pending === undefined) return undefined;
    this.pending.delete(id);
    this.deps.metrics?.messagesWithdrawn.inc({ outcome: "reclaimed" });
    return pending;
  }

  /** Remembers a message whose create's outcome is unknown and whose submitter was told it failed. */
  add(message: Message, options: Pending["options"], first?: ReadyAttempt): void {
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.deps.logger.error({ messageId: oldest }, "too many withdrawals pending: one given up");
    }
    this.pending.set(message.id, first ? { message, options, first } : { message, options });
  }

  /**
   * Tries every pending withdrawal (one Redis call); those that could not be tried stay for the next drain.
   * Resolves when done, never rejects.
   */
  drain(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    this.draining ??= this.run().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async run(): Promise<void> {
    const { store, logger, metrics } = this.deps;
    const batch = [...this.pending.values()];
    const results = await Promise.allSettled(batch.map((p) => store.withdraw(p.message, p.options)));
    const counts = { withdrawn: 0, absent: 0, too_late: 0 };
    results.forEach((result, i) => {
      const { message } = batch[i]!;
      if (result.status === "rejected") {
        if (!(result.reason instanceof RedisOpError)) return; // Redis unreachable still: the next drain
        logger.error({ err: result.reason.message, messageId: message.id }, "cannot withdraw");
      } else if (result.value === "too late") {
        counts.too_late++;
        logger.warn(
          { messageId: message.id, account: message.account },
          "a message refused while Redis's answer was lost had already moved on: it will be delivered",
        );
      } else counts[result.value]++;
      this.pending.delete(message.id);
    });
    for (const [outcome, n] of Object.entries(counts))
      if (n > 0) metrics?.messagesWithdrawn.inc({ outcome }, n);
    if (counts.withdrawn + counts.absent > 0) {
      logger.info(
        { withdrawn: counts.withdrawn, absent: counts.absent },
        "creates whose answer was lost are settled: what had been stored is withdrawn",
      );
    }
  }
}
