import type { QueuedSubmit, SubmitSource } from "./submit-types.js";

/**
 * The carrier's FIFO of submits waiting for a bind. Items given back (not sent, or throttled) go to a
 * separate front list so they leave before anything newer. Array + head index: O(1) take without
 * `shift()` copying, compacted when the consumed head grows large.
 */
export class SubmitQueue implements SubmitSource {
  private items: QueuedSubmit[] = [];
  private head = 0;
  private readonly front: QueuedSubmit[] = [];

  get length(): number {
    return this.items.length - this.head + this.front.length;
  }

  push(item: QueuedSubmit): void {
    this.items.push(item);
  }

  next(): QueuedSubmit | undefined {
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

  /** Removes and returns everything (shutdown). */
  drain(): QueuedSubmit[] {
    const all = [...this.front.reverse(), ...this.items.slice(this.head)];
    this.front.length = 0;
    this.items = [];
    this.head = 0;
    return all;
  }
}
