import type { DecodedPdu } from "./pdu-codec.js";

/** Injected time source (ms); tests pass a fake one. */
export type Clock = () => number;

interface Entry {
  command: string;
  deadline: number;
  /** Its place among the requests ever sent on this window (1, 2, …). */
  index: number;
  resolve: (pdu: DecodedPdu) => void;
  reject: (error: Error) => void;
}

/** The requests a window had sent at some moment: `answeredThrough` tells later whether all are settled. */
export interface RequestMark {
  readonly window: RequestWindow;
  readonly sent: number;
}

/** Whether every request sent up to `mark` has been answered, failed or expired (or its session closed). */
export function answeredThrough(mark: RequestMark): boolean {
  return mark.window.settledThrough(mark.sent);
}

/**
 * The requests sent on one session and not yet answered, keyed by sequence_number. Every entry has the
 * same timeout, so insertion order is deadline order: the oldest entry is the next to expire, and one
 * sweep timer (armed by the owner from `nextDeadline`) serves them all instead of a timer per request.
 */
export class RequestWindow {
  private readonly entries = new Map<number, Entry>();
  private sent = 0;

  get size(): number {
    return this.entries.size;
  }

  has(sequence: number): boolean {
    return this.entries.has(sequence);
  }

  add(
    sequence: number,
    command: string,
    deadline: number,
    resolve: Entry["resolve"],
    reject: Entry["reject"],
  ): void {
    this.entries.set(sequence, { command, deadline, index: ++this.sent, resolve, reject });
  }

  /** The requests sent so far. */
  mark(): RequestMark {
    return { window: this, sent: this.sent };
  }

  /** Whether none of the first `sent` requests is still outstanding (entries are in the order sent). */
  settledThrough(sent: number): boolean {
    for (const entry of this.entries.values()) return entry.index > sent;
    return true;
  }

  /** Settles the request answered by `pdu`; returns false for a response nobody is waiting for. */
  settle(pdu: DecodedPdu): boolean {
    const entry = this.entries.get(pdu.sequence);
    if (!entry) return false;
    this.entries.delete(pdu.sequence);
    entry.resolve(pdu);
    return true;
  }

  /** Fails one request (e.g. its response could not be decoded). */
  fail(sequence: number, error: Error): boolean {
    const entry = this.entries.get(sequence);
    if (!entry) return false;
    this.entries.delete(sequence);
    entry.reject(error);
    return true;
  }

  /** The earliest deadline, or undefined when empty. */
  nextDeadline(): number | undefined {
    for (const entry of this.entries.values()) return entry.deadline;
    return undefined;
  }

  /** Rejects every request whose deadline has passed; returns how many expired. */
  expire(now: number, makeError: (command: string) => Error): number {
    let expired = 0;
    for (const [sequence, entry] of this.entries) {
      if (entry.deadline > now) break;
      this.entries.delete(sequence);
      entry.reject(makeError(entry.command));
      expired++;
    }
    return expired;
  }

  /** Rejects everything (the session closed). */
  rejectAll(makeError: (command: string) => Error): void {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const entry of all) entry.reject(makeError(entry.command));
  }
}
