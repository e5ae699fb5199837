import { testRedis } from "./redis.js";
import { startCarrierSim } from "./carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "./daemon-fixture.js";
import { webhookReceiver } from "./webhook-receiver.js";

type Latency = { min: number; max: number };

/**
 * A gateway as the Redis-failure tests drive it: a carrier simulator (one carrier, `id-a`), a webhook receiver
 * and a daemon fixture on `redisUrl` (not started; `settings`: more lines for its otpgw.yaml), and `send(i)`: the
 * fixture account's i-th OTP over HTTP, to its own number, with its final state to the receiver.
 */
export async function otpGateway(
  redisUrl: string,
  options: {
    submitRespLatencyMs?: Latency;
    receiptLatencyMs?: Latency;
    settings?: string;
    /** routes.yaml's DLR timeout (default: the fixture's 5 s). */
    dlrTimeoutSeconds?: number;
    /** The receiver answers the first N webhooks with 500 (their retries go through BullMQ). */
    failFirstWebhooks?: number;
  } = {},
) {
  const sim = await startCarrierSim({
    submitRespLatencyMs: options.submitRespLatencyMs ?? { min: 1, max: 3 },
    receiptLatencyMs: options.receiptLatencyMs ?? { min: 20, max: 50 },
  });
  const hooks = await webhookReceiver(FIXTURE_ACCOUNT.webhookSecret, {
    failFirst: options.failFirstWebhooks ?? 0,
  });
  const daemon = await daemonFixture({
    redisUrl,
    carriers: [{ id: "id-a", port: sim.port! }],
    ...(options.settings !== undefined && { settings: options.settings }),
    ...(options.dlrTimeoutSeconds !== undefined && { dlrTimeoutSeconds: options.dlrTimeoutSeconds }),
  });
  const send = (i: number, init: { idempotencyKey?: string } = {}) =>
    daemon.api("/v1/messages", {
      method: "POST",
      ...(init.idempotencyKey !== undefined && { headers: { "idempotency-key": init.idempotencyKey } }),
      body: {
        to: `+62811${String(i).padStart(7, "0")}`,
        from: FIXTURE_ACCOUNT.sender,
        text: "Your code is 318204",
        callback_url: hooks.url,
      },
    });
  return { sim, hooks, daemon, send };
}

/** An otpGateway on the run's Redis, started, its carrier bound. */
export async function runningOtpGateway() {
  const { url } = await testRedis();
  const gateway = await otpGateway(url);
  await gateway.daemon.start();
  await gateway.daemon.waitForBinds();
  return gateway;
}
