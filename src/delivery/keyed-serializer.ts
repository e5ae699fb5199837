/**
 * Runs tasks for the same key one after another (tasks for different keys run concurrently). Each message is
 * handled by one task at a time in this process, so a receipt, a submit result and a timer for the same message
 * never interleave; Redis versions protect against other processes.
 */
const RESOLVED: Promise<void> = Promise.resolve();

export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly queuedBehind: (() => void) | undefined;

  /** `queuedBehind`: told when a task has to wait for another of its key (to hurry that one's deferred writes). */
  constructor(queuedBehind?: () => void) {
    this.queuedBehind = queuedBehind;
  }

  get size(): number {
    return this.tails.size;
  }

  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key);
    if (previous) this.queuedBehind?.();
    const next = (previous ?? RESOLVED).then(task, task);
    // Settles (never rejects) once `next` has, after forgetting the key unless another task queued behind it.
    const settled = (): void => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    const tail: Promise<void> = next.then(settled, settled);
    this.tails.set(key, tail);
    return next;
  }

  /** Resolves when every task queued so far has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
