import { describe, expect, it } from "vitest";
import type { Account } from "../../../src/north/accounts/account-types.js";
import { ReceiptOutbox } from "../../../src/north/smpp/receipt-outbox.js";
import { smppKeys } from "../../../src/north/smpp/redis-keys.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { RedisBatch } from "../../../src/redis/redis-batch.js";
import { testMessage } from "../../helpers/message.js";
import { testRedis } from "../../helpers/redis.js";

const account = { id: "acme", smpp: { systemId: "esme1" } } as unknown as Account;

describe("receipt queue expiry", () => {
  it("asks a final step to push the list's expiry at most once a second per list, and again after a second", async () => {
    const { client, prefix } = await testRedis();
    let now = 1_000_000;
    const outbox = new ReceiptOutbox({
      batch: new RedisBatch(client),
      deliveryOutboxKey: `${prefix}outbox`,
      keys: smppKeys(prefix),
      retentionMs: 3_600_000,
      maxQueued: 100,
      retryMs: 60_000,
      answerTimeoutMs: 30_000,
      accountById: (id) => (id === account.id ? account : undefined),
      receivers: () => [],
      hasReceiver: () => false,
      boundSystemIds: () => [],
      logger: silentLogger(),
      clock: () => now,
      monotonicClock: () => now,
    });
    const final = (id: string) =>
      testMessage(id, { receiptVia: "smpp", state: "delivered", finalAt: now, createdAt: now - 10 });
    const first = outbox.queueing.prepare(final("a"))!;
    expect(first.list).toBe(`${prefix}smpp:receipts:esme1`);
    expect(first.refreshExpiry).toBe(true);
    // Prepared but not committed (a conflict, a failed step): the next one still refreshes.
    expect(outbox.queueing.prepare(final("b"))!.refreshExpiry).toBe(true);
    first.committed();
    now += 500;
    expect(outbox.queueing.prepare(final("c"))!.refreshExpiry).toBe(false);
    now += 500;
    expect(outbox.queueing.prepare(final("d"))!.refreshExpiry).toBe(true);
    outbox.close();
  });
});
