import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import type { CarrierSimulator, SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import { runCli } from "../../../src/cli/program.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK: SimulatorOptions = {
  submitRespLatencyMs: { min: 1, max: 3 },
  receiptLatencyMs: { min: 10, max: 30 },
};

/** An even split of one route between the two carriers: each gets about half of the first attempts. */
const EVEN_ROUTE = [
  "  - name: indonesia",
  "    match: { country: ID }",
  "    carriers:",
  "      - { carrier: id-a, weight: 1 }",
  "      - { carrier: id-b, weight: 1 }",
].join("\n");

type Daemon = Awaited<ReturnType<typeof daemonFixture>>;

/**
 * The otpgw command line, in this process (the code path `otpgw carriers …` runs), on the daemon's settings, as
 * user noc-test.
 */
async function otpgw(daemon: Daemon, ...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const sink = { write: (text: string) => (out += text) };
  const code = await runCli([...args, "--config", join(daemon.dir, "otpgw.yaml")], {
    stdout: sink,
    stderr: sink,
    env: { USER: "noc-test" },
    cwd: daemon.dir,
    version: "test",
    createLogger: () => silentLogger(),
    runDaemon: () => Promise.reject(new Error("not here")),
  });
  return { code, out };
}

async function waitDelivered(daemon: Daemon, ids: readonly string[]): Promise<void> {
  await waitUntil(
    async () => {
      for (const id of ids)
        if ((await daemon.api(`/v1/messages/${id}`)).body.state !== "delivered") return false;
      return true;
    },
    15_000,
    "every message to be delivered",
  );
}

let next = 0;
/** Submits `count` messages over HTTP and waits until each is delivered; resolves to their ids. */
async function deliver(daemon: Daemon, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await daemon.api("/v1/messages", {
      method: "POST",
      body: {
        to: `+62812${String(next++).padStart(7, "0")}`,
        from: FIXTURE_ACCOUNT.sender,
        text: "Code 123456",
      },
    });
    expect(response.status).toBe(202);
    ids.push(response.body.id as string);
  }
  await waitDelivered(daemon, ids);
  return ids;
}

async function twoCarriers(
  aOptions: SimulatorOptions = QUICK,
): Promise<{ a: CarrierSimulator; b: CarrierSimulator; daemon: Daemon }> {
  const a = await startCarrierSim(aOptions);
  const b = await startCarrierSim(QUICK);
  const daemon = await daemonFixture({
    redisUrl: inject("redisUrl"),
    carriers: [
      { id: "id-a", port: a.port! },
      { id: "id-b", port: b.port! },
    ],
    routes: EVEN_ROUTE,
  });
  await daemon.start();
  await daemon.waitForBinds();
  return { a, b, daemon };
}

async function metric(daemon: Daemon, line: RegExp): Promise<string | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
  return text.split("\n").find((l) => line.test(l));
}

