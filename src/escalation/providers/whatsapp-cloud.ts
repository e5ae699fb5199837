/**
 * WhatsApp through Meta's Cloud API (Graph API): the code goes out in an approved AUTHENTICATION template, whose
 * text WhatsApp fixes ("<code> is your verification code.") and whose copy-code button carries the code again.
 * Statuses come back as the WhatsApp Business Account webhook (`field: "messages"`, `value.statuses`), signed
 * with the app secret. See docs/channels.md.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import type { ChannelSendRequest, ChannelStatus, StatusCallbacks } from "../channel-types.js";
import {
  JsonChannelProvider,
  readCallbackBody,
  signedStatusCallbacks,
  statusReader,
  withRecipient,
  type AnswerReading,
  type ProviderErrorCode,
} from "./provider-http.js";

/** Meta signs each webhook request with the app secret: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const whatsappSignatureHeader = "x-hub-signature-256";

/** What the WhatsApp client needs (the `channels.whatsapp` block of otpgw.yaml, minus escalation's timing). */
export interface WhatsappCloudOptions {
  /** The Graph API base with its version, e.g. `https://graph.facebook.com/v21.0`, without a trailing slash. */
  apiUrl: string;
  /** The business phone number's id (not the number): the path of the send. */
  phoneNumberId: string;
  /** A system user's access token with `whatsapp_business_messaging`. */
  accessToken: string;
  /** The Meta app's secret: verifies status webhooks. */
  appSecret: string;
  /** The token Meta echoes in the subscription handshake; without it the handshake is refused. */
  verifyToken?: string | undefined;
  /** An approved template of category AUTHENTICATION. */
  template: string;
  /** The template's language code, e.g. `en_US`. */
  language: string;
  /** Send the copy-code button's parameter. Templates with a copy-code or one-tap button need it; default true. */
  copyCodeButton: boolean;
  requestTimeoutMs: number;
}

/**
 * Graph error codes that mean "not now" rather than "never": the one table for them. Everything else a 4xx
 * carries (131026 undeliverable, 132001 template missing, 190 token expired, …) refuses the attempt.
 */
const graphRetryCodes: ReadonlyMap<number, Omit<ProviderErrorCode, "code">> = new Map([
  // Application request limit (Graph's per-app rate).
  [4, { retry: true }],
  // The WhatsApp Business Account's API rate limit.
  [80007, { retry: true }],
  // Cloud API throughput: the phone number's messages per second.
  [130429, { retry: true }],
  // Spam rate limit: the number is restricted for a while.
  [131048, { retry: true }],
  // Pair rate limit: about one message every 6 s to the same recipient, so waiting that long is the fix.
  [131056, { retry: true, retryAfterMs: 6_000 }],
  // Temporary unavailability (Graph's "API service", Cloud API's "service unavailable", "server temporarily
  // unavailable"): they come with 4xx as well as 5xx statuses.
  [2, { retry: true }],
  [131016, { retry: true }],
  [133004, { retry: true }],
]);

const sendAnswer = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });
const graphError = z.object({ error: z.object({ code: z.number().int() }) });

const whatsappAnswers: AnswerReading = {
  channel: "whatsapp",
  acceptedId: (body) => sendAnswer.safeParse(body).data?.messages[0]?.id,
  errorCode: (body) => {
    const code = graphError.safeParse(body).data?.error.code;
    if (code === undefined) return undefined;
    return { code: String(code), ...(graphRetryCodes.get(code) ?? { retry: false }) };
  },
};

/** The Graph API's `messages` body for `request`: the template with the code as its parameters, nothing else. */
export function whatsappMessageBody(options: WhatsappCloudOptions, request: ChannelSendRequest): object {
  const code = [{ type: "text", text: request.code }];
  const components: object[] = [{ type: "body", parameters: code }];
  if (options.copyCodeButton) {
    components.push({ type: "button", sub_type: "url", index: "0", parameters: code });
  }
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: request.to.replace(/^\+/, ""),
    type: "template",
    template: { name: options.template, language: { code: options.language }, components },
  };
}

