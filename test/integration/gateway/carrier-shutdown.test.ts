import { describe, expect, inject, it } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

describe("graceful shutdown with a carrier that answers nothing", () => {
  it("SIGTERM exits within the shutdown timeout (plus a second for the unbind), and after a restart every accepted message ends", async () => {
    const sim = await startCarrierSim({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 50, max: 90 },
    });
    // shutdown_timeout_ms 3000 (the fixture's); the carrier's response timeout is 10 s, its window 20.
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port! }],
      dlrTimeoutSeconds: 1,
    });
    await daemon.start();
    await daemon.waitForBinds();
    const ids: string[] = [];
    const submit = async (i: number) => {
      const response = await daemon.api("/v1/messages", {
        method: "POST",
        body: { to: `+628110000${String(i).padStart(3, "0")}`, from: "ACME", text: "Your code is 123456" },
      });
      expect(response.status).toBe(202);
      ids.push(response.body.id as string);
    };
    for (let i = 0; i < 10; i++) await submit(i);
    // The carrier goes silent: the next submits fill the bind's window and are never answered.
    sim.setOutage("stop-answering");
    for (let i = 10; i < 40; i++) await submit(i);
    await new Promise((r) => setTimeout(r, 300));

    const sigterm = Date.now();
    const exitCode = await Promise.race([
      daemon.stop(),
      new Promise((resolve) => setTimeout(() => resolve("still running 30 s after SIGTERM"), 30_000)),
    ]);
    const tookMs = Date.now() - sigterm;
    expect(exitCode).toBe(0);
    // 3 s of drain and 1 s for the unbind (~4 s here), with room for a busy machine. Before: the unbind waited for
    // a window slot and then for its own answer, a response timeout each (~20 s).
    expect(tookMs).toBeLessThan(10_000);

    sim.setOutage("none");
    await daemon.start();
    await daemon.waitForBinds();
    const final = new Set(["delivered", "undeliverable", "expired"]);
    const states = async () =>
      Promise.all(ids.map(async (id) => (await daemon.api(`/v1/messages/${id}`)).body.state as string));
    await waitUntil(
      async () => (await states()).every((state) => final.has(state)),
      30_000,
      "every accepted message to end after the restart",
    );
  }, 90_000);
});
