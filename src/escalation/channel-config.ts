/**
 * The `channels:` block of otpgw.yaml (snake_case as written): the providers an OTP escalates to when SMS fails.
 * The block and each channel are optional; a channel not configured is never escalated to. Secrets are `${VAR}`
 * references resolved before this schema sees them (docs/channels.md).
 */
import * as z from "zod";
import { wholeEnvReference } from "../config/interpolate-env.js";
import { channelIds, type ChannelId, type ChannelProvider, type StatusCallbacks } from "./channel-types.js";
import {
  createVoiceProvider,
  createVoiceStatusCallbacks,
  type VoiceApiOptions,
} from "./providers/voice-api.js";
import {
  createWhatsappProvider,
  createWhatsappStatusCallbacks,
  type WhatsappCloudOptions,
} from "./providers/whatsapp-cloud.js";

export const channelDefaults = {
  whatsapp: {
    // The Graph API version the request and webhook formats were written against; Meta keeps a version for 2 years.
    apiUrl: "https://graph.facebook.com/v21.0",
    language: "en_US",
    // Authentication templates created today have a copy-code (or one-tap) button, which needs the parameter.
    copyCodeButton: true,
    // A send is answered in well under a second; 5 s leaves room for a slow moment without eating the OTP's life.
    requestTimeoutMs: 5_000,
    // WhatsApp reports `delivered` within seconds of an online handset; a minute without it means try voice.
    statusTimeoutMs: 60_000,
  },
  voice: {
    language: "en",
    // Read twice: a user who picks up mid-sentence still hears the whole code once.
    repeat: 2,
    requestTimeoutMs: 5_000,
    // Ringing out (30–60 s) plus reading the code twice, with room for the provider's callback to arrive.
    statusTimeoutMs: 120_000,
  },
};

export const channelLimits = {
  /** Below 100 ms not even a nearby provider answers; above a minute the OTP is mostly spent waiting. */
  requestTimeoutMsRange: [100, 60_000] as const,
  /** Less than 5 s cannot see a status arrive; more than an hour outlives any OTP. */
  statusTimeoutSecondsRange: [5, 3_600] as const,
  /** More than five readings is a call the user hangs up on. */
  repeatRange: [1, 5] as const,
  /** A shorter shared secret could be guessed; the same floor as accounts' webhook secrets. */
  callbackSecretMinChars: 16,
};

const httpUrl = () =>
  z.string().refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    error: "must be an absolute http:// or https:// URL",
  });
const secret = () => z.string().min(1);
const requestTimeoutMs = (fallback: number) =>
  z
    .number()
    .int()
    .min(channelLimits.requestTimeoutMsRange[0])
    .max(channelLimits.requestTimeoutMsRange[1])
    .default(fallback);
const statusTimeoutSeconds = (fallbackMs: number) =>
  z
    .number()
    .int()
    .min(channelLimits.statusTimeoutSecondsRange[0])
    .max(channelLimits.statusTimeoutSecondsRange[1])
    .default(fallbackMs / 1000);

/**
 * A send must end well inside its attempt: the worker also bounds each exchange by the attempt's not-after time, but
 * a request timeout as long as the status timeout leaves no time for a retry or a status.
 */
function requestWithinStatusTimeout(
  block: { request_timeout_ms: number; status_timeout_seconds: number },
  context: z.RefinementCtx,
): void {
  if (block.request_timeout_ms * 2 > block.status_timeout_seconds * 1000) {
    context.addIssue({
      code: "custom",
      path: ["request_timeout_ms"],
      message: `must be at most half of status_timeout_seconds (${block.status_timeout_seconds} s): a send must end well before its attempt does`,
    });
  }
}

const w = channelDefaults.whatsapp;
const v = channelDefaults.voice;

const whatsappFileSchema = z
  .strictObject({
    api_url: httpUrl().default(w.apiUrl),
    phone_number_id: z
      .string({
        error: (issue) => (issue.input === undefined ? undefined : "must be a quoted string of digits"),
      })
      .regex(/^\d{1,32}$/, { error: "must be the phone number's id: digits only (not the phone number)" }),
    access_token: secret(),
    app_secret: secret(),
    verify_token: secret().optional(),
    template: z
      .string()
      .regex(/^[a-z0-9_]{1,512}$/, { error: "must be a template name: lower-case letters, digits and _" }),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(_[A-Z]{2,4})?$/, { error: "must be a WhatsApp language code such as en or en_US" })
      .default(w.language),
    copy_code_button: z.boolean().default(w.copyCodeButton),
    request_timeout_ms: requestTimeoutMs(w.requestTimeoutMs),
    status_timeout_seconds: statusTimeoutSeconds(w.statusTimeoutMs),
  })
  .superRefine(requestWithinStatusTimeout);

