/**
 * Receipts back to ESMEs. A final message submitted over SMPP becomes one receipt job per id the ESME was given,
 * appended to a per-system_id Redis list (durable, bounded by the message retention and `maxQueued`); the list is
 * drained onto any receiver/transceiver bind of that system_id, within each session's window (jobs queued by this
 * process straight from memory; the list is read when a receiver binds and every `retryMs`). A job leaves the list
 * only when the ESME answered it: 0 (done) or 0x65/0x66 (it refuses the receipt: dropped and counted); 0x64, any
 * other status, a timeout or a lost session leave it for a retry every `retryMs`. A job the ESME answered whose
 * removal failed (Redis unreachable) is never sent again by this process: its removal is retried instead. Delivery
 * is at least once: a crash between the ESME's answer and the removal resends the receipt.
 */
import { LogThrottle } from "../../observability/log-throttle.js";
import { ConnectionClosedError, NotBoundError, NotSentError } from "../../errors.js";
import { nothingToNotify, type PreparedHandOver } from "../../delivery/processor-types.js";
import { isFinal, type Message } from "../../delivery/types.js";
import type { Logger } from "../../observability/logger.js";
import type { RedisBatch } from "../../redis/redis-batch.js";
import { SmppStatus } from "../../smpp/command-status.js";
import type smpp from "smpp";
import type { Account } from "../accounts/account-types.js";
import { decodeJob, encodeJob, receiptFields, receiptJobs, type ReceiptJob } from "./receipt-job.js";
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

/**
 * Queues the jobs of a final message as it leaves delivery's outbox, in one step: only the call that takes the id
 * out of the outbox queues them, so a repeated hand-over (an outbox sweep, a crash in between) queues nothing
 * twice. Bounded and expiring with the retention.
 * KEYS: delivery outbox, receipt list; ARGV: message id, retentionMs, maxQueued, jobs…
 */
const ENQUEUE = `
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local length = 0
for i = 4, #ARGV do length = redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if length > tonumber(ARGV[3]) then redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1) end
return 1
`;
const RANGE = `return redis.call('LRANGE', KEYS[1], 0, ARGV[1])`;
/** KEYS: receipt list; ARGV: the jobs answered (removed once each). Exported for the store benchmark. */
export const RECEIPTS_REMOVE = {
  op: "receipts_remove",
  lua: `
local removed = 0
for i = 1, #ARGV do removed = removed + redis.call('LREM', KEYS[1], 1, ARGV[i]) end
return removed
`,
} as const;

/** The receipt never reached an answer because its session closed (or was never bound): not the ESME's doing. */
function isSessionLost(error: unknown): boolean {
  return (
    error instanceof ConnectionClosedError || error instanceof NotSentError || error instanceof NotBoundError
  );
}

const REFUSED: ReadonlySet<number> = new Set<number>([SmppStatus.ESME_RX_P_APPN, SmppStatus.ESME_RX_R_APPN]);

export interface ReceiptOutboxDeps {
  /** Group commit of the connection: the queue's writes join the delivery's script calls. */
  batch: RedisBatch;
  /** Delivery's outbox set (final messages not handed over yet): queuing a receipt takes its id out. */
  deliveryOutboxKey: string;
  keys: SmppKeys;
  retentionMs: number;
  maxQueued: number;
  retryMs: number;
  accountById: (id: string) => Account | undefined;
  /** Every bound receiver/transceiver session of a system_id. */
  receivers: (systemId: string) => ReceiptCarrier[];
  /** The system_ids with at least one receiver bound (retried every `retryMs`). */
  boundSystemIds: () => Iterable<string>;
  logger: Logger;
  metrics?: SmppServerMetrics;
  clock: () => number;
}

