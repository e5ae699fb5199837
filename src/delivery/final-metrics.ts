/**
 * What a final message tells about delivery time: how long it took from acceptance (`otpgw_message_final_seconds`)
 * and how long each carrier took to send its final receipt (`otpgw_carrier_receipt_seconds`). Recorded once per
 * message, by the instance that stores its final state; each attempt's receipt time is counted then (an attempt
 * that was rerouted from is counted with its message).
 */
import type { Metrics } from "../observability/metrics.js";
import type { Message } from "./types.js";

export class FinalMetrics {
  private readonly metrics: Pick<Metrics, "messageFinalSeconds" | "carrierReceiptSeconds">;

  constructor(metrics: Pick<Metrics, "messageFinalSeconds" | "carrierReceiptSeconds">) {
    this.metrics = metrics;
  }

  /** `done` has just been stored in its final state at `now`. */
  observe(done: Message, now: number): void {
    const { messageFinalSeconds, carrierReceiptSeconds } = this.metrics;
    messageFinalSeconds
      .cell({ state: done.state })
      .observe(Math.max(0, (done.finalAt ?? now) - done.createdAt) / 1000);
    for (const attempt of done.attempts) {
      // Carriers' receipts only: a WhatsApp or voice status is not a carrier's (the carrier alerts read this).
      if (attempt.channel !== "sms" || attempt.receiptStat === undefined || attempt.endedAt === undefined)
        continue;
      if (attempt.outcome !== "delivered" && attempt.outcome !== "failed") continue;
      // Delivered by a conversion report before its DELIVRD came (an ENROUTE seen, say): no final receipt to time.
      if (attempt.outcome === "delivered" && attempt.receiptStat !== "DELIVRD") continue;
      carrierReceiptSeconds
        .cell({ carrier: attempt.carrier, stat: attempt.receiptStat })
        .observe(Math.max(0, attempt.endedAt - attempt.startedAt) / 1000);
    }
  }
}
