/**
 * Receipts whose carrier message id is not mapped in memory: looked up in Redis, and again a few times — the
 * acceptance that maps the id may still be on its way to Redis (a very fast carrier, or the submit went out
 * through another instance). Then by the handset the message went to; else the receipt matches nothing: counted,
 * logged at most once a minute per carrier.
 *
 * The carrier's deliver_sm is answered only after this, and the retries take ~5 × `delayMs`. A carrier replaying
 * receipts we cannot match (older than the retention, or another system's on a shared account) would hold its
 * window for that long per receipt — at a window of 10, some 40 receipts a second, with its real receipts queued
 * behind them. So the waits are skipped for a carrier whose last WAITS_BEFORE_GIVING_UP waited lookups all ended
 * unmatched (for PAUSE_MS, then waiting is tried again), and at most MAX_WAITING receipts wait at once.
 */
import type { Logger } from "pino";
import { LogThrottle } from "../observability/log-throttle.js";
import type { Metrics } from "../observability/metrics.js";
import type { CarrierReceipt } from "../south/carrier-pool.js";
import type { ReceiptEvent } from "./lifecycle.js";
import type { MessageProcessor } from "./message-processor.js";
import type { MessageStore } from "./message-store.js";
import { handsetKey } from "./submit-results.js";

/** Waited lookups in a row that found nothing before a carrier's receipts stop waiting. */
const WAITS_BEFORE_GIVING_UP = 16;
/** How long they then stop waiting. */
const PAUSE_MS = 10_000;
/** Receipts waiting out their retries at once, over all carriers. */
const MAX_WAITING = 32;

/** What the lifecycle needs of a carrier's receipt. */
export function receiptEvent(receipt: CarrierReceipt["receipt"]): ReceiptEvent {
  return {
    stat: receipt.stat,
    delivered: receipt.delivered,
    final: receipt.final,
    ...(receipt.err !== undefined ? { err: receipt.err } : {}),
  };
}

export interface ReceiptLookupDeps {
  store: MessageStore;
  processor: Pick<MessageProcessor, "knownCorrelation" | "receipt" | "receiptByHandset">;
  logger: Logger;
  metrics?: Metrics;
  clock: () => number;
  /** Lookups after the first, `delayMs` apart. */
  retries: number;
  delayMs: number;
}

export class ReceiptLookup {
  private waiting = 0;
  /** Per carrier: waited lookups in a row that found nothing, and until when receipts do not wait. */
  private readonly futile = new Map<string, { misses: number; pausedUntil: number }>();
  private readonly unmatchedLog = new LogThrottle(60_000);

  constructor(private readonly deps: ReceiptLookupDeps) {}

  /** Resolves once the receipt is recorded or known to match nothing; rejects when Redis failed. */
  async lookUp({ carrierId, receipt, handset }: CarrierReceipt): Promise<void> {
    const { store, processor } = this.deps;
    // A receipt read in the same chunk as its submit_sm_resp is handled before that response's outcome (a
    // promise callback) has mapped the carrier's id in memory: let those callbacks run before asking Redis.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const waits = this.mayWait(carrierId);
    if (waits) this.waiting++;
    try {
      for (let tries = 0; tries <= (waits ? this.deps.retries : 0); tries++) {
        if (tries > 0) await new Promise((r) => setTimeout(r, this.deps.delayMs));
        const target =
          processor.knownCorrelation(carrierId, receipt.messageId) ??
          (await store.findByCarrierId(carrierId, receipt.messageId));
        if (target) {
          if (tries > 0) this.futile.delete(carrierId); // waiting was worth it
          await processor.receipt(target, receiptEvent(receipt));
          return;
        }
      }
      if (waits) this.waitedInVain(carrierId);
    } finally {
      if (waits) this.waiting--;
    }
    const byHandset = handset ? await store.findByCarrierId(carrierId, handsetKey(handset)) : null;
    if (byHandset) {
      await processor.receiptByHandset(byHandset, receiptEvent(receipt));
      return;
    }
    this.deps.metrics?.receiptsUnmatched.inc({ carrier: carrierId });
    if (this.unmatchedLog.allow(carrierId)) {
      this.deps.logger.warn(
        { carrier: carrierId, stat: receipt.stat },
        "receipt for an unknown carrier message id (each is counted in otpgw_carrier_receipts_unmatched_total; this line at most once a minute per carrier)",
      );
    }
  }

  private mayWait(carrierId: string): boolean {
    if (this.waiting >= MAX_WAITING) return false;
    const state = this.futile.get(carrierId);
    return state === undefined || state.pausedUntil <= this.deps.clock();
  }

  private waitedInVain(carrierId: string): void {
    const state = this.futile.get(carrierId) ?? { misses: 0, pausedUntil: 0 };
    state.misses++;
    if (state.misses >= WAITS_BEFORE_GIVING_UP) {
      state.misses = 0;
      state.pausedUntil = this.deps.clock() + PAUSE_MS;
      this.deps.logger.info(
        { carrier: carrierId, pauseMs: PAUSE_MS },
        "receipts of this carrier keep matching nothing: they are looked up once, without waiting, for a while",
      );
    }
    this.futile.set(carrierId, state);
  }
}
