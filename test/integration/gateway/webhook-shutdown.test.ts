import { once } from "node:events";
import { createServer } from "node:http";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

describe("graceful shutdown with a webhook receiver that hangs", () => {
  it("SIGTERM does not wait for unanswered webhooks, and each goes out again after the restart", async () => {
    // A receiver that takes every webhook and answers none, until it is told to answer.
    let answering = false;
    const taken: string[] = [];
    const answered = new Set<string>();
    const receiver = createServer((request, response) => {
      const event = String(request.headers["x-otpgw-event-id"]);
      taken.push(event);
      if (!answering) return;
      request.resume();
      request.on("end", () => {
        answered.add(event);
        response.writeHead(200).end();
      });
    });
    receiver.listen(0, "127.0.0.1");
    await once(receiver, "listening");
    onTestFinished(() => {
      receiver.closeAllConnections();
      receiver.close();
    });
    const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

    const sim = await startCarrierSim({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 20, max: 40 },
    });
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port! }],
    });
    await daemon.start();
    await daemon.waitForBinds();
    const events: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await daemon.api("/v1/messages", {
        method: "POST",
        body: { to: `+628110000${i}00`, from: "ACME", text: "Your code is 123456", callback_url: hook },
      });
      expect(response.status).toBe(202);
      events.push(`final:${String(response.body.id)}`);
    }
    await waitUntil(() => taken.length >= 5, 10_000, "five webhooks taken (and left unanswered)");

    const sigterm = Date.now();
    expect(await daemon.stop()).toBe(0);
    // The webhook timeout is 10 s: shutdown does not sit it out (it takes milliseconds here).
    expect(Date.now() - sigterm).toBeLessThan(5000);

    receiver.closeAllConnections();
    answering = true;
    await daemon.start();
    await waitUntil(
      () => events.every((e) => answered.has(e)),
      30_000,
      "every webhook answered after the restart",
    );
  }, 60_000);
});
