import { verifySignature } from "../../src/north/webhook/webhook-signature.js";
import { startCallbackServer } from "./callback-server.js";

/** One final-state webhook as the bench sees it. */
export interface SinkEvent {
  /** otpgw's message id. */
  id: string;
  /** The submit's `client_ref`: the bench's own sequence number for the message. */
  clientRef: string;
  state: string;
  /** performance.now() when the body was complete. */
  at: number;
}

export interface WebhookSink {
  url: string;
  /** Webhooks whose signature did not verify (each is still acknowledged and reported). */
  readonly badSignatures: number;
  /** Bodies that were not the JSON the bench expects. */
  readonly malformed: number;
  close(): Promise<void>;
}

/**
 * The submitter's webhook endpoint, in the bench process: verifies each signature (as a real receiver must:
 * its cost is part of the receiving side), answers 200 at once and hands the event to `onEvent`.
 */
export async function startWebhookSink(
  secret: string,
  onEvent: (event: SinkEvent) => void,
): Promise<WebhookSink> {
  let badSignatures = 0;
  let malformed = 0;
  const server = await startCallbackServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const at = performance.now();
      const raw = Buffer.concat(chunks);
      res.writeHead(200).end();
      if (!verifySignature(raw, secret, req.headers["x-otpgw-signature"] as string | undefined)) {
        badSignatures++;
      }
      try {
        const body = JSON.parse(raw.toString("utf8")) as {
          id?: unknown;
          client_ref?: unknown;
          state?: unknown;
        };
        if (typeof body.id !== "string" || typeof body.client_ref !== "string") throw new Error("fields");
        onEvent({ id: body.id, clientRef: body.client_ref, state: String(body.state), at });
      } catch {
        malformed++;
      }
    });
  });
  return {
    url: `http://127.0.0.1:${server.port}/otpgw-webhook`,
    get badSignatures() {
      return badSignatures;
    },
    get malformed() {
      return malformed;
    },
    close: server.close,
  };
}
