import type { Socket } from "node:net";

/**
 * The frames read from a socket, handed on one at a time and pausable between any two of them — not only between
 * reads: one read can hold hundreds of PDUs, and a pause asked for while handling the first must hold the rest
 * (back-pressure per PDU, e.g. the SMPP server's bound on submits being stored).
 */
export class FrameIntake {
  private held: Buffer[] = [];
  private paused = false;

  /** `handle` answers false when the session closed: the rest of the frames are dropped. */
  constructor(
    private readonly socket: Socket,
    private readonly handle: (frame: Buffer) => boolean,
  ) {}

  take(frames: Buffer[]): void {
    if (this.paused) this.held.push(...frames);
    else this.run(frames);
  }

  /** Stops handing frames on (the rest of this read waits) and stops reading the socket. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  /** Hands on the frames held, then reads the socket again (unless a frame paused it once more). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
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
