import { request, type Agent } from "node:http";
import { startLoadResult, type LoadResult } from "./end-to-end-figures.js";

export interface KannelLoadOptions {
  /**
   * Keep-alive agent with `maxSockets` ≥ concurrency, owned by the caller and shared by the phases: smsbox
   * listens with a backlog of 10, so 64 connections opened at once lose SYNs and wait for the 1 s
   * retransmit. Opened during the warm-up and kept, they cost the measured phase nothing, as in a real client.
   */
  agent: Agent;
  /** smsbox's sendsms port on 127.0.0.1. */
  port: number;
  username: string;
  password: string;
  sender: string;
  /** Kannel's dlr-mask: which delivery reports smsbox calls the dlr-url for. */
  dlrMask: number;
  /** The dlr-url of the message with this reference. */
  dlrUrl: (ref: string) => string;
  /** Submits in flight at once (closed loop: each answer starts the next submit). */
  concurrency: number;
  /** Stop starting submits after this long. */
  durationMs: number;
  /** Stop starting submits after this many, whatever the duration. */
  maxMessages: number;
  /** Prefix of each message's reference, unique to this load phase. */
  refPrefix: string;
  /** Called just before each submit is written, with its reference and performance.now(). */
  onSend: (ref: string, at: number) => void;
}

export type KannelLoadResult = LoadResult;

/** A failed slot waits this long before its next submit, so a run of refusals is not a busy loop. */
const PAUSE_AFTER_REJECT_MS = 10;

/**
 * Closed-loop sendsms submitter over keep-alive connections, shaped like the HTTP bench's load (same
 * concurrency, a distinct Indonesian number and 6-digit code per message, the same text), as GETs to smsbox.
 */
export async function runKannelLoad(options: KannelLoadOptions): Promise<KannelLoadResult> {
  const { agent } = options;
  const { result, end, reject } = startLoadResult(options.durationMs);

  const submitOne = (n: number): Promise<void> =>
    new Promise<void>((done) => {
      const ref = `${options.refPrefix}${n}`;
      const code = String(100_000 + ((n * 7919) % 900_000));
      const query = new URLSearchParams({
        username: options.username,
        password: options.password,
        from: options.sender,
        to: `+628123${String(n % 10_000_000).padStart(7, "0")}`,
        text: `Your ${options.sender} code is ${code}. It expires in 5 minutes. Never share it.`,
        "dlr-mask": String(options.dlrMask),
        "dlr-url": options.dlrUrl(ref),
      });
      const req = request(
        {
          agent,
          host: "127.0.0.1",
          port: options.port,
          method: "GET",
          path: `/cgi-bin/sendsms?${query.toString()}`,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8").trim();
            if (res.statusCode === 202 && text.includes("Accepted")) {
              result.accepted++;
              result.submitLatenciesMs.push(performance.now() - t0);
              done();
            } else {
              reject(`${res.statusCode} ${text.slice(0, 40)}`);
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
      options.onSend(ref, t0);
      req.end();
    });

  const slot = async (): Promise<void> => {
    while (result.sent < options.maxMessages && performance.now() < end) {
      await submitOne(result.sent++);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, slot));
  result.endedAt = performance.now();
  return result;
}
