import { describe, expect, it, onTestFinished } from "vitest";
import type { Redis } from "ioredis";
import { DeliveryEngine } from "../../../src/delivery/delivery-engine.js";
import { MessageStore } from "../../../src/delivery/message-store.js";
import type { RoutePlanner } from "../../../src/delivery/route-planner.js";
import type { Message } from "../../../src/delivery/types.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { FAST } from "../../helpers/delivery-harness.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

/** No carrier for anything: a message is final (undeliverable) at once, and its webhook goes through the outbox. */
const NO_ROUTE: RoutePlanner = { drained: () => false, plan: () => undefined, choose: () => null };

/** An instance (engine and store) on `prefix`, started; closed when the test ends. */
function startInstance(
  client: Redis,
  prefix: string,
  planner: RoutePlanner,
  timerPollMs: number,
  notify: (message: Message) => Promise<void>,
) {
  const store = new MessageStore({
    redis: client,
    prefix,
    retention: { bodyMs: 0, messageMs: 600_000, idempotencyMs: 600_000, correlationMs: 600_000 },
  });
  const engine = new DeliveryEngine({
    store,
    planner,
    pools: new Map(),
    carriers: new Map(),
    logger: silentLogger(),
    options: { ...FAST, timerPollMs },
    notify,
  });
  engine.start();
  onTestFinished(() => engine.close(1000));
  return { engine, store };
}

/** Two instances (engine and store) on one Redis prefix; each notification takes `notifyMs`. */
async function twoInstances(notifyMs: number, aPollMs = FAST.timerPollMs) {
  const { client, prefix } = await testRedis();
  const notified: string[] = [];
  const instance = (name: string, timerPollMs: number) =>
    startInstance(client, prefix, NO_ROUTE, timerPollMs, async (message) => {
      notified.push(`${name}:${message.id}`);
      await new Promise((r) => setTimeout(r, notifyMs)); // a webhook receiver answering in notifyMs
    });
  const accept = (engine: DeliveryEngine, i: number) =>
    engine.accept({
      account: "acme",
      to: `+6281100000${i}`,
      from: "ACME",
      country: "ID",
      text: "Your code is 123456",
      parts: 1,
      validitySeconds: 60,
      receiptVia: "webhook",
      callbackUrl: "http://127.0.0.1:9/hook",
    });
  const outboxEmpty = () =>
    waitUntil(async () => (await client.scard(`${prefix}outbox`)) === 0, 5000, "every hand-over done");
  return { a: instance("A", aPollMs), b: instance("B", FAST.timerPollMs), notified, accept, outboxEmpty };
}

describe("the outbox with two instances on one Redis", () => {
  it("hands a final message's notification over once: the other instance's sweeps leave it to the one notifying", async () => {
    const { a, notified, accept, outboxEmpty } = await twoInstances(300);
    const accepted = await Promise.all([1, 2, 3].map((i) => accept(a.engine, i)));
    await waitUntil(() => notified.length >= 3, 5000, "the notifications");
    await outboxEmpty();
    await new Promise((r) => setTimeout(r, 200)); // sweeps of both instances meanwhile
    expect(notified.sort()).toEqual(accepted.map(({ message }) => `A:${message.id}`).sort());
  });

  it("an instance stopping lets its notifications under way finish before giving their leases up", async () => {
    const { a, notified, accept, outboxEmpty } = await twoInstances(400);
    const { message } = await accept(a.engine, 4);
    await waitUntil(() => notified.length === 1, 5000, "the notification under way");
    await a.engine.close(2000); // a deploy: SIGTERM while the webhook is being POSTed
    await outboxEmpty();
    await new Promise((r) => setTimeout(r, 200));
    expect(notified).toEqual([`A:${message.id}`]);
  });

  it("a notification that went out but whose removal failed is finished by its own instance, not sent again", async () => {
    // A sweeps every 300 ms, B every 20 ms: B would take the message first if A let it go.
    const { a, notified, accept, outboxEmpty } = await twoInstances(50, 300);
    const outboxDone = a.store.outboxDone.bind(a.store);
    let failures = 1;
    a.store.outboxDone = (id) =>
      failures-- > 0 ? Promise.reject(new Error("READONLY (a failover)")) : outboxDone(id);
    const { message } = await accept(a.engine, 5);
    await waitUntil(() => failures === 0, 5000, "the notification, and its removal failing");
    await outboxEmpty();
    await new Promise((r) => setTimeout(r, 200));
    expect(failures).toBe(-1); // it failed once, then A's own sweep removed it
    expect(notified).toEqual([`A:${message.id}`]);
  });

  it("hand-overs a sweep took that hang (a webhook receiver that never answers) do not hold up the timers", async () => {
    const { client, prefix } = await testRedis();
    const never = new Promise<void>(() => undefined);
    const hung = new Set<string>();
    const swept: string[] = [];
    const notified: string[] = [];
    const engine = (planner: RoutePlanner, notify: (id: string) => Promise<void>) =>
      startInstance(client, prefix, planner, FAST.timerPollMs, (message) => notify(message.id)).engine;
    const otp = (i: number, validitySeconds: number) => ({
      account: "acme",
      to: `+6281100001${i}`,
      from: "ACME",
      country: "ID",
      text: "Your code is 123456",
      parts: 1,
      validitySeconds,
      receiptVia: "webhook" as const,
      callbackUrl: "http://127.0.0.1:9/hook",
    });
    // A stored three final messages whose webhooks hang, and stopped: they wait in the outbox, leases given up.
    const a = engine(NO_ROUTE, () => never);
    for (let i = 0; i < 3; i++) hung.add((await a.accept(otp(i, 60))).message.id);
    await a.close(100);
    // B's sweep takes them, and their receivers hang again.
    const b = engine(
      {
        drained: () => false,
        plan: () => ({ name: "test", dlrTimeoutMs: 1000, carriers: ["down"], escalation: [] }),
        choose: () => null,
      },
      (id) => {
        if (!hung.has(id)) return Promise.resolve(void notified.push(id));
        swept.push(id);
        return never;
      },
    );
    await waitUntil(() => swept.length === 3, 5000, "B's sweep taking the hung hand-overs");
    // An OTP whose only carrier is down: its timer looks again every 100 ms until it expires (~1.5 s).
    const { message } = await b.accept(otp(9, 2));
    await waitUntil(() => notified.includes(message.id), 5000, "the OTP expired by its timer");
  });
});
