/**
 * The configuration tree `otpgw start` runs on in the demo: carriers/*.yaml pointing at the simulators,
 * routes.yaml (Indonesian routes escalating to WhatsApp, then voice), accounts.yaml with the digest of a fresh API
 * key (the account reports conversions and has anti-abuse limits and a pumping guard), and otpgw.yaml (HTTP on the
 * port the channel simulators post their statuses to, metrics on a free port of 127.0.0.1, a key prefix of the run's
 * own, `channels:` pointing at the simulators). Secrets (carrier passwords,
 * channel credentials, the webhook secret, a Redis URL that may hold a password) go into the daemon's
 * environment, never into the files.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CHANNEL_SECRET_VARIABLES,
  DEMO_ACCOUNT,
  DEMO_TIMING,
  SMPP_PASSWORD,
  SMPP_SYSTEM_ID,
  passwordVariable,
  routesYaml,
  type DemoCarrier,
} from "./scenario.js";

export interface ConfigTree {
  dir: string;
  /** The otpgw.yaml to pass to `otpgw start --config`. */
  configFile: string;
  /** Variables the daemon needs (passwords, webhook secret, REDIS_URL). */
  env: Record<string, string>;
  apiKey: string;
  webhookSecret: string;
}

export interface ConfigTreeOptions {
  dir: string;
  carriers: { carrier: DemoCarrier; port: number }[];
  redisUrl: string;
  redisKeyPrefix: string;
  /** otpgw's HTTP port: fixed, since the channel simulators post statuses to it. */
  httpPort: number;
  channels: {
    whatsappUrl: string;
    phoneNumberId: string;
    voiceUrl: string;
    voiceCallbackUrl: string;
    /** The channels' credentials, for the daemon's environment. */
    env: Record<string, string>;
  };
}

export async function writeConfigTree(options: ConfigTreeOptions): Promise<ConfigTree> {
  const { dir } = options;
  await mkdir(join(dir, "carriers"), { recursive: true });
  const apiKey = randomBytes(24).toString("hex");
  const webhookSecret = randomBytes(24).toString("hex");
  const env: Record<string, string> = {
    REDIS_URL: options.redisUrl,
    [DEMO_ACCOUNT.webhookSecretVariable]: webhookSecret,
    ...options.channels.env,
  };
  for (const { carrier, port } of options.carriers) {
    env[passwordVariable(carrier.id)] = SMPP_PASSWORD;
    await writeFile(join(dir, "carriers", `${carrier.id}.yaml`), carrierYaml(carrier, port));
  }
  await writeFile(join(dir, "routes.yaml"), routesYaml());
  const digest = createHash("sha256").update(apiKey).digest("hex");
  await writeFile(
    join(dir, "accounts.yaml"),
    [
      "accounts:",
      `  - id: ${DEMO_ACCOUNT.id}`,
      `    api_keys: ["sha256:${digest}"]`,
      `    webhook_secret: \${${DEMO_ACCOUNT.webhookSecretVariable}}`,
      `    senders: [${DEMO_ACCOUNT.sender}]`,
      `    rate_per_second: ${DEMO_ACCOUNT.ratePerSecond}`,
      `    reports_conversions: ${DEMO_ACCOUNT.reportsConversions}`,
      ...antiAbuseYaml(),
      "",
    ].join("\n"),
  );
  const configFile = join(dir, "otpgw.yaml");
  await writeFile(
    configFile,
    [
      "log_level: info",
      "carriers_dir: carriers",
      "routes_file: routes.yaml",
      "accounts_file: accounts.yaml",
      `redis_key_prefix: "${options.redisKeyPrefix}"`,
      `http: { host: 127.0.0.1, port: ${options.httpPort} }`,
      "metrics: { host: 127.0.0.1, port: 0 }",
      // The demo's aggregators use HTTP; a free port keeps the SMPP listener off 2775 (maybe in use).
      "smpp: { host: 127.0.0.1, port: 0 }",
      "shutdown_timeout_ms: 3000",
      // The demo's webhook receiver listens on 127.0.0.1: a private address, refused by default.
      "webhook_private_addresses: allow",
      // Short polls so DLR timeouts fire on time; the demo's validity is seconds, not minutes.
      `delivery: { timer_poll_ms: 50, min_remaining_validity_seconds: ${DEMO_TIMING.minRemainingValiditySeconds} }`,
      ...channelsYaml(options.channels),
      "",
    ].join("\n"),
  );
  return { dir, configFile, env, apiKey, webhookSecret };
}

/** The account's anti-abuse limits and pumping guard (scenario.ts, DEMO_ACCOUNT): what PUMPING_ATTACK meets. */
function antiAbuseYaml(): string[] {
  const { countries, perNumberLimit: number, perRangeLimit: range, pumpingGuard: guard } = DEMO_ACCOUNT;
  return [
    `    countries: [${countries.join(", ")}]`,
    `    per_number_limit: { messages: ${number.messages}, window_seconds: ${number.windowSeconds} }`,
    `    per_range_limit: { messages: ${range.messages}, window_seconds: ${range.windowSeconds}, ` +
      `range_digits: ${range.rangeDigits} }`,
    `    pumping_guard: { min_deliveries: ${guard.minDeliveries}, ` +
      `conversion_wait_seconds: ${guard.conversionWaitSeconds}, block_seconds: ${guard.blockSeconds} }`,
  ];
}

/** otpgw.yaml's `channels:` block: the simulators, with status timeouts scaled to the demo's short validity. */
function channelsYaml(channels: ConfigTreeOptions["channels"]): string[] {
  const v = CHANNEL_SECRET_VARIABLES;
  return [
    "channels:",
    "  whatsapp:",
    `    api_url: ${channels.whatsappUrl}`,
    `    phone_number_id: "${channels.phoneNumberId}"`,
    `    access_token: \${${v.whatsappAccessToken}}`,
    `    app_secret: \${${v.whatsappAppSecret}}`,
    "    template: otp_code",
    `    status_timeout_seconds: ${DEMO_TIMING.whatsappStatusTimeoutSeconds}`,
    // The simulators answer in milliseconds; a send may take at most half its status timeout.
    "    request_timeout_ms: 2000",
    "  voice:",
    `    api_url: ${channels.voiceUrl}`,
    `    api_key: \${${v.voiceApiKey}}`,
    `    callback_secret: \${${v.voiceCallbackSecret}}`,
    `    callback_url: ${channels.voiceCallbackUrl}`,
    `    status_timeout_seconds: ${DEMO_TIMING.voiceStatusTimeoutSeconds}`,
    "    request_timeout_ms: 2000",
  ];
}

function carrierYaml(carrier: DemoCarrier, port: number): string {
  const ids = (format: string | undefined) => (format === "decimal" ? "decimal" : "hex");
  const submitFormat = ids(carrier.sim.messageIdFormat);
  const receiptFormat = ids(carrier.sim.receiptIdFormat ?? carrier.sim.messageIdFormat);
  return [
    `id: ${carrier.id}`,
    "host: 127.0.0.1",
    `port: ${port}`,
    `system_id: ${SMPP_SYSTEM_ID}`,
    `password: \${${passwordVariable(carrier.id)}}`,
    `countries: [${carrier.countries.join(", ")}]`,
    ...carrier.carrierYaml,
    "enquire_link_interval_ms: 5000",
    "response_timeout_ms: 3000",
    // Quick rebinds: the demo's outage should be noticed and retried within seconds.
    "reconnect: { min_delay_ms: 250, max_delay_ms: 2000 }",
    `message_id_format: { submit: ${submitFormat}, receipt: ${receiptFormat} }`,
    "",
  ].join("\n");
}
