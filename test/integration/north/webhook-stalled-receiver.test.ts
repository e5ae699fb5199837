import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/delivery/types.js";
import { maxResponseBodyBytes, maxSocketsPerHost, postJson } from "../../../src/north/webhook/http-post.js";
import { waitUntil } from "../../helpers/wait.js";
import { webhookReceiver } from "../../helpers/webhook-receiver.js";
import { finalMessage, startSender, webhookTestSecret } from "../../helpers/webhook-sender-fixture.js";
import { listenForTest } from "../../helpers/http-test-server.js";

/**
 * A receiver on 127.0.0.1 that answers every POST with `200` headers and `bodyBytes` of body, and never ends the
 * answer. Counts the requests and the connections open now and at most.
 */
async function stallingReceiver(bodyBytes = 2) {
  const events: string[] = [];
  let open = 0;
  let mostOpen = 0;
  const server = createServer((request, response) => {
    events.push(String(request.headers["x-otpgw-event-id"]));
    request.resume();
    response.writeHead(200, { "content-type": "text/plain" });
    response.write("x".repeat(bodyBytes));
  });
  server.on("connection", (socket) => {
    open++;
    mostOpen = Math.max(mostOpen, open);
    socket.on("close", () => open--);
  });
  const { port, close } = await listenForTest(server);
  return {
    url: `http://127.0.0.1:${port}/hook`,
    events,
    close,
    get open() {
      return open;
    },
    get mostOpen() {
      return mostOpen;
    },
  };
}

/** Rejects when `promise` has not settled within `ms`, so a hang fails the test instead of timing it out. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe("webhooks to a receiver that sends its answer's headers and then stalls", () => {
  it("times the whole answer out, does not count it as acknowledged, retries it, and closes its connections", async () => {
    const stalled = await stallingReceiver();
    const messages = new Map<string, Message>();
    // More first tries than the host gets connections: those waiting for one must time out as well.
    const count = maxSocketsPerHost + 16;
    for (let i = 0; i < count; i++) messages.set(`a${i}`, finalMessage(`a${i}`, stalled.url));
    const { sender, outcomes } = await startSender(messages, {
      timeoutMs: 300,
      initialDelayMs: 500,
      maxDelayMs: 500,
      concurrency: 1,
      hostConcurrency: 1,
    });
    await within(
      Promise.all([...messages.values()].map((m) => sender.deliver(m))),
      10_000,
      "the first tries",
    );
    expect(await outcomes()).toEqual({ not_acknowledged: count });
    expect(stalled.mostOpen).toBeLessThanOrEqual(maxSocketsPerHost);
    // Every timed-out connection is closed, none kept in the pool half-read (a retry may hold one).
    await waitUntil(() => stalled.open <= 1, 5000, "the stalled connections to close");
    // Queued, not dropped: the retries come (tries that timed out waiting for a connection never reached it).
    await waitUntil(() => new Set(stalled.events).size < stalled.events.length, 10_000, "a retry");
  });

  it("rejects a try still waiting for one of the host's connections once its own time is up", async () => {
    const stalled = await stallingReceiver();
    // Every connection to the host is taken by a try that waits 10 s.
    const holding = Array.from({ length: maxSocketsPerHost }, () =>
      postJson(stalled.url, "{}", {}, 10_000).catch((error: Error) => error),
    );
    await waitUntil(() => stalled.events.length === maxSocketsPerHost, 5000, "the pool to fill");
    // Node does not report a request destroyed while it waits for a pooled socket until one frees: the try must
    // settle on its own timer all the same, long before the others free a connection.
    await expect(within(postJson(stalled.url, "{}", {}, 200), 3000, "the waiting try")).rejects.toThrow(
      /no complete answer within 200 ms/,
    );
    await stalled.close();
    await Promise.all(holding);
  });

  it("acknowledges a 2xx whose answer runs on past the read limit, and closes that connection", async () => {
    const long = await stallingReceiver(maxResponseBodyBytes * 2);
    const message = finalMessage("l1", long.url);
    const { sender, outcomes } = await startSender(new Map([["l1", message]]), { timeoutMs: 5000 });
    await within(sender.deliver(message), 4000, "the try");
    expect(await outcomes()).toEqual({ acknowledged: 1 });
    await waitUntil(() => long.open === 0, 4000, "the connection to close");
  });

  it("lets another host's webhook through while a stalled host holds its share of the retry worker", async () => {
    const stalled = await stallingReceiver();
    const healthy = await webhookReceiver(webhookTestSecret);
    const messages = new Map<string, Message>();
    for (let i = 0; i < 8; i++) messages.set(`s${i}`, finalMessage(`s${i}`, stalled.url));
    messages.set("h1", finalMessage("h1", healthy.url));
    // The stalled host's tries hold their slots for 20 s; the healthy host must not wait for them.
    const { sender, outcomes } = await startSender(messages, {
      concurrency: 4,
      hostConcurrency: 2,
      timeoutMs: 20_000,
    });
    for (let i = 0; i < 8; i++) await sender.enqueue(`s${i}`);
    await waitUntil(() => stalled.events.length >= 2, 5000, "the stalled host's tries");
    await sender.enqueue("h1");
    await waitUntil(() => healthy.calls.length === 1, 15_000, "the healthy host's webhook");
    // Counted once the sender has read the receiver's answer, a moment after the receiver sent it.
    await waitUntil(async () => (await outcomes()).acknowledged === 1, 5000, "the acknowledgement counted");
    // Not one of the stalled tries has ended yet, and no more than the host's share was started.
    expect(await outcomes()).toEqual({ acknowledged: 1 });
    expect(healthy.calls[0]!.eventId).toBe("final:h1");
    expect(stalled.events).toHaveLength(2);
    // Cut the stalled tries short, so that closing the sender need not wait for them.
    await stalled.close();
  });
});
