import { describe, expect, it, onTestFinished } from "vitest";
import { DeliveryEngine } from "../../../src/delivery/delivery-engine.js";
import { MessageStore } from "../../../src/delivery/message-store.js";
import type { RoutePlanner } from "../../../src/delivery/route-planner.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { FAST } from "../../helpers/delivery-harness.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

/** No carrier for anything: a message is final (undeliverable) at once, and its webhook goes through the outbox. */
const NO_ROUTE: RoutePlanner = { plan: () => undefined, choose: () => null };

describe("the outbox with two instances on one Redis", () => {
  it("hands a final message's notification over once: the other instance's sweeps leave it to the one notifying", async () => {
    const { client, prefix } = await testRedis();
    const notified: string[] = [];
    const instance = (name: string): DeliveryEngine => {
      const store = new MessageStore({
        redis: client,
        prefix,
        retention: { bodyMs: 0, messageMs: 600_000, idempotencyMs: 600_000, correlationMs: 600_000 },
      });
      const engine = new DeliveryEngine({
        store,
        planner: NO_ROUTE,
        pools: new Map(),
        carriers: new Map(),
        logger: silentLogger(),
        options: FAST, // sweeps every 20 ms
        notify: async (message) => {
          notified.push(`${name}:${message.id}`);
          await new Promise((r) => setTimeout(r, 300)); // a webhook receiver answering in 300 ms
        },
      });
      engine.start();
      onTestFinished(() => engine.close(1000));
      return engine;
    };
    const a = instance("A");
    instance("B");
    const accepted = await Promise.all(
      [1, 2, 3].map((i) =>
        a.accept({
          account: "acme",
          to: `+6281100000${i}`,
          from: "ACME",
          country: "ID",
          text: "Your code is 123456",
          parts: 1,
          validitySeconds: 60,
          receiptVia: "webhook",
          callbackUrl: "http://127.0.0.1:9/hook",
        }),
      ),
    );
    await waitUntil(async () => (await client.scard(`${prefix}outbox`)) === 0, 5000, "every hand-over done");
    await new Promise((r) => setTimeout(r, 200)); // sweeps of both instances meanwhile
    expect(notified.sort()).toEqual(accepted.map(({ message }) => `A:${message.id}`).sort());
  });
});
