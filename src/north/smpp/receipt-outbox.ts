/**
 * Receipts back to ESMEs, the sending side. A final message submitted over SMPP becomes one receipt job per id the
 * ESME was given, appended to a per-system_id Redis list (receipt-queueing.ts; durable, bounded by the message
 * retention and `maxQueued`); the list is drained onto any receiver/transceiver bind of that system_id, within each
 * session's window. Several instances
 * share the list, so an instance sends only the jobs it holds (receipt-scripts.ts): those it queued itself with
 * a receiver bound here (their items stamped with this process's token and a deadline in the step that queues
 * them — no lease key — and sent straight from memory) and those a scan claimed with a lease key (the list is
 * walked when a receiver binds and every `retryMs`). A job leaves the list only when the ESME answered it: 0
 * (done) or 0x65/0x66 (it refuses the receipt: dropped and counted); 0x64, any other status or a timeout sets its
 * lease key to `retryMs` (no instance sends it before), a lost session releases it (another receiver here takes
 * it at once; another instance once its stamp's deadline passed). A job the ESME answered whose removal failed
 * (Redis unreachable) is never sent again by this process: its removal is retried instead. Exactly once while
 * instances live; at least once across a crash: a job whose instance died is sent again once its stamp's
 * deadline passed or its lease expired (2 × `answerTimeoutMs` + 2 s after it was queued or claimed). A stopping
 * instance's stamped jobs not sent yet are not given back (that would rewrite the items): another instance sends
 * them after their deadline; the same instance restarted (its token derives from its instance id) at once.
 */
import { randomBytes } from "node:crypto";
import { LogThrottle } from "../../observability/log-throttle.js";
import { ConnectionClosedError, NotBoundError, NotSentError } from "../../errors.js";
import { SmppStatus } from "../../smpp/command-status.js";
import { monotonicNow } from "../../smpp/session/monotonic-clock.js";
import type smpp from "smpp";
import { decodeJob, receiptFields, type ReceiptJob } from "./receipt-job.js";
import { ReceiptQueueing, type ReceiptCarrier, type ReceiptOutboxDeps } from "./receipt-queueing.js";
import { ReceiptRemovals } from "./receipt-removals.js";
import { leaseKey, RECEIPTS_CLAIM, RECEIPTS_ENQUEUE, RECEIPTS_LEASE } from "./receipt-scripts.js";

/** Items a scan step reads from the list at most: bounds how long one step holds Redis. */
const SCAN_EXAMINE_ITEMS = 1000;
/** Jobs a scan step claims at most: more than a few sessions' windows take at once, few to hold unsent. */
const SCAN_CLAIM_JOBS = 100;
/**
 * What a lease or a stamp allows beyond two answer timeouts: the Redis round trips around a send, clock rates, and
 * (a stamp's deadline is this process's clock, read against Redis's by the scan) the skew of NTP-synced clocks.
 */
const LEASE_MARGIN_MS = 2000;

/** The receipt never reached an answer because its session closed (or was never bound): not the ESME's doing. */
function isSessionLost(error: unknown): boolean {
  return (
    error instanceof ConnectionClosedError || error instanceof NotSentError || error instanceof NotBoundError
  );
}

const REFUSED: ReadonlySet<number> = new Set<number>([SmppStatus.ESME_RX_P_APPN, SmppStatus.ESME_RX_R_APPN]);

/** A job this process holds and has not sent yet (its decoded form when queued here). */
interface Held {
  job: ReceiptJob | undefined;
  /** Sent after this (monotonic clock), its answer could come after the stamp or lease ran out: left to a scan. */
  sendBy: number;
  /** Held by a lease key (claimed by a scan), else by its stamp alone (queued here): no key to delete. */
  leased: boolean;
}

/** A job being sent: whether a lease key holds it (a scan here may take one meanwhile), and whether answered. */
interface Sending {
  systemId: string;
  leased: boolean;
  answered: boolean;
}

