import { createServer } from "node:net";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import {
  ephemeralPortRange,
  freePorts,
  isListening,
  pickerSlice,
  portSlice,
} from "../../../scripts/lib/free-port.js";

describe("freePorts", () => {
  it("divides the ports below the ephemeral range into 16 slices, or all above 1023 when there is no room", () => {
    // Linux's default range starts at 32768: 12,768 quiet ports from 20000, 798 per slice.
    expect(portSlice(32_768, 0)).toEqual([20_000, 798]);
    expect(portSlice(32_768, 15)).toEqual([20_000 + 15 * 798, 798]);
    expect(portSlice(32_768, 15)[0] + 798 - 1).toBeLessThan(32_768);
    expect(portSlice(32_768, 17)).toEqual(portSlice(32_768, 1)); // a pid or worker id beyond 16 wraps
    // A kernel handing out ports from 1024 leaves no quiet range: the whole range, 4,032 ports a slice.
    expect(portSlice(1024, 0)).toEqual([1024, 4032]);
    expect(portSlice(1024, 15)[0] + 4032 - 1).toBe(65_535);
  });

  it("gives different ports below the kernel's ephemeral range, each one listenable at once", async () => {
    const [ephemeralLow] = ephemeralPortRange();
    const quiet = ephemeralLow - 20_000 >= 1600; // else the whole range is used (above)
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const port of ports) {
      if (quiet) expect(port).toBeLessThan(ephemeralLow);
      expect(port).toBeGreaterThan(1023);
      expect(await isListening(port)).toBe(false);
      const server = createServer().listen(port, "127.0.0.1");
      await once(server, "listening");
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it("passes over ports something already listens on", async () => {
    // The picker moves on from its last port through its slice, wrapping at the slice's end: hold the 20 after it
    // in that order, and the next pick must step past them.
    const [last] = await freePorts(1);
    const [first, size] = pickerSlice();
    const servers = [];
    for (let step = 1; step <= 20; step++) {
      const port = first + ((last! - first + step) % size);
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
