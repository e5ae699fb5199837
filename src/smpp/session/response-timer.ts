import { ResponseTimeoutError } from "../../errors.js";
import type { Clock, RequestWindow } from "./request-window.js";

/**
 * A session's response_timer (SMPP-NOTES B.5): one timer for the whole request window, armed for the earliest
 * deadline of the requests outstanding (deadlines and `clock` are the session's monotonic clock). When it fires, every request past its deadline is rejected with
 * ResponseTimeoutError and `onExpired` is told how many.
 */
export class ResponseTimer {
  private readonly window: RequestWindow;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly onExpired: (expired: number) => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(window: RequestWindow, clock: Clock, timeoutMs: number, onExpired: (expired: number) => void) {
    this.window = window;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    this.onExpired = onExpired;
  }

  /** Arms the timer for the earliest deadline outstanding (a no-op while armed, or with nothing outstanding). */
  arm(): void {
    if (this.timer) return;
    const deadline = this.window.nextDeadline();
    if (deadline === undefined) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, deadline - this.clock()));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    const expired = this.window.expire(
      this.clock(),
      (command) => new ResponseTimeoutError(command, this.timeoutMs),
    );
    if (expired > 0) this.onExpired(expired);
    this.arm();
  }
}
