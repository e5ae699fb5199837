/**
 * Counts the webhooks in flight per receiver host and refuses one beyond a limit, so that a host which holds its
 * tries until they time out takes a few of the retry worker's slots, never all of them: the other accounts'
 * webhooks keep going out. Pure bookkeeping: the caller defers what is refused.
 */
export class HostSlots {
  private readonly inFlight = new Map<string, number>();

  /** @param perHost webhooks in flight at once to one host (at least 1). */
  constructor(private readonly perHost: number) {}

  /** Takes a slot for `host`; false when it already has `perHost` in flight. */
  take(host: string): boolean {
    const count = this.inFlight.get(host) ?? 0;
    if (count >= Math.max(1, this.perHost)) return false;
    this.inFlight.set(host, count + 1);
    return true;
  }

  /** Gives back a slot taken with `take`. */
  release(host: string): void {
    const count = this.inFlight.get(host) ?? 0;
    if (count <= 1) this.inFlight.delete(host);
    else this.inFlight.set(host, count - 1);
  }
}
