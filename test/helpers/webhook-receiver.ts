import { createServer } from "node:http";
import { once } from "node:events";
import { onTestFinished } from "vitest";
import { verifySignature } from "../../src/north/webhook/webhook-signature.js";

export interface ReceivedWebhook {
  eventId: string;
  validSignature: boolean;
  body: { id: string; state: string; attempts: unknown[]; [key: string]: unknown };
}

/**
 * A webhook endpoint on 127.0.0.1 that records every call and answers 200; the first `failFirst` calls (default 0)
 * are answered 500 and not recorded, as a receiver that is briefly down.
 */
export async function webhookReceiver(secret: string, options: { failFirst?: number } = {}) {
  const calls: ReceivedWebhook[] = [];
  let toFail = options.failFirst ?? 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (toFail > 0) {
        toFail--;
        res.writeHead(500).end("down");
        return;
      }
      const raw = Buffer.concat(chunks);
      calls.push({
        eventId: String(req.headers["x-otpgw-event-id"]),
        validSignature: verifySignature(raw, secret, req.headers["x-otpgw-signature"] as string | undefined),
        body: JSON.parse(raw.toString("utf8")) as ReceivedWebhook["body"],
      });
      res.writeHead(200).end("ok");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return { url: `http://127.0.0.1:${address.port}/hook`, calls };
}
