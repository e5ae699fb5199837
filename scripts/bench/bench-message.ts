/**
 * One SMPP-submitted OTP's documents as delivery makes them, for the benchmarks that write the store's real
 * payloads without running the gateway (the store scenario, the durable null relay): the message with its first
 * attempt, and the final state once its receipt said DELIVRD, with the receipt job it hands over.
 */
import { applySubmitResult, finalize, startAttempt } from "../../src/delivery/lifecycle.js";
import type { Message } from "../../src/delivery/types.js";
import { encodeJob, receiptJobs } from "../../src/north/smpp/receipt-job.js";

/** The text every bench message carries (the store keeps it while the message is in flight). */
export const BENCH_TEXT = "Your code is 123456. Valid 5 min";
/** How long a bench attempt waits for its receipt before its timer is due. */
export const BENCH_DLR_TIMEOUT_MS = 30_000;

/** Message `n` accepted at `now` with its first attempt started on carrier "bench". */
export function benchFirstAttempt(id: string, n: number, now: number): Message {
  const accepted: Message = {
    id,
    account: "bench",
    to: `+6281${String(200_000_000 + n)}`,
    from: "BenchOTP",
    country: "ID",
    parts: 1,
    textLength: BENCH_TEXT.length,
    receiptVia: "smpp",
    createdAt: now,
    expiresAt: now + 300_000,
    state: "accepted",
    attempts: [],
  };
  return startAttempt(accepted, "bench", 1, now, BENCH_DLR_TIMEOUT_MS);
}

/** The final state of `first` once carrier message `carrierMessageId` was delivered, and its receipt jobs. */
export function benchDelivered(
  first: Message,
  carrierMessageId: string,
  now: number,
): { final: Message; jobs: string[] } {
  const delivered = applySubmitResult(first, 1, 0, { status: "accepted", carrierMessageId });
  const final = finalize(
    {
      ...delivered,
      attempts: delivered.attempts.map((a) => ({
        ...a,
        partStatus: ["delivered" as const],
        receiptStat: "DELIVRD",
        outcome: "delivered" as const,
        endedAt: now,
      })),
    },
    "delivered",
    "delivered by bench",
    now,
  );
  return { final, jobs: receiptJobs(final, undefined, now).map(encodeJob) };
}
