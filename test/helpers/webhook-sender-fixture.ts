import { Writable } from "node:stream";
import { onTestFinished } from "vitest";
import type { Message } from "../../src/delivery/types.js";
import { finalMessage } from "./message.js";
import { createLogger, silentLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { WebhookSender, type WebhookSenderOptions } from "../../src/north/webhook/webhook-sender.js";
import { testRedis } from "./redis.js";

export { finalMessage };

/** The secret of account "acme" in the webhook sender tests. */
export const webhookTestSecret = "acme-webhook-secret-0123456789";

/**
 * A started WebhookSender on the test's own Redis prefix, reading messages from `messages`, with short delays
 * (50 ms doubling to 200 ms, a 2 s timeout) unless `options` say otherwise. `outcomes` reads its
 * `otpgw_webhook_deliveries_total` by outcome; `logs` are its log lines (JSON, debug level and up).
 */
export async function startSender(
  messages: Map<string, Message>,
  options: Partial<WebhookSenderOptions> = {},
) {
  const redis = await testRedis();
  const metrics = createMetrics();
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const sender = new WebhookSender({
    connection: redis.url,
    prefix: `${redis.prefix}bull`,
    getMessage: (id) => Promise.resolve(messages.get(id) ?? null),
    webhookSecret: (account) => (account === "acme" ? webhookTestSecret : undefined),
    logger:
      options.logger ??
      (options.worker === false ? silentLogger() : createLogger({ level: "debug", destination })),
    metrics,
    initialDelayMs: 50,
    maxDelayMs: 200,
    timeoutMs: 2000,
    privateAddresses: "allow", // the tests' receivers listen on 127.0.0.1
    ...options,
  });
  sender.start();
  onTestFinished(() => sender.close());
  const outcomes = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      (await metrics.webhookDeliveries.get()).values.map((v) => [String(v.labels.outcome), v.value]),
    );
  return { sender, outcomes, logs, redis };
}
