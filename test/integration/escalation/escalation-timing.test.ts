import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import { describe, expect, it, onTestFinished } from "vitest";
import { escalatingGateway, secrets, whatsappStatusBody } from "../../helpers/escalating-gateway.js";
import { waitUntil } from "../../helpers/wait.js";

/**
 * Escalation against a WhatsApp Cloud API stand-in whose timing each test sets: a send answered too late, a status
 * that overtakes the answer to its send, a Retry-After. The real daemon, carrier simulator and voice simulator.
 */

/** Posts a WhatsApp status, signed with the app secret, to the daemon. */
async function postStatus(httpPort: number, id: string, status: string, recipient: string) {
  const body = whatsappStatusBody(id, status, recipient);
  const signature = `sha256=${createHmac("sha256", secrets.WHATSAPP_APP_SECRET).update(body).digest("hex")}`;
  // As Meta does, a post whose connection failed is posted again (a pooled connection may have gone stale).
  for (let tries = 1; ; tries++) {
    try {
      const response = await fetch(`http://127.0.0.1:${httpPort}/v1/channels/whatsapp/status`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
        body,
      });
      return response.status;
    } catch (error) {
      if (tries >= 3) throw error;
    }
  }
}

/** A WhatsApp Cloud API stand-in: `onSend` answers the n-th send (it may wait, post a status first, …). */
async function whatsappStandIn(onSend: (n: number, res: ServerResponse) => Promise<void>) {
  const sends: { at: number; closedAt?: number }[] = [];
  const server = createServer((req, res) => {
    const send: { at: number; closedAt?: number } = { at: Date.now() };
    sends.push(send);
    res.on("close", () => (send.closedAt = Date.now()));
    req.resume();
    req.on("end", () => void onSend(sends.length, res));
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
  return { url: `http://127.0.0.1:${port}/v21.0`, sends };
}

const answer = (res: ServerResponse, id: string) => {
  if (res.destroyed) return;
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ messages: [{ id }] }));
};

describe("escalation timing", () => {
  it("gives up a WhatsApp send still unanswered at its attempt's end, before voice is called", async () => {
    // The provider takes 20 s to answer; the attempt has 8 s and a send at most 4 s.
    const wa = await whatsappStandIn(async (_n, res) => {
      await new Promise((r) => setTimeout(r, 20_000));
      answer(res, "wamid.SLOW");
    });
    const gw = await escalatingGateway({
      carrierOutcome: "UNDELIV",
      whatsapp: "deliver",
      voice: "deliver",
      whatsappApi: () => Promise.resolve(wa.url),
      whatsappSettings: ["    status_timeout_seconds: 8", "    request_timeout_ms: 4000"],
    });
    const id = await gw.send("+628111000101");
    const message = await gw.final(id, 30_000);
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      // Its last send unanswered: it may have been taken, so the attempt waited for a status until its deadline.
      ["whatsapp", "unknown"],
      ["voice", "delivered"],
    ]);
    // Every WhatsApp request had been given up (its connection closed) before the call was placed.
    const called = gw.voice.received.length > 0 ? Date.now() : 0;
    expect(called).toBeGreaterThan(0);
    expect(wa.sends.length).toBeGreaterThanOrEqual(1);
    for (const send of wa.sends) expect(send.closedAt).toBeDefined();
    const voiceStarted = Date.parse((message.attempts[2] as unknown as { started_at: string }).started_at);
    for (const send of wa.sends) expect(send.closedAt!).toBeLessThanOrEqual(voiceStarted + 50);
  });

  it("matches a WhatsApp status that overtakes the answer to its send, by the handset", async () => {
    let httpPort = 0;
    const statusAnswers: number[] = [];
    const wa = await whatsappStandIn(async (_n, res) => {
      // Posted and recorded by otpgw before the send is answered: the provider's id is not known to it yet.
      statusAnswers.push(await postStatus(httpPort, "wamid.EARLY", "delivered", "628111000102"));
      answer(res, "wamid.EARLY");
    });
    const gw = await escalatingGateway({
      carrierOutcome: "UNDELIV",
      whatsapp: "deliver",
      voice: "deliver",
      whatsappApi: (port) => ((httpPort = port), Promise.resolve(wa.url)),
    });
    const id = await gw.send("+628111000102");
    const message = await gw.final(id);
    // The status ends the message before its answer reaches the stand-in: the final state may be seen first.
    await waitUntil(() => statusAnswers.length > 0, 5_000, "the status's answer");
    expect(statusAnswers).toEqual([200]);
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      ["whatsapp", "delivered"],
    ]);
    expect(gw.voice.received).toHaveLength(0);
  });

  it("waits the provider's whole Retry-After before sending again", async () => {
    let httpPort = 0;
    const wa = await whatsappStandIn((n, res) => {
      if (n === 1) {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "12" });
        res.end(JSON.stringify({ error: { code: 130429 } }));
      } else {
        answer(res, "wamid.LATER");
        setTimeout(() => void postStatus(httpPort, "wamid.LATER", "delivered", "628111000103"), 50);
      }
      return Promise.resolve();
    });
    const gw = await escalatingGateway({
      carrierOutcome: "UNDELIV",
      whatsapp: "deliver",
      voice: "deliver",
      whatsappApi: (port) => ((httpPort = port), Promise.resolve(wa.url)),
      whatsappSettings: ["    status_timeout_seconds: 40"],
    });
    const id = await gw.send("+628111000103");
    await waitUntil(() => wa.sends.length >= 2, 30_000, "a second send");
    expect(wa.sends[1]!.at - wa.sends[0]!.at).toBeGreaterThanOrEqual(12_000);
    expect((await gw.final(id)).state).toBe("delivered");
  });
});
