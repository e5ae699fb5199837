import type { QueuedSubmit, SubmitSource } from "./submit-types.js";

/**
 * The carrier's FIFO of submits waiting for a bind. Items given back (not sent, or throttled) go to a
 * separate front list so they leave before anything newer. Array + head index: O(1) take without
 * `shift()` copying, compacted when the consumed head grows large. A submit withdrawn while it waits stays in
 * place (no search) but no longer counts, and is skipped when its turn comes.
 */
export class SubmitQueue implements Pick<SubmitSource, "next" | "requeue"> {
  private items: QueuedSubmit[] = [];
  private head = 0;
  private readonly front: QueuedSubmit[] = [];
  /** Items still in the arrays that were withdrawn while waiting. */
  private withdrawn = 0;

  get length(): number {
    return this.items.length - this.head + this.front.length - this.withdrawn;
  }

  /** One of the waiting items was withdrawn (its ticket says so): it is skipped and no longer counted. */
  countWithdrawn(): void {
    this.withdrawn++;
  }

  push(item: QueuedSubmit): void {
    this.items.push(item);
  }

  next(): QueuedSubmit | undefined {
    for (;;) {
      const item = this.take();
      if (!item?.ticket?.withdrawnWhileWaiting) return item;
      this.withdrawn--;
    }
  }

  private take(): QueuedSubmit | undefined {
    const again = this.front.pop();
    if (again) return again;
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined as unknown as QueuedSubmit;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  requeue(item: QueuedSubmit): void {
    this.front.push(item);
  }

  /** Removes and returns everything still waiting (shutdown). */
  drain(): QueuedSubmit[] {
    const all = [...this.front.reverse(), ...this.items.slice(this.head)];
    this.front.length = 0;
    this.items = [];
    this.head = 0;
    this.withdrawn = 0;
    return all.filter((item) => !item.ticket?.withdrawnWhileWaiting);
  }
}
