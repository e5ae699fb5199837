import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { describe, expect, it, onTestFinished } from "vitest";
import { startVoiceSim, type VoiceSimOptions } from "../../../scripts/sim/voice-sim.js";
import * as voiceApi from "../../../src/escalation/providers/voice-api.js";
import { listenForTest } from "../../helpers/http-test-server.js";

const { createVoiceProvider, createVoiceStatusCallbacks, voiceCallBody } = voiceApi;
const configured: voiceApi.VoiceApiOptions = {
  apiUrl: "https://voice.example/v1/calls",
  apiKey: "voice-api-key-0123456789",
  callbackSecret: "voice-callback-secret-0123",
  callbackUrl: "https://otpgw.example/v1/channels/voice/status",
  language: "en",
  repeat: 2,
  requestTimeoutMs: 2_000,
};
const { apiKey, callbackSecret } = configured;
const call = { messageId: "665af1c09b3e4f2a7c1d8e55", to: "+6281234567890", code: "482913" };

function options(
  apiUrl: string,
  overrides: Partial<voiceApi.VoiceApiOptions> = {},
): voiceApi.VoiceApiOptions {
  return { ...configured, apiUrl, ...overrides };
}

/** The voice simulator as the provider, without status callbacks (no callback receiver in these tests). */
async function provider(
  simOptions: Partial<VoiceSimOptions> = {},
  overrides: Partial<voiceApi.VoiceApiOptions> = {},
) {
  const sim = await startVoiceSim({ apiKey, callbackSecret, callbackUrl: undefined, ...simOptions });
  onTestFinished(() => sim.close());
  const client = createVoiceProvider(
    options(sim.url, { callbackUrl: "http://127.0.0.1:1/none", ...overrides }),
  );
  return { sim, client };
}

describe("voice API calls", () => {
  it("sends the code as digits with the language, repeat, callback URL and otpgw's message id as reference", () => {
    expect(voiceCallBody(configured, call)).toEqual({
      to: "+6281234567890",
      digits: "482913",
      language: "en",
      repeat: 2,
      callback_url: "https://otpgw.example/v1/channels/voice/status",
      reference: "665af1c09b3e4f2a7c1d8e55",
    });
  });

  it("is accepted with the provider's call id when the provider answers 201", async () => {
    const { sim, client } = await provider({ silentShare: 1 }, { language: "id", repeat: 3 });
    const result = await client.send(call);
    expect(sim.received).toHaveLength(1);
    const [placed] = sim.received;
    expect(result).toEqual({ kind: "accepted", providerMessageId: placed?.providerId });
    expect(placed).toMatchObject({ to: "+6281234567890", code: "482913", language: "id", repeat: 3 });
    expect(placed?.reference).toBe(call.messageId);
  });

  it("is refused with the HTTP status for a 4xx: a wrong API key, a number the provider refuses", async () => {
    const { sim, client } = await provider({ refuseShare: 1 });
    expect(await client.send(call)).toEqual({ kind: "refused", error: "voice http 422" });
    const wrongKey = createVoiceProvider(options(sim.url, { apiKey: "another-key" }));
    const refused = await wrongKey.send(call);
    expect(refused).toEqual({ kind: "refused", error: "voice http 401" });
    expect(JSON.stringify(refused)).not.toMatch(/482913|another-key/);
    expect(sim.counters.unauthorized).toBe(1);
  });

  it("retries a 503 and a closed port", async () => {
    const { sim, client } = await provider({ errorShare: 1 });
    expect(await client.send(call)).toEqual({ kind: "retry", error: "voice http 503" });
    expect(sim.counters.errors).toBe(1);
    await sim.close();
    expect(await client.send(call)).toEqual({
      kind: "retry",
      error: "voice: connection failed (ECONNREFUSED)",
    });
  });

  it("retries a 429 after its Retry-After and a provider that never answers, within the request timeout", async () => {
    const server = createServer((req, res) => {
      if (req.url === "/busy") res.writeHead(429, { "retry-after": "3" }).end();
      // Any other path: the request is read and never answered.
    });
    const { port } = await listenForTest(server);
    const busy = createVoiceProvider(options(`http://127.0.0.1:${port}/busy`));
    expect(await busy.send(call)).toEqual({ kind: "retry", error: "voice http 429", retryAfterMs: 3_000 });
    const silent = createVoiceProvider(options(`http://127.0.0.1:${port}/silent`, { requestTimeoutMs: 150 }));
    expect(await silent.send(call)).toEqual({
      kind: "retry",
      error: "voice: no answer within 150 ms",
      maybeTaken: true,
    });
  });
});

describe("voice status callbacks", () => {
  const callbacks = createVoiceStatusCallbacks(callbackSecret);
  const raw = Buffer.from('{"call_id":"c1","status":"completed"}');
  const signature = `sha256=${createHmac("sha256", callbackSecret).update(raw).digest("hex")}`;

  // The signature check itself is shared with WhatsApp's (provider-http.ts) and tested in whatsapp-cloud.test.ts.
  it("accepts X-Signature over the raw body with the callback secret, not another header, body or secret", () => {
    const otherSecret = createVoiceStatusCallbacks(`${callbackSecret}x`);
    expect(callbacks.verify(raw, { "x-signature": signature })).toBe(true);
    expect(callbacks.verify(raw, { "x-signature": [signature, "sha256=00"] })).toBe(true);
    expect([
      callbacks.verify(Buffer.from('{"call_id":"c1","status":"failed"}'), { "x-signature": signature }),
      otherSecret.verify(raw, { "x-signature": signature }),
      callbacks.verify(raw, { "x-hub-signature-256": signature }),
    ]).toEqual([false, false, false]);
  });

  it("maps each call state: ringing and in-progress ENROUTE, completed DELIVRD, the failures UNDELIV with the state", () => {
    const parse = (status: string) => callbacks.parse({ call_id: "c1", status, reference: "m1" });
    // The reference (otpgw's message id) names the message when the call id is not recorded yet.
    const enroute = {
      providerMessageId: "c1",
      stat: "ENROUTE",
      delivered: false,
      final: false,
      reference: "m1",
    };
    expect(parse("ringing")).toEqual([enroute]);
    expect(parse("in-progress")).toEqual([enroute]);
    expect(parse("completed")).toEqual([
      { providerMessageId: "c1", stat: "DELIVRD", delivered: true, final: true, reference: "m1" },
    ]);
    for (const failure of ["busy", "no-answer", "failed", "canceled"]) {
      expect(parse(failure)).toEqual([
        {
          providerMessageId: "c1",
          stat: "UNDELIV",
          delivered: false,
          final: true,
          err: failure,
          reference: "m1",
        },
      ]);
    }
    expect(callbacks.parse({ call_id: "c1", status: "completed", to: "+6281234567890" })).toEqual([
      { providerMessageId: "c1", stat: "DELIVRD", delivered: true, final: true, recipient: "6281234567890" },
    ]);
  });

  it("ignores a state it does not know, and throws a clear error on a body that is not a call status", () => {
    expect(callbacks.parse({ call_id: "c1", status: "queued" })).toEqual([]);
    expect(callbacks.parse({ call_id: "c1", status: "constructor" })).toEqual([]);
    expect(() => callbacks.parse({ status: "completed" })).toThrow(/not a voice call status at call_id/);
    expect(() => callbacks.parse([])).toThrow(/not a voice call status/);
    expect(() => callbacks.parse({ call_id: "c1", status: "completed", reference: 7 })).toThrow(
      /at reference/,
    );
  });
});
