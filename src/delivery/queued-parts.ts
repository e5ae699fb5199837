import type { CarrierPool } from "../south/carrier-pool.js";
import { SubmitTicket } from "../south/submit-ticket.js";
import type { ReadyAttempt } from "./attempt-planner.js";
import { applySubmitResult, type SubmitResult } from "./lifecycle.js";
import { errorToSubmitResult, toSubmitResult } from "./submit-results.js";
import type { Message } from "./types.js";
import { toPoolClock, type PoolClocks } from "./pool-clock.js";

/** The parts of one attempt handed to a carrier's queue in this process that have no answer yet. */
interface Launched {
  n: number;
  tickets: (SubmitTicket | undefined)[];
  open: number;
}

/**
 * The submits this process queued for each message's current attempt, until the carrier answers them. One attempt
 * at a time (DESIGN.md): before an attempt ends, or its message becomes final, the parts still waiting in the
 * carrier's queue are withdrawn — they were never sent — so no part of it can go out once the next attempt starts.
 * A part a bind has taken already may be on the wire: it stays, and its attempt ends as before (unknown).
 * Entries live from the submit to its answer (usually milliseconds), so the map stays small.
 */
export class QueuedParts {
  private readonly launched = new Map<string, Launched>();

  /** `clocks`: delivery's and the pools' (pool-clock.ts); without, the times go to the pools as they are. */
  constructor(private readonly clocks?: () => PoolClocks) {}

  /** `at` (delivery's clock) as the pools' clock reads it. */
  private onPoolClock(at: number): number {
    const clocks = this.clocks?.();
    return clocks ? toPoolClock(clocks, at) : at;
  }

  /** Tickets for the parts of attempt `n`, each never written at or after `notAfter`, valid until `validUntil`. */
  tickets(messageId: string, n: number, parts: number, notAfter: number, validUntil: number): SubmitTicket[] {
    // A loop, not Array.from({ length }, …): that generic path costs ~0.8 µs a call on Node 20 (lifecycle.ts, filled).
    const tickets: SubmitTicket[] = [];
    for (let i = 0; i < parts; i++) tickets.push(new SubmitTicket(notAfter, validUntil));
    this.launched.set(messageId, { n, tickets, open: parts });
    return tickets;
  }

  /** Whether part `part` of attempt `n` was queued in this process and its carrier has not answered it yet. */
  isOpen(messageId: string, n: number, part: number): boolean {
    const entry = this.launched.get(messageId);
    return entry !== undefined && entry.n === n && entry.tickets[part] !== undefined;
  }

  /** Part `part` of attempt `n` has its answer: nothing left to withdraw for it. */
  answered(messageId: string, n: number, part: number): void {
    const entry = this.launched.get(messageId);
    if (!entry || entry.n !== n || !entry.tickets[part]) return;
    entry.tickets[part] = undefined;
    if (--entry.open === 0) this.launched.delete(messageId);
  }

  /**
   * Withdraws what is still queued of `message`'s attempt and records those parts as not sent; returns the message
   * unchanged when nothing was withdrawn. Call when its open attempt is about to end or it is about to become final.
   */
  withdraw(message: Message): Message {
    const entry = this.launched.get(message.id);
    if (!entry) return message;
    this.launched.delete(message.id);
    let updated = message;
    entry.tickets.forEach((ticket, part) => {
      if (ticket?.withdraw()) {
        updated = applySubmitResult(updated, entry.n, part, { status: "not_sent", reason: "withdrawn" });
      }
    });
    return updated;
  }

  /**
   * Another instance ended attempt `n` of the message (attempt-withdrawals.ts): what of it still waits in this
   * process's queues is withdrawn. Nothing is recorded: the attempt has its outcome already. Returns how many.
   */
  withdrawEnded(messageId: string, n: number): number {
    const entry = this.launched.get(messageId);
    if (!entry || entry.n !== n) return 0;
    let withdrawn = 0;
    for (const ticket of entry.tickets) {
      if (ticket && !ticket.withdrawnWhileWaiting && ticket.withdraw()) withdrawn++;
    }
    return withdrawn;
  }

  /**
   * Submits the parts of a committed attempt to its carrier's pool; each part's outcome goes to `record` as it
   * comes — except a withdrawn part's, which the step that withdrew it records.
   */
  launch(plan: ReadyAttempt, pool: CarrierPool, record: (part: number, result: SubmitResult) => void): void {
    const { message, n } = plan;
    const { notAfter } = plan;
    const tickets = this.tickets(
      message.id,
      n,
      plan.parts.length,
      this.onPoolClock(notAfter),
      this.onPoolClock(message.expiresAt),
    );
    plan.parts.forEach((fields, part) => {
      pool.submit(fields, tickets[part]).then(
        (outcome) => {
          this.answered(message.id, n, part);
          if (outcome.kind === "not_sent" && outcome.reason === "withdrawn") return;
          record(part, toSubmitResult(outcome));
        },
        (error: unknown) => {
          this.answered(message.id, n, part);
          record(part, errorToSubmitResult(error));
        },
      );
    });
  }
}
