/**
 * Sends the demo's OTPs over HTTP like a well-behaved client: a bounded number of requests in flight, paced to
 * a target rate, one Idempotency-Key per OTP, and 429 / 503 answered by waiting Retry-After and sending the
 * same request again (never a second message) — but for an anti-abuse volume limit, whose window lasts minutes: that
 * OTP is refused. Half way through it calls `onHalfway` (the carrier outage).
 */
import type { ApiClient } from "./api-client.js";
import type { DemoOtp } from "./traffic-mix.js";

export interface SentOtp {
  otp: DemoOtp;
  id: string;
  parts: number;
  /** When the first POST for this OTP was sent (ms since the epoch): end-to-end latency starts here. */
  sentAt: number;
  tries: number;
}

export interface RefusedOtp {
  otp: DemoOtp;
  /** When the first POST for this OTP was sent (ms since the epoch). */
  sentAt: number;
  status: number;
  code: string;
  message: string;
  /** Retry-After of an anti-abuse volume limit (seconds). */
  retryAfterSeconds?: number;
}

export interface SendResult {
  accepted: SentOtp[];
  refused: RefusedOtp[];
  /** Answers that asked us to come back later, by status (429, 503), and network errors retried. */
  retried: { rateLimited: number; saturated: number; networkErrors: number };
  durationMs: number;
}

export interface SendOptions {
  client: ApiClient;
  otps: DemoOtp[];
  sender: string;
  callbackUrl: string;
  /** Prefix of the Idempotency-Keys: unique per run. */
  runId: string;
  /** Most requests in flight. */
  concurrency: number;
  /** Target submits per second (pacing). */
  ratePerSecond: number;
  /** Called once, before the OTP at `halfwayIndex` is sent. */
  onHalfway?: () => void | Promise<void>;
  /** Default: the middle of `otps`. */
  halfwayIndex?: number;
  /** Called after each OTP is accepted or refused. */
  onDone?: (done: number) => void;
  /** Returns a reason to stop sending (the daemon died, Ctrl-C), checked before each request. */
  shouldStop?: () => string | undefined;
}

/** Longest time one OTP is retried (429, 503, network errors) before it is counted as refused. */
const GIVE_UP_AFTER_MS = 15_000;
/** Retry-After is whole seconds; the demo waits at most this long per retry to keep moving. */
const MAX_RETRY_WAIT_MS = 1000;

export async function sendAll(options: SendOptions): Promise<SendResult> {
  const { otps } = options;
  const accepted: SentOtp[] = [];
  const refused: RefusedOtp[] = [];
  const retried = { rateLimited: 0, saturated: 0, networkErrors: 0 };
  const started = Date.now();
  const halfway = options.halfwayIndex ?? Math.floor(otps.length / 2);
  let next = 0;
  let done = 0;

  const sendOne = async (otp: DemoOtp): Promise<void> => {
    const sentAt = Date.now();
    const request = {
      to: otp.to,
      from: options.sender,
      text: otp.text,
      client_ref: otp.clientRef,
      callback_url: options.callbackUrl,
    };
    for (let tries = 1; ; tries++) {
      const stop = options.shouldStop?.();
      if (stop) throw new Error(stop);
      let waitMs: number;
      try {
        const answer = await options.client.submit(request, `${options.runId}-${otp.index}`);
        if (answer.kind === "accepted") {
          accepted.push({ otp, id: answer.id, parts: answer.parts, sentAt, tries });
          return;
        }
        if (answer.kind === "refused") {
          const { status, code, message, retryAfterSeconds } = answer;
          refused.push({
            otp,
            sentAt,
            status,
            code,
            message,
            ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
          });
          return;
        }
        if (answer.status === 429) retried.rateLimited++;
        else retried.saturated++;
        waitMs = Math.min(MAX_RETRY_WAIT_MS, Math.max(100, answer.retryAfterSeconds * 1000));
      } catch (error) {
        retried.networkErrors++;
        waitMs = 200;
        if (Date.now() - sentAt > GIVE_UP_AFTER_MS) {
          const message = error instanceof Error ? error.message : String(error);
          refused.push({ otp, sentAt, status: 0, code: "NETWORK", message });
          return;
        }
      }
      if (Date.now() + waitMs - sentAt > GIVE_UP_AFTER_MS) {
        refused.push({
          otp,
          sentAt,
          status: 503,
          code: "GAVE_UP",
          message: `still refused after ${tries} tries`,
        });
        return;
      }
      await sleep(waitMs);
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      const otp = otps[index];
      if (!otp) return;
      // Pacing: the i-th OTP leaves no earlier than i / rate seconds after the start.
      const due = started + (index * 1000) / options.ratePerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      if (index === halfway) await options.onHalfway?.();
      await sendOne(otp);
      options.onDone?.(++done);
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, otps.length)) }, worker);
  const results = await Promise.allSettled(workers);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) {
    throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
  }
  return { accepted, refused, retried, durationMs: Date.now() - started };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