/** Sends OTP codes as WhatsApp authentication templates. */
export function createWhatsappProvider(options: WhatsappCloudOptions): JsonChannelProvider {
  return new JsonChannelProvider({
    ...whatsappAnswers,
    url: `${options.apiUrl.replace(/\/+$/, "")}/${encodeURIComponent(options.phoneNumberId)}/messages`,
    bearer: options.accessToken,
    timeoutMs: options.requestTimeoutMs,
    body: (request) => whatsappMessageBody(options, request),
  });
}

/** Message statuses in the terms of a receipt; `sent` is only "on WhatsApp's servers", not yet on the handset. */
const whatsappStatus = statusReader({
  enroute: ["sent"],
  delivered: ["delivered", "read"],
  undelivered: ["failed"],
});

const statusEntry = z.object({
  id: z.string().min(1),
  status: z.string(),
  recipient_id: z.string().optional(),
  errors: z.array(z.object({ code: z.union([z.number(), z.string()]) })).optional(),
});
const notification = z.object({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(z.object({ changes: z.array(z.object({ field: z.string(), value: z.unknown() })) })),
});
/**
 * A `messages` change holds `statuses` (ours) or `messages` (a user writing in, which escalation ignores), and the
 * business number they are about (`metadata`).
 */
const messagesValue = z.object({
  metadata: z.object({ phone_number_id: z.string() }).optional(),
  statuses: z.array(statusEntry).optional(),
});

/**
 * Reads the status webhooks Meta POSTs to `/v1/channels/whatsapp/status`, keeping those of the business number
 * `phoneNumberId` (the one otpgw sends from).
 */
export function createWhatsappStatusCallbacks(appSecret: string, phoneNumberId: string): StatusCallbacks {
  return signedStatusCallbacks({
    channel: "whatsapp",
    header: whatsappSignatureHeader,
    secret: appSecret,
    parse: (body) => parseWhatsappStatuses(body, phoneNumberId),
  });
}

/**
 * The statuses of our messages in a notification; throws when the body is not a WABA notification. Only those of
 * the business number `phoneNumberId`: one Meta app's webhook carries every number of its business accounts, and a
 * status of another number's message to the same person must not end an OTP's attempt by its handset. A change
 * without the number (Meta always sends it) cannot be shown to be ours and is ignored too.
 */
export function parseWhatsappStatuses(body: unknown, phoneNumberId: string): ChannelStatus[] {
  const what = "a WhatsApp Business Account notification";
  const statuses: ChannelStatus[] = [];
  for (const entry of readCallbackBody(notification, body, what).entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") continue;
      const value = readCallbackBody(messagesValue, change.value, what);
      if (value.metadata?.phone_number_id !== phoneNumberId) continue;
      for (const status of value.statuses ?? []) {
        const code = status.errors?.[0]?.code;
        const read = whatsappStatus(status.status, status.id, code === undefined ? undefined : String(code));
        if (read !== undefined) statuses.push(withRecipient(read, status.recipient_id));
      }
    }
  }
  return statuses;
}

/**
 * Meta's subscription handshake (`GET` with `hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`): the
 * challenge to echo when the token is the configured one, else undefined (answer 403). The tokens are compared
 * through their digests, in constant time whatever their lengths. Only a plain challenge (Meta sends digits) is
 * echoed, so the endpoint cannot be used to reflect markup.
 */
export function whatsappSubscriptionChallenge(
  query: Readonly<Record<string, unknown>>,
  verifyToken: string | undefined,
): string | undefined {
  const mode = query["hub.mode"];
  const token = query["hub.verify_token"];
  const challenge = query["hub.challenge"];
  if (verifyToken === undefined || verifyToken === "") return undefined;
  if (mode !== "subscribe" || typeof token !== "string" || typeof challenge !== "string") return undefined;
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(challenge)) return undefined;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(token), digest(verifyToken)) ? challenge : undefined;
}
