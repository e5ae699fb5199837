import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import type { ChannelSendResult } from "../../../src/escalation/channel-types.js";
import {
  createWhatsappProvider,
  createWhatsappStatusCallbacks,
  whatsappSubscriptionChallenge,
  type WhatsappCloudOptions,
} from "../../../src/escalation/providers/whatsapp-cloud.js";
import { readJson } from "../../../scripts/sim/channel-sim-http.js";
import { listenForTest } from "../../helpers/http-test-server.js";

const token = "EAAJB-test-access-token-0123456789";
const appSecret = "0123456789abcdef0123456789abcdef";
const request = { messageId: "665af1c09b3e4f2a7c1d8e55", to: "+6281234567890", code: "482913" };

interface Exchange {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: unknown;
}
type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | "hang";

/** A Graph API stand-in answering every request with `answer`, recording what it received. */
async function graph(answer: Answer): Promise<{ apiUrl: string; exchanges: Exchange[] }> {
  const exchanges: Exchange[] = [];
  const server = createServer((req, res) => {
    void readJson(req).then((body) => {
      exchanges.push({ method: req.method, path: req.url, headers: req.headers, body });
      if (answer === "hang") return;
      const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {});
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers }).end(text);
    });
  });
  const { port } = await listenForTest(server);
  return { apiUrl: `http://127.0.0.1:${port}/v21.0/`, exchanges };
}

function options(apiUrl: string, overrides: Partial<WhatsappCloudOptions> = {}): WhatsappCloudOptions {
  return {
    apiUrl,
    phoneNumberId: "106540352242922",
    accessToken: token,
    appSecret,
    template: "otp_code",
    language: "en_US",
    copyCodeButton: true,
    requestTimeoutMs: 2_000,
    ...overrides,
  };
}

async function sendTo(
  answer: Answer,
  overrides: Partial<WhatsappCloudOptions> = {},
): Promise<ChannelSendResult> {
  const { apiUrl } = await graph(answer);
  return createWhatsappProvider(options(apiUrl, overrides)).send(request);
}

const graphError = (code: number) => ({
  error: { message: `(#${code}) something`, type: "OAuthException", code },
});

