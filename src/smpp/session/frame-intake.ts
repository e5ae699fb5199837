import type { Socket } from "node:net";

/**
 * Why the intake is paused. Each has its own owner, and reading resumes only once none holds: `requests` — the
 * peer's requests being handled reached their limit (InboundLimit, through the session's pauseReading);
 * `output` — our answers pile up unsent because the peer is not reading them (until the socket's `drain`).
 */
export type PauseReason = "requests" | "output";

/**
 * The frames read from a socket, handed on one at a time and pausable between any two of them — not only between
 * reads: one read can hold hundreds of PDUs, and a pause asked for while handling the first must hold the rest
 * (back-pressure per PDU, e.g. the SMPP server's bound on submits being stored).
 */
export class FrameIntake {
  private held: Buffer[] = [];
  private readonly reasons = new Set<PauseReason>();

  /** `handle` answers false when the session closed: the rest of the frames are dropped. */
  constructor(
    private readonly socket: Socket,
    private readonly handle: (frame: Buffer) => boolean,
  ) {}

  get paused(): boolean {
    return this.reasons.size > 0;
  }

  take(frames: Buffer[]): void {
    if (this.paused) this.held.push(...frames);
    else this.run(frames);
  }

  /** Stops handing frames on (the rest of this read waits) and stops reading the socket, for `reason`. */
  pause(reason: PauseReason): void {
    if (this.reasons.has(reason)) return;
    this.reasons.add(reason);
    if (this.reasons.size === 1) this.socket.pause();
  }

  /**
   * Lifts `reason`; once no reason holds, hands on the frames held, then reads the socket again (unless a frame
   * paused it once more).
   */
  resume(reason: PauseReason): void {
    if (!this.reasons.delete(reason) || this.paused) return;
    const held = this.held;
    this.held = [];
    this.run(held);
    if (!this.paused) this.socket.resume();
  }

  private run(frames: Buffer[]): void {
    for (let i = 0; i < frames.length; i++) {
      if (this.paused) {
        this.held.push(...frames.slice(i));
        return;
      }
      if (!this.handle(frames[i]!)) return;
    }
  }
}
