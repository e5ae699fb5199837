/**
 * Runs callbacks after given delays with a single timer over a min-heap, instead of one setTimeout per PDU: cheap
 * at tens of thousands of delayed responses and receipts per second, and cancellable all at once (`clear()`), which
 * `stop()` needs. Equal due times run in insertion order. Time is the monotonic `performance.now()`, never the
 * simulator's injectable wall clock: a test that pins that clock must not freeze the SMSC.
 */
import { performance } from "node:perf_hooks";

interface Entry {
  due: number;
  order: number;
  run: () => void;
}

export class DelayQueue {
  private heap: Entry[] = [];
  private order = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private readonly onError: (error: unknown) => void;

  /** `onError` receives anything a callback throws, so one bad task never stops the others. */
  constructor(onError: (error: unknown) => void) {
    this.onError = onError;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs `run` in `delayMs` (on the next timer turn for 0). */
  after(delayMs: number, run: () => void): void {
    const due = performance.now() + delayMs;
    const entry: Entry = { due, order: this.order++, run };
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry;
      if (!before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
    if (due < this.armedFor) this.arm(due);
  }

  /** Drops every pending callback. */
  clear(): void {
    this.heap = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private arm(due: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - performance.now()));
    // A pending receipt must not keep a test process or the CLI alive after everything else closed.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = performance.now();
    let head = this.heap[0];
    while (head !== undefined && head.due <= now) {
      this.pop();
      try {
        head.run();
      } catch (error) {
        this.onError(error);
      }
      head = this.heap[0];
    }
    // A callback may have armed the timer for a later task than the remaining head.
    if (head !== undefined && head.due < this.armedFor) this.arm(head.due);
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(heap[r] as Entry, heap[l] as Entry) ? r : l;
      const c = heap[child] as Entry;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}