describe("WhatsApp Cloud API sends", () => {
  it("POSTs the authentication template with the code in the body and the copy-code button, bearer-authenticated", async () => {
    const { apiUrl, exchanges } = await graph({ status: 200, body: { messages: [{ id: "wamid.HBgN" }] } });
    const result = await createWhatsappProvider(options(apiUrl)).send(request);
    expect(result).toEqual({ kind: "accepted", providerMessageId: "wamid.HBgN" });
    expect(exchanges).toHaveLength(1);
    const [exchange] = exchanges;
    expect(exchange?.method).toBe("POST");
    expect(exchange?.path).toBe("/v21.0/106540352242922/messages");
    expect(exchange?.headers.authorization).toBe(`Bearer ${token}`);
    expect(exchange?.headers["content-type"]).toBe("application/json");
    const code = [{ type: "text", text: "482913" }];
    expect(exchange?.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "6281234567890",
      type: "template",
      template: {
        name: "otp_code",
        language: { code: "en_US" },
        components: [
          { type: "body", parameters: code },
          { type: "button", sub_type: "url", index: "0", parameters: code },
        ],
      },
    });
  });

  it("leaves the button component out when copy_code_button is off", async () => {
    const { apiUrl, exchanges } = await graph({ status: 200, body: { messages: [{ id: "wamid.1" }] } });
    await createWhatsappProvider(options(apiUrl, { copyCodeButton: false })).send(request);
    const body = exchanges[0]?.body as { template: { components: { type: string }[] } };
    expect(body.template.components.map((c) => c.type)).toEqual(["body"]);
  });

  it("refuses with the Graph error code for a 4xx that carries one, and with the status for one that does not", async () => {
    expect(await sendTo({ status: 400, body: graphError(131026) })).toEqual({
      kind: "refused",
      error: "whatsapp 131026",
    });
    expect(await sendTo({ status: 401, body: "Unauthorized" })).toEqual({
      kind: "refused",
      error: "whatsapp http 401",
    });
  });

  it("retries a 429 after its Retry-After, and a 503 without one", async () => {
    expect(await sendTo({ status: 429, headers: { "retry-after": "7" } })).toEqual({
      kind: "retry",
      error: "whatsapp http 429",
      retryAfterMs: 7_000,
    });
    expect(await sendTo({ status: 503, body: "<html>busy</html>" })).toEqual({
      kind: "retry",
      error: "whatsapp http 503",
    });
  });

  it("retries the Graph throttling codes even on a 400, waiting 6 s for the pair rate limit", async () => {
    for (const code of [4, 80007, 130429, 131048]) {
      expect(await sendTo({ status: 400, body: graphError(code) })).toEqual({
        kind: "retry",
        error: `whatsapp ${code}`,
      });
    }
    expect(await sendTo({ status: 400, body: graphError(131056) })).toEqual({
      kind: "retry",
      error: "whatsapp 131056",
      retryAfterMs: 6_000,
    });
  });

  it("retries when the API never answers, within the request timeout", async () => {
    const started = Date.now();
    const result = await sendTo("hang", { requestTimeoutMs: 200 });
    expect(result).toEqual({ kind: "retry", error: "whatsapp: no answer within 200 ms", maybeTaken: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("retries when nothing listens on the port", async () => {
    const { port, close } = await listenForTest(createServer());
    await close();
    const result = await createWhatsappProvider(options(`http://127.0.0.1:${port}/v21.0`)).send(request);
    expect(result).toEqual({
      kind: "retry",
      error: "whatsapp: connection failed (ECONNREFUSED)",
    });
  });

  it("refuses a 200 whose id cannot be read, here one past the 64 KiB read limit, rather than send twice", async () => {
    const padding = "x".repeat(70 * 1024);
    const result = await sendTo({ status: 200, body: { messages: [{ id: "wamid.1" }], padding } });
    expect(result).toEqual({ kind: "refused", error: "whatsapp http 200 without a message id" });
  });

  it("does not follow a redirect (the token would go elsewhere)", async () => {
    const result = await sendTo({ status: 302, headers: { location: "http://127.0.0.1:1/" } });
    expect(result).toEqual({ kind: "refused", error: "whatsapp http 302" });
  });

  it("refuses a destination that is not E.164 without calling the API", async () => {
    const { apiUrl, exchanges } = await graph({ status: 200, body: { messages: [{ id: "wamid.1" }] } });
    const result = await createWhatsappProvider(options(apiUrl)).send({ ...request, to: "+12ab" });
    expect(result).toEqual({ kind: "refused", error: "whatsapp: not an E.164 number" });
    expect(exchanges).toHaveLength(0);
  });
});

describe("WhatsApp status webhooks", () => {
  const phoneNumberId = "106540352242922";
  const callbacks = createWhatsappStatusCallbacks(appSecret, phoneNumberId);
  const raw = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
  const signature = `sha256=${createHmac("sha256", appSecret).update(raw).digest("hex")}`;

  it("accepts X-Hub-Signature-256 over the raw body with the app secret, and nothing else", () => {
    expect(callbacks.verify(raw, { "x-hub-signature-256": signature })).toBe(true);
    expect(callbacks.verify(raw, { "X-Hub-Signature-256": signature })).toBe(true);
    expect(
      callbacks.verify(Buffer.concat([raw, Buffer.from(" ")]), { "x-hub-signature-256": signature }),
    ).toBe(false);
    const other = `sha256=${createHmac("sha256", "another secret").update(raw).digest("hex")}`;
    expect(callbacks.verify(raw, { "x-hub-signature-256": other })).toBe(false);
    expect(callbacks.verify(raw, {})).toBe(false);
    expect(callbacks.verify(raw, { "x-hub-signature-256": signature.slice(0, -2) })).toBe(false);
    expect(callbacks.verify(raw, { "x-hub-signature-256": `${signature}00` })).toBe(false);
    expect(callbacks.verify(raw, { "x-hub-signature-256": signature.replace("sha256=", "") })).toBe(false);
  });

  const metadata = (id: string) => ({ display_phone_number: "15550783881", phone_number_id: id });
  const notification = (value: object, field = "messages", number = phoneNumberId) => ({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [{ field, value: { messaging_product: "whatsapp", metadata: metadata(number), ...value } }],
      },
    ],
  });
  const status = (id: string, name: string, extra: object = {}) => ({
    id,
    status: name,
    timestamp: "1750857384",
    recipient_id: "6281234567890",
    ...extra,
  });

  it("maps sent to ENROUTE, delivered and read to DELIVRD, failed to UNDELIV with the first error code", () => {
    // The handset each status is about: it matches a status that overtook the recording of the provider's id.
    const R = "6281234567890";
    const body = notification({
      statuses: [
        status("wamid.1", "sent"),
        status("wamid.2", "delivered"),
        status("wamid.3", "read"),
        status("wamid.4", "failed", {
          errors: [
            { code: 131026, title: "Message undeliverable" },
            { code: 131000, title: "Something went wrong" },
          ],
        }),
      ],
    });
    expect(callbacks.parse(body)).toEqual([
      { providerMessageId: "wamid.1", stat: "ENROUTE", delivered: false, final: false, recipient: R },
      { providerMessageId: "wamid.2", stat: "DELIVRD", delivered: true, final: true, recipient: R },
      { providerMessageId: "wamid.3", stat: "DELIVRD", delivered: true, final: true, recipient: R },
      {
        providerMessageId: "wamid.4",
        stat: "UNDELIV",
        delivered: false,
        final: true,
        err: "131026",
        recipient: R,
      },
    ]);
  });

  it("ignores unknown statuses, inbound messages and other fields", () => {
    const inbound = notification({ messages: [{ from: "6281234567890", id: "wamid.in", type: "text" }] });
    expect(callbacks.parse(inbound)).toEqual([]);
    expect(callbacks.parse(notification({ statuses: [status("wamid.5", "deleted")] }))).toEqual([]);
    expect(callbacks.parse(notification({ anything: 1 }, "account_update"))).toEqual([]);
  });

  it("keeps only the statuses of the business number otpgw sends from: another number's may be to the same person", () => {
    const ours = status("wamid.ours", "delivered");
    const theirs = status("wamid.theirs", "delivered");
    const body = {
      object: "whatsapp_business_account",
      entry: [
        {
          id: "102290129340398",
          changes: [
            { field: "messages", value: { metadata: metadata("999000111"), statuses: [theirs] } },
            { field: "messages", value: { metadata: metadata(phoneNumberId), statuses: [ours] } },
            // No number: it cannot be shown to be ours.
            { field: "messages", value: { statuses: [theirs] } },
          ],
        },
      ],
    };
    expect(callbacks.parse(body).map((s) => s.providerMessageId)).toEqual(["wamid.ours"]);
    expect(callbacks.parse(notification({ statuses: [theirs] }, "messages", "999000111"))).toEqual([]);
  });

  it("throws a clear error on a body that is not a WhatsApp Business Account notification", () => {
    expect(() => callbacks.parse({ object: "page", entry: [] })).toThrow(
      /not a WhatsApp Business Account notification at object/,
    );
    expect(() => callbacks.parse("text")).toThrow(/not a WhatsApp Business Account notification/);
    expect(() => callbacks.parse(notification({ statuses: [{ status: "sent" }] }))).toThrow(
      /not a WhatsApp Business Account notification at statuses\.0\.id/,
    );
  });
});

describe("WhatsApp subscription handshake", () => {
  const query = {
    "hub.mode": "subscribe",
    "hub.verify_token": "a-verify-token",
    "hub.challenge": "1158201444",
  };

  it("echoes the challenge for the configured verify token only", () => {
    expect(whatsappSubscriptionChallenge(query, "a-verify-token")).toBe("1158201444");
    expect(whatsappSubscriptionChallenge(query, "another-token")).toBeUndefined();
    expect(whatsappSubscriptionChallenge(query, "a-verify-token-longer")).toBeUndefined();
    expect(whatsappSubscriptionChallenge(query, undefined)).toBeUndefined();
  });

  it("refuses another mode, a missing token and a challenge that is not plain", () => {
    expect(
      whatsappSubscriptionChallenge({ ...query, "hub.mode": "unsubscribe" }, "a-verify-token"),
    ).toBeUndefined();
    const { "hub.verify_token": _, ...noToken } = query;
    expect(whatsappSubscriptionChallenge(noToken, "a-verify-token")).toBeUndefined();
    expect(
      whatsappSubscriptionChallenge({ ...query, "hub.challenge": "<script>" }, "a-verify-token"),
    ).toBeUndefined();
  });
});
