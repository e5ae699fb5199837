/**
 * What a final message tells about delivery time: how long it took from acceptance (`otpgw_message_final_seconds`)
 * and how long each carrier took to send its final receipt (`otpgw_carrier_receipt_seconds`). Recorded once per
 * message, by the instance that stores its final state; each attempt's receipt time is counted then (an attempt
 * that was rerouted from is counted with its message).
 */
import type { HistogramCell } from "../observability/hot-histogram.js";
import type { Metrics } from "../observability/metrics.js";
import type { Message } from "./types.js";

export class FinalMetrics {
  private readonly metrics: Pick<Metrics, "messageFinalSeconds" | "carrierReceiptSeconds">;
  /** Each label set's cell, resolved once (HotHistogram: an observation is then a few additions). */
  private readonly byState = new Map<string, HistogramCell>();
  private readonly byCarrierStat = new Map<string, HistogramCell>();

  constructor(metrics: Pick<Metrics, "messageFinalSeconds" | "carrierReceiptSeconds">) {
    this.metrics = metrics;
  }

  /** `done` has just been stored in its final state at `now`. */
  observe(done: Message, now: number): void {
    let state = this.byState.get(done.state);
    if (!state)
      this.byState.set(done.state, (state = this.metrics.messageFinalSeconds.cell({ state: done.state })));
    state.observe(Math.max(0, (done.finalAt ?? now) - done.createdAt) / 1000);
    for (const attempt of done.attempts) {
      if (attempt.receiptStat === undefined || attempt.endedAt === undefined) continue;
      if (attempt.outcome !== "delivered" && attempt.outcome !== "failed") continue;
      const key = `${attempt.carrier}\u0000${attempt.receiptStat}`;
      let cell = this.byCarrierStat.get(key);
      if (!cell) {
        cell = this.metrics.carrierReceiptSeconds.cell({
          carrier: attempt.carrier,
          stat: attempt.receiptStat,
        });
        this.byCarrierStat.set(key, cell);
      }
      cell.observe(Math.max(0, attempt.endedAt - attempt.startedAt) / 1000);
    }
  }
}
