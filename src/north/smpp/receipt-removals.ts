/**
 * Taking answered (or unsendable) receipt jobs out of their system_id's list, with their lease keys when they have
 * one (receipt-scripts.ts; a job sent from memory on its stamp alone has none): the removals of one event-loop turn
 * in one step per list, and those that failed (Redis unreachable) remembered, so this process does not send them
 * again, and retried until they succeed.
 */
import type { RedisBatch } from "../../redis/redis-batch.js";
import { leaseKey, RECEIPTS_REMOVE } from "./receipt-scripts.js";
import type { SmppKeys } from "./redis-keys.js";

export class ReceiptRemovals {
  /** Jobs to remove per system_id, removed together in one step (see `remove`): with a lease key, or without. */
  private readonly pending = new Map<string, { leased: string[]; stamped: string[]; done: Promise<void> }>();
  /**
   * Per system_id, answered jobs whose removal failed (each with whether it has a lease key to delete): not to be
   * sent again; removal retried (`retry`).
   */
  private readonly failed = new Map<string, Map<string, boolean>>();
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

  /**
   * Removes a job the ESME answered (`leased`: with its lease key); if that fails, it is remembered and retried
   * (see `retry`).
   */
  answered(systemId: string, item: string, leased: boolean): Promise<void> {
    return this.remove(systemId, item, leased).catch((error: unknown) => {
      let items = this.failed.get(systemId);
      if (!items) this.failed.set(systemId, (items = new Map<string, boolean>()));
      items.set(item, leased || (items.get(item) ?? false));
      throw error;
    });
  }

  /** The answered jobs of `systemId` whose removal failed that have no lease key (held on their stamp). */
  *unleased(systemId: string): Iterable<string> {
    for (const [item, leased] of this.failed.get(systemId) ?? []) if (!leased) yield item;
  }

  /** Notes that an answered job whose removal failed has a lease key now (a scan of this process claimed it). */
  leased(systemId: string, item: string): void {
    const items = this.failed.get(systemId);
    if (items?.has(item)) items.set(item, true);
  }

  /** Tries again to remove the answered jobs of `systemId` whose removal failed; one attempt at a time. */
  retry(systemId: string): void {
    const items = this.failed.get(systemId);
    if (!items || this.retrying.has(systemId)) return;
    this.retrying.add(systemId);
    const batch = [...items];
    Promise.all(batch.map(([item, leased]) => this.remove(systemId, item, leased)))
      .then(() => {
        for (const [item] of batch) items.delete(item);
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
   * Takes a job out of its list, with its lease key when `leased` (a job sent from memory on its stamp alone has
   * none: nothing to delete, no SHA-1 to compute). The removals of one event-loop turn (an ESME acknowledges many
   * receipts in one read) go in one step: collected until the turn's callbacks are done, then deferred
   * (RedisBatch.defer: the ESME has its receipt; the step rides along with the next call that goes).
   */
  remove(systemId: string, item: string, leased: boolean): Promise<void> {
    let pending = this.pending.get(systemId);
    if (!pending) {
      const leasedItems: string[] = [];
      const stamped: string[] = [];
      const done = new Promise<void>((resolve, reject) =>
        process.nextTick(() => {
          this.pending.delete(systemId);
          const prefix = this.keys.receiptLeases(systemId);
          // The jobs with a lease key first: the script pairs KEYS[i + 1] with the i-th job while there are keys.
          const keys = [this.keys.receipts(systemId), ...leasedItems.map((i) => leaseKey(prefix, i))];
          const items = stamped.length === 0 ? leasedItems : [...leasedItems, ...stamped];
          this.batch.defer(RECEIPTS_REMOVE.op, keys, items).then(() => resolve(), reject);
        }),
      );
      this.pending.set(systemId, (pending = { leased: leasedItems, stamped, done }));
    }
    (leased ? pending.leased : pending.stamped).push(item);
    return pending.done;
  }
}
