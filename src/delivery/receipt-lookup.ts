/**
 * Receipts whose carrier message id is not mapped in memory: looked up in Redis, and again a few times — the
 * acceptance that maps the id may still be on its way (a very fast carrier; a receipt that came on another bind
 * than its submit_sm_resp, read first; a submit made by another instance). Then by the handset the message went
 * to; else the receipt matches nothing: counted, and logged at most once a minute per carrier (a carrier replaying
 * receipts otpgw cannot match — older than the retention, or another system's on a shared account — would
 * otherwise write a line per receipt).
 *
 * The carrier's deliver_sm is answered only after this, so such a replay holds the carrier's window while a receipt
 * is retried. The retries wait for what could still map the id: a submit_sm this process had written to the carrier
 * when the receipt came and that is still unanswered (its response may carry the id); once every such submit is
 * answered (`answeredThrough`), one retry is left for an acceptance on its way from another instance, and then the
 * handset. A replay of foreign receipts costs two lookups each instead of six when no older submit is outstanding.
 * (Skipping the retries when many lookups found nothing was tried in an earlier version and dropped: a receipt that
 * overtook its acceptance then went by the handset to a part whose id had meanwhile been recorded, and was lost.)
 */
import type { Logger } from "pino";
import { LogThrottle } from "../observability/log-throttle.js";
import type { Metrics } from "../observability/metrics.js";
import { answeredThrough, type RequestMark } from "../smpp/session/request-window.js";
import type { CarrierReceipt } from "../south/carrier-pool.js";
import type { ReceiptEvent } from "./lifecycle.js";
import type { MessageProcessor } from "./message-processor.js";
import type { MessageStore, ReceiptTarget } from "./message-store.js";
import { handsetKey } from "./submit-results.js";

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
  /** Lookups after the first, `delayMs` apart (at most). */
  retries: number;
  delayMs: number;
  /** What the carrier's binds have written so far (CarrierPool.requestMarks); without it, every retry is made. */
  requestMarks?: (carrierId: string) => RequestMark[];
}

export class ReceiptLookup {
  private readonly unmatchedLog = new LogThrottle(60_000);

  constructor(private readonly deps: ReceiptLookupDeps) {}

  /**
   * Resolves once the receipt is recorded or known to match nothing; rejects when Redis failed. `channel`: the
   * receipt is a WhatsApp or voice status (see channelTarget), with the message id the provider echoed, if any.
   */
  async lookUp(
    { carrierId, receipt, handset }: CarrierReceipt,
    channel?: { reference?: string },
  ): Promise<void> {
    const { store, processor } = this.deps;
    // The submits written before this receipt came: only their answers (or another instance's) can map its id.
    const marks = this.deps.requestMarks?.(carrierId);
    // A receipt read in the same chunk as its submit_sm_resp is handled before that response's outcome (a
    // promise callback) has mapped the carrier's id in memory: let those callbacks run before asking Redis.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let tries = 0; tries <= this.deps.retries; tries++) {
      if (tries > 0) await new Promise((r) => setTimeout(r, this.deps.delayMs));
      // Every submit written before the receipt came was answered before this lookup (and mapped in memory, turns
      // ago): if this one finds nothing either, more would only hold the carrier's window. The first retry is
      // always made, for another instance's acceptance.
      const last = tries >= 1 && marks !== undefined && marks.every(answeredThrough);
      const target =
        processor.knownCorrelation(carrierId, receipt.messageId) ??
        (await store.findByCarrierId(carrierId, receipt.messageId));
      if (target) {
        await processor.receipt(target, receiptEvent(receipt));
        return;
      }
      if (last) break;
    }
    // Refused by the message it leads to (see receiptByHandset): as unmatched as a receipt with no handset key.
    const byHandset = channel
      ? await this.channelTarget(carrierId, handset, channel.reference)
      : handset
        ? await store.findByCarrierId(carrierId, handsetKey(handset))
        : null;
    // A channel's status may only go to an attempt whose send was made (handset-match.ts).
    const sendMade =
      channel && byHandset ? await store.sendMarks.has(byHandset.messageId, byHandset.attempt) : undefined;
    if (
      byHandset &&
      (await processor.receiptByHandset(byHandset, receipt.messageId, receiptEvent(receipt), sendMade))
    )
      return;
    this.deps.metrics?.receiptsUnmatched.inc({ carrier: carrierId });
    if (this.unmatchedLog.allow(carrierId)) {
      this.deps.logger.warn(
        { carrier: carrierId, stat: receipt.stat },
        "receipt for an unknown carrier message id (each is counted in otpgw_carrier_receipts_unmatched_total; this line at most once a minute per carrier)",
      );
    }
  }

  /**
   * The attempt a channel status not found by its provider id may be about. With a reference (voice's: otpgw's
   * message id, sent with the call) the attempt on that channel of that message, whatever the number says: a status
   * naming another message is never matched by the handset to this one. Without, the attempt open on that channel for
   * that handset (its key, written with the attempt).
   */
  private async channelTarget(
    channel: string,
    handset: string | undefined,
    reference: string | undefined,
  ): Promise<ReceiptTarget | null> {
    if (reference === undefined) {
      return handset ? this.deps.store.findByCarrierId(channel, handsetKey(handset)) : null;
    }
    const attempts = (await this.deps.store.get(reference))?.message.attempts ?? [];
    const attempt = attempts.filter((a) => a.channel === channel).at(-1);
    return attempt ? { messageId: reference, attempt: attempt.n, part: 0 } : null;
  }
}
