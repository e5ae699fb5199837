/**
 * Queuing receipts to ESMEs (the sending side is receipt-outbox.ts): a final message submitted over SMPP becomes one
 * receipt job per id the ESME was given, appended to its system_id's Redis list — in the message's final step, or,
 * for a message found in delivery's outbox, in a step that takes it out. Jobs this process will send from memory
 * (a receiver of the ESME bound here) are stamped with its token and a deadline in that same step (no lease key):
 * another instance's scan leaves them alone until then.
 */
import { nothingToNotify, type PreparedHandOver } from "../../delivery/processor-types.js";
import { isFinal, type Message } from "../../delivery/types.js";
import type { Logger } from "../../observability/logger.js";
import type { RedisBatch } from "../../redis/redis-batch.js";
import type smpp from "smpp";
import type { Account } from "../accounts/account-types.js";
import { encodeJob, receiptJobs, stampJob, type ReceiptJob } from "./receipt-job.js";
import { RECEIPTS_ENQUEUE } from "./receipt-scripts.js";
import type { SmppKeys } from "./redis-keys.js";
import type { SmppServerMetrics } from "./server-options.js";

/** A bound receiver or transceiver session, as the outbox sees it. */
export interface ReceiptCarrier {
  readonly interfaceVersion: number;
  /** Bound to receive and with room in its window. */
  canTakeReceipt(): boolean;
  /** Sends one deliver_sm; resolves with the ESME's command_status (a generic_nack's status for a nack). */
  sendReceipt(fields: smpp.PduFields): Promise<number>;
}

export interface ReceiptOutboxDeps {
  /** Group commit of the connection: the queue's writes join the delivery's script calls. */
  batch: RedisBatch;
  /** Delivery's outbox set (final messages not handed over yet): queuing a receipt takes its id out. */
  deliveryOutboxKey: string;
  keys: SmppKeys;
  retentionMs: number;
  maxQueued: number;
  retryMs: number;
  /** How long a session waits for the ESME's answer to a deliver_sm (its `responseTimeoutMs`): leases outlast it. */
  answerTimeoutMs: number;
  accountById: (id: string) => Account | undefined;
  /** Every bound receiver/transceiver session of a system_id. */
  receivers: (systemId: string) => ReceiptCarrier[];
  /** Whether a receiver or transceiver of the system_id is bound here (asked per final message: no array). */
  hasReceiver: (systemId: string) => boolean;
  /** The system_ids with at least one receiver bound (retried every `retryMs`). */
  boundSystemIds: () => Iterable<string>;
  logger: Logger;
  metrics?: SmppServerMetrics;
  /**
   * Epoch ms of what is stored or read against Redis's clock — the stamps' deadlines, the jobs' times (and their
   * retention, read against the time a job was queued): the server's `sharedClock`, in the daemon Redis's clock as
   * this process sees it (RedisClock), so every instance judges a stamp alike whatever its host's clock says.
   */
  clock: () => number;
  /**
   * Monotonic ms (default performance.now): the durations kept in memory here — a held job's send-by time, when a
   * list's expiry was last pushed. On the wall clock, a step back kept a held job sendable past its stamp or lease
   * (another instance could send it too) and a step forward dropped every held job to a later scan.
   */
  monotonicClock?: () => number;
  /** This process's token in the stamps of the jobs it sends from memory (lowercase hex). Default: random. */
  instance?: string;
}

export interface ReceiptQueueingDeps extends ReceiptOutboxDeps {
  monotonicClock: () => number;
  instance: string;
  /** How long a stamp holds a job (the outbox's lease time). */
  leaseMs: number;
  /**
   * Whether this process sends `count` jobs of `systemId` it queues now from memory (stamped for it): not when it
   * could not send them soon (no receiver bound here, or too many held already) — a scan, here or elsewhere, claims
   * them.
   */
  canHold: (systemId: string, count: number) => boolean;
  /**
   * Jobs now in Redis, `owned` when stamped for this process at `stampedAt` (the outbox sends or scans for them;
   * monotonic: their send-by time counts from it).
   */
  queued: (systemId: string, jobs: ReceiptJob[], items: string[], owned: boolean, stampedAt: number) => void;
}

export class ReceiptQueueing {
  /** When this process last pushed each list's expiry to the retention (monotonic; see `expiryDue`). */
  private readonly expirySetAt = new Map<string, number>();

