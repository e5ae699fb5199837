import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import { onTestFinished } from "vitest";
import { secrets, whatsappStatusBody } from "./escalating-gateway.js";

/**
 * Channel provider stand-ins whose every answer a test writes (a send answered late, a 429, a status posted before
 * the answer), and signed status posts to the daemon as the providers make them.
 */

export interface StandInSend {
  at: number;
  closedAt?: number;
  /** The request's JSON body (the voice call's `reference`, …). */
  body: Record<string, unknown>;
}

/** A provider stand-in: `onSend` answers the n-th send (it may wait, post a status first, …). */
export async function providerStandIn(
  onSend: (n: number, res: ServerResponse, send: StandInSend) => Promise<void>,
): Promise<{ origin: string; sends: StandInSend[] }> {
  const sends: StandInSend[] = [];
  const server = createServer((req, res) => {
    const send: StandInSend = { at: Date.now(), body: {} };
    sends.push(send);
    res.on("close", () => (send.closedAt = Date.now()));
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        send.body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        // not JSON: the test's answer decides
      }
      void onSend(sends.length, res, send);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, sends };
}

/** A WhatsApp Cloud API stand-in (its `url` is the Graph API base the daemon is configured with). */
export async function whatsappStandIn(onSend: (n: number, res: ServerResponse) => Promise<void>) {
  const { origin, sends } = await providerStandIn(onSend);
  return { url: `${origin}/v21.0`, sends };
}

/** Answers a send as the provider taking it, with `body` (skipped when the daemon gave up the request). */
export function answerJson(res: ServerResponse, status: number, body: object, headers = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function postSigned(url: string, header: string, secret: string, body: string): Promise<number> {
  const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  // As the providers do, a post whose connection failed is posted again (a pooled connection may have gone stale).
  for (let tries = 1; ; tries++) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", [header]: signature },
        body,
      });
      return response.status;
    } catch (error) {
      if (tries >= 3) throw error;
    }
  }
}

/** Posts a WhatsApp status, signed with the app secret, to the daemon; answers its HTTP status. */
export function postWhatsappStatus(
  httpPort: number,
  id: string,
  status: string,
  recipient: string,
  phoneNumberId?: string,
): Promise<number> {
  return postSigned(
    `http://127.0.0.1:${httpPort}/v1/channels/whatsapp/status`,
    "x-hub-signature-256",
    secrets.WHATSAPP_APP_SECRET,
    whatsappStatusBody(id, status, recipient, phoneNumberId),
  );
}

/** Posts a voice call status, signed with the callback secret, to the daemon; answers its HTTP status. */
export function postVoiceStatus(
  httpPort: number,
  status: { call_id: string; status: string; reference?: string; to?: string },
): Promise<number> {
  return postSigned(
    `http://127.0.0.1:${httpPort}/v1/channels/voice/status`,
    "x-signature",
    secrets.VOICE_CALLBACK_SECRET,
    JSON.stringify(status),
  );
}
