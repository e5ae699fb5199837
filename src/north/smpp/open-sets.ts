/**
 * The concatenated messages this process has open (first part seen, set not complete): bounded per session and
 * across the server so an ESME that starts sets and never finishes them cannot grow our state without limit.
 * Pure, with an injected clock; the parts themselves live in Redis (concat-store.ts) under the same timeout.
 */
export class OpenSets {
  private readonly sets = new Map<string, { session: number; expiresAt: number }>();
  private readonly perSession = new Map<number, number>();

  constructor(
    private readonly options: {
      timeoutMs: number;
      maxPerSession: number;
      max: number;
      /** Monotonic ms: the sets' timeout is a duration in this process (Redis expires the parts by its own TTL). */
      clock: () => number;
      /** Called once for each set that timed out incomplete. */
      onDropped?: () => void;
    },
  ) {}

  get size(): number {
    return this.sets.size;
  }

  /** Registers a part of set `key` from `session`; false when a new set would exceed a bound. */
  admit(key: string, session: number): boolean {
    this.expire();
    if (this.sets.has(key)) return true;
    const mine = this.perSession.get(session) ?? 0;
    if (mine >= this.options.maxPerSession || this.sets.size >= this.options.max) return false;
    this.sets.set(key, { session, expiresAt: this.options.clock() + this.options.timeoutMs });
    this.perSession.set(session, mine + 1);
    return true;
  }

  /** The set completed (or was abandoned by its caller). */
  done(key: string): void {
    const entry = this.sets.get(key);
    if (!entry) return;
    this.sets.delete(key);
    const left = (this.perSession.get(entry.session) ?? 1) - 1;
    if (left <= 0) this.perSession.delete(entry.session);
    else this.perSession.set(entry.session, left);
  }

  /** Forgets sets past their timeout (insertion order is expiry order: the timeout is the same for all). */
  expire(): void {
    const now = this.options.clock();
    for (const [key, entry] of this.sets) {
      if (entry.expiresAt > now) break;
      this.done(key);
      this.options.onDropped?.();
    }
  }
}
