import type { Redis } from "ioredis";
import { describe, expect, it, onTestFinished } from "vitest";
import type smpp from "smpp";
import { ConnectionClosedError } from "../../../src/errors.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
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

/**
 * An outbox on a fresh Redis (or on another one's: `shareWith`) whose receivers are the test's to set
 * (`receivers.list`); `instance`: its stamp token (default random).
 */
async function outboxOnRedis(
  options: { instance?: string; shareWith?: { client: Redis; prefix: string } } = {},
) {
  const { client, prefix } = options.shareWith ?? (await testRedis());
  const keys = smppKeys(prefix);
  const receivers = { list: [] as Receiver[] };
  const outbox = new ReceiptOutbox({
    batch: new RedisBatch(client),
    deliveryOutboxKey: `${prefix}outbox`,
    keys,
    retentionMs: 3_600_000,
    maxQueued: 100,
    // Far beyond the tests: a receipt left to its lease or to the retry timer is not sent within them.
    retryMs: 60_000,
    answerTimeoutMs: 30_000,
    accountById: (id) => (id === account.id ? account : undefined),
    receivers: () => receivers.list,
    hasReceiver: () => receivers.list.length > 0,
    boundSystemIds: () => (receivers.list.length > 0 ? ["esme1"] : []),
    logger: silentLogger(),
    clock: () => Date.now(),
    ...(options.instance !== undefined && { instance: options.instance }),
  });
  onTestFinished(() => outbox.close());
  /** Queues the receipt of a final message `id` (as delivery's outbox hands it over). */
  const enqueue = async (id: string): Promise<void> => {
    const message = testMessage(id, { receiptVia: "smpp", state: "delivered", finalAt: Date.now() });
    await client.sadd(`${prefix}outbox`, message.id);
    expect(await outbox.queueing.enqueue(message)).toBe(true);
  };
  return { client, prefix, keys, receivers, outbox, enqueue };
}

describe("receipt outbox races", () => {
  it("sends at once a leased receipt whose session was lost when a scan claims it back in the step that released it", async () => {
    const { client, keys, receivers, outbox, enqueue } = await outboxOnRedis();
    // Queued with no receiver bound: not stamped for this process, so the scan below holds it by a lease key.
    await enqueue("m1");
    const lost = new Receiver();
    receivers.list = [lost];
    outbox.kick("esme1", true);
    await waitUntil(() => lost.sent.length === 1, 3000, "the receipt on the first receiver");
    // The session goes; another receiver is bound. Its bind's scan is issued after the lost receipt's lease
    // release and goes to Redis in the same call: the claim's answer comes back before the lost send's
    // promise chain has finished.
    const next = new Receiver();
    receivers.list = [next];
    lost.sent[0]!.lose(new ConnectionClosedError("deliver_sm", "peer closed the connection"));
    await Promise.resolve(); // the loss is handled: its release is queued
    outbox.kick("esme1", true);
    await waitUntil(() => next.sent.length === 1, 2000, "the receipt on the next receiver");
    expect(next.sent[0]!.fields.receipted_message_id).toBe("m1");
    // The lost send's bookkeeping ends after the new send began: it leaves the new send's entry alone.
    await new Promise((r) => setTimeout(r, 50));
    expect(outbox.jobsInMemory).toBe(1);
    next.sent[0]!.answer(0);
    await waitUntil(async () => (await client.llen(keys.receipts("esme1"))) === 0, 2000, "the job removed");
    expect(lost.sent).toHaveLength(1);
    expect(next.sent).toHaveLength(1);
  });

  it("sends a receipt the ESME asked to have retried no sooner than the retry time, whatever scans run meanwhile", async () => {
    const { client, keys, receivers, outbox, enqueue } = await outboxOnRedis();
    const esme = new Receiver();
    receivers.list = [esme];
    // Stamped for this process (a receiver is bound) and sent from memory.
    await enqueue("m2");
    await waitUntil(() => esme.sent.length === 1, 3000, "the receipt");
    esme.sent[0]!.answer(SmppStatus.ESME_RX_T_APPN);
    // Scans at once, before and after the retry's lease is set, and a second receiver with room.
    outbox.kick("esme1", true);
    await Promise.resolve();
    outbox.kick("esme1", true);
    const other = new Receiver();
    receivers.list = [esme, other];
    await new Promise((r) => setTimeout(r, 100));
    outbox.kick("esme1", true);
    await new Promise((r) => setTimeout(r, 300));
    expect(esme.sent.length + other.sent.length).toBe(1);
    expect(outbox.jobsInMemory).toBe(0);
    // Still queued, its lease set for the retry time.
    expect(await client.llen(keys.receipts("esme1"))).toBe(1);
    const leases = await client.keys(`${keys.receiptLeases("esme1")}*`);
    expect(leases).toHaveLength(1);
    expect(await client.pttl(leases[0]!)).toBeGreaterThan(50_000);
  });

  it("lets a restart of the same instance send at once what it held unsent when it stopped; another instance waits", async () => {
    const first = await outboxOnRedis({ instance: "a1a1" });
    const esme = new Receiver();
    first.receivers.list = [esme];
    await first.enqueue("m3"); // stamped for this process (a receiver is bound), sent from memory
    await waitUntil(() => esme.sent.length === 1, 3000, "the receipt");
    first.outbox.close(); // it stops with the receipt unanswered (the ESME went as it stopped)

    const other = await outboxOnRedis({ instance: "b2b2", shareWith: first });
    const elsewhere = new Receiver();
    other.receivers.list = [elsewhere];
    other.outbox.kick("esme1", true);
    await new Promise((r) => setTimeout(r, 300));
    expect(elsewhere.sent).toHaveLength(0); // held by the stamp until its deadline (62 s here)
    other.receivers.list = [];
    other.outbox.close();

    const restarted = await outboxOnRedis({ instance: "a1a1", shareWith: first });
    const again = new Receiver();
    restarted.receivers.list = [again];
    restarted.outbox.kick("esme1", true);
    await waitUntil(() => again.sent.length === 1, 2000, "the receipt from the restarted instance");
    expect(again.sent[0]!.fields.receipted_message_id).toBe("m3");
  });
});
