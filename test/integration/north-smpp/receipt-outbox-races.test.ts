import { describe, expect, it } from "vitest";
import type smpp from "smpp";
import { ConnectionClosedError } from "../../../src/errors.js";
import type { Account } from "../../../src/north/accounts/account-types.js";
import { ReceiptOutbox } from "../../../src/north/smpp/receipt-outbox.js";
import type { ReceiptCarrier } from "../../../src/north/smpp/receipt-queueing.js";
import { smppKeys } from "../../../src/north/smpp/redis-keys.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { RedisBatch } from "../../../src/redis/redis-batch.js";
import { testMessage } from "../../helpers/message.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

const account = { id: "acme", smpp: { systemId: "esme1" } } as unknown as Account;

/** A receiver bind as the outbox sees it, whose answers the test gives (a pending promise per receipt). */
class Receiver implements ReceiptCarrier {
  readonly interfaceVersion = 0x34;
  readonly sent: { fields: smpp.PduFields; answer: (status: number) => void; lose: (e: Error) => void }[] =
    [];
  canTakeReceipt(): boolean {
    return true;
  }
  sendReceipt(fields: smpp.PduFields): Promise<number> {
    return new Promise((answer, lose) => this.sent.push({ fields, answer, lose }));
  }
}

describe("receipt outbox races", () => {
  it("sends at once a leased receipt whose session was lost when a scan claims it back in the step that released it", async () => {
    const { client, prefix } = await testRedis();
    const keys = smppKeys(prefix);
    let receivers: Receiver[] = [];
    const outbox = new ReceiptOutbox({
      batch: new RedisBatch(client),
      deliveryOutboxKey: `${prefix}outbox`,
      keys,
      retentionMs: 3_600_000,
      maxQueued: 100,
      // Far beyond the test: a receipt left to its lease or to the retry timer is not sent within it.
      retryMs: 60_000,
      answerTimeoutMs: 30_000,
      accountById: (id) => (id === account.id ? account : undefined),
      receivers: () => receivers,
      hasReceiver: () => receivers.length > 0,
      boundSystemIds: () => (receivers.length > 0 ? ["esme1"] : []),
      logger: silentLogger(),
      clock: () => Date.now(),
    });
    try {
      // Queued with no receiver bound: not stamped for this process, so the scan below holds it by a lease key.
      const message = testMessage("m1", { receiptVia: "smpp", state: "delivered", finalAt: Date.now() });
      await client.sadd(`${prefix}outbox`, message.id);
      expect(await outbox.queueing.enqueue(message)).toBe(true);
      const lost = new Receiver();
      receivers = [lost];
      outbox.kick("esme1", true);
      await waitUntil(() => lost.sent.length === 1, 3000, "the receipt on the first receiver");
      // The session goes; another receiver is bound. Its bind's scan is issued after the lost receipt's lease
      // release and goes to Redis in the same call: the claim's answer comes back before the lost send's
      // promise chain has finished.
      const next = new Receiver();
      receivers = [next];
      lost.sent[0]!.lose(new ConnectionClosedError("deliver_sm", "peer closed the connection"));
      await Promise.resolve(); // the loss is handled: its release is queued
      outbox.kick("esme1", true);
      await waitUntil(() => next.sent.length === 1, 2000, "the receipt on the next receiver");
      expect(next.sent[0]!.fields.receipted_message_id).toBe("m1");
      next.sent[0]!.answer(0);
      await waitUntil(async () => (await client.llen(keys.receipts("esme1"))) === 0, 2000, "the job removed");
      expect(lost.sent).toHaveLength(1);
      expect(next.sent).toHaveLength(1);
    } finally {
      outbox.close();
    }
  });
});
