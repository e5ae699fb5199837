import { once } from "node:events";
import { connect } from "node:net";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

describe("HTTP connection limit", () => {
  it("closes a connection beyond http.max_connections as it is accepted, counts it, and serves again once one closes", async () => {
    const sim = await startCarrierSim();
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port! }],
      httpMaxConnections: 3,
    });
    const ports = await daemon.start();
    const open = async () => {
      const socket = connect({ host: "127.0.0.1", port: ports.http });
      socket.on("error", () => undefined);
      onTestFinished(() => void socket.destroy());
      const state = { closed: false };
      socket.once("close", () => (state.closed = true));
      await once(socket, "connect");
      return { socket, state };
    };
    const held = [await open(), await open(), await open()];
    const extra = await open();
    await waitUntil(() => extra.state.closed, 2000, "the fourth connection to be closed");
    expect(held.every((c) => !c.state.closed)).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
    expect(metrics).toMatch(/^otpgw_http_connections_refused_total 1$/m);
    held[0]!.socket.destroy();
    await waitUntil(() => held[0]!.state.closed, 2000, "a slot to free");
    await new Promise((r) => setTimeout(r, 100));
    const health = await daemon.api("/healthz");
    expect(health.status).toBe(200);
  });
});
