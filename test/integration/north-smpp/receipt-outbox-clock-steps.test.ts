import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import type smpp from "smpp";
import type { Account } from "../../../src/north/accounts/account-types.js";
import { ReceiptOutbox } from "../../../src/north/smpp/receipt-outbox.js";
import type { ReceiptCarrier } from "../../../src/north/smpp/receipt-queueing.js";
import { smppKeys } from "../../../src/north/smpp/redis-keys.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { RedisBatch } from "../../../src/redis/redis-batch.js";
import { testMessage } from "../../helpers/message.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

const HOUR_MS = 3_600_000;
const account = { id: "acme", smpp: { systemId: "esme1" } } as unknown as Account;

afterEach(() => {
  vi.useRealTimers();
});

/** A receiver bind as the outbox sees it: room when the test says, every receipt answered at once. */
class Receiver implements ReceiptCarrier {
  readonly interfaceVersion = 0x34;
  room = false;
  readonly sent: smpp.PduFields[] = [];
  canTakeReceipt(): boolean {
    return this.room;
  }
  sendReceipt(fields: smpp.PduFields): Promise<number> {
    this.sent.push(fields);
    return Promise.resolve(0);
  }
}

describe("receipt outbox across wall-clock steps", () => {
  it("does not send a held receipt from memory past its send-by time when the wall clock steps back an hour", async () => {
    // Date alone is faked (Redis's clock, timers and performance.now() stay real), running on until stepped.
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    const { client, prefix } = await testRedis();
    const receiver = new Receiver();
    const outbox = new ReceiptOutbox({
      batch: new RedisBatch(client),
      deliveryOutboxKey: `${prefix}outbox`,
      keys: smppKeys(prefix),
      retentionMs: 3 * HOUR_MS,
      maxQueued: 100,
      retryMs: 60_000,
      // Stamps hold a job for 2 × 300 ms + 2 s; sent from memory only within 300 ms of being stamped.
      answerTimeoutMs: 300,
      accountById: (id) => (id === account.id ? account : undefined),
      receivers: () => [receiver],
      hasReceiver: () => true,
      boundSystemIds: () => ["esme1"],
      logger: silentLogger(),
      clock: () => Date.now(),
    });
    onTestFinished(() => outbox.close());
    const message = testMessage("m1", { receiptVia: "smpp", state: "delivered", finalAt: Date.now() });
    await client.sadd(`${prefix}outbox`, message.id);
    // Stamped for this process and held: its receiver has no room yet.
    expect(await outbox.queueing.enqueue(message)).toBe(true);
    expect(outbox.jobsInMemory).toBe(1);

    vi.setSystemTime(Date.now() - HOUR_MS);
    await new Promise((r) => setTimeout(r, 600));
    // Past its send-by time: its answer could come after its stamp ran out and another instance took it. Left to
    // a scan, which claims it with a lease key before it is sent.
    receiver.room = true;
    outbox.kick("esme1");
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.sent).toHaveLength(0);
    expect(outbox.jobsInMemory).toBe(0);
    outbox.kick("esme1", true);
    await waitUntil(() => receiver.sent.length === 1, 3_000, "the receipt sent under a lease");
    expect(receiver.sent[0]!.receipted_message_id).toBe("m1");
  }, 30_000);
});
