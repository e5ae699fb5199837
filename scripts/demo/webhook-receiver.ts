/**
 * The submitter's side of webhooks, as the docs tell an integrator to write it: verify the signature on the
 * raw bytes before parsing, deduplicate on X-Otpgw-Event-Id, answer 2xx quickly. It records what arrived so
 * the summary can check otpgw's promises: one final state per message, every one signed.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import {
  eventIdHeader,
  signatureHeader,
  verifySignature,
} from "../../src/north/webhook/webhook-signature.js";
import type { WebhookPayload } from "../../src/north/webhook/webhook-payload.js";

export const WEBHOOK_PATH = "/otpgw/webhook";

/** Largest body accepted: a final-state webhook is a few KiB at most. */
const MAX_BODY_BYTES = 256 * 1024;

export interface ReceivedFinal {
  payload: WebhookPayload;
  /** When the first copy arrived (ms since the epoch). */
  receivedAt: number;
}

export interface WebhookStats {
  /** Requests of any kind. */
  requests: number;
  /** Distinct final events with a valid signature. */
  unique: number;
  /** A valid, already-seen event id again. */
  duplicates: number;
  badSignatures: number;
  /** Signed, but not a final-state webhook we understand (bad JSON, event id not `final:<body id>`). */
  malformed: number;
}

export class WebhookReceiver {
  readonly finals = new Map<string, ReceivedFinal>();
  readonly stats: WebhookStats = { requests: 0, unique: 0, duplicates: 0, badSignatures: 0, malformed: 0 };
  private readonly secret: string;
  private readonly server: Server;
  private readonly onFinal: (final: ReceivedFinal) => void;
  private closing: Promise<void> | undefined;

  constructor(options: { secret: string; onFinal?: (final: ReceivedFinal) => void }) {
    this.secret = options.secret;
    this.onFinal = options.onFinal ?? (() => undefined);
    this.server = createServer((req, res) => {
      this.handle(req).then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(500).end(),
      );
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    const address = this.server.address();
    if (!address || typeof address === "string") throw new Error("webhook receiver has no port");
    return `http://127.0.0.1:${address.port}${WEBHOOK_PATH}`;
  }

  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage): Promise<number> {
    this.stats.requests++;
    if (req.method !== "POST" || req.url !== WEBHOOK_PATH) return 404;
    const raw = await readBody(req);
    if (raw === undefined) return 413;
    const signature = req.headers[signatureHeader];
    if (!verifySignature(raw, this.secret, typeof signature === "string" ? signature : undefined)) {
      this.stats.badSignatures++;
      return 401;
    }
    const eventId = req.headers[eventIdHeader];
    let payload: WebhookPayload;
    try {
      payload = JSON.parse(raw.toString("utf8")) as WebhookPayload;
    } catch {
      this.stats.malformed++;
      return 400;
    }
    if (typeof payload.id !== "string" || eventId !== `final:${payload.id}`) {
      this.stats.malformed++;
      return 400;
    }
    if (this.finals.has(payload.id)) {
      this.stats.duplicates++;
      return 200;
    }
    const final = { payload, receivedAt: Date.now() };
    this.finals.set(payload.id, final);
    this.stats.unique++;
    this.onFinal(final);
    return 200;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