describe("operators drain and weight carriers on running daemons (otpgw carriers …)", () => {
  it("a drained carrier gets no new submit within a second while every message goes out through the other; undrained, it gets traffic again", async () => {
    const { a, b, daemon } = await twoCarriers();
    await deliver(daemon, 20);
    // Both carriers take a share before the drain (an even split: P(no submit to one of them) = 2 × 2^-20).
    expect(a.received().length).toBeGreaterThan(0);
    expect(b.received().length).toBeGreaterThan(0);

    const drained = await otpgw(
      daemon,
      "carriers",
      "drain",
      "id-a",
      "--reason",
      "INC-1 test",
      "--for",
      "10m",
    );
    expect(drained.out).toContain("id-a drained by noc-test until");
    expect(drained.code).toBe(0);
    // The daemon sees it within a second: its log line and gauge say so.
    await waitUntil(
      () => daemon.logLines.some((l) => l.includes('"change":"drained"') && l.includes('"by":"noc-test"')),
      1_000,
      "the daemon to log the drain",
    );
    expect(await metric(daemon, /^otpgw_carrier_drained\{carrier="id-a"\}/)).toMatch(/ 1$/);

    const before = a.received().length;
    const viaB = b.received().length;
    await deliver(daemon, 30);
    expect(a.received().length).toBe(before);
    expect(b.received().length - viaB).toBe(30);

    const list = await otpgw(daemon, "carriers", "list");
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^id-a\s+drained\s+100 %/m);
    expect(list.out).toContain("drained by noc-test at ");
    expect(list.out).toContain(": INC-1 test");

    expect((await otpgw(daemon, "carriers", "undrain", "id-a")).code).toBe(0);
    await waitUntil(
      () => daemon.logLines.some((l) => l.includes('"change":"undrained"')),
      1_000,
      "the daemon to log the undrain",
    );
    const after = a.received().length;
    await deliver(daemon, 20);
    expect(a.received().length).toBeGreaterThan(after);
  }, 60_000);

  it("messages in flight on a carrier when it is drained finish there: its receipts are still processed", async () => {
    // id-a's receipts come a second after the submit: the drain lands while they are outstanding.
    const { a, daemon } = await twoCarriers({ ...QUICK, receiptLatencyMs: { min: 1_000, max: 1_200 } });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const response = await daemon.api("/v1/messages", {
        method: "POST",
        body: {
          to: `+62813${String(i).padStart(7, "0")}`,
          from: FIXTURE_ACCOUNT.sender,
          text: "Code 654321",
        },
      });
      ids.push(response.body.id as string);
    }
    await waitUntil(() => a.received().length > 0, 5_000, "a submit to id-a");
    expect((await otpgw(daemon, "carriers", "drain", "id-a")).code).toBe(0);
    await waitDelivered(daemon, ids);
    let deliveredOnA = 0;
    for (const id of ids) {
      const attempts = (await daemon.api(`/v1/messages/${id}`)).body.attempts as {
        carrier: string;
        outcome: string;
      }[];
      // One attempt each: none was rerouted because of the drain.
      expect(attempts).toHaveLength(1);
      if (attempts[0]!.carrier === "id-a") deliveredOnA++;
    }
    // Every message that reached id-a was delivered there, after the drain.
    expect(deliveredOnA).toBeGreaterThan(0);
    expect(deliveredOnA).toBe(a.received().length);
  }, 60_000);

  it("a weight factor moves the traffic share: id-b at 1000 % takes most first attempts", async () => {
    const { a, b, daemon } = await twoCarriers();
    expect((await otpgw(daemon, "carriers", "weight", "id-b", "1000")).code).toBe(0);
    await waitUntil(
      async () =>
        (await metric(daemon, /^otpgw_carrier_weight_percent\{carrier="id-b"\}/))?.endsWith(" 1000") === true,
      1_000,
      "the gauge to show the factor",
    );
    await deliver(daemon, 40);
    // 1 : 10 → id-a's expected share is 1/11 of 40 ≈ 3.6; at 50/50 it would be 20.
    expect(a.received().length).toBeLessThan(12);
    expect(b.received().length).toBeGreaterThan(28);
  }, 60_000);

  it("a drain survives a restart of the daemon: read at start, before any message goes out", async () => {
    const { a, b, daemon } = await twoCarriers();
    expect((await otpgw(daemon, "carriers", "drain", "id-a")).code).toBe(0);
    await waitUntil(() => daemon.logLines.some((l) => l.includes('"change":"drained"')), 1_000, "the drain");
    expect(await daemon.stop()).toBe(0);
    daemon.logLines.length = 0;

    await daemon.start();
    await daemon.waitForBinds();
    // Logged at start-up, before "otpgw started".
    const drainedAt = daemon.logLines.findIndex((l) => l.includes('"change":"drained"'));
    const startedAt = daemon.logLines.findIndex((l) => l.includes('"msg":"otpgw started"'));
    expect(drainedAt).toBeGreaterThanOrEqual(0);
    expect(drainedAt).toBeLessThan(startedAt);
    expect(await metric(daemon, /^otpgw_carrier_drained\{carrier="id-a"\}/)).toMatch(/ 1$/);
    const before = a.received().length;
    const viaB = b.received().length;
    await deliver(daemon, 20);
    expect(a.received().length).toBe(before);
    expect(b.received().length - viaB).toBe(20);
  }, 60_000);

  it("with every carrier of the route drained, new messages are refused (503) as when they are all down", async () => {
    const { daemon } = await twoCarriers();
    expect((await otpgw(daemon, "carriers", "drain", "id-a")).code).toBe(0);
    expect((await otpgw(daemon, "carriers", "drain", "id-b")).code).toBe(0);
    await waitUntil(
      () => daemon.logLines.filter((l) => l.includes('"change":"drained"')).length === 2,
      1_000,
      "both drains",
    );
    const refused = await daemon.api("/v1/messages", {
      method: "POST",
      body: { to: "+6281299999999", from: FIXTURE_ACCOUNT.sender, text: "Code 123456" },
    });
    expect(refused.status).toBe(503);
    expect((await otpgw(daemon, "carriers", "undrain", "id-b")).code).toBe(0);
    await waitUntil(
      () => daemon.logLines.some((l) => l.includes('"change":"undrained"')),
      1_000,
      "the undrain",
    );
    await deliver(daemon, 1);
  }, 60_000);
});
