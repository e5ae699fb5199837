/** A count of things under way that can be waited on until none is left (bounded by a timeout). */
export class PendingCount {
  private count = 0;
  private readonly idle: (() => void)[] = [];

  add(): void {
    this.count++;
  }

  done(): void {
    if (--this.count > 0) return;
    this.count = 0;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Resolves once nothing is pending, or after `timeoutMs` at the latest. */
  none(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
