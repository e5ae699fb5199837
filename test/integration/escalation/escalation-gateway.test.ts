import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CODE,
  escalatingGateway,
  secrets,
  whatsappStatusBody,
  type EscalatedMessage,
} from "../../helpers/escalating-gateway.js";
import { waitUntil } from "../../helpers/wait.js";

/**
 * SMS → WhatsApp → voice through the real daemon: a carrier simulator that fails (or never reports) every message,
 * the WhatsApp Cloud API and voice simulators posting signed statuses back to the daemon's HTTP API.
 */

describe("escalation after SMS", () => {
  it("sends the code alone over WhatsApp once every carrier failed, and the message is delivered by it", async () => {
    const gw = await escalatingGateway({ carrierOutcome: "UNDELIV", whatsapp: "deliver", voice: "deliver" });
    const id = await gw.send("+628111000001");
    const message = await gw.final(id);
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((a) => [a.channel, a.carrier, a.outcome])).toEqual([
      ["sms", "id-a", "failed"],
      ["whatsapp", "whatsapp", "delivered"],
    ]);
    expect(gw.whatsapp.received).toHaveLength(1);
    expect(gw.whatsapp.received[0]).toMatchObject({ to: "628111000001", code: CODE, template: "otp_code" });
    expect(gw.voice.received).toHaveLength(0);
    // The code never reaches the daemon's log in clear.
    expect(gw.daemon.logLines.join("\n")).not.toContain(CODE);
  });

  it("goes on to voice when WhatsApp reports a failure, one attempt at a time", async () => {
    const gw = await escalatingGateway({ carrierOutcome: "UNDELIV", whatsapp: "fail", voice: "deliver" });
    const id = await gw.send("+628111000002");
    const message = await gw.final(id);
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      ["whatsapp", "failed"],
      ["voice", "delivered"],
    ]);
    expect(gw.voice.received.map((s) => [s.to, s.code])).toEqual([["+628111000002", CODE]]);
  });

  it("ends undeliverable when every channel failed too, without trying one twice", async () => {
    const gw = await escalatingGateway({ carrierOutcome: "UNDELIV", whatsapp: "refuse", voice: "fail" });
    const id = await gw.send("+628111000003");
    const message = await gw.final(id);
    expect(message.state).toBe("undeliverable");
    expect(message.final_reason).toBe(
      "every carrier of route indonesia tried (id-a), then whatsapp and voice",
    );
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      ["whatsapp", "rejected"],
      ["voice", "failed"],
    ]);
    expect(gw.whatsapp.received).toHaveLength(1);
    expect(gw.voice.received).toHaveLength(1);
  });

  it("never escalates after the code has expired", async () => {
    // No receipt from the carrier: its attempt lasts until the code's validity (4 s) ends, before its 5 s timeout.
    const gw = await escalatingGateway({ carrierOutcome: "none", whatsapp: "deliver", voice: "deliver" });
    const id = await gw.send("+628111000004", 4);
    const message = await gw.final(id);
    expect(message.state).toBe("expired");
    expect(message.attempts.map((a) => a.channel)).toEqual(["sms"]);
    expect(gw.whatsapp.received).toHaveLength(0);
    expect(gw.voice.received).toHaveLength(0);
  });

  it("refuses a status callback not signed with the provider's secret, and records nothing from it", async () => {
    const gw = await escalatingGateway({ carrierOutcome: "UNDELIV", whatsapp: "silent", voice: "deliver" });
    const id = await gw.send("+628111000005");
    await waitUntil(
      () => gw.whatsapp.received.some((s) => s.providerId !== undefined),
      10_000,
      "a WhatsApp send",
    );
    const providerId = gw.whatsapp.received[0]!.providerId!;
    const body = whatsappStatusBody(providerId, "delivered", "628111000005");
    const post = (signature: string) =>
      fetch(`http://127.0.0.1:${gw.httpPort}/v1/channels/whatsapp/status`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
        body,
      });
    const forged = await post(`sha256=${createHmac("sha256", "not-the-secret").update(body).digest("hex")}`);
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe(
      "OTPGW_ERR_CHANNEL_SIGNATURE",
    );
    const during = (await gw.daemon.api(`/v1/messages/${id}`)).body as unknown as EscalatedMessage;
    expect(during.state).toBe("attempting");
    // The same body signed with the app secret is the provider's: recorded, and the message is delivered.
    const genuine = await post(
      `sha256=${createHmac("sha256", secrets.WHATSAPP_APP_SECRET).update(body).digest("hex")}`,
    );
    expect(genuine.status).toBe(200);
    const message = await gw.final(id);
    expect(message.state).toBe("delivered");
    expect(message.attempts.at(-1)).toMatchObject({ channel: "whatsapp", outcome: "delivered" });
  });

  it("escalates at once when the carriers left are down, instead of waiting for them until the code expires", async () => {
    const gw = await escalatingGateway({
      carrierOutcome: "UNDELIV",
      whatsapp: "deliver",
      voice: "deliver",
      deadCarrier: true,
    });
    const sent = Date.now();
    const id = await gw.send("+628111000006", 60);
    // Delivered well before the 60 s validity: id-b, never bound, is not waited for.
    const message = await gw.final(id, 20_000);
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((a) => [a.channel, a.carrier, a.outcome])).toEqual([
      ["sms", "id-a", "failed"],
      ["whatsapp", "whatsapp", "delivered"],
    ]);
    expect(Date.now() - sent).toBeLessThan(20_000);
  });

  it("accepts OTPs while every carrier of the route is down, and delivers them by WhatsApp", async () => {
    const gw = await escalatingGateway({ carrierOutcome: "UNDELIV", whatsapp: "deliver", voice: "deliver" });
    await gw.sim.stop();
    await waitUntil(
      async () => {
        const health = (await (await fetch(`http://127.0.0.1:${gw.metricsPort}/healthz`)).json()) as {
          detail: { carriers: { bound: number }[] };
        };
        return health.detail.carriers.every((c) => c.bound === 0);
      },
      10_000,
      "the carrier's bind down",
    );
    // Without escalation the route would refuse it (503): no carrier can take it.
    const id = await gw.send("+628111000007");
    const message = await gw.final(id);
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([["whatsapp", "delivered"]]);
  });
});
