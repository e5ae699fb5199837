import { expect } from "vitest";
import { freePort } from "../../scripts/lib/free-port.js";
import type { ChannelSimOutcome } from "../../scripts/sim/channel-sim-http.js";
import { startVoiceSim } from "../../scripts/sim/voice-sim.js";
import { startWhatsappSim } from "../../scripts/sim/whatsapp-sim.js";
import { startCarrierSim } from "./carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "./daemon-fixture.js";
import { testRedis } from "./redis.js";
import { waitUntil } from "./wait.js";

/**
 * An otpgw daemon escalating SMS → WhatsApp → voice: a carrier simulator that fails (or never reports) every message,
 * the WhatsApp Cloud API and voice simulators posting signed statuses back to the daemon's HTTP API.
 */
export const secrets = {
  WHATSAPP_ACCESS_TOKEN: "wa-token-0123456789",
  WHATSAPP_APP_SECRET: "wa-app-secret-0123456789",
  VOICE_API_KEY: "voice-key-0123456789",
  VOICE_CALLBACK_SECRET: "voice-callback-secret-0123",
};
export const CODE = "318204";

export interface EscalatedMessage {
  id: string;
  state: string;
  final_reason?: string;
  attempts: { channel: string; carrier: string; outcome?: string }[];
}

export async function escalatingGateway(options: {
  carrierOutcome: "UNDELIV" | "none" | "DELIVRD";
  whatsapp: ChannelSimOutcome;
  voice: ChannelSimOutcome;
  /** Another WhatsApp Cloud API (a test's stand-in) instead of the simulator; takes the port the daemon will use. */
  whatsappApi?: (httpPort: number) => Promise<string>;
  /** Another voice provider (a test's stand-in) instead of the simulator; takes the port the daemon will use. */
  voiceApi?: (httpPort: number) => Promise<string>;
  /** Lines for channels.whatsapp beyond the credentials (default: a 10 s status timeout). */
  whatsappSettings?: string[];
  dlrTimeoutSeconds?: number;
  /** A second carrier on the route that never comes up (nothing listens on its port). */
  deadCarrier?: boolean;
  /** The route's `before_sms:` (channels tried before SMS); none by default. */
  beforeSms?: string[];
}) {
  const { url: redisUrl } = await testRedis();
  const sim = await startCarrierSim({
    submitRespLatencyMs: { min: 1, max: 2 },
    receiptLatencyMs: { min: 5, max: 10 },
    outcomeMix: {
      DELIVRD: options.carrierOutcome === "DELIVRD" ? 1 : 0,
      UNDELIV: options.carrierOutcome === "UNDELIV" ? 1 : 0,
      EXPIRED: 0,
      none: options.carrierOutcome === "none" ? 1 : 0,
    },
  });
  const httpPort = await freePort();
  const whatsapp = await startWhatsappSim({
    accessToken: secrets.WHATSAPP_ACCESS_TOKEN,
    appSecret: secrets.WHATSAPP_APP_SECRET,
    callbackUrl: `http://127.0.0.1:${httpPort}/v1/channels/whatsapp/status`,
    outcome: () => options.whatsapp,
  });
  const whatsappUrl = options.whatsappApi ? await options.whatsappApi(httpPort) : whatsapp.url;
  const voice = await startVoiceSim({
    apiKey: secrets.VOICE_API_KEY,
    callbackSecret: secrets.VOICE_CALLBACK_SECRET,
    outcome: () => options.voice,
  });
  const voiceUrl = options.voiceApi ? await options.voiceApi(httpPort) : voice.url;
  const daemon = await daemonFixture({
    redisUrl,
    carriers: [
      { id: "id-a", port: sim.port! },
      ...(options.deadCarrier ? [{ id: "id-b", port: await freePort() }] : []),
    ],
    httpPort,
    env: secrets,
    dlrTimeoutSeconds: options.dlrTimeoutSeconds ?? 5,
    routes: [
      "  - name: indonesia",
      "    match: { country: ID }",
      `    carriers: [{ carrier: id-a }${options.deadCarrier ? ", { carrier: id-b }" : ""}]`,
      "    escalation: [whatsapp, voice]",
      ...(options.beforeSms ? [`    before_sms: [${options.beforeSms.join(", ")}]`] : []),
    ].join("\n"),
    settings: [
      "channels:",
      "  whatsapp:",
      `    api_url: ${whatsappUrl}`,
      `    phone_number_id: "${whatsapp.phoneNumberId}"`,
      "    access_token: ${WHATSAPP_ACCESS_TOKEN}",
      "    app_secret: ${WHATSAPP_APP_SECRET}",
      "    template: otp_code",
      ...(options.whatsappSettings ?? ["    status_timeout_seconds: 10"]),
      "  voice:",
      `    api_url: ${voiceUrl}`,
      "    api_key: ${VOICE_API_KEY}",
      "    callback_secret: ${VOICE_CALLBACK_SECRET}",
      `    callback_url: http://127.0.0.1:${httpPort}/v1/channels/voice/status`,
      "    status_timeout_seconds: 10",
    ].join("\n"),
  });
  const ports = await daemon.start();
  await waitUntil(
    async () => {
      const health = (await (await fetch(`http://127.0.0.1:${ports.metrics}/healthz`)).json()) as {
        detail: { carriers: { id: string; bound: number }[] };
      };
      return health.detail.carriers.some((c) => c.id === "id-a" && c.bound > 0);
    },
    15_000,
    "id-a bound",
  );
  const send = async (
    to: string,
    validitySeconds = 300,
    text = `Your ACME code is ${CODE}. Never share it.`,
  ) => {
    const response = await daemon.api("/v1/messages", {
      method: "POST",
      body: {
        to,
        from: FIXTURE_ACCOUNT.sender,
        text,
        validity_seconds: validitySeconds,
      },
    });
    expect(response.status).toBe(202);
    return response.body.id as string;
  };
  const final = async (id: string, timeoutMs = 20_000): Promise<EscalatedMessage> => {
    let message: EscalatedMessage | undefined;
    await waitUntil(
      async () => {
        message = (await daemon.api(`/v1/messages/${id}`)).body as unknown as EscalatedMessage;
        return ["delivered", "undeliverable", "expired"].includes(message.state);
      },
      timeoutMs,
      `message ${id} final`,
    );
    return message!;
  };
  return { daemon, sim, whatsapp, voice, send, final, httpPort, metricsPort: ports.metrics };
}

/** The business number's id the fixture configures (the WhatsApp simulator's default). */
export const WHATSAPP_PHONE_NUMBER_ID = "106540352242922";

/**
 * A WhatsApp Business Account notification of one status, as Meta posts it: for the business number
 * `phoneNumberId` (by default the one the fixture configures).
 */
export function whatsappStatusBody(
  id: string,
  status: string,
  recipient: string,
  phoneNumberId = WHATSAPP_PHONE_NUMBER_ID,
): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "1",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId },
              statuses: [{ id, status, timestamp: "1", recipient_id: recipient }],
            },
          },
        ],
      },
    ],
  });
}
