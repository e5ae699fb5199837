import type { Logger } from "./logger.js";

/**
 * At most one log line per key per interval, for events that come in floods (a connection flood, every message
 * while Redis is unreachable): the metrics count every one; the log says it is happening, and how often, without
 * drowning everything else.
 */
export class LogThrottle {
  private readonly lastAt = new Map<string, number>();
  private readonly held = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    /**
     * Monotonic ms by default (performance.now, as src/smpp/session/monotonic-clock.ts): the times are only compared
     * with each other, never shown or stored, and on the wall clock a step back held every line back for its length.
     */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** True when a line for `key` may be written now (and remembers that one was). */
  allow(key = ""): boolean {
    return this.passes(key) !== undefined;
  }

  /**
   * When a line for `key` may be written now: how many were held back since the previous one (write it in the
   * line as `suppressed`); undefined when this one is held back (and counted).
   */
  passes(key = ""): number | undefined {
    const now = this.clock();
    if (now - (this.lastAt.get(key) ?? -Infinity) < this.intervalMs) {
      this.held.set(key, (this.held.get(key) ?? 0) + 1);
      return undefined;
    }
    this.lastAt.set(key, now);
    const suppressed = this.held.get(key) ?? 0;
    this.held.delete(key);
    return suppressed;
  }

  /** Writes a warning for `key` when one may be written now, with how many were held back since (`suppressed`). */
  warn(logger: Logger, key: string, fields: Record<string, unknown>, message: string): void {
    const suppressed = this.passes(key);
    if (suppressed !== undefined) logger.warn({ ...fields, suppressed }, message);
  }
}
