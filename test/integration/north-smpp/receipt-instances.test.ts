/**
 * Receipts when several otpgw instances share one Redis: two SMPP servers on one key prefix, each with a receiver
 * of the same system_id, and the real final step (MessageStore.update) queuing the receipts.
 */
import { describe, expect, it } from "vitest";
import { MessageStore } from "../../../src/delivery/message-store.js";
import type { Message } from "../../../src/delivery/types.js";
import { decodeJob, encodeJob, stampJob, type ReceiptJob } from "../../../src/north/smpp/receipt-job.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { decodePdu, encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { waitUntil } from "../../helpers/wait.js";
import { monitorRedis } from "../../helpers/redis.js";
import { bindPdu, Esme, rawPeer, startServer, type Fixture } from "./smpp-fixture.js";

const RETENTION = { bodyMs: 0, messageMs: 60_000, idempotencyMs: 60_000, correlationMs: 60_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A message accepted on `fixture` (submitted by a transmitter), as its delivery stored it. */
async function accepted(fixture: Fixture): Promise<Message> {
  const tx = await Esme.connect(fixture.port);
  await tx.bind("bind_transmitter");
  const resp = await tx.submit({ registered_delivery: 1 });
  tx.session.destroy();
  return fixture.delivery.messages.get(resp.message_id as string)!;
}

/** Delivery's final step on `fixture`'s instance: the final state and the receipts it prepared, in one step. */
async function finalise(fixture: Fixture, message: Message, commit = true): Promise<void> {
  const { client, prefix } = fixture.redis;
  const store = new MessageStore({ redis: client, prefix, retention: RETENTION });
  await store.create(message, "code 123456", Date.now() + 60_000, {});
  const final: Message = { ...message, state: "delivered", finalAt: Date.now() };
  const handOver = fixture.server.prepareReceipt(final)!;
  expect(await store.update(1, { message: final, timerAt: null, final: true, handOver })).toBe(true);
  if (commit) handOver.committed();
}

/** A receiver that reads deliver_sm and answers only when told to. */
async function silentReceiver(port: number) {
  const peer = await rawPeer(port);
  peer.socket.write(bindPdu(1, {}, "bind_receiver"));
  await peer.frames.waitFor(1);
  return {
    deliveries: async (n: number) => (await peer.frames.waitFor(n + 1)).slice(1),
    answer: (raw: Buffer) =>
      peer.socket.write(encodePdu("deliver_sm_resp", decodePdu(raw).sequence, { message_id: "" })),
    peer,
  };
}

function job(id: string, now: number): ReceiptJob {
  return {
    id,
    stat: "DELIVRD",
    err: "000",
    submitDate: now - 2000,
    doneDate: now - 1000,
    handset: "6281234567890",
    sender: "AcmeOTP",
    queuedAt: now - 1000,
  };
}

describe("receipts with several instances on one Redis", () => {
  it("sends a receipt once: another instance's retry scans and a new bind skip it while its sender waits for the answer", async () => {
    const a = await startServer();
    const b = await startServer({ redis: a.redis, server: { receiptRetryMs: 100 } });
    const slow = await silentReceiver(a.port);
    const message = await accepted(a);
    await finalise(a, message);
    const [sent] = await slow.deliveries(1);
    const other = await Esme.connect(b.port);
    await other.bind("bind_receiver");
    await sleep(600); // B's bind scan and five of its retry scans
    expect(other.deliveries).toHaveLength(0);
    slow.answer(sent!.raw);
    const list = `${a.redis.prefix}smpp:receipts:acme`;
    await waitUntil(async () => (await a.redis.client.llen(list)) === 0, 3000, "answered receipt removed");
    await sleep(300);
    expect(other.deliveries).toHaveLength(0);
    expect(slow.peer.frames.frames).toHaveLength(2); // bind_resp and the one deliver_sm
    expect(await a.redis.client.keys(`${a.redis.prefix}smpp:receipt-lease:*`)).toEqual([]);
  });

  it("sends a receipt queued by an instance that died before sending it, once its stamp's deadline passed, from another instance", async () => {
    const a = await startServer({ server: { responseTimeoutMs: 500 } }); // deadlines 3 s after the final step
    const b = await startServer({ redis: a.redis, server: { receiptRetryMs: 100 } });
    await silentReceiver(a.port); // A stamps the receipts it queues for itself: it has a receiver bound
    const message = await accepted(a);
    await finalise(a, message, false); // committed in Redis, then A is gone before sending
    // Gone, not merely forgetful: an A that lives on takes a job stamped with its own token that it does not hold
    // back with its next scan (as after a final step whose answer was lost), so it must stop here.
    await a.server.close(100);
    const rx = await Esme.connect(b.port);
    await rx.bind("bind_receiver");
    const started = Date.now();
    await sleep(1500);
    expect(rx.deliveries).toHaveLength(0);
    await waitUntil(() => rx.deliveries.length === 1, 5000, "the receipt from B");
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    expect(rx.deliveries[0]!.receipted_message_id).toBe(message.id);
  });

  it("leaves a stopping instance's unanswered receipt to another instance until its stamp's deadline, not longer", async () => {
    // Changed with the stamped items (it used to be "at once, within 2 s of the stop"): A holds a receipt it sends
    // from memory by the stamp in its item, not by a key it could delete; giving it back would mean rewriting
    // the item in the list, so B sends it once the deadline passed: 2 × responseTimeoutMs + 2 s after A's step.
    const a = await startServer({ server: { responseTimeoutMs: 1500 } }); // the deadline: 5 s after the step
    const b = await startServer({ redis: a.redis, server: { receiptRetryMs: 100 } });
    const slow = await silentReceiver(a.port);
    const message = await accepted(a);
    const step = Date.now();
    await finalise(a, message);
    await slow.deliveries(1);
    const rx = await Esme.connect(b.port);
    await rx.bind("bind_receiver");
    await sleep(300);
    expect(rx.deliveries).toHaveLength(0); // A holds it while it waits for the answer
    await a.server.close(200);
    await sleep(2000); // the bound before stamped items
    expect(rx.deliveries).toHaveLength(0);
    await waitUntil(() => rx.deliveries.length === 1, 4000, "the receipt from B");
    expect(Date.now() - step).toBeGreaterThanOrEqual(5000);
    expect(rx.deliveries[0]!.receipted_message_id).toBe(message.id);
  });

  it("queues and sends a receipt from memory without a lease key: the final step stamps it, its removal deletes none", async () => {
    const a = await startServer({ server: { receiptRetryMs: 60_000 } }); // no scan of its own after the bind's
    const slow = await silentReceiver(a.port);
    const message = await accepted(a);
    await sleep(100); // the bind's scan is over
    const { client, prefix } = a.redis;
    const list = `${prefix}smpp:receipts:acme`;
    const leasePrefix = `${prefix}smpp:receipt-lease:`;
    // Every command on this test's keys, those run by the scripts included.
    const monitor = await monitorRedis(client);
    const seen: string[][] = [];
    monitor.on("monitor", (_time: string, args: string[]) => {
      if (args[1]?.startsWith(prefix)) seen.push(args);
    });
    let item = "";
    try {
      const before = Date.now();
      await finalise(a, message);
      const after = Date.now();
      [item = ""] = await client.lrange(list, 0, -1);
      const stamp = /^([0-9a-f]+):(\d+)\|/.exec(item);
      expect(stamp).not.toBeNull();
      // The deadline: the lease time (2 × 30 s + 2 s) from the time taken before the step.
      expect(Number(stamp![2])).toBeGreaterThanOrEqual(before + 62_000);
      expect(Number(stamp![2])).toBeLessThanOrEqual(after + 62_000);
      expect(decodeJob(item).id).toBe(message.id);
      expect(await client.keys(`${leasePrefix}*`)).toEqual([]);
      const [sent] = await slow.deliveries(1);
      // A's own scan (a second receiver's bind) leaves the job A is sending alone too: no lease key, no resend.
      const second = await Esme.connect(a.port);
      await second.bind("bind_receiver");
      await sleep(200);
      expect(second.deliveries).toHaveLength(0);
      slow.answer(sent!.raw);
      await waitUntil(async () => (await client.llen(list)) === 0, 3000, "answered receipt removed");
      await sleep(200); // the last monitor lines
    } finally {
      monitor.disconnect();
    }
    // No command on a lease key (this test's own KEYS look-up aside).
    expect(seen.filter((args) => args[1]!.startsWith(leasePrefix) && args[0] !== "keys")).toEqual([]);
    const writes = new Set(["rpush", "pexpire", "ltrim", "lrem", "set", "del"]);
    const onList = seen.filter((args) => args[1] === list && writes.has(args[0]!.toLowerCase()));
    // The final step appends the stamped item (and sets the new list's expiry); the removal takes it out.
    expect(onList.map((args) => [args[0]!.toLowerCase(), args[2]])).toEqual([
      ["rpush", item],
      ["pexpire", expect.any(String)],
      ["lrem", "1"],
    ]);
    expect(onList[2]![3]).toBe(item);
    expect(slow.peer.frames.frames).toHaveLength(2); // bind_resp and the one deliver_sm
  });
});

describe("receipt queue scans", () => {
  it("sends a receipt queued behind more than a hundred waiting for a retry, without resending those", async () => {
    const fixture = await startServer({ server: { receiptRetryMs: 10_000 } });
    const list = `${fixture.redis.prefix}smpp:receipts:acme`;
    const now = Date.now();
    // Queued before a restart: the ESME asks for a retry of every one.
    const waiting = Array.from({ length: 150 }, (_, i) => encodeJob(job(`w${i}`, now)));
    await fixture.redis.client.rpush(list, ...waiting);
    const esme = await Esme.connect(fixture.port);
    esme.receiptAnswer = SmppStatus.ESME_RX_T_APPN;
    await esme.bind("bind_receiver");
    await waitUntil(() => esme.deliveries.length === 150, 5000, "every queued receipt tried once");
    esme.receiptAnswer = 0;
    await fixture.redis.client.rpush(list, encodeJob(job("behind", now)));
    const second = await Esme.connect(fixture.port);
    await second.bind("bind_receiver"); // a bind scans the list
    await waitUntil(
      () => [...esme.deliveries, ...second.deliveries].some((d) => d.receipted_message_id === "behind"),
      3000,
      "the receipt behind them",
    );
    await sleep(300);
    expect(esme.deliveries.length + second.deliveries.length).toBe(151);
    expect(await fixture.redis.client.llen(list)).toBe(150);
  });

  it("sends unstamped jobs (an earlier version's) and those whose stamp ran out at once, one another instance stamped only after its deadline", async () => {
    const fixture = await startServer({ server: { receiptRetryMs: 100 } });
    const { client, prefix } = fixture.redis;
    const list = `${prefix}smpp:receipts:acme`;
    const now = Date.now();
    const other = "0123456789abcdef"; // another instance's token
    const deadline = now + 2000;
    await client.rpush(
      list,
      stampJob(encodeJob(job("held", now)), other, deadline),
      stampJob(encodeJob(job("ran-out", now)), other, now - 1),
      encodeJob(job("unstamped", now)),
    );
    const esme = await Esme.connect(fixture.port);
    await esme.bind("bind_receiver");
    await waitUntil(() => esme.deliveries.length === 2, 1500, "the two receipts nobody holds");
    expect(esme.deliveries.map((d) => d.receipted_message_id).sort()).toEqual(["ran-out", "unstamped"]);
    await sleep(deadline - Date.now() - 300); // retry scans go by it while the other instance holds it
    expect(esme.deliveries).toHaveLength(2);
    await waitUntil(
      () => esme.deliveries.length === 3,
      3000,
      "the other instance's receipt after its deadline",
    );
    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
    expect(esme.deliveries[2]!.receipted_message_id).toBe("held");
    await waitUntil(async () => (await client.llen(list)) === 0, 3000, "all three answered and removed");
    await sleep(200);
    expect(esme.deliveries).toHaveLength(3);
    // Claimed by a scan, each with a lease key, deleted with the job.
    expect(await client.keys(`${prefix}smpp:receipt-lease:*`)).toEqual([]);
  });

  it("drops a queued job it can never send (an unknown stat) and sends the one behind it", async () => {
    const fixture = await startServer();
    const list = `${fixture.redis.prefix}smpp:receipts:acme`;
    const now = Date.now();
    const unknown = JSON.stringify(["bad-1", "WHATEVR", "000", now, now, "6281234567890", "AcmeOTP", now]);
    await fixture.redis.client.rpush(list, unknown, encodeJob(job("good-1", now)));
    const esme = await Esme.connect(fixture.port);
    await esme.bind("bind_receiver");
    await waitUntil(() => esme.deliveries.length === 1, 10_000, "the good receipt");
    expect(esme.deliveries[0]!.receipted_message_id).toBe("good-1");
    await waitUntil(
      async () => (await fixture.redis.client.llen(list)) === 0,
      10_000,
      "both out of the list",
    );
    // The server lets go of a job when its removal's answer comes back, which can be just after the list is seen
    // empty from another connection (a fresh-clone CI run on a slow machine caught that).
    await waitUntil(() => fixture.server.receiptJobsInMemory === 0, 2_000, "nothing held in memory");
  });

  it("keeps nothing in memory for receipts waiting for a retry that leave Redis another way", async () => {
    const fixture = await startServer({ server: { receiptRetryMs: 10_000 } });
    const list = `${fixture.redis.prefix}smpp:receipts:acme`;
    const now = Date.now();
    await fixture.redis.client.rpush(list, ...["r1", "r2", "r3"].map((id) => encodeJob(job(id, now))));
    const esme = await Esme.connect(fixture.port);
    esme.receiptAnswer = SmppStatus.ESME_RX_T_APPN;
    await esme.bind("bind_receiver");
    await waitUntil(() => esme.deliveries.length === 3, 10_000, "three receipts tried");
    // Trimmed, expired or removed by another instance: nothing here refers to them any more.
    await fixture.redis.client.del(list);
    await waitUntil(() => fixture.server.receiptJobsInMemory === 0, 10_000, "nothing held");
    // Their retry delay lives in Redis and expires with it.
    const leases = await fixture.redis.client.keys(`${fixture.redis.prefix}smpp:receipt-lease:*`);
    expect(leases).toHaveLength(3);
    for (const key of leases) expect(await fixture.redis.client.pttl(key)).toBeLessThanOrEqual(10_000);
  });

  it("stamps the receipts it holds, and times their jobs, on the clock the instances share (sharedClock), not its host's", async () => {
    // Redis's clock as this instance sees it: an hour ahead of the host's wall clock.
    const HOUR_MS = 3_600_000;
    const shared = (): number => Date.now() + HOUR_MS;
    const fixture = await startServer({ sharedClock: shared });
    const esme = await Esme.connect(fixture.port);
    await esme.bind();
    const message = await accepted(fixture);
    const before = shared();
    const handOver = fixture.server.prepareReceipt({ ...message, state: "delivered", finalAt: before })!;
    const after = shared();
    expect(handOver.items).toHaveLength(1);
    const item = handOver.items[0]!;
    // Held by this instance (a receiver is bound here): `<token>:<deadline>|<job>`, the deadline after the shared now.
    const deadline = Number(/^[0-9a-f]+:(\d+)\|/.exec(item)?.[1]);
    expect(deadline).toBeGreaterThan(before);
    expect(deadline).toBeLessThan(after + 5 * 60_000);
    const { queuedAt } = decodeJob(item);
    expect(queuedAt).toBeGreaterThanOrEqual(before);
    expect(queuedAt).toBeLessThanOrEqual(after);
    esme.session.destroy();
  });
});
