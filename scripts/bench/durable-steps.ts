/**
 * What the null relay does in its durable form (`--redis-url`): otpgw's own persistence of an SMPP message, and
 * nothing else of otpgw. The same store (MessageStore and its group commit, the same scripts and documents), the
 * same four writes per message and the same promise to the ESME: its submit is answered with the relay's own
 * message id once the message is in Redis; the carrier's acceptance is recorded; a receipt is recorded as the
 * final state with its receipt job before the carrier is answered and the receipt is passed on; the job is
 * removed once the ESME has answered the deliver_sm. It tells apart what durability costs on this stack from what
 * otpgw's routing, lifecycle and session engine cost or save.
 */
import { Redis } from "ioredis";
import { MessageStore } from "../../src/delivery/message-store.js";
import type { Message } from "../../src/delivery/types.js";
import { RECEIPTS_REMOVE } from "../../src/north/smpp/receipt-scripts.js";
import { RedisBatch } from "../../src/redis/redis-batch.js";
import { BENCH_DLR_TIMEOUT_MS, BENCH_TEXT, benchDelivered, benchFirstAttempt } from "./bench-message.js";

const RETENTION = { bodyMs: 0, messageMs: 86_400_000, idempotencyMs: 86_400_000, correlationMs: 86_400_000 };
const LIST = "bench:smpp:receipts:bench";

export class DurableSteps {
  private readonly redis: Redis;
  private readonly batch: RedisBatch;
  private readonly store: MessageStore;
  /** Messages at the carrier by its message id: the first attempt's document, to compute the final one. */
  private readonly atCarrier = new Map<string, Message>();
  private next = 0;

  constructor(redisUrl: string) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    this.batch = new RedisBatch(this.redis);
    this.batch.define(RECEIPTS_REMOVE.op, RECEIPTS_REMOVE.lua);
    this.store = new MessageStore({
      redis: this.redis,
      prefix: "bench:",
      retention: RETENTION,
      batch: this.batch,
    });
  }

  /** Stores a new message; resolves with it once it is in Redis (its id answers the submit). */
  async created(): Promise<Message> {
    const now = Date.now();
    const n = this.next++;
    const message = benchFirstAttempt(`d${process.pid.toString(36)}${n.toString(36)}`, n, now);
    await this.store.create(message, BENCH_TEXT, now + BENCH_DLR_TIMEOUT_MS, {});
    return message;
  }

  /** Records the carrier's acceptance (not awaited by the relay: its receipt may come before the answer). */
  accepted(message: Message, carrierMessageId: string): Promise<void> {
    this.atCarrier.set(carrierMessageId, message);
    return this.store.recordAccepted(message.id, 1, 0, "bench", carrierMessageId).then(() => undefined);
  }

  /**
   * Records the receipt of `carrierMessageId` as the final state with its receipt job; resolves with the relay's
   * message id and the job, or undefined for a carrier id it never accepted.
   */
  async delivered(carrierMessageId: string): Promise<{ id: string; jobs: string[] } | undefined> {
    const first = this.atCarrier.get(carrierMessageId);
    if (!first) return undefined;
    this.atCarrier.delete(carrierMessageId);
    const { final, jobs } = benchDelivered(first, carrierMessageId, Date.now());
    const applied = await this.store.update(1, {
      message: final,
      timerAt: null,
      final: true,
      handOver: { list: LIST, items: jobs, ttlMs: 86_400_000, refreshExpiry: false, maxLength: 1_000_000 },
      deferred: true, // as otpgw's final state (RedisBatch.defer)
    });
    if (!applied) throw new Error(`message ${first.id} changed under the relay`);
    return { id: first.id, jobs };
  }

  /** The ESME answered the receipt: its job leaves the list. */
  answered(jobs: string[]): Promise<unknown> {
    return this.batch.defer(RECEIPTS_REMOVE.op, [LIST], jobs); // deferred, as otpgw's
  }

  close(): void {
    this.redis.disconnect();
  }
}