export class ReceiptOutbox {
  private readonly warnings = new LogThrottle(10_000);
  private readonly inFlight = new Set<string>();
  private readonly retryAt = new Map<string, number>();
  private readonly pumping = new Set<string>();
  /**
   * Jobs queued by this process and not yet sent, per system_id, oldest first: sent straight from memory. Redis
   * holds them too; it is read (`scan`) when a receiver binds and every `retryMs`, for jobs queued before a
   * restart, by another instance, or waiting for a retry.
   */
  private readonly fresh = new Map<string, Map<string, ReceiptJob>>();
  /** Answered jobs per list, removed together in one step (see `remove`). */
  private readonly removals = new Map<string, { items: string[]; done: Promise<void> }>();
  /**
   * Per list, jobs the ESME answered whose removal failed (Redis was unreachable): skipped when the list is read,
   * so the ESME does not get them twice, and their removal retried at each pump until it succeeds.
   */
  private readonly unremoved = new Map<string, Set<string>>();
  private readonly retryingRemovals = new Set<string>();
  private readonly scan = new Set<string>();
  private readonly again = new Set<string>();
  /** When this process last pushed each list's expiry to the retention (see `expiryDue`). */
  private readonly expirySetAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: ReceiptOutboxDeps) {
    deps.batch.define("receipts_enqueue", ENQUEUE);
    deps.batch.define("receipts_range", RANGE, { readOnly: true });
    deps.batch.define(RECEIPTS_REMOVE.op, RECEIPTS_REMOVE.lua);
  }

  start(): void {
    this.timer = setInterval(() => {
      for (const systemId of this.deps.boundSystemIds()) this.kick(systemId, true);
    }, this.deps.retryMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * The receipt(s) of a message about to become final, to be queued in the same step as its final state (the
   * message then never enters delivery's outbox): undefined for a message that did not ask for an SMPP receipt;
   * no items for one whose ESME is unknown now or asked for failures only and it was delivered (skipped).
   */
  prepare(message: Message): PreparedHandOver | undefined {
    if (message.receiptVia !== "smpp" || !isFinal(message.state)) return undefined;
    const jobs = this.jobsOf(message);
    if (!jobs) return nothingToNotify(() => this.skipped());
    const list = this.deps.keys.receipts(jobs.systemId);
    const now = this.deps.clock();
    const refreshExpiry = this.expiryDue(list, now);
    return {
      list,
      items: jobs.items,
      ttlMs: this.deps.retentionMs,
      refreshExpiry,
      maxLength: this.deps.maxQueued,
      committed: () => {
        if (refreshExpiry) this.expirySetAt.set(list, now);
        this.queued(jobs.systemId, jobs.jobs, jobs.items);
      },
    };
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
    const queued = await this.deps.batch.run(
      "receipts_enqueue",
      [this.deps.deliveryOutboxKey, this.deps.keys.receipts(jobs.systemId)],
      [message.id, this.deps.retentionMs, this.deps.maxQueued, ...jobs.items],
    );
    if (queued === 1) this.queued(jobs.systemId, jobs.jobs, jobs.items);
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

  /** Jobs now in Redis: sent from memory as soon as a receiver has room. */
  private queued(systemId: string, jobs: ReceiptJob[], items: string[]): void {
    this.deps.metrics?.smppReceipts.inc({ outcome: "queued" }, items.length);
    let fresh = this.fresh.get(systemId);
    if (!fresh) this.fresh.set(systemId, (fresh = new Map<string, ReceiptJob>()));
    // Beyond the bound (receivers far behind), Redis alone holds them until a scan.
    items.forEach((item, i) => {
      if (fresh.size < this.deps.maxQueued) fresh.set(item, jobs[i]!);
      else this.scan.add(systemId);
    });
    this.kick(systemId);
  }

  /**
   * Sends what can be sent now for `systemId` (after a bind, an answer, a new receipt, or the retry timer);
   * `scan` also reads the queue in Redis (a bind, the retry timer).
   */
  kick(systemId: string, scan = false): void {
    if (this.closed) return;
    if (scan) this.scan.add(systemId);
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

  private async pump(systemId: string): Promise<void> {
    const carriers = this.deps.receivers(systemId);
    if (!carriers.some((c) => c.canTakeReceipt())) return;
    const key = this.deps.keys.receipts(systemId);
    const unremoved = this.unremoved.get(key);
    if (unremoved) this.retryRemovals(key, unremoved);
    const fresh = this.fresh.get(systemId);
    let items: Iterable<string> = fresh?.keys() ?? [];
    if (!fresh?.size && this.scan.delete(systemId)) {
      items = await this.deps.batch.run<string[]>("receipts_range", [key], [this.inFlight.size + 100]);
    }
    const now = this.deps.clock();
    for (const item of items) {
      if (this.inFlight.has(item) || unremoved?.has(item) || (this.retryAt.get(item) ?? 0) > now) {
        fresh?.delete(item);
        continue;
      }
      const carrier = carriers.find((c) => c.canTakeReceipt());
      if (!carrier) break;
      let job = fresh?.get(item);
      fresh?.delete(item);
      try {
        job ??= decodeJob(item);
      } catch {
        await this.remove(key, item);
        continue;
      }
      if (now - job.queuedAt > this.deps.retentionMs) {
        this.deps.metrics?.smppReceipts.inc({ outcome: "expired" });
        await this.remove(key, item);
        continue;
      }
      this.send(systemId, key, carrier, item, job);
    }
  }

  private send(systemId: string, key: string, carrier: ReceiptCarrier, item: string, job: ReceiptJob): void {
    this.inFlight.add(item);
    carrier
      .sendReceipt(receiptFields(job, carrier.interfaceVersion))
      .then(
        (status): Promise<void> | undefined => {
          if (status === SmppStatus.ESME_ROK || REFUSED.has(status)) {
            this.deps.metrics?.smppReceipts.inc({ outcome: status === 0 ? "acknowledged" : "dropped" });
            if (status !== 0) this.deps.logger.warn({ systemId, status }, "ESME refused a receipt: dropped");
            // Chained, not awaited: no frame waits for Redis (see MessageStore).
            return this.remove(key, item).catch((error: unknown) => {
              this.keepUnremoved(key, item);
              throw error;
            });
          }
          this.deps.metrics?.smppReceipts.inc({ outcome: "retry" });
          this.retryAt.set(item, this.deps.clock() + this.deps.retryMs);
          return undefined;
        },
        (error: unknown) => {
          this.deps.metrics?.smppReceipts.inc({ outcome: "retry" });
          // The session went away (not the ESME's answer): another receiver of the system_id, or the next one to
          // bind, gets it at once. A timeout waits for the retry, as an ESME that is slow is not helped by more.
          if (isSessionLost(error)) this.scan.add(systemId);
          else this.retryAt.set(item, this.deps.clock() + this.deps.retryMs);
        },
      )
      .catch((error: Error) =>
        this.warn("bookkeeping", { systemId, err: error.message }, "receipt bookkeeping failed"),
      )
      .finally(() => {
        this.inFlight.delete(item);
        this.kick(systemId);
      });
  }

  /** Redis trouble fails every receipt: each kind of line at most every 10 s, with the count held back. */
  private warn(kind: string, fields: Record<string, unknown>, message: string): void {
    this.warnings.warn(this.deps.logger, kind, fields, `${message} (at most every 10 s)`);
  }

  private keepUnremoved(key: string, item: string): void {
    let items = this.unremoved.get(key);
    if (!items) this.unremoved.set(key, (items = new Set<string>()));
    items.add(item);
  }

  /** Tries again to remove answered jobs whose removal failed; one attempt per list at a time. */
  private retryRemovals(key: string, items: Set<string>): void {
    if (this.retryingRemovals.has(key)) return;
    this.retryingRemovals.add(key);
    const batch = [...items];
    Promise.all(batch.map((item) => this.remove(key, item)))
      .then(() => {
        for (const item of batch) items.delete(item);
        if (items.size === 0) this.unremoved.delete(key);
      })
      .catch((error: Error) =>
        this.warn(
          "unremoved",
          { err: error.message, jobs: batch.length },
          "answered receipts not removed yet",
        ),
      )
      .finally(() => this.retryingRemovals.delete(key));
  }

  /**
   * Takes an answered job out of its list. The answers of one event-loop turn (an ESME acknowledges many
   * receipts in one read) are removed in one step: collected until the turn's callbacks are done.
   */
  private remove(key: string, item: string): Promise<void> {
    this.retryAt.delete(item);
    let pending = this.removals.get(key);
    if (!pending) {
      const items: string[] = [];
      const done = new Promise<void>((resolve, reject) =>
        process.nextTick(() => {
          this.removals.delete(key);
          this.deps.batch.run(RECEIPTS_REMOVE.op, [key], items).then(() => resolve(), reject);
        }),
      );
      this.removals.set(key, (pending = { items, done }));
    }
    pending.items.push(item);
    return pending.done;
  }
}
