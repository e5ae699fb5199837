import { describe, expect, inject, it, onTestFinished } from "vitest";
import type { DaemonConfig } from "../../../src/config/types.js";
import type { DeliveryEngine } from "../../../src/delivery/delivery-engine.js";
import { DEFAULT_STARTUP_RECEIPT_GRACE_MS } from "../../../src/delivery/submit-results.js";
import { createEscalation } from "../../../src/gateway-delivery.js";
import type { AccountDirectory } from "../../../src/north/accounts/account-directory.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { RedisClock } from "../../../src/redis/redis-clock.js";

/** The gateway's escalation (gateway-delivery.ts) with WhatsApp configured, and a delivery engine started or not. */
function gatewayEscalation(delivery: { startedAt: number | undefined }) {
  const redis = new URL(inject("redisUrl"));
  const daemon = {
    channels: {
      whatsapp: {
        apiUrl: "http://127.0.0.1:9/",
        phoneNumberId: "1",
        accessToken: "token",
        appSecret: "secret",
        verifyToken: "verify",
        template: "otp_code",
        language: "en_US",
        copyCodeButton: true,
        requestTimeoutMs: 2_000,
        statusTimeoutMs: 30_000,
      },
    },
    redisKeyPrefix: `startup-window-${process.pid}-${Date.now()}:`,
    delivery: { minRemainingValidityMs: 500 },
  } as unknown as DaemonConfig;
  const service = createEscalation({
    daemon,
    connection: { host: redis.hostname, port: Number(redis.port) },
    delivery: () => delivery as unknown as DeliveryEngine,
    accounts: { byId: () => undefined } as unknown as AccountDirectory,
    clock: new RedisClock(),
    logger: silentLogger(),
    metrics: createMetrics(),
  })!;
  onTestFinished(() => service.close(2_000));
  return service.escalator;
}

describe("escalation's start-up window (a carrier not bound yet is not down)", () => {
  it("counts from the delivery engine's start, not the clock's: start-up before the binds open can take seconds", () => {
    const delivery: { startedAt: number | undefined } = { startedAt: undefined };
    const escalator = gatewayEscalation(delivery);
    // Before delivery starts nothing is down: the binds have not been opened yet.
    expect(escalator.downCountsFrom).toBe(Infinity);
    // Delivery started (the binds opened just before it) seconds after the clock did: the window runs from there.
    delivery.startedAt = new RedisClock().now() + 3_000;
    expect(escalator.downCountsFrom).toBe(delivery.startedAt + DEFAULT_STARTUP_RECEIPT_GRACE_MS);
  });
});
