import { describe, expect, it } from "vitest";
import type { CarrierSimulator } from "../../../scripts/sim/carrier-simulator.js";
import { SimClient, startSim } from "./sim-client.js";

let sim: CarrierSimulator | undefined;

async function boundClient(): Promise<SimClient> {
  const started = await startSim({
    submitRespLatencyMs: { min: 50, max: 50 },
    outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 },
  });
  sim = started.sim;
  const c = await SimClient.connect(started.port);
  await c.bind("otpgw", "s3cret", "bind_transmitter");
  return c;
}

/** Sends `total` submits keeping exactly `window` outstanding: a new one each time a response arrives. */
async function keepWindow(c: SimClient, window: number, total: number): Promise<number[]> {
  const statuses: number[] = [];
  let sent = 0;
  const lane = async () => {
    while (sent < total) {
      const n = sent++;
      const resp = await c.submit({ short_message: Buffer.from(`m${n}`) });
      statuses.push(resp.command_status);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return statuses;
}

describe("carrier simulator: per-bind window and rate counters", () => {
  it("measures maxOutstanding exactly for a client that keeps 5 outstanding", async () => {
    const c = await boundClient();
    const statuses = await keepWindow(c, 5, 60);
    expect(statuses).toHaveLength(60);
    expect(statuses.every((s) => s === 0)).toBe(true);

    const bind = sim!.counters().binds.find((b) => b.remotePort === c.localPort);
    expect(bind).toBeDefined();
    expect(bind!.submitsReceived).toBe(60);
    expect(bind!.maxOutstanding).toBe(5);
    expect(bind!.outstanding).toBe(0);
    expect(bind!.perSecond.reduce((sum, b) => sum + b.submits, 0)).toBe(60);
    expect(bind!.maxSubmitsPerSecond).toBe(Math.max(...bind!.perSecond.map((b) => b.submits)));
  });

  it("sees a client that exceeds its window", async () => {
    const c = await boundClient();
    await Promise.all(Array.from({ length: 8 }, (_, i) => c.submit({ short_message: Buffer.from(`m${i}`) })));
    const bind = sim!.counters().binds[0]!;
    expect(bind.maxOutstanding).toBe(8);
  });

  it("keeps a closed bind's figures and marks it closed", async () => {
    const c = await boundClient();
    await keepWindow(c, 3, 9);
    const port = c.localPort;
    c.close();
    await c.waitClosed();
    await new Promise((r) => setTimeout(r, 50));
    const bind = sim!.counters().binds.find((b) => b.remotePort === port);
    expect(bind).toMatchObject({ open: false, maxOutstanding: 3, submitsReceived: 9 });
  });

  it("reset zeroes the counters and the history", async () => {
    const c = await boundClient();
    await keepWindow(c, 2, 4);
    sim!.reset();
    const counters = sim!.counters();
    expect(counters).toMatchObject({ submitsReceived: 0, messagesReceived: 0, currentSessions: 1 });
    expect(counters.binds[0]).toMatchObject({ submitsReceived: 0, maxOutstanding: 0 });
    expect(sim!.received()).toHaveLength(0);
  });
});
