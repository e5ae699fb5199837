/** Starts the HTTP API on 127.0.0.1 with three accounts, a MemoryDelivery and the run's Redis. */
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { onTestFinished } from "vitest";
import { createLogger } from "../../../src/observability/logger.js";
import { createMetrics, type Metrics } from "../../../src/observability/metrics.js";
import { parseAccountsFile } from "../../../src/north/accounts/accounts-file.js";
import { createHttpApi } from "../../../src/north/http/create-http-api.js";
import { segmentText } from "../../../src/smpp/segmentation.js";
import { testRedis } from "../../helpers/redis.js";
import { MemoryDelivery } from "./memory-delivery.js";

export const keys = {
  acme: "acme-live-key-1",
  acmeSecond: "acme-live-key-2",
  beta: "beta-key",
  slow: "slow-key",
};

const sha = (key: string): string => `sha256:${createHash("sha256").update(key).digest("hex")}`;

export const accountsYaml = `
accounts:
  - id: acme
    api_keys: [${sha(keys.acme)}, ${sha(keys.acmeSecond)}]
    webhook_secret: \${ACCOUNT_ACME_WEBHOOK_SECRET}
    senders: [AcmeOTP, "Acme*", "12345"]
    rate_per_second: 1000
    max_text_length: 400
    reports_conversions: true
  - id: beta
    api_keys: [${sha(keys.beta)}]
    webhook_secret: \${ACCOUNT_BETA_WEBHOOK_SECRET}
    senders: ["*"]
    rate_per_second: 1000
    default_validity_seconds: 120
    max_validity_seconds: 600
  - id: slow
    api_keys: [${sha(keys.slow)}]
    webhook_secret: \${ACCOUNT_SLOW_WEBHOOK_SECRET}
    senders: ["*"]
    rate_per_second: 3
`;

export const accountsEnv = {
  ACCOUNT_ACME_WEBHOOK_SECRET: "acme-webhook-secret-0123456789",
  ACCOUNT_BETA_WEBHOOK_SECRET: "beta-webhook-secret-0123456789",
  ACCOUNT_SLOW_WEBHOOK_SECRET: "slow-webhook-secret-0123456789",
};

/** Accepts +62 (ID), +82 (KR) and +66 (TH, which has no route) numbers of 8 to 12 national digits. */
export function fakeParseDestination(input: string) {
  const match = /^\+(62|82|66)(\d{8,12})$/.exec(input);
  if (match === null) return { ok: false as const, reason: "not a number of a country we serve" };
  const country = match[1] === "62" ? "ID" : match[1] === "82" ? "KR" : "TH";
  return { ok: true as const, e164: input, country };
}

export const routeValidity = {
  ID: { defaultSeconds: 300, maxSeconds: 900 },
  KR: { defaultSeconds: 180, maxSeconds: 600 },
};

export interface ApiFixture {
  app: FastifyInstance;
  url: string;
  delivery: MemoryDelivery;
  logs: string[];
  metrics: Metrics;
  /** The accounts an operator suspended (`otpgw accounts suspend`): add an id to refuse its submits. */
  suspended: Set<string>;
  setReady(ready: boolean): void;
  /** fetch against the API with the given key (or none) and a JSON body. */
  submit(
    body: unknown,
    options?: { key?: string | null; headers?: Record<string, string> },
  ): Promise<Response>;
}

/** `accounts`: the text of accounts.yaml to use instead of `accountsYaml` (same environment). */
export async function startApi(options: { accounts?: string } = {}): Promise<ApiFixture> {
  const redis = await testRedis();
  const parsed = parseAccountsFile(options.accounts ?? accountsYaml, "accounts.yaml", accountsEnv);
  if (parsed.accounts === undefined)
    throw new Error(`fixture accounts are invalid: ${JSON.stringify(parsed.problems)}`);
  const delivery = new MemoryDelivery();
  const logs: string[] = [];
  const metrics = createMetrics();
  const suspended = new Set<string>();
  let ready = false;
  const app = createHttpApi({
    accounts: parsed.accounts,
    delivery,
    redis: redis.client,
    keyPrefix: redis.prefix,
    logger: createLogger({ level: "debug", destination: { write: (line: string) => logs.push(line) } }),
    metrics,
    parseDestination: fakeParseDestination,
    countParts: (text) => segmentText(text, 0, 255).parts.length,
    validity: (country) =>
      country in routeValidity ? routeValidity[country as keyof typeof routeValidity] : undefined,
    ready: () => ready,
    suspended: (account) => suspended.has(account),
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  onTestFinished(() => app.close());
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    delivery,
    logs,
    metrics,
    suspended,
    setReady: (value) => {
      ready = value;
    },
    submit: (body, options = {}) => {
      const key = options.key === undefined ? keys.acme : options.key;
      return fetch(`${url}/v1/messages`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(key !== null && { authorization: `Bearer ${key}` }),
          ...options.headers,
        },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    },
  };
}

/** A valid submit for the acme account. */
export const validSubmit = { to: "+6281234567890", from: "AcmeOTP", text: "Your code is 482913" };

export async function errorOf(
  response: Response,
): Promise<{ code: string; message: string; field?: string }> {
  const body = (await response.json()) as { error: { code: string; message: string; field?: string } };
  return body.error;
}
