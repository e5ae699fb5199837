import { createServer } from "node:net";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { ephemeralPortRange, freePorts, isListening } from "../../../scripts/lib/free-port.js";

describe("freePorts", () => {
  it("gives different ports below the kernel's ephemeral range, each one listenable at once", async () => {
    const [ephemeralLow] = ephemeralPortRange();
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const port of ports) {
      expect(port).toBeLessThan(ephemeralLow);
      expect(port).toBeGreaterThan(1023);
      expect(await isListening(port)).toBe(false);
      const server = createServer().listen(port, "127.0.0.1");
      await once(server, "listening");
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it("passes over ports something already listens on", async () => {
    // The picker moves on from its last port: hold the 20 after it, and the next pick must step past them.
    const [last] = await freePorts(1);
    const servers = [];
    for (let port = last! + 1; port <= last! + 20; port++) {
      const server = createServer().listen(port, "127.0.0.1");
      const listened = await Promise.race([
        once(server, "listening").then(() => true),
        once(server, "error").then(() => false),
      ]);
      if (listened) servers.push(server);
    }
    const taken = servers.map((server) => (server.address() as { port: number }).port);
    expect(taken.length).toBeGreaterThan(10);
    try {
      const [picked] = await freePorts(1);
      expect(taken).not.toContain(picked);
      expect(await isListening(picked!)).toBe(false);
    } finally {
      await Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
    }
  });
});
