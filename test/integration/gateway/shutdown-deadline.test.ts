import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { daemonFixture, daemonWithSim } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 20, max: 40 } };
/** The daemon fixture's shutdown_timeout_ms. */
const SHUTDOWN_TIMEOUT_MS = 3000;
/** What a carrier bind's unbind may take beyond it (UNBIND_GRACE_MS), and slack for a loaded machine. */
const UNBIND_GRACE_AND_SLACK_MS = 2000;

/** A webhook receiver whose answers the test controls; the URL to give a submit. */
async function webhookReceiver(
  handle: (event: string, request: IncomingMessage, response: ServerResponse) => void,
) {
  const receiver = createServer((request, response) =>
    handle(String(request.headers["x-otpgw-event-id"]), request, response),
  );
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  onTestFinished(() => {
    receiver.closeAllConnections();
    receiver.close();
  });
  return { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`, receiver };
}

async function submit(daemon: Awaited<ReturnType<typeof daemonFixture>>, i: number, callbackUrl?: string) {
  const response = await daemon.api("/v1/messages", {
    method: "POST",
    body: {
      to: `+62811${String(i).padStart(7, "0")}`,
      from: "ACME",
      text: "Your code is 123456",
      ...(callbackUrl && { callback_url: callbackUrl }),
    },
  });
  expect(response.status).toBe(202);
  return `final:${String(response.body.id)}`;
}

describe("graceful shutdown within one shutdown_timeout_ms (the daemon as a process)", () => {
  it("exits in time while Redis is unreachable", async () => {
    const redis = await startPrivateRedis({ appendfsync: "always" });
    onTestFinished(() => redis.stop());
    const { daemon } = await daemonWithSim(QUICK, { redisUrl: redis.url });
    for (let i = 0; i < 3; i++) await submit(daemon, i);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    const ended = await Promise.race([
      daemon.stop().then(() => "exited"),
      new Promise((r) => setTimeout(() => r("still running"), 20_000)),
    ]);
    if (ended !== "exited") await daemon.kill();
    expect(ended).toBe("exited");
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS + UNBIND_GRACE_AND_SLACK_MS);
  }, 60_000);

  it("shares the time between a webhook receiver that hangs and a carrier that stopped answering", async () => {
    const taken: string[] = [];
    const hook = await webhookReceiver((event) => taken.push(event)); // never answers
    const { sim, daemon } = await daemonWithSim(QUICK, {
      redisUrl: inject("redisUrl"),
      dlrTimeoutSeconds: 1,
    });
    for (let i = 0; i < 5; i++) await submit(daemon, 100 + i, hook.url);
    await waitUntil(() => taken.length >= 5, 10_000, "five webhooks in flight");
    sim.setOutage("stop-answering");
    for (let i = 0; i < 10; i++) await submit(daemon, 200 + i);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    expect(await daemon.stop()).toBe(0);
    // Each step waiting its own full time took 2 × 3 s + 1 s here.
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS + UNBIND_GRACE_AND_SLACK_MS);
  }, 60_000);

  it("hands the webhooks of messages finalised while the binds drained to the next start at once", async () => {
    let slow = true;
    const answered = new Set<string>();
    const hook = await webhookReceiver((event, request, response) => {
      request.resume();
      if (slow) setTimeout(() => response.writeHead(200).end(), 4000);
      else response.writeHead(200).end(() => answered.add(event));
    });
    // Submits answered after 1.5–2.5 s: the receipts come while the binds drain at shutdown.
    const { daemon } = await daemonWithSim(
      { submitRespLatencyMs: { min: 1500, max: 2500 }, receiptLatencyMs: { min: 20, max: 40 } },
      { redisUrl: inject("redisUrl"), dlrTimeoutSeconds: 30 },
    );
    const events: string[] = [];
    for (let i = 0; i < 6; i++) events.push(await submit(daemon, 300 + i, hook.url));
    expect(await daemon.stop()).toBe(0);
    hook.receiver.closeAllConnections();
    slow = false;
    const restarted = Date.now();
    await daemon.start();
    // Leases left held would make the next start wait ~30 s for them.
    await waitUntil(
      () => events.every((e) => answered.has(e)),
      12_000,
      "every webhook answered after the restart",
    );
    expect(Date.now() - restarted).toBeLessThan(12_000);
  }, 90_000);
});
