/**
 * A WhatsApp Cloud API simulator: takes authentication-template sends at `POST /v21.0/<phone_number_id>/messages`
 * with the access token, answers in the Graph API's formats, then POSTs the WhatsApp Business Account status
 * webhook (`sent`, then `delivered` or `failed`) signed with the app secret, as Meta does. For tests and the demo,
 * in-process.
 */
import { randomBytes } from "node:crypto";
import { whatsappSignatureHeader } from "../../src/escalation/providers/whatsapp-cloud.js";
import {
  startChannelSim,
  type ChannelSim,
  type ChannelSimCommonOptions,
  type ChannelSimSend,
} from "./channel-sim-http.js";

export interface WhatsappSimOptions extends ChannelSimCommonOptions {
  /** The bearer token sends must carry. */
  accessToken: string;
  /** Signs the status webhooks (`X-Hub-Signature-256`). */
  appSecret: string;
  /** Where status webhooks go (otpgw's `/v1/channels/whatsapp/status`); without it none are sent. */
  callbackUrl?: string;
  /** The phone number id in the send path; default "106540352242922". */
  phoneNumberId?: string;
  /** The Graph error code of a refusal and of a `failed` status; default 131026 (message undeliverable). */
  failErrorCode?: number;
}

/** A template send as received. */
export interface WhatsappSimSend extends ChannelSimSend {
  /** Digits, without "+", as the Cloud API takes them. */
  to: string;
  /** The body parameter. */
  code: string;
  /** The copy-code button's parameter, when the send had the button component. */
  buttonCode?: string;
  template: string;
  language: string;
}

export interface WhatsappSim extends ChannelSim<WhatsappSimSend> {
  /** The `api_url` to configure: `http://127.0.0.1:<port>/v21.0`. */
  url: string;
  phoneNumberId: string;
}

const graphVersion = "v21.0";
const wabaId = "102290129340398";

export async function startWhatsappSim(options: WhatsappSimOptions): Promise<WhatsappSim> {
  const phoneNumberId = options.phoneNumberId ?? "106540352242922";
  const failCode = options.failErrorCode ?? 131026;
  const notification = (status: object) => ({
    object: "whatsapp_business_account",
    entry: [
      {
        id: wabaId,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId },
              statuses: [status],
            },
          },
        ],
      },
    ],
  });
  const status = (send: WhatsappSimSend, id: string, name: string, extra: object = {}) => ({
    id,
    status: name,
    timestamp: String(Math.floor(Date.now() / 1000)),
    recipient_id: send.to,
    ...extra,
  });
  const sim = await startChannelSim<WhatsappSimSend>(
    {
      sendPath: `/${graphVersion}/${phoneNumberId}/messages`,
      token: options.accessToken,
      signature: { header: whatsappSignatureHeader, secret: options.appSecret },
      readSend: readTemplateSend,
      answers: {
        unauthorized: {
          status: 401,
          body: graphError(190, "Invalid OAuth access token - Cannot parse access token"),
        },
        invalid: { status: 400, body: graphError(100, "Invalid parameter") },
        refused: { status: 400, body: graphError(failCode, "Message undeliverable") },
        unavailable: { status: 503, body: graphError(131016, "Service unavailable") },
        accepted: (id, send) => ({
          status: 200,
          body: {
            messaging_product: "whatsapp",
            contacts: [{ input: send.to, wa_id: send.to }],
            messages: [{ id }],
          },
        }),
      },
      newId: () => `wamid.${randomBytes(24).toString("base64")}`,
      callbackUrl: () => options.callbackUrl,
      callbacks: {
        first: (send, id) => notification(status(send, id, "sent")),
        final: (send, id, outcome) =>
          notification(
            outcome === "deliver"
              ? status(send, id, "delivered")
              : status(send, id, "failed", {
                  errors: [
                    { code: failCode, title: "Message undeliverable", message: "Message undeliverable" },
                  ],
                }),
          ),
      },
    },
    options,
  );
  return { ...sim, url: `${sim.origin}/${graphVersion}`, phoneNumberId };
}

/** The Graph API's error answer. */
function graphError(code: number, title: string): object {
  return {
    error: {
      message: `(#${code}) ${title}`,
      type: "OAuthException",
      code,
      error_data: { messaging_product: "whatsapp", details: title },
      fbtrace_id: randomBytes(9).toString("base64url"),
    },
  };
}

/** The send in a `messages` body when it is a template send with the code as the body's parameter. */
function readTemplateSend(body: unknown): WhatsappSimSend | undefined {
  const message = body as {
    messaging_product?: unknown;
    to?: unknown;
    type?: unknown;
    template?: { name?: unknown; language?: { code?: unknown }; components?: unknown };
  } | null;
  if (message?.messaging_product !== "whatsapp" || message.type !== "template") return undefined;
  const { to, template } = message;
  const name = template?.name;
  const language = template?.language?.code;
  if (
    typeof to !== "string" ||
    !/^\d{6,15}$/.test(to) ||
    typeof name !== "string" ||
    typeof language !== "string"
  )
    return undefined;
  const components = Array.isArray(template?.components) ? (template.components as unknown[]) : [];
  const textOf = (type: string) => {
    const component = components.find((c) => (c as { type?: unknown } | null)?.type === type) as
      { parameters?: { text?: unknown }[] } | undefined;
    const text = component?.parameters?.[0]?.text;
    return typeof text === "string" ? text : undefined;
  };
  const code = textOf("body");
  if (code === undefined) return undefined;
  const buttonCode = textOf("button");
  return { to, code, template: name, language, ...(buttonCode === undefined ? {} : { buttonCode }) };
}
