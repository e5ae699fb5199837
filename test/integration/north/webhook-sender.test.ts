import { createServer, type IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { verifySignature } from "../../../src/north/webhook/webhook-signature.js";
import { waitUntil } from "../../helpers/wait.js";
import { listenForTest } from "../../helpers/http-test-server.js";
import {
  finalMessage,
  startSender,
  webhookTestSecret as secret,
} from "../../helpers/webhook-sender-fixture.js";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** When its body had arrived (ms since the epoch). */
  at: number;
}

/**
 * A webhook receiver on 127.0.0.1 answering each POST with the next status of `statuses` (then the last);
 * status 0 means never answer.
 */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      if (status === 0) return;
      response.statusCode = status;
      response.end("ok");
    });
  });
  const { port } = await listenForTest(server);
  return { url: `http://127.0.0.1:${port}/hooks/otp?token=abc`, received };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `done` holds (10 s at most) and returns the last value. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(20);
  }
}

describe("WebhookSender", () => {
  it("refuses a receiver at a private address unless allowed (webhook_private_addresses)", async () => {
    const hook = await receiver([200, 200]);
    const refusing = await startSender(new Map(), { privateAddresses: "refuse" });
    await refusing.sender.deliver(finalMessage("p1", hook.url));
    expect(hook.received).toHaveLength(0);
    expect(await refusing.outcomes()).toEqual({ not_acknowledged: 1 });
    const allowing = await startSender(new Map(), { privateAddresses: "allow" });
    await allowing.sender.deliver(finalMessage("p2", hook.url));
    expect(hook.received).toHaveLength(1);
  });

  it("delivers a webhook at once from the message in hand, without queuing it", async () => {
    const hook = await receiver([200]);
    const message = finalMessage("d1", hook.url);
    // Not in the store: a direct delivery must not need to read it back.
    const { sender, outcomes } = await startSender(new Map());
    await sender.deliver(message);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.headers["x-otpgw-event-id"]).toBe("final:d1");
    expect(
      verifySignature(
        hook.received[0]!.body,
        secret,
        hook.received[0]!.headers["x-otpgw-signature"] as string,
      ),
    ).toBe(true);
    expect(await outcomes()).toEqual({ acknowledged: 1 });
    await sleep(300);
    expect(hook.received).toHaveLength(1);
  });

  it("queues a webhook whose first try failed and retries it until acknowledged", async () => {
    const hook = await receiver([503, 500, 200]);
    const message = finalMessage("d2", hook.url);
    const { sender, outcomes } = await startSender(new Map([["d2", message]]));
    await sender.deliver(message);
    expect(hook.received).toHaveLength(1);
    await waitUntil(() => hook.received.length >= 3, 15_000, "the queued retries");
    await sleep(400);
    expect(hook.received).toHaveLength(3);
    expect(await outcomes()).toEqual({ not_acknowledged: 2, acknowledged: 1 });
  });

  it("spaces the retries after a failed first try 1, 2, 4 times the initial delay", async () => {
    const hook = await receiver([500, 500, 500, 200]);
    const message = finalMessage("s1", hook.url);
    const { sender, outcomes } = await startSender(new Map([["s1", message]]), {
      initialDelayMs: 300,
      maxDelayMs: 10_000,
    });
    await sender.deliver(message);
    await waitUntil(() => hook.received.length >= 4, 15_000, "four tries");
    const gaps = hook.received.slice(1).map((r, i) => r.at - hook.received[i]!.at);
    // Lower bounds only: a retry is never early, and may be late (BullMQ adds up to ~0.1 s to a delay). The direct
    // try is the first try: the queued retry after it must not repeat the initial delay (300, 300, 600 before).
    expect(gaps[0]).toBeGreaterThanOrEqual(295);
    expect(gaps[1]).toBeGreaterThanOrEqual(595);
    expect(gaps[2]).toBeGreaterThanOrEqual(1195);
    // The receiver has the fourth try before the sender has its 200 (a fresh-clone CI run on a slow machine saw
    // the count in between): wait for the answer to be counted.
    const counted = await eventually(
      outcomes,
      (c) => c.acknowledged === 1,
      "the fourth try's 200 to be counted",
    );
    expect(counted).toEqual({ not_acknowledged: 3, acknowledged: 1 });
  });

  it("retries a message it cannot read like a failed try, and gives it up on the last", async () => {
    const { sender, outcomes, logs } = await startSender(new Map(), {
      getMessage: () => Promise.reject(new Error("Redis unreachable")),
      retentionMs: 600,
    });
    await sender.enqueue("r1");
    const counted = await eventually(outcomes, (c) => c.gave_up === 1, "giving up");
    expect(counted.not_acknowledged).toBeGreaterThanOrEqual(1);
    const gaveUp = logs.filter((l) => String(l.msg).startsWith("webhook given up"));
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({ messageId: "r1", reason: "Redis unreachable" });
  });

  it("queues instead of sending when too many first tries are in flight", async () => {
    const hook = await receiver([0, 200]);
    const first = finalMessage("d3", hook.url);
    const second = finalMessage("d4", hook.url);
    const { sender } = await startSender(new Map([["d4", second]]), {
      directConcurrency: 1,
      timeoutMs: 3000,
    });
    const hanging = sender.deliver(first);
    await waitUntil(() => hook.received.length >= 1, 5000, "the first try");
    await sender.deliver(second);
    await waitUntil(() => hook.received.length >= 2, 5000, "the queued webhook");
    expect(JSON.parse(hook.received[1]!.body)).toMatchObject({ id: "d4" });
    await hanging;
  });

  it("retries a receiver that fails twice, then stops at its first 2xx; every try signed with one event id", async () => {
    const hook = await receiver([500, 503, 200]);
    const messages = new Map([["m1", finalMessage("m1", hook.url)]]);
    const { sender, outcomes } = await startSender(messages);
    await sender.enqueue("m1");
    await waitUntil(() => hook.received.length >= 3, 15_000, "three webhook tries");
    await sleep(600); // several backoff periods: a fourth try would have come by now
    expect(hook.received).toHaveLength(3);
    expect(await outcomes()).toEqual({ not_acknowledged: 2, acknowledged: 1 });
    for (const { headers, body } of hook.received) {
      expect(headers["x-otpgw-event-id"]).toBe("final:m1");
      expect(verifySignature(body, secret, headers["x-otpgw-signature"] as string)).toBe(true);
      expect(verifySignature(body, "another-secret-0123456789", headers["x-otpgw-signature"] as string)).toBe(
        false,
      );
      expect(Math.abs(Number(headers["x-otpgw-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
      expect(headers["content-type"]).toBe("application/json");
    }
    const payload = JSON.parse(hook.received[2]!.body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      id: "m1",
      state: "delivered",
      to: "+6281*******90",
      client_ref: "login-1",
      reason: "delivered by id-telkomsel",
      final_at: new Date(messages.get("m1")!.finalAt!).toISOString(),
    });
    expect((payload.attempts as unknown[])[0]).toMatchObject({
      carrier: "id-telkomsel",
      receipt_stat: "DELIVRD",
    });
    expect(hook.received[2]!.body).not.toContain("+6281234567890");
  });

  it("sends a final state once however often it is enqueued, before and after it was acknowledged", async () => {
    const hook = await receiver([200]);
    const messages = new Map([["m2", finalMessage("m2", hook.url)]]);
    const { sender, outcomes } = await startSender(messages);
    await Promise.all([sender.enqueue("m2"), sender.enqueue("m2"), sender.enqueue("m2")]);
    await waitUntil(() => hook.received.length >= 1, 10_000, "the webhook");
    await sender.enqueue("m2");
    await sleep(500);
    expect(hook.received).toHaveLength(1);
    expect(await outcomes()).toEqual({ acknowledged: 1 });
  });

  it("gives up when the message's retention has ended without an acknowledgement", async () => {
    const hook = await receiver([500]);
    const message = finalMessage("m3", hook.url);
    message.finalAt = Date.now();
    const { sender, outcomes } = await startSender(new Map([["m3", message]]), { retentionMs: 600 });
    await sender.enqueue("m3");
    const counted = await eventually(outcomes, (c) => c.gave_up === 1, "giving up");
    const tries = hook.received.length;
    expect(tries).toBeGreaterThanOrEqual(2);
    // 50, 100, 200, 200 ms between tries: at most five fit in 600 ms.
    expect(tries).toBeLessThanOrEqual(5);
    expect(counted.not_acknowledged).toBe(tries - 1);
    await sleep(500);
    expect(hook.received).toHaveLength(tries);
  });

  it("stops waiting for a receiver that does not answer within the timeout, and tries again", async () => {
    const hook = await receiver([0, 204]);
    const { sender, outcomes } = await startSender(new Map([["m7", finalMessage("m7", hook.url)]]), {
      timeoutMs: 300,
    });
    await sender.enqueue("m7");
    const counted = await eventually(outcomes, (c) => c.acknowledged === 1, "the acknowledgement");
    expect(counted).toEqual({ not_acknowledged: 1, acknowledged: 1 });
    expect(hook.received).toHaveLength(2);
  });

  it("waits for a message enqueued before its final state was visible, then sends it", async () => {
    const hook = await receiver([200]);
    const message = finalMessage("m8", hook.url);
    message.state = "attempting";
    const { sender, outcomes } = await startSender(new Map([["m8", message]]));
    await sender.enqueue("m8");
    await eventually(outcomes, (c) => c.not_acknowledged === 1, "the first look");
    expect(hook.received).toHaveLength(0);
    message.state = "delivered";
    expect(await eventually(outcomes, (c) => c.acknowledged === 1, "the webhook")).toEqual({
      not_acknowledged: 1,
      acknowledged: 1,
    });
    expect(hook.received).toHaveLength(1);
  });

  it("treats a redirect as not acknowledged and does not follow it", async () => {
    const hook = await receiver([302, 200]);
    const { sender, outcomes } = await startSender(new Map([["m4", finalMessage("m4", hook.url)]]));
    await sender.enqueue("m4");
    await waitUntil(() => hook.received.length >= 2, 10_000, "the retry");
    await sleep(300);
    expect(hook.received).toHaveLength(2);
    expect(await outcomes()).toEqual({ not_acknowledged: 1, acknowledged: 1 });
  });

  it("skips a message without a callback URL and gives up on one that no longer exists", async () => {
    const messages = new Map([["m5", finalMessage("m5", undefined)]]);
    const { sender, outcomes } = await startSender(messages);
    await sender.enqueue("m5");
    await sender.enqueue("gone");
    const counted = await eventually(outcomes, (c) => (c.skipped ?? 0) + (c.gave_up ?? 0) >= 2, "both jobs");
    expect(counted).toEqual({ skipped: 1, gave_up: 1 });
  });

  it("closes idempotently and refuses new work once closed", async () => {
    const { sender } = await startSender(new Map());
    await Promise.all([sender.close(), sender.close()]);
    await sender.close();
    await expect(sender.enqueue("m6")).rejects.toThrow(/closed/);
  });
});
