import { Agent, request } from "node:http";
import { startLoadResult, type LoadResult } from "./end-to-end-figures.js";

export interface HttpLoadOptions {
  port: number;
  apiKey: string;
  sender: string;
  callbackUrl: string;
  /** Submits in flight at once (closed loop: each answer starts the next submit). */
  concurrency: number;
  /** Stop starting submits after this long. */
  durationMs: number;
  /** Stop starting submits after this many, whatever the duration. */
  maxMessages: number;
  /**
   * Paced load: submit n is started at `n / ratePerSecond` s after the start (or later, when every slot is
   * busy). Without it, each slot submits again as soon as it has its answer (saturation).
   */
  ratePerSecond?: number;
  /** Prefix of `client_ref` and `Idempotency-Key`, unique to this load phase. */
  refPrefix: string;
  /** Called just before each submit is written, with its client_ref and performance.now(). */
  onSend: (clientRef: string, at: number) => void;
  /** Called on each 202 with the client_ref and otpgw's message id from the answer. */
  onAccepted: (clientRef: string, id: string) => void;
}

export type HttpLoadResult = LoadResult;

/** A failed slot waits this long before its next submit, so a run of 503s is not a busy loop. */
const PAUSE_AFTER_REJECT_MS = 10;

/**
 * Closed-loop HTTP submitter over keep-alive connections (node:http, cheaper per request than fetch, so the
 * load generator takes less of the CPU it shares with otpgw). Each submit is a realistic OTP: a distinct
 * number, code, client_ref, Idempotency-Key and callback_url.
 */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency, keepAliveMsecs: 10_000 });
  const { result, end, reject } = startLoadResult(options.durationMs);

  const submitOne = (n: number): Promise<void> =>
    new Promise<void>((done) => {
      const clientRef = `${options.refPrefix}${n}`;
      const code = String(100_000 + ((n * 7919) % 900_000));
      const body = JSON.stringify({
        to: `+628123${String(n % 10_000_000).padStart(7, "0")}`,
        from: options.sender,
        text: `Your ${options.sender} code is ${code}. It expires in 5 minutes. Never share it.`,
        client_ref: clientRef,
        callback_url: options.callbackUrl,
      });
      const req = request(
        {
          agent,
          host: "127.0.0.1",
          port: options.port,
          method: "POST",
          path: "/v1/messages",
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "idempotency-key": clientRef,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            if (res.statusCode === 202) {
              result.accepted++;
              result.submitLatenciesMs.push(performance.now() - t0);
              options.onAccepted(clientRef, messageIdOf(Buffer.concat(chunks)));
              done();
            } else {
              reject(String(res.statusCode));
              setTimeout(done, PAUSE_AFTER_REJECT_MS);
            }
          });
        },
      );
      req.on("error", () => {
        reject("error");
        setTimeout(done, PAUSE_AFTER_REJECT_MS);
      });
      const t0 = performance.now();
      options.onSend(clientRef, t0);
      req.end(body);
    });

  const rate = options.ratePerSecond;
  // Paced: the count, not the clock, ends the phase, so the last submits are not cut off by a late timer.
  const limit = rate
    ? Math.min(options.maxMessages, Math.floor((rate * options.durationMs) / 1000))
    : options.maxMessages;
  const slot = async (): Promise<void> => {
    while (result.sent < limit && (rate !== undefined || performance.now() < end)) {
      const n = result.sent++;
      if (rate !== undefined) {
        const wait = result.startedAt + (n * 1000) / rate - performance.now();
        if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
      }
      await submitOne(n);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, slot));
  result.endedAt = performance.now();
  agent.destroy();
  return result;
}

/** otpgw's message id from a 202 body; "" when the body is not the documented JSON. */
function messageIdOf(body: Buffer): string {
  try {
    const answer = JSON.parse(body.toString("utf8")) as { id?: unknown };
    return typeof answer.id === "string" ? answer.id : "";
  } catch {
    return "";
  }
}