const voiceFileSchema = z
  .strictObject({
    api_url: httpUrl(),
    api_key: secret(),
    callback_secret: z.string().min(channelLimits.callbackSecretMinChars, {
      error: `must be at least ${channelLimits.callbackSecretMinChars} characters long (it authenticates the provider's callbacks)`,
    }),
    callback_url: httpUrl(),
    language: z
      .string()
      .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, {
        error: "must be a language tag such as en or en-GB",
      })
      .default(v.language),
    repeat: z
      .number()
      .int()
      .min(channelLimits.repeatRange[0])
      .max(channelLimits.repeatRange[1])
      .default(v.repeat),
    request_timeout_ms: requestTimeoutMs(v.requestTimeoutMs),
    status_timeout_seconds: statusTimeoutSeconds(v.statusTimeoutMs),
  })
  .superRefine(requestWithinStatusTimeout);

export const channelsFileSchema = z
  .strictObject({ whatsapp: whatsappFileSchema.optional(), voice: voiceFileSchema.optional() })
  .optional();

export type ChannelsFile = z.output<typeof channelsFileSchema>;

/** Escalation's own timing, next to what the provider needs. */
interface ChannelTiming {
  /** How long escalation waits for a final status before the next channel. */
  statusTimeoutMs: number;
}
export type WhatsappConfig = WhatsappCloudOptions & ChannelTiming;
export type VoiceConfig = VoiceApiOptions & ChannelTiming;

export interface ChannelsConfig {
  whatsapp?: WhatsappConfig;
  voice?: VoiceConfig;
}

/** The keys of each channel that hold credentials: they must be written as `${VAR}`, never literally. */
export const channelSecretKeys: Readonly<Record<ChannelId, readonly string[]>> = {
  whatsapp: ["access_token", "app_secret", "verify_token"],
  voice: ["api_key", "callback_secret"],
};

/**
 * The paths (from the file's root, under `channels`) of credentials written literally rather than as one `${VAR}`.
 * Checked on the data as written, before interpolation: only a reference keeps the secret out of the file.
 */
export function literalChannelSecrets(rawChannels: unknown): string[][] {
  const paths: string[][] = [];
  if (!isRecord(rawChannels)) return paths;
  for (const [channel, keys] of Object.entries(channelSecretKeys)) {
    const block = rawChannels[channel];
    if (!isRecord(block)) continue;
    for (const key of keys) {
      const value = block[key];
      if (value === undefined) continue;
      if (typeof value === "string" && wholeEnvReference(value) !== undefined) continue;
      paths.push(["channels", channel, key]);
    }
  }
  return paths;
}

/** The running form of a checked `channels:` block (camelCase, times in ms, URLs without a trailing slash). */
export function toChannelsConfig(file: ChannelsFile): ChannelsConfig {
  const config: ChannelsConfig = {};
  const whatsapp = file?.whatsapp;
  if (whatsapp !== undefined) {
    config.whatsapp = {
      apiUrl: whatsapp.api_url.replace(/\/+$/, ""),
      phoneNumberId: whatsapp.phone_number_id,
      accessToken: whatsapp.access_token,
      appSecret: whatsapp.app_secret,
      verifyToken: whatsapp.verify_token,
      template: whatsapp.template,
      language: whatsapp.language,
      copyCodeButton: whatsapp.copy_code_button,
      requestTimeoutMs: whatsapp.request_timeout_ms,
      statusTimeoutMs: whatsapp.status_timeout_seconds * 1000,
    };
  }
  const voice = file?.voice;
  if (voice !== undefined) {
    config.voice = {
      apiUrl: voice.api_url,
      apiKey: voice.api_key,
      callbackSecret: voice.callback_secret,
      callbackUrl: voice.callback_url,
      language: voice.language,
      repeat: voice.repeat,
      requestTimeoutMs: voice.request_timeout_ms,
      statusTimeoutMs: voice.status_timeout_seconds * 1000,
    };
  }
  return config;
}

/** The channels `config` configures, in escalation's order. */
export function configuredChannels(config: ChannelsConfig): ChannelId[] {
  return channelIds.filter((channel) => config[channel] !== undefined);
}

/** The providers and callback readers of the configured channels; a channel not configured has neither. */
export function createChannelProviders(config: ChannelsConfig): {
  providers: Map<ChannelId, ChannelProvider>;
  callbacks: Map<ChannelId, StatusCallbacks>;
} {
  const providers = new Map<ChannelId, ChannelProvider>();
  const callbacks = new Map<ChannelId, StatusCallbacks>();
  if (config.whatsapp !== undefined) {
    providers.set("whatsapp", createWhatsappProvider(config.whatsapp));
    callbacks.set(
      "whatsapp",
      createWhatsappStatusCallbacks(config.whatsapp.appSecret, config.whatsapp.phoneNumberId),
    );
  }
  if (config.voice !== undefined) {
    providers.set("voice", createVoiceProvider(config.voice));
    callbacks.set("voice", createVoiceStatusCallbacks(config.voice.callbackSecret));
  }
  return { providers, callbacks };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
