import { describe, expect, it } from "vitest";
import type { CarrierSimulator } from "../../../scripts/sim/carrier-simulator.js";
import type { SimulatorCounters } from "../../../scripts/sim/counters.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { SimClient, sleep, startSim } from "./sim-client.js";

let sim: CarrierSimulator | undefined;

async function start(): Promise<{ port: number; base: string }> {
  const started = await startSim({ submitRespLatencyMs: { min: 0, max: 0 }, controlPort: 0 });
  sim = started.sim;
  const { port, controlPort } = started;
  expect(controlPort).toBeGreaterThan(0);
  return { port, base: `http://127.0.0.1:${controlPort}` };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("carrier simulator: HTTP control endpoint", () => {
  it("is not started without controlPort", async () => {
    const started = await startSim();
    expect(started.controlPort).toBeUndefined();
  });

  it("serves the counters as JSON", async () => {
    const { port, base } = await start();
    const c = await SimClient.connect(port);
    await c.bind("otpgw", "s3cret");
    await c.submit({ short_message: Buffer.from("a") });
    const res = await fetch(`${base}/counters`);
    expect(res.status).toBe(200);
    const counters = (await res.json()) as SimulatorCounters;
    expect(counters).toMatchObject({ bindsAccepted: 1, submitsReceived: 1, currentSessions: 1 });
    expect(counters.binds[0]).toMatchObject({ systemId: "otpgw", maxOutstanding: 1 });
  });

  it("sets an outage mode, and refuses an unknown one with 400", async () => {
    const { port, base } = await start();
    expect(await post(`${base}/outage`, { mode: "refuse-binds" })).toMatchObject({
      status: 200,
      json: { outage: "refuse-binds" },
    });
    const c = await SimClient.connect(port);
    expect((await c.bind("otpgw", "s3cret")).command_status).toBe(SmppStatus.ESME_RBINDFAIL);
    expect((await post(`${base}/outage`, { mode: "meltdown" })).status).toBe(400);
    expect(sim!.outage).toBe("refuse-binds");
  });

  it("changes options at run time and lists every problem of an invalid change", async () => {
    const { port, base } = await start();
    expect((await post(`${base}/options`, { throttlePerSecond: 1, messageIdFormat: "decimal" })).status).toBe(
      200,
    );
    const c = await SimClient.connect(port);
    await c.bind("otpgw", "s3cret");
    // Both submits in one wall-clock second: start just after a second boundary.
    await sleep(1000 - (Date.now() % 1000) + 5);
    const [a, b] = await Promise.all([
      c.submit({ short_message: Buffer.from("a") }),
      c.submit({ short_message: Buffer.from("b") }),
    ]);
    expect([a.command_status, b.command_status].sort()).toEqual([0, SmppStatus.ESME_RTHROTTLED]);
    expect([a, b].find((p) => p.command_status === 0)!.message_id).toMatch(/^\d+$/);

    const bad = await post(`${base}/options`, {
      submitRespLatencyMs: { min: 5, max: 1 },
      receiptStyle: "pdf",
    });
    expect(bad.status).toBe(400);
    expect(bad.json.problems).toHaveLength(2);
    expect((await post(`${base}/options`, { port: 1 })).status).toBe(400);
  });

  it("resets counters and history", async () => {
    const { port, base } = await start();
    const c = await SimClient.connect(port);
    await c.bind("otpgw", "s3cret");
    await c.submit({ short_message: Buffer.from("a") });
    expect((await post(`${base}/reset`, {})).status).toBe(200);
    expect(sim!.counters().submitsReceived).toBe(0);
    expect(sim!.received()).toHaveLength(0);
  });

  it("pages received messages and leaves the text out unless asked", async () => {
    const { port, base } = await start();
    const c = await SimClient.connect(port);
    await c.bind("otpgw", "s3cret");
    for (const t of ["one", "two", "three"]) await c.submit({ short_message: Buffer.from(t) });
    const page = (await (await fetch(`${base}/received?offset=1&limit=1`)).json()) as {
      total: number;
      messages: Record<string, unknown>[];
    };
    expect(page.total).toBe(3);
    expect(page.messages).toHaveLength(1);
    expect(page.messages[0]!.text).toBeUndefined();
    const withText = (await (await fetch(`${base}/received?text=1`)).json()) as {
      messages: { text: string }[];
    };
    expect(withText.messages.map((m) => m.text)).toEqual(["one", "two", "three"]);
  });

  it("answers 404 for an unknown route and masks passwords in /status", async () => {
    const { base } = await start();
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const status = (await (await fetch(`${base}/status`)).json()) as { options: { credentials: unknown[] } };
    expect(status.options.credentials).toEqual([{ systemId: "otpgw", password: "***" }]);
  });
});
