/**
 * Failed binds per source IP: `limit` failures within `windowMs` put the IP in a cooldown during which its binds
 * are refused without looking at the credentials (password guessing gets nowhere, and costs us no scrypt).
 * Pure, with an injected clock. The map is bounded: beyond `maxTracked` IPs the oldest entry is forgotten, so a
 * flood from many addresses cannot exhaust memory (it can only make us forget some counts early).
 */
export class BindFailureTracker {
  private readonly entries = new Map<string, { failures: number[]; blockedUntil: number }>();

  constructor(
    private readonly options: {
      limit: number;
      windowMs: number;
      cooldownMs: number;
      /** Monotonic ms (the server's): a wall clock stepped back would keep an IP in its cooldown for as long. */
      clock: () => number;
      maxTracked?: number;
    },
  ) {}

  /** True while `ip` is in its cooldown. */
  isBlocked(ip: string): boolean {
    const entry = this.entries.get(ip);
    return entry !== undefined && entry.blockedUntil > this.options.clock();
  }

  /** Counts a failed bind; returns true when this failure started a cooldown. */
  recordFailure(ip: string): boolean {
    const now = this.options.clock();
    let entry = this.entries.get(ip);
    if (entry === undefined) {
      entry = { failures: [], blockedUntil: 0 };
    } else {
      this.entries.delete(ip); // re-inserted below: the map stays in least-recently-failed order
    }
    this.entries.set(ip, entry);
    entry.failures = entry.failures.filter((t) => t > now - this.options.windowMs);
    entry.failures.push(now);
    const max = this.options.maxTracked ?? 10_000;
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    if (entry.failures.length >= this.options.limit && entry.blockedUntil <= now) {
      entry.blockedUntil = now + this.options.cooldownMs;
      entry.failures = [];
      return true;
    }
    return false;
  }
}
