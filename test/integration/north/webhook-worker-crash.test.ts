import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { killWhenFinished } from "../../helpers/child-cleanup.js";
import { waitUntil } from "../../helpers/wait.js";
import { finalMessage, startSender } from "../../helpers/webhook-sender-fixture.js";
import { listenForTest } from "../../helpers/http-test-server.js";

/** Lock duration (and stalled-job check) in these tests: a killed worker's retry is taken over within about 1 s. */
const lockDurationMs = 300;

/** A receiver on 127.0.0.1 that holds every webhook unanswered until `answering` is set, then answers 200. */
async function receiver() {
  const events: string[] = [];
  const acknowledged: string[] = [];
  const state = { answering: false };
  const server = createServer((request, response) => {
    const event = String(request.headers["x-otpgw-event-id"]);
    events.push(event);
    request.resume();
    if (!state.answering) return;
    acknowledged.push(event);
    response.writeHead(200).end("ok");
  });
  const { port } = await listenForTest(server);
  return { url: `http://127.0.0.1:${port}/hook`, events, acknowledged, state };
}

/**
 * Runs a retry worker in a process of its own until it has sent the `tries`-th webhook the receiver saw, then
 * kills it (SIGKILL) with that try in flight.
 */
async function crashWhileSending(
  config: { redisUrl: string; prefix: string; callbackUrl: string },
  events: string[],
  tries: number,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "otpgw-webhook-child-"));
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/helpers/webhook-worker-child.ts",
      JSON.stringify({ ...config, lockDurationMs }),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  killWhenFinished(child, dir);
  child.stdout.resume();
  await waitUntil(() => events.length >= tries || child.exitCode !== null, 30_000, `try ${tries}`);
  expect(child.exitCode).toBeNull();
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

describe("queued webhooks across crashes of the process sending them", () => {
  it("sends a webhook whose retry was in flight when its process was killed, twice in a row", async () => {
    const hook = await receiver();
    const message = finalMessage("k1", hook.url);
    const { sender: queuer, redis } = await startSender(new Map(), { worker: false });
    const prefix = `${redis.prefix}bull`;
    await queuer.enqueue("k1");
    for (const tries of [1, 2]) {
      await crashWhileSending({ redisUrl: redis.url, prefix, callbackUrl: hook.url }, hook.events, tries);
    }
    hook.state.answering = true;
    const { outcomes } = await startSender(new Map([["k1", message]]), { prefix, lockDurationMs });
    await waitUntil(() => hook.acknowledged.length >= 1, 20_000, "the webhook after the crashes");
    // Counted once the sender has read the receiver's answer, a moment after the receiver sent it.
    await waitUntil(async () => (await outcomes()).acknowledged === 1, 5000, "the acknowledgement counted");
    expect(hook.acknowledged).toEqual(["final:k1"]);
    expect(await outcomes()).toEqual({ acknowledged: 1 });
  });

  it("counts and logs a webhook that BullMQ fails without running it (a stall beyond maxStalledCount)", async () => {
    const hook = await receiver();
    const { sender: queuer, redis } = await startSender(new Map(), { worker: false });
    const prefix = `${redis.prefix}bull`;
    await queuer.enqueue("k2");
    await crashWhileSending({ redisUrl: redis.url, prefix, callbackUrl: hook.url }, hook.events, 1);
    hook.state.answering = true;
    const { outcomes, logs } = await startSender(new Map([["k2", finalMessage("k2", hook.url)]]), {
      prefix,
      lockDurationMs,
      maxStalledCount: 0,
    });
    await waitUntil(async () => (await outcomes()).gave_up === 1, 20_000, "the webhook given up");
    expect(await outcomes()).toEqual({ gave_up: 1 });
    expect(hook.events).toEqual(["final:k2"]);
    const gaveUp = logs.filter((l) => String(l.msg).startsWith("webhook given up"));
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({ level: 40, messageId: "k2" });
    expect(String(gaveUp[0]!.reason)).toMatch(/stalled/);
  });
});
