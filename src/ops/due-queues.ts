/**
 * Entries waiting until a time, kept in one queue per wait: with a single wait, arrival order is due order, so each
 * queue stays sorted with no heap, and entries with different waits (accounts' `conversion_wait_seconds`, changed
 * by a reload) never hold each other back. Used by the pumping guard for deliveries waiting for their judgement.
 */

/** An entry and when it falls due (ms, the caller's clock). */
export interface Due {
  dueAt: number;
}

/** One wait's entries, in due order; the front is read by index and the array compacted now and then. */
class WaitQueue<T extends Due> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(entry: T): void {
    this.items.push(entry);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const next = this.items[this.head];
    if (next) this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return next;
  }

  /** Puts back entries taken from the front, in their order. */
  unshift(entries: T[]): void {
    this.items.splice(this.head, 0, ...entries);
  }
}

/** Entries taken by `takeDue`, earliest first; `putBack` returns them to their queues' fronts, in order. */
export interface Taken<T> {
  entries: T[];
  putBack: () => void;
}

export class DueQueues<T extends Due> {
  private readonly queues = new Map<number, WaitQueue<T>>();
  private count = 0;

  /** Entries waiting, across queues. */
  get size(): number {
    return this.count;
  }

  /** Adds an entry recorded with `waitMs` (its `dueAt` is that wait after now, so it goes at its queue's end). */
  add(waitMs: number, entry: T): void {
    let queue = this.queues.get(waitMs);
    if (!queue) this.queues.set(waitMs, (queue = new WaitQueue<T>()));
    queue.push(entry);
    this.count++;
  }

  /** Drops the entry due first (to bound memory); false when there is none. */
  dropEarliest(): boolean {
    if (!this.earliest()?.shift()) return false;
    this.count--;
    return true;
  }

  /** Takes up to `limit` entries due by `now`, whichever queue holds them, the earliest first. */
  takeDue(now: number, limit: number): Taken<T> {
    const taken = new Map<WaitQueue<T>, T[]>();
    const entries: T[] = [];
    while (entries.length < limit) {
      const queue = this.earliest();
      const next = queue?.peek();
      if (!queue || !next || next.dueAt > now) break;
      queue.shift();
      entries.push(next);
      let list = taken.get(queue);
      if (!list) taken.set(queue, (list = []));
      list.push(next);
    }
    this.count -= entries.length;
    let returned = false;
    const putBack = (): void => {
      if (returned) return;
      returned = true;
      for (const [queue, list] of taken) queue.unshift(list);
      this.count += entries.length;
    };
    return { entries, putBack };
  }

  /** Forgets the queues left empty (a wait no account uses any more). */
  prune(): void {
    for (const [waitMs, queue] of this.queues) if (queue.size === 0) this.queues.delete(waitMs);
  }

  /**
   * The longest wait an entry is still held with (at least `floorMs`), and the earliest due time (undefined when
   * nothing waits): one pass over the queues, a handful (one per wait value).
   */
  longestWaitAndEarliest(floorMs: number): { longestMs: number; earliestDue: number | undefined } {
    let longestMs = floorMs;
    let earliestDue: number | undefined;
    for (const [waitMs, queue] of this.queues) {
      const front = queue.peek();
      if (!front) continue;
      longestMs = Math.max(longestMs, waitMs);
      earliestDue = earliestDue === undefined ? front.dueAt : Math.min(earliestDue, front.dueAt);
    }
    return { longestMs, earliestDue };
  }

  /** The queue whose front falls due first. */
  private earliest(): WaitQueue<T> | undefined {
    let best: WaitQueue<T> | undefined;
    for (const queue of this.queues.values()) {
      const front = queue.peek();
      if (front && (!best || front.dueAt < best.peek()!.dueAt)) best = queue;
    }
    return best;
  }
}
