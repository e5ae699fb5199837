/**
 * A process running a WebhookSender's retry worker, for tests that kill it mid-try (SIGKILL, as a crash).
 * `node --import tsx test/helpers/webhook-worker-child.ts '<json>'` with `{ redisUrl, prefix, callbackUrl,
 * lockDurationMs }`; every message it is asked for is a delivered one (test/helpers/message.ts) with that callback
 * URL; it prints "started" once its worker runs. Its tries wait a minute for an answer.
 */
import { WebhookSender } from "../../src/north/webhook/webhook-sender.js";
import { silentLogger } from "../../src/observability/logger.js";
import { finalMessage } from "./message.js";

interface ChildOptions {
  redisUrl: string;
  prefix: string;
  callbackUrl: string;
  lockDurationMs: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as ChildOptions;
const sender = new WebhookSender({
  connection: options.redisUrl,
  prefix: options.prefix,
  getMessage: (id) => Promise.resolve(finalMessage(id, options.callbackUrl)),
  webhookSecret: () => "acme-webhook-secret-0123456789",
  logger: silentLogger(),
  timeoutMs: 60_000,
  privateAddresses: "allow", // the test's receiver listens on 127.0.0.1
  lockDurationMs: options.lockDurationMs,
});
sender.start();
process.stdout.write("started\n");