export class ReceiptOutbox {
  private readonly warnings = new LogThrottle(10_000);
  /** How long a claim holds a job: its send, then its answer or timeout, fit in it. */
  private readonly leaseMs: number;
  /** Stamped into the jobs this process queues and sends from memory; a scan leaves them to it until the deadline. */
  private readonly instance: string;
  /** Durations in memory (send-by times); `deps.clock`, the wall clock, for what Redis stores or compares. */
  private readonly monotonicClock: () => number;
  private readonly inFlight = new Map<string, Sending>();
  /**
   * Per system_id, the jobs this process holds and has not sent yet, oldest first: queued here (held on their
   * stamp, sent straight from memory) or claimed by a scan (a lease key). Bounded by `maxQueued` and by each one's
   * `sendBy`.
   */
  private readonly held = new Map<string, Map<string, Held>>();
  private readonly pumping = new Set<string>();
  private readonly removals: ReceiptRemovals;
  private readonly scan = new Set<string>();
  /**
   * A scan asked for while one was claiming (a session lost, a bind): the claim may have skipped, as in flight, the
   * very jobs it is for, so the scan goes on from the head instead of ending.
   */
  private readonly rescan = new Set<string>();
  /** Per system_id, where a scan that stopped for want of room goes on walking the list. */
  private readonly cursors = new Map<string, number>();
  private readonly again = new Set<string>();
  /** Queues receipts (prepare, enqueue): what it stamped for this process comes back through `queued`. */
  readonly queueing: ReceiptQueueing;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: ReceiptOutboxDeps) {
    this.leaseMs = 2 * deps.answerTimeoutMs + LEASE_MARGIN_MS;
    this.monotonicClock = deps.monotonicClock ?? monotonicNow;
    this.instance = deps.instance ?? randomBytes(8).toString("hex");
    if (!/^[0-9a-f]+$/.test(this.instance)) throw new Error("a receipt outbox's instance token must be hex");
    for (const { op, lua } of [RECEIPTS_ENQUEUE, RECEIPTS_CLAIM, RECEIPTS_LEASE]) deps.batch.define(op, lua);
    this.removals = new ReceiptRemovals(deps.batch, deps.keys, (kind, fields, message) =>
      this.warn(kind, fields, message),
    );
    this.queueing = new ReceiptQueueing({
      ...deps,
      monotonicClock: this.monotonicClock,
      instance: this.instance,
      leaseMs: this.leaseMs,
      canHold: (systemId, count) => this.canHold(systemId, count),
      queued: (systemId, jobs, items, owned, stampedAt) =>
        this.queued(systemId, jobs, items, owned, stampedAt),
    });
  }

  start(): void {
    this.timer = setInterval(() => {
      for (const systemId of this.deps.boundSystemIds()) this.kick(systemId, true);
    }, this.deps.retryMs);
    this.timer.unref();
  }

  /**
   * Stops sending. The lease keys of jobs held unsent are given back, so another instance sends them at once; the
   * jobs held on their stamp alone (queued here) are not: giving them back would mean rewriting their items in the
   * list, so another instance sends them once their deadline passed (at most 2 × `answerTimeoutMs` + 2 s), and this
   * instance, restarted with the same token, as soon as a receiver binds.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const [systemId, held] of this.held) {
      for (const [item, entry] of held) {
        if (entry.leased) this.lease(systemId, item, 0).catch(() => undefined);
      }
    }
    this.held.clear();
  }

  /** Jobs this process keeps in memory (held, in flight, answered but not removed): bounded, whatever Redis does. */
  get jobsInMemory(): number {
    let count = this.inFlight.size + this.removals.size;
    for (const held of this.held.values()) count += held.size;
    return count;
  }

  /** Whether this process sends `count` jobs of `systemId` it queues now from memory (ReceiptQueueingDeps). */
  private canHold(systemId: string, count: number): boolean {
    if (this.closed || !this.deps.hasReceiver(systemId)) return false;
    return (this.held.get(systemId)?.size ?? 0) + count <= this.deps.maxQueued;
  }

  /**
   * Jobs now in Redis: sent from memory as soon as a receiver has room when stamped for this process (by
   * `stampedAt` plus the answer timeout at the latest, so the ESME's answer comes before the stamp's deadline),
   * else left to a scan.
   */
  private queued(
    systemId: string,
    jobs: ReceiptJob[],
    items: string[],
    owned: boolean,
    stampedAt: number,
  ): void {
    this.deps.metrics?.smppReceipts.inc({ outcome: "queued" }, items.length);
    if (!owned) return this.kick(systemId, true);
    const sendBy = stampedAt + this.deps.answerTimeoutMs;
    const held = this.heldOf(systemId);
    items.forEach((item, i) => held.set(item, { job: jobs[i], sendBy, leased: false }));
    this.kick(systemId);
  }

  private heldOf(systemId: string): Map<string, Held> {
    let held = this.held.get(systemId);
    if (!held) this.held.set(systemId, (held = new Map<string, Held>()));
    return held;
  }

  /**
   * Sends what can be sent now for `systemId` (after a bind, an answer, a new receipt, or the retry timer);
   * `scan` also claims jobs from the list in Redis (a bind, the retry timer).
   */
  kick(systemId: string, scan = false): void {
    if (this.closed) return;
    if (scan) {
      this.scan.add(systemId);
      this.rescan.add(systemId);
    }
    if (this.pumping.has(systemId)) {
      this.again.add(systemId);
      return;
    }
    this.pumping.add(systemId);
    this.pump(systemId)
      .catch((error: Error) =>
        this.warn("unreadable", { systemId, err: error.message }, "receipt queue unreadable"),
      )
      .finally(() => {
        this.pumping.delete(systemId);
        if (this.again.delete(systemId)) this.kick(systemId);
      });
  }

  /**
   * Held jobs first; then, while a receiver has room, a scan walks the list from where the last one stopped,
   * claiming jobs nobody holds (those waiting for a retry are skipped, however many there are).
   */
  private async pump(systemId: string): Promise<void> {
    const carriers = this.deps.receivers(systemId);
    const room = () => carriers.some((c) => c.canTakeReceipt());
    if (!room()) return;
    this.removals.retry(systemId);
    this.sendHeld(systemId, carriers);
    while (!this.closed && this.scan.has(systemId) && room()) {
      this.rescan.delete(systemId);
      const leasedAt = this.monotonicClock(); // the leases start when the step runs: after this
      const [next, ...items] = await this.deps.batch.run<[number, ...string[]]>(
        RECEIPTS_CLAIM.op,
        [this.deps.keys.receipts(systemId)],
        [
          this.deps.keys.receiptLeases(systemId),
          this.cursors.get(systemId) ?? 0,
          SCAN_EXAMINE_ITEMS,
          SCAN_CLAIM_JOBS,
          this.leaseMs,
          this.instance,
          ...this.heldOnStamp(systemId),
        ],
      );
      if (next === 0) {
        if (!this.rescan.has(systemId)) this.scan.delete(systemId);
        this.cursors.delete(systemId);
      } else {
        this.cursors.set(systemId, next);
      }
      const sendBy = leasedAt + this.deps.answerTimeoutMs;
      const held = this.heldOf(systemId);
      for (const item of items) this.claimed(systemId, held, item, sendBy);
      this.sendHeld(systemId, carriers);
    }
  }

  /**
   * The jobs of `systemId` this process holds in memory on their stamp alone (in flight, mostly; held unsent; or
   * answered and not removed yet): a scan here is told to leave them, as it leaves another instance's. A job
   * stamped for this process and not among them it let go (or never had: its final step's answer was lost), and
   * the scan may lease it.
   */
  private heldOnStamp(systemId: string): string[] {
    const items: string[] = [];
    for (const [item, sending] of this.inFlight) {
      if (sending.systemId === systemId && !sending.leased) items.push(item);
    }
    for (const [item, entry] of this.held.get(systemId) ?? []) if (!entry.leased) items.push(item);
    for (const item of this.removals.unleased(systemId)) items.push(item);
    return items;
  }

  /**
   * A job a scan here just leased. It may be one this process holds already on its stamp (queued by a step that
   * ran just before the scan, committed after the scan was sent): then its lease key is to be deleted with it — or
   * at once, when its removal went out without the key.
   */
  private claimed(systemId: string, held: Map<string, Held>, item: string, sendBy: number): void {
    const sending = this.inFlight.get(item);
    if (sending) {
      if (sending.answered && !sending.leased) this.lease(systemId, item, 0).catch(() => undefined);
      sending.leased = true;
    } else if (this.removals.has(systemId, item)) {
      this.removals.leased(systemId, item);
    } else {
      held.set(item, { job: held.get(item)?.job, sendBy, leased: true });
    }
  }

  /** Sends held jobs while a receiver has room; drops those held too long to send under their lease. */
  private sendHeld(systemId: string, carriers: ReceiptCarrier[]): void {
    const held = this.held.get(systemId);
    if (!held) return;
    const since = this.monotonicClock();
    const now = this.deps.clock();
    for (const [item, entry] of held) {
      // Left to a later scan once the lease expires (or, answered, to the removal being retried).
      if (entry.sendBy <= since || this.removals.has(systemId, item) || this.inFlight.has(item)) {
        held.delete(item);
        continue;
      }
      const carrier = carriers.find((c) => c.canTakeReceipt());
      if (!carrier) break;
      held.delete(item);
      this.attempt(systemId, carrier, item, entry, now);
    }
    if (held.size === 0) this.held.delete(systemId);
  }

  /** Sends one job, or drops it when unreadable or older than the retention (`now`: wall clock, as queuedAt). */
  private attempt(systemId: string, carrier: ReceiptCarrier, item: string, entry: Held, now: number): void {
    let job: ReceiptJob;
    let fields: smpp.PduFields;
    try {
      job = entry.job ?? decodeJob(item);
      fields = receiptFields(job, carrier.interfaceVersion);
    } catch (error) {
      this.deps.metrics?.smppReceipts.inc({ outcome: "unreadable" });
      this.warn("job", { systemId, err: (error as Error).message }, "unreadable receipt job dropped");
      return this.drop(systemId, item, entry.leased);
    }
    if (now - job.queuedAt > this.deps.retentionMs) {
      this.deps.metrics?.smppReceipts.inc({ outcome: "expired" });
      return this.drop(systemId, item, entry.leased);
    }
    this.send(systemId, carrier, item, fields, entry.leased);
  }

  private drop(systemId: string, item: string, leased: boolean): void {
    this.removals
      .remove(systemId, item, leased)
      .catch((error: Error) =>
        this.warn("drop", { systemId, err: error.message }, "receipt job not dropped yet"),
      );
  }

  private send(
    systemId: string,
    carrier: ReceiptCarrier,
    item: string,
    fields: smpp.PduFields,
    leased: boolean,
  ): void {
    const sending: Sending = { systemId, leased, answered: false };
    this.inFlight.set(item, sending);
    let lost = false;
    carrier
      .sendReceipt(fields)
      .then(
        (status): Promise<unknown> => {
          if (status === SmppStatus.ESME_ROK || REFUSED.has(status)) {
            this.deps.metrics?.smppReceipts.inc({ outcome: status === 0 ? "acknowledged" : "dropped" });
            if (status !== 0) this.deps.logger.warn({ systemId, status }, "ESME refused a receipt: dropped");
            // Chained, not awaited: no frame waits for Redis (see MessageStore). A job held on its stamp alone
            // leaves with no key to delete (the fast path: LREM only).
            sending.answered = true;
            // The ESME's window has room again: the next receipt in hand goes now, not once this one's removal
            // (a deferred write, RedisBatch.defer) is done — a backlog is not paced by it.
            this.kick(systemId);
            return this.removals.answered(systemId, item, sending.leased);
          }
          this.deps.metrics?.smppReceipts.inc({ outcome: "retry" });
          return this.lease(systemId, item, this.deps.retryMs);
        },
        (error: unknown): Promise<unknown> => {
          this.deps.metrics?.smppReceipts.inc({ outcome: "retry" });
          // The session went away (not the ESME's answer): released, so another receiver of the system_id here,
          // or the next one to bind, takes it at once — elsewhere too, unless its stamp holds it there until the
          // deadline (a job held on its stamp alone has no key to delete). A timeout waits for the retry, as an
          // ESME that is slow is not helped by more.
          if (!isSessionLost(error)) return this.lease(systemId, item, this.deps.retryMs);
          lost = true;
          this.settled(item, sending);
          return sending.leased ? this.lease(systemId, item, 0) : Promise.resolve();
        },
      )
      .catch((error: Error) =>
        this.warn("bookkeeping", { systemId, err: error.message }, "receipt bookkeeping failed"),
      )
      .finally(() => {
        this.settled(item, sending);
        // Lost with its session: a scan claims it again — asked for once its lease is released.
        this.kick(systemId, lost);
      });
  }

  /**
   * No longer in flight here. Lost with its session: at once, in the step that releases it, so a scan issued after
   * the release — whose claim may come back before this send's promise chain has run out — takes the job as its
   * own to send, not as still being sent (which left it unsent until its lease ran out). Otherwise once the
   * chain's Redis step is done: an answered job's removal (a scan meanwhile must leave it), a retry's lease (until
   * it is set, a claim that raced with the send must not send the job again before the retry time). Only this
   * send's entry: the job may be in flight again already, claimed and sent anew.
   */
  private settled(item: string, sending: Sending): void {
    if (this.inFlight.get(item) === sending) this.inFlight.delete(item);
  }

  /** Sets a job's lease to `ms` from now (the retry delay), or releases it (0). */
  private lease(systemId: string, item: string, ms: number): Promise<unknown> {
    return this.deps.batch.run(
      RECEIPTS_LEASE.op,
      [leaseKey(this.deps.keys.receiptLeases(systemId), item)],
      [ms],
    );
  }

  /** Redis trouble fails every receipt: each kind of line at most every 10 s, with the count held back. */
  private warn(kind: string, fields: Record<string, unknown>, message: string): void {
    this.warnings.warn(this.deps.logger, kind, fields, `${message} (at most every 10 s)`);
  }
}
