import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import type { CarrierSimulator } from "../../../scripts/sim/carrier-simulator.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { SimClient, sleep, startSim, waitFor, within } from "./sim-client.js";

let sim: CarrierSimulator | undefined;

async function start(): Promise<number> {
  const started = await startSim({
    submitRespLatencyMs: { min: 0, max: 0 },
    receiptLatencyMs: { min: 100, max: 100 },
  });
  sim = started.sim;
  return started.port;
}

async function bound(port: number): Promise<SimClient> {
  const c = await SimClient.connect(port);
  expect((await c.bind("otpgw", "s3cret")).command_status).toBe(0);
  return c;
}

describe("carrier simulator: outages", () => {
  it("refuse-binds refuses new binds with ESME_RBINDFAIL but keeps bound sessions working", async () => {
    const port = await start();
    const existing = await bound(port);
    sim!.setOutage("refuse-binds");
    const late = await SimClient.connect(port);
    expect((await late.bind("otpgw", "s3cret")).command_status).toBe(SmppStatus.ESME_RBINDFAIL);
    await late.waitClosed();
    expect((await existing.submit({ short_message: Buffer.from("a") })).command_status).toBe(0);

    sim!.setOutage("none");
    await bound(port);
  });

  it("drop-connections closes current sessions and every new connection at once", async () => {
    const port = await start();
    const existing = await bound(port);
    sim!.setOutage("drop-connections");
    await existing.waitClosed(2000);

    const socket = connect(port, "127.0.0.1");
    const closed = new Promise<number>((resolve) => {
      let bytes = 0;
      socket.on("data", (d: Buffer) => (bytes += d.length));
      socket.on("error", () => socket.destroy());
      socket.on("close", () => resolve(bytes));
    });
    expect(await within(closed, 2000)).toBe(0);
    await waitFor(() => sim!.counters().currentSessions === 0, 2000, "no session left");
    expect(sim!.counters().connectionsRefused).toBeGreaterThanOrEqual(1);

    sim!.setOutage("none");
    await bound(port);
  });

  it("stop-answering keeps the socket open but answers nothing, enquire_link included", async () => {
    const port = await start();
    const c = await bound(port);
    sim!.setOutage("stop-answering");
    const ping = c.request("enquire_link");
    const submit = c.submit({ short_message: Buffer.from("a") });
    expect(await within(ping, 400)).toBe("timeout");
    expect(await within(submit, 10)).toBe("timeout");
    expect(c.closed).toBe(false);

    const counters = sim!.counters();
    expect(counters.submitsReceived).toBe(1);
    expect(counters.enquireLinksAnswered).toBe(0);
    expect(counters.binds[0]).toMatchObject({ outstanding: 1, maxOutstanding: 1 });
    expect(sim!.received()).toHaveLength(0);

    sim!.setOutage("none");
    expect((await c.request("enquire_link")).command_status).toBe(0);
  });

  it("stop-answering holds receipts and drops responses that fall due, then sends the receipts when it ends", async () => {
    const port = await start();
    // Receipts fall due 350 ms after each submit: after the outage has started.
    sim!.setOptions({ submitRespLatencyMs: { min: 50, max: 50 }, receiptLatencyMs: { min: 300, max: 300 } });
    const c = await bound(port);
    const answered = c.submit({ short_message: Buffer.from("before") });
    expect((await answered).command_status).toBe(0);
    const unanswered = c.submit({ short_message: Buffer.from("during") });
    // Read and accepted before the outage, answered (50 ms later) during it.
    await waitFor(() => sim!.counters().submitsReceived === 2, 1000, "the second submit to arrive");
    sim!.setOutage("stop-answering");
    await sleep(600);
    expect(c.receipts).toHaveLength(0);
    expect(sim!.counters().receiptsPending).toBe(2);

    sim!.setOutage("none");
    await waitFor(() => c.receipts.length === 2, 2000, "the held receipts");
    expect(await within(unanswered, 100)).toBe("timeout");
    expect(sim!.counters().submitResponsesByStatus).toEqual({ "0x00000000": 1 });
  });
});
