/**
 * Taking answered (or unsendable) receipt jobs out of their system_id's list, with their leases
 * (receipt-scripts.ts): the removals of one event-loop turn in one step per list, and those that failed (Redis
 * unreachable) remembered, so this process does not send them again, and retried until they succeed.
 */
import type { RedisBatch } from "../../redis/redis-batch.js";
import { leaseKey, RECEIPTS_REMOVE } from "./receipt-scripts.js";
import type { SmppKeys } from "./redis-keys.js";

export class ReceiptRemovals {
  /** Jobs to remove per system_id, removed together in one step (see `remove`). */
  private readonly pending = new Map<string, { items: string[]; done: Promise<void> }>();
  /** Per system_id, answered jobs whose removal failed: not to be sent again; removal retried (`retry`). */
  private readonly failed = new Map<string, Set<string>>();
  private readonly retrying = new Set<string>();

  constructor(
    private readonly batch: RedisBatch,
    private readonly keys: SmppKeys,
    private readonly warn: (kind: string, fields: Record<string, unknown>, message: string) => void,
  ) {
    batch.define(RECEIPTS_REMOVE.op, RECEIPTS_REMOVE.lua);
  }

  /** Answered jobs whose removal failed, across lists. */
  get size(): number {
    let count = 0;
    for (const items of this.failed.values()) count += items.size;
    return count;
  }

  /** Whether `item` was answered and its removal has not succeeded yet. */
  has(systemId: string, item: string): boolean {
    return this.failed.get(systemId)?.has(item) ?? false;
  }

  /** Removes a job the ESME answered; if that fails, it is remembered and retried (see `retry`). */
  answered(systemId: string, item: string): Promise<void> {
    return this.remove(systemId, item).catch((error: unknown) => {
      let items = this.failed.get(systemId);
      if (!items) this.failed.set(systemId, (items = new Set<string>()));
      items.add(item);
      throw error;
    });
  }

  /** Tries again to remove the answered jobs of `systemId` whose removal failed; one attempt at a time. */
  retry(systemId: string): void {
    const items = this.failed.get(systemId);
    if (!items || this.retrying.has(systemId)) return;
    this.retrying.add(systemId);
    const batch = [...items];
    Promise.all(batch.map((item) => this.remove(systemId, item)))
      .then(() => {
        for (const item of batch) items.delete(item);
        if (items.size === 0) this.failed.delete(systemId);
      })
      .catch((error: Error) =>
        this.warn(
          "unremoved",
          { err: error.message, jobs: batch.length },
          "answered receipts not removed yet",
        ),
      )
      .finally(() => this.retrying.delete(systemId));
  }

  /**
   * Takes a job out of its list, with its lease. The removals of one event-loop turn (an ESME acknowledges many
   * receipts in one read) go in one step: collected until the turn's callbacks are done.
   */
  remove(systemId: string, item: string): Promise<void> {
    let pending = this.pending.get(systemId);
    if (!pending) {
      const items: string[] = [];
      const done = new Promise<void>((resolve, reject) =>
        process.nextTick(() => {
          this.pending.delete(systemId);
          const prefix = this.keys.receiptLeases(systemId);
          const keys = [this.keys.receipts(systemId), ...items.map((i) => leaseKey(prefix, i))];
          this.batch.run(RECEIPTS_REMOVE.op, keys, items).then(() => resolve(), reject);
        }),
      );
      this.pending.set(systemId, (pending = { items, done }));
    }
    pending.items.push(item);
    return pending.done;
  }
}
