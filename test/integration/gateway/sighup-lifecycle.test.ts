import { describe, expect, inject, it } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

const messages = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { msg?: string }).msg ?? "");

describe("SIGHUP at any moment of the daemon's life (logrotate or `systemctl reload` racing a start or a stop)", () => {
  it("a SIGHUP while starting neither kills the daemon nor is lost: the reload runs once started", async () => {
    const sim = await startCarrierSim();
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port! }],
    });
    const starting = daemon.start();
    await waitUntil(() => daemon.logLines.length > 0, 30_000, "the first log line");
    expect(messages(daemon.logLines)).not.toContain("otpgw started");
    daemon.signal("SIGHUP");
    await starting;
    await waitUntil(
      () => messages(daemon.logLines).some((m) => m.startsWith("configuration reloaded")),
      10_000,
      "the reload after start",
    );
    // Usually the signal lands while starting (without a handler then, the process died); when start-up won the
    // race, it is an ordinary reload. Either way the daemon lives and reloads once started.
    const seen = messages(daemon.logLines);
    const deferred = seen.indexOf("SIGHUP while starting: reloading once started");
    if (deferred >= 0) expect(deferred).toBeLessThan(seen.indexOf("otpgw started"));
    else expect(seen).toContain("reloading");
    expect(seen.indexOf("otpgw started")).toBeLessThan(
      seen.findIndex((m) => m.startsWith("configuration reloaded")),
    );
    expect(await daemon.stop()).toBe(0);
  }, 60_000);

  it("a SIGHUP while shutting down is ignored: the graceful shutdown completes", async () => {
    const sim = await startCarrierSim();
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port! }],
    });
    await daemon.start();
    await daemon.waitForBinds();
    // The carrier answers nothing from now on: the shutdown waits out its unbind grace (a second) instead of being
    // over in a few milliseconds, so the SIGHUP below lands while it is shutting down, however loaded the machine.
    sim.setOutage("stop-answering");
    const stopped = daemon.stop();
    await waitUntil(
      () => messages(daemon.logLines).includes("shutting down"),
      5_000,
      "the shutdown to begin",
    );
    daemon.signal("SIGHUP");
    expect(await stopped).toBe(0);
    const seen = messages(daemon.logLines);
    expect(seen).toContain("SIGHUP while shutting down: ignored");
    // Completed: "otpgw stopped" is logged (on a slow machine a component's own close warning may come after it).
    expect(seen).toContain("otpgw stopped");
  }, 60_000);
});
