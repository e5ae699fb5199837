/**
 * At most one log line per key per interval, for events that come in floods (a connection flood): the metrics
 * count every one; the log says it is happening without drowning everything else.
 */
export class LogThrottle {
  private readonly lastAt = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** True when a line for `key` may be written now (and remembers that one was). */
  allow(key = ""): boolean {
    const now = this.clock();
    if (now - (this.lastAt.get(key) ?? -Infinity) < this.intervalMs) return false;
    this.lastAt.set(key, now);
    return true;
  }
}
