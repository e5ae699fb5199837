import { Redis } from "ioredis";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import type { SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT, smppAccountBlock } from "../../helpers/daemon-fixture.js";
import { scanKeys } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";
import { webhookReceiver } from "../../helpers/webhook-receiver.js";
import { Esme, PASSWORD } from "../north-smpp/smpp-fixture.js";

const QUICK: SimulatorOptions = {
  submitRespLatencyMs: { min: 1, max: 3 },
  receiptLatencyMs: { min: 10, max: 40 },
};

describe("what otpgw leaves in Redis once its messages are final and notified", () => {
  it("keeps nothing per message without an expiry, whatever way the message went", async () => {
    const good = await startCarrierSim(QUICK);
    const bad = await startCarrierSim({
      ...QUICK,
      outcomeMix: { DELIVRD: 0, UNDELIV: 1, EXPIRED: 0, none: 0 },
    });
    // The receiver is down for the first webhook: that one goes through BullMQ's retry queue.
    const hooks = await webhookReceiver(FIXTURE_ACCOUNT.webhookSecret, { failFirst: 1 });
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [
        { id: "id-good", port: good.port!, countries: ["ID"] },
        { id: "my-bad", port: bad.port!, countries: ["MY"] },
      ],
      smppBlock: await smppAccountBlock(PASSWORD),
    });
    await daemon.start();
    await daemon.waitForBinds();

    const ids: string[] = [];
    const post = async (to: string, idempotencyKey?: string) => {
      const response = await daemon.api("/v1/messages", {
        method: "POST",
        body: { to, from: FIXTURE_ACCOUNT.sender, text: "Your code is 551177", callback_url: hooks.url },
        ...(idempotencyKey !== undefined && { headers: { "idempotency-key": idempotencyKey } }),
      });
      expect(response.status).toBe(202);
      ids.push(response.body.id as string);
    };
    // Delivered (with and without an idempotency key) and undeliverable (its only carrier refuses it).
    for (let i = 0; i < 6; i++) await post(`+62812345670${i}`, i % 2 === 0 ? `k-${i}` : undefined);
    for (let i = 0; i < 3; i++) await post(`+6012345678${i}`);
    // Over SMPP, with receipts back to the bound ESME.
    const esme = await Esme.connect(daemon.ports!.smpp!);
    expect((await esme.bind()).command_status).toBe(0);
    for (let i = 0; i < 5; i++) {
      const resp = await esme.submit({
        source_addr: FIXTURE_ACCOUNT.sender,
        destination_addr: `62812345671${i}`,
        registered_delivery: 1,
      });
      expect(resp.command_status).toBe(0);
      ids.push(String(resp.message_id));
    }

    await waitUntil(
      () => hooks.calls.length >= 9 && esme.deliveries.length >= 5,
      20_000,
      "every notification",
    );
    expect(hooks.calls.map((c) => c.body.state).sort()).toEqual([
      ...Array<string>(6).fill("delivered"),
      ...Array<string>(3).fill("undeliverable"),
    ]);

    const redis = new Redis(inject("redisUrl"));
    onTestFinished(() => void redis.disconnect());
    const prefix = daemon.prefix;
    // The outbox sweep and the receipt list's removals finish moments after the last notification.
    await waitUntil(
      async () => (await redis.exists(`${prefix}outbox`, `${prefix}smpp:receipts:acme`)) === 0,
      10_000,
      "the outbox and the receipt list to empty",
    );
    const keys = await scanKeys(redis, `${prefix}*`);
    const withoutExpiry: string[] = [];
    for (const key of keys) if ((await redis.pttl(key)) === -1) withoutExpiry.push(key.slice(prefix.length));
    // BullMQ's own bookkeeping for the queue, and the one retried webhook's job, which BullMQ removes by age
    // (removeOnComplete) when later jobs complete: nothing else may live for ever.
    const retried = withoutExpiry.filter((key) => key.startsWith("bull:webhooks:final-"));
    expect(retried).toHaveLength(1);
    expect(ids).toContain(retried[0]!.slice("bull:webhooks:final-".length));
    expect(withoutExpiry.filter((key) => !retried.includes(key)).sort()).toEqual([
      "bull:webhooks:completed",
      "bull:webhooks:events",
      "bull:webhooks:id",
      "bull:webhooks:meta",
    ]);
    // Everything else expires within the message retention (default 7 days), and no final message keeps its text
    // (body retention 0, the default).
    const weekMs = 7 * 24 * 3600 * 1000;
    const documents = keys.filter((key) => key.startsWith(`${prefix}m:`));
    expect(documents.sort()).toEqual(ids.map((id) => `${prefix}m:${id}`).sort());
    for (const key of keys) {
      if (withoutExpiry.includes(key.slice(prefix.length))) continue;
      expect(await redis.pttl(key), key).toBeLessThanOrEqual(weekMs);
      expect(await redis.pttl(key), key).toBeGreaterThan(0);
    }
    for (const key of documents) expect(await redis.hexists(key, "t"), key).toBe(0);
    for (const key of keys) {
      const value = (await redis.type(key)) === "string" ? await redis.get(key) : "";
      expect(value ?? "", key).not.toContain("551177");
    }
  });
});
