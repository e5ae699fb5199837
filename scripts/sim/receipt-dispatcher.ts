/**
 * Decides which session carries each delivery receipt, the way an SMSC does: a receiver or transceiver bind of
 * the same system_id, preferring the transceiver the submit came on. Receipts with no bind able to take them
 * (none bound, every window full, or the "stop-answering" outage) wait in a per-account queue and go out as soon
 * as a bind can take them; receipts a session did not acknowledge before it closed are queued again, which is how
 * a real SMSC produces the duplicate receipts a gateway must tolerate.
 */

export type ReceiptStat = "DELIVRD" | "UNDELIV" | "EXPIRED";

export interface ReceiptJob {
  systemId: string;
  /** The id as written in the receipt (receiptIdFormat). */
  messageId: string;
  stat: ReceiptStat;
  submitDate: number;
  doneDate: number;
  /** The handset: the submit's destination. */
  source: string;
  sourceTon: number;
  sourceNpi: number;
  /** The submit's source. */
  destination: string;
  destinationTon: number;
  destinationNpi: number;
  /** The session the submit came on (preferred if it is a transceiver and can take it). */
  origin: ReceiptTarget | undefined;
}

/** A session seen from the dispatcher. */
export interface ReceiptTarget {
  readonly systemId: string;
  readonly isTransceiver: boolean;
  /** Bound as receiver/transceiver, open, answering, with room in its receipt window. */
  canTakeReceipt(): boolean;
  sendReceipt(job: ReceiptJob): void;
}

/** Most receipts waiting per account; beyond it the oldest are dropped (and counted). */
const MAX_PENDING_PER_ACCOUNT = 500_000;

class JobQueue {
  private items: ReceiptJob[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(job: ReceiptJob): void {
    this.items.push(job);
  }

  peek(): ReceiptJob | undefined {
    return this.items[this.head];
  }

  shift(): ReceiptJob | undefined {
    const job = this.items[this.head];
    if (job === undefined) return undefined;
    this.items[this.head] = undefined as unknown as ReceiptJob;
    this.head++;
    // Compact now and then so the array does not keep every job ever queued.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return job;
  }
}

export class ReceiptDispatcher {
  private readonly receivers = new Map<string, ReceiptTarget[]>();
  private readonly roundRobin = new Map<string, number>();
  private readonly queues = new Map<string, JobQueue>();
  private pendingCount = 0;
  dropped = 0;

  /** Receipts waiting for a bind. */
  get pending(): number {
    return this.pendingCount;
  }

  /** A receiver/transceiver bind succeeded: it may take receipts, starting with those waiting. */
  addReceiver(target: ReceiptTarget): void {
    const list = this.receivers.get(target.systemId) ?? [];
    list.push(target);
    this.receivers.set(target.systemId, list);
    this.flush(target.systemId);
  }

  removeReceiver(target: ReceiptTarget): void {
    const list = this.receivers.get(target.systemId);
    if (!list) return;
    const i = list.indexOf(target);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.receivers.delete(target.systemId);
  }

  /** Sends the receipt now if some bind can take it, else queues it. */
  dispatch(job: ReceiptJob): void {
    const queue = this.queues.get(job.systemId);
    // Keep order: while receipts wait for this account, a new one waits behind them.
    if (queue !== undefined && queue.length > 0) {
      this.enqueue(job);
      this.flush(job.systemId);
      return;
    }
    const target = this.pick(job);
    if (target) target.sendReceipt(job);
    else this.enqueue(job);
  }

  /** A bind gained room (a deliver_sm_resp arrived, or an outage ended): send what waits for its account. */
  flush(systemId: string): void {
    const queue = this.queues.get(systemId);
    if (!queue) return;
    for (let job = queue.peek(); job !== undefined; job = queue.peek()) {
      const target = this.pick(job);
      if (!target) break;
      queue.shift();
      this.pendingCount--;
      target.sendReceipt(job);
    }
    if (queue.length === 0) this.queues.delete(systemId);
  }

  flushAll(): void {
    for (const systemId of [...this.queues.keys()]) this.flush(systemId);
  }

  /** Forgets every waiting receipt (reset and stop). */
  clear(): void {
    this.queues.clear();
    this.pendingCount = 0;
    this.dropped = 0;
  }

  private enqueue(job: ReceiptJob): void {
    let queue = this.queues.get(job.systemId);
    if (!queue) {
      queue = new JobQueue();
      this.queues.set(job.systemId, queue);
    }
    queue.push(job);
    this.pendingCount++;
    if (queue.length > MAX_PENDING_PER_ACCOUNT) {
      queue.shift();
      this.pendingCount--;
      this.dropped++;
    }
  }

  private pick(job: ReceiptJob): ReceiptTarget | undefined {
    const origin = job.origin;
    if (origin?.isTransceiver && origin.canTakeReceipt()) return origin;
    const list = this.receivers.get(job.systemId);
    if (!list || list.length === 0) return undefined;
    const start = this.roundRobin.get(job.systemId) ?? 0;
    for (let k = 0; k < list.length; k++) {
      const i = (start + k) % list.length;
      const target = list[i] as ReceiptTarget;
      if (target.canTakeReceipt()) {
        this.roundRobin.set(job.systemId, i + 1);
        return target;
      }
    }
    return undefined;
  }
}