  constructor(private readonly deps: ReceiptQueueingDeps) {}

  /**
   * The receipt(s) of a message about to become final, to be queued in the same step as its final state (the
   * message then never enters delivery's outbox): undefined for a message that did not ask for an SMPP receipt;
   * no items for one whose ESME is unknown now or asked for failures only and it was delivered (skipped). When
   * this process has a receiver of the ESME bound, the items are stamped for it (`stampJob`: its token and a
   * deadline, no lease key) and it sends them from memory once the step committed.
   */
  prepare(message: Message): PreparedHandOver | undefined {
    if (message.receiptVia !== "smpp" || !isFinal(message.state)) return undefined;
    const jobs = this.jobsOf(message);
    if (!jobs) return nothingToNotify(() => this.skipped());
    const list = this.deps.keys.receipts(jobs.systemId);
    // Before the step runs: the deadline and the send-by time count from no later than the step.
    const now = this.deps.clock();
    const since = this.deps.monotonicClock();
    const refreshExpiry = this.expiryDue(list, since);
    const owned = this.deps.canHold(jobs.systemId, jobs.items.length);
    const items = owned ? this.stamped(jobs.items, now) : jobs.items;
    return {
      list,
      items,
      ttlMs: this.deps.retentionMs,
      refreshExpiry,
      maxLength: this.deps.maxQueued,
      committed: () => {
        if (refreshExpiry) this.expirySetAt.set(list, since);
        this.deps.queued(jobs.systemId, jobs.jobs, items, owned, since);
      },
    };
  }

  /** The items stamped for this process until the lease time after `now` (the time before the step ran). */
  private stamped(items: string[], now: number): string[] {
    const deadline = now + this.deps.leaseMs;
    return items.map((item) => stampJob(item, this.deps.instance, deadline));
  }

  /**
   * Whether a step queuing onto `list` must push its expiry to the retention again: not when this process did
   * so less than a hundredth of the retention (at most a second) ago — the list then still outlives every job
   * in it by ~99 % of the retention, and a busy list is spared one command per message. (A step that creates
   * the list always sets its expiry.)
   */
  private expiryDue(list: string, now: number): boolean {
    const last = this.expirySetAt.get(list);
    return last === undefined || now - last >= Math.min(1000, this.deps.retentionMs / 100);
  }

  /**
   * Queues the receipt(s) of a final message found in delivery's outbox (one not handed over with its final
   * state: written by an older version, or while the SMPP server was not running) and takes it out, in one
   * step; once per message (a message no longer in the outbox queues nothing). Resolves true when the message
   * left the outbox here (delivery need not remove it), false when it was skipped (see `prepare`).
   */
  async enqueue(message: Message): Promise<boolean> {
    if (message.receiptVia !== "smpp" || !isFinal(message.state)) return false;
    const jobs = this.jobsOf(message);
    if (!jobs) {
      this.skipped();
      return false;
    }
    const owned = this.deps.canHold(jobs.systemId, jobs.items.length);
    const now = this.deps.clock();
    const since = this.deps.monotonicClock();
    const items = owned ? this.stamped(jobs.items, now) : jobs.items;
    const queued = await this.deps.batch.run(
      RECEIPTS_ENQUEUE.op,
      [this.deps.deliveryOutboxKey, this.deps.keys.receipts(jobs.systemId)],
      [message.id, this.deps.retentionMs, this.deps.maxQueued, ...items],
    );
    if (queued === 1) this.deps.queued(jobs.systemId, jobs.jobs, items, owned, since);
    // Queued here, or already by an earlier hand-over: either way it is out of the outbox.
    return true;
  }

  /** The receipt jobs of a final message (and as stored) and its ESME's system_id; undefined when none are due. */
  private jobsOf(message: Message): { systemId: string; jobs: ReceiptJob[]; items: string[] } | undefined {
    const systemId = this.deps.accountById(message.account)?.smpp?.systemId;
    if (systemId === undefined) return undefined;
    if (message.smppReceipt?.failuresOnly && message.state === "delivered") return undefined;
    const jobs = receiptJobs(message, message.smppReceipt?.set, this.deps.clock());
    return { systemId, jobs, items: jobs.map(encodeJob) };
  }

  private skipped(): void {
    this.deps.metrics?.smppReceipts.inc({ outcome: "skipped" });
  }
}
