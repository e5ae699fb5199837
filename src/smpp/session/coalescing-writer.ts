import type { Socket } from "node:net";

/** A turn's coalesced PDUs are written at once beyond this many bytes (bounds the memory of one burst). */
const COALESCE_MAX_BYTES = 64 * 1024;

/** What to do when the socket holds more unsent bytes than the peer should ever leave unread. */
export interface Backlog {
  /** Unsent bytes (socket.writableLength) beyond which `onBacklog` is called. */
  maxUnsentBytes: number;
  /** Called after a write left more than `maxUnsentBytes` unsent; a `drain` is then sure to follow. */
  onBacklog: (unsentBytes: number) => void;
}

/**
 * Every PDU written during one turn of the event loop (responses, submits, receipts) leaves in one socket
 * write at the end of the turn: one system call instead of one per PDU, at no more latency than the rest of
 * the turn. `blocked` turns true when the socket's buffer is full (wait for its `drain`).
 */
export class CoalescingWriter {
  private buffers: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;
  blocked = false;

  constructor(
    private readonly socket: Socket,
    private readonly backlog?: Backlog,
  ) {}

  write(buffer: Buffer): void {
    this.buffers.push(buffer);
    this.bytes += buffer.length;
    if (this.bytes >= COALESCE_MAX_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is queued now (before closing the socket, or when a turn's burst is large). */
  flush(): void {
    if (this.buffers.length === 0) return;
    const data = this.buffers.length === 1 ? this.buffers[0]! : Buffer.concat(this.buffers, this.bytes);
    this.buffers = [];
    this.bytes = 0;
    if (this.socket.destroyed) return;
    if (this.socket.write(data)) return;
    this.blocked = true; // write() answered false: the socket will emit `drain`
    const unsent = this.socket.writableLength;
    if (this.backlog && unsent > this.backlog.maxUnsentBytes) this.backlog.onBacklog(unsent);
  }
}
