import type { Logger } from "../observability/logger.js";
import type { Clock } from "../smpp/session/request-window.js";
import type { SmppSession } from "../smpp/session/smpp-session.js";

export interface KeepaliveOptions {
  session: SmppSession;
  /** Idle time after which the peer is checked with enquire_link. */
  intervalMs: number;
  /** Unanswered enquire_links in a row that mean the peer is dead. */
  maxMisses: number;
  logger: Logger;
  /** The session's own clock (monotonic): `session.lastReceivedAt` is read against it. */
  clock: Clock;
  /** An enquire_link ended (answered or not): the window slot it held is free for the bind's submits again. */
  onSettled?: () => void;
}

/**
 * enquire_link with a reply check (node-smpp's own keep-alive has none): when nothing has arrived for
 * `intervalMs`, ask; an answer resets the count, a timeout or error is a miss, and `maxMisses` misses in a
 * row destroy the session so the bind reconnects instead of sending into a dead link.
 */
export class Keepalive {
  private timer: NodeJS.Timeout | undefined;
  private misses = 0;
  private inFlight = false;
  private readonly options: KeepaliveOptions;

  constructor(options: KeepaliveOptions) {
    this.options = options;
  }

  start(): void {
    const period = Math.max(10, Math.floor(this.options.intervalMs / 2));
    this.timer = setInterval(() => this.check(), period);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const { session, intervalMs, clock } = this.options;
    if (session.closed) {
      this.stop();
      return;
    }
    // Unbinding: the session takes no new request (and is about to close); not a miss.
    if (this.inFlight || !session.isBound || clock() - session.lastReceivedAt < intervalMs) return;
    this.inFlight = true;
    session.request("enquire_link").then(
      () => {
        this.inFlight = false;
        this.misses = 0;
        this.options.onSettled?.();
      },
      (error: Error) => {
        this.inFlight = false;
        if (session.closed) return;
        this.misses++;
        this.options.logger.warn({ misses: this.misses, err: error.message }, "enquire_link unanswered");
        if (this.misses >= this.options.maxMisses) session.destroy("peer not answering enquire_link");
        else this.options.onSettled?.();
      },
    );
  }
}
