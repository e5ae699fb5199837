/**
 * One SMPP-submitted OTP's documents as delivery makes them, for the benchmarks that write the store's real
 * payloads without running the gateway (the store scenario, the durable null relay): the message with its first
 * attempt, and the final state once its receipt said DELIVRD, with the receipt job it hands over.
 */
import {
  applyReceipt,
  applySubmitResult,
  finalize,
  newMessage,
  settle,
  startAttempt,
} from "../../src/delivery/lifecycle.js";
import type { Message } from "../../src/delivery/types.js";
import { encodeJob, receiptJobs } from "../../src/north/smpp/receipt-job.js";

/** The text every bench message carries (the store keeps it while the message is in flight). */
export const BENCH_TEXT = "Your code is 123456. Valid 5 min";
/** How long a bench attempt waits for its receipt before its timer is due. */
export const BENCH_DLR_TIMEOUT_MS = 30_000;

/** Message `n` accepted at `now` (as delivery makes a new one) with its first attempt started on carrier "bench". */
export function benchFirstAttempt(id: string, n: number, now: number): Message {
  const accepted = newMessage(
    id,
    {
      account: "bench",
      to: `+6281${String(200_000_000 + n)}`,
      from: "BenchOTP",
      country: "ID",
      text: BENCH_TEXT,
      parts: 1,
      validitySeconds: 300,
      receiptVia: "smpp",
    },
    now,
  );
  return startAttempt(accepted, "bench", 1, now, BENCH_DLR_TIMEOUT_MS, "sms", "indonesia");
}

/**
 * The final state of `first` once carrier message `carrierMessageId` was accepted and its receipt said DELIVRD —
 * through the lifecycle's own steps, as the message processor takes them — and its receipt jobs.
 */
export function benchDelivered(
  first: Message,
  carrierMessageId: string,
  now: number,
): { final: Message; jobs: string[] } {
  const accepted = applySubmitResult(first, 1, 0, { status: "accepted", carrierMessageId });
  const receipted = applyReceipt(
    accepted,
    1,
    0,
    { stat: "DELIVRD", err: "000", delivered: true, final: true },
    now,
  );
  const { message, next } = settle(receipted, { now, minRemainingMs: 0 });
  if (next.kind !== "final") throw new Error(`bench message ${first.id}: not final after its receipt`);
  const final = finalize(message, next.state, next.reason, now);
  return { final, jobs: receiptJobs(final, undefined, now).map(encodeJob) };
}
