import { describe, expect, it } from "vitest";
import { checkAgainstSchema } from "../../../src/config/schema-issues.js";
import {
  channelsFileSchema,
  createChannelProviders,
  literalChannelSecrets,
  toChannelsConfig,
} from "../../../src/escalation/channel-config.js";

const whatsapp = {
  phone_number_id: "106540352242922",
  access_token: "EAAJB-token",
  app_secret: "0123456789abcdef0123456789abcdef",
  template: "otp_code",
};
const voice = {
  api_url: "https://voice.example/v1/calls",
  api_key: "voice-key",
  callback_secret: "0123456789abcdef",
  callback_url: "https://otpgw.example/v1/channels/voice/status",
};

/** The problems as an operator reads them: `path: reason`. */
function problems(channels: unknown): string[] {
  const checked = checkAgainstSchema(channelsFileSchema, channels, { source: "otpgw.yaml", lineOf: () => 1 });
  return checked.problems.map((problem) => `${problem.path}: ${problem.reason}`);
}

function parse(channels: unknown) {
  return toChannelsConfig(channelsFileSchema.parse(channels));
}

describe("the channels: block", () => {
  it("is optional, and so is each channel", () => {
    expect(parse(undefined)).toEqual({});
    expect(parse({})).toEqual({});
    expect(Object.keys(parse({ voice }))).toEqual(["voice"]);
  });

  it("fills WhatsApp's defaults and maps to camelCase with times in ms", () => {
    expect(parse({ whatsapp }).whatsapp).toEqual({
      apiUrl: "https://graph.facebook.com/v21.0",
      phoneNumberId: "106540352242922",
      accessToken: "EAAJB-token",
      appSecret: "0123456789abcdef0123456789abcdef",
      verifyToken: undefined,
      template: "otp_code",
      language: "en_US",
      copyCodeButton: true,
      requestTimeoutMs: 5_000,
      statusTimeoutMs: 60_000,
    });
  });

  it("takes every WhatsApp key as written, without a trailing slash on api_url", () => {
    const config = parse({
      whatsapp: {
        ...whatsapp,
        api_url: "https://graph.facebook.com/v22.0/",
        verify_token: "a-verify-token",
        language: "pt_BR",
        copy_code_button: false,
        request_timeout_ms: 100,
        status_timeout_seconds: 30,
      },
    }).whatsapp;
    expect(config).toMatchObject({
      apiUrl: "https://graph.facebook.com/v22.0",
      verifyToken: "a-verify-token",
      language: "pt_BR",
      copyCodeButton: false,
      requestTimeoutMs: 100,
      statusTimeoutMs: 30_000,
    });
  });

  it("fills voice's defaults and takes its required keys as written", () => {
    expect(parse({ voice }).voice).toEqual({
      apiUrl: voice.api_url,
      apiKey: voice.api_key,
      callbackSecret: voice.callback_secret,
      callbackUrl: voice.callback_url,
      language: "en",
      repeat: 2,
      requestTimeoutMs: 5_000,
      statusTimeoutMs: 120_000,
    });
  });

  const { template: _, ...noTemplate } = whatsapp;
  const url = "must be an absolute http:// or https:// URL";
  /** A block with mistakes, and every problem an operator is told, in order. */
  const mistakes: [what: string, channels: unknown, problems: string[]][] = [
    ["a missing template", { whatsapp: noTemplate }, ["whatsapp.template: missing required key"]],
    [
      "a phone number id written as a YAML number",
      { whatsapp: { ...whatsapp, phone_number_id: 106540352242922 } },
      ["whatsapp.phone_number_id: must be a quoted string of digits"],
    ],
    [
      "the phone number instead of its id",
      { whatsapp: { ...whatsapp, phone_number_id: "+6281234567890" } },
      ["whatsapp.phone_number_id: must be the phone number's id: digits only (not the phone number)"],
    ],
    [
      "a misspelt key",
      { whatsapp: { ...whatsapp, templte: "otp" } },
      ["whatsapp.templte: unknown key (did you mean template?)"],
    ],
    [
      "a template name, language and timeouts out of their forms and ranges",
      {
        whatsapp: {
          ...whatsapp,
          template: "OTP Code",
          language: "english",
          request_timeout_ms: 99,
          status_timeout_seconds: 3_601,
        },
      },
      [
        "whatsapp.template: must be a template name: lower-case letters, digits and _",
        "whatsapp.language: must be a WhatsApp language code such as en or en_US",
        "whatsapp.request_timeout_ms: must be at least 100",
        "whatsapp.status_timeout_seconds: must be at most 3600",
      ],
    ],
    [
      "a short callback secret, URLs that are not http(s), an empty key and a repeat out of range",
      {
        voice: {
          ...voice,
          callback_secret: "too-short",
          api_url: "ftp://voice.example/calls",
          callback_url: "/v1/channels/voice/status",
          api_key: "",
          repeat: 6,
        },
      },
      [
        `voice.api_url: ${url}`,
        "voice.api_key: must not be empty",
        "voice.callback_secret: must be at least 16 characters long (it authenticates the provider's callbacks)",
        `voice.callback_url: ${url}`,
        "voice.repeat: must be at most 5",
      ],
    ],
    ["an API URL that is no URL", { voice: { ...voice, api_url: "not a url" } }, [`voice.api_url: ${url}`]],
    [
      "a send allowed more than half its attempt",
      { voice: { ...voice, status_timeout_seconds: 10, request_timeout_ms: 5001 } },
      [
        "voice.request_timeout_ms: must be at most half of status_timeout_seconds (10 s): a send must end well before its attempt does",
      ],
    ],
  ];

  it.each(mistakes)("reports %s", (_what, channels, expected) => {
    expect(problems(channels)).toEqual(expected);
  });

  it("finds credentials written literally instead of as one ${VAR}", () => {
    expect(
      literalChannelSecrets({
        whatsapp: { ...whatsapp, access_token: "${WHATSAPP_ACCESS_TOKEN}", verify_token: "${A}${B}" },
        voice: { ...voice, api_key: "${VOICE_API_KEY}", callback_secret: "${VOICE_CALLBACK_SECRET}" },
      }),
    ).toEqual([
      ["channels", "whatsapp", "app_secret"],
      ["channels", "whatsapp", "verify_token"],
    ]);
    expect(literalChannelSecrets(undefined)).toEqual([]);
    expect(literalChannelSecrets({ voice: { api_key: 42 } })).toEqual([["channels", "voice", "api_key"]]);
  });
});

describe("createChannelProviders", () => {
  it("builds a provider and a callback reader for each configured channel, and none for the others", () => {
    const both = createChannelProviders(parse({ whatsapp, voice }));
    expect([...both.providers.keys()]).toEqual(["whatsapp", "voice"]);
    expect([...both.callbacks.keys()]).toEqual(["whatsapp", "voice"]);
    for (const [id, provider] of both.providers) expect(provider.channel).toBe(id);
    for (const [id, callbacks] of both.callbacks) expect(callbacks.channel).toBe(id);

    const voiceOnly = createChannelProviders(parse({ voice }));
    expect([...voiceOnly.providers.keys()]).toEqual(["voice"]);
    expect(voiceOnly.callbacks.has("whatsapp")).toBe(false);
  });
});
