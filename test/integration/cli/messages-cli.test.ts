import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import type { SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import { runCli } from "../../../src/cli/program.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT, smppAccountBlock } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";
import { Esme, PASSWORD } from "../north-smpp/smpp-fixture.js";

const QUICK: SimulatorOptions = {
  submitRespLatencyMs: { min: 1, max: 3 },
  receiptLatencyMs: { min: 10, max: 30 },
  messageIdFormat: "hex",
};

type Daemon = Awaited<ReturnType<typeof daemonFixture>>;

/** `otpgw …` in this process (the code path the command line runs) on the daemon's settings. */
async function otpgw(daemon: Daemon, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli([...args, "--config", join(daemon.dir, "otpgw.yaml")], {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env: { USER: "noc-test" },
    cwd: daemon.dir,
    version: "test",
    createLogger: () => silentLogger(),
    runDaemon: () => Promise.reject(new Error("not here")),
  });
  return { code, out, err };
}

async function submit(daemon: Daemon, to: string, text: string): Promise<string> {
  const response = await daemon.api("/v1/messages", {
    method: "POST",
    body: { to, from: FIXTURE_ACCOUNT.sender, text, client_ref: "order-77" },
  });
  expect(response.status).toBe(202);
  return response.body.id as string;
}

async function stateOf(daemon: Daemon, id: string): Promise<string> {
  return (await daemon.api(`/v1/messages/${id}`)).body.state as string;
}

describe("otpgw messages show: support looks a message up on the running daemons' Redis", () => {
  it("shows a delivered message's attempt, receipt and carrier id, finds it again by that carrier id, and never prints the text or the whole number", async () => {
    const sim = await startCarrierSim(QUICK);
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-a", port: sim.port!, extra: "message_id_format: { submit: hex, receipt: hex }" }],
    });
    await daemon.start();
    await daemon.waitForBinds();

    const delivered = await submit(daemon, "+6281234567890", "Your code is 482913");
    await waitUntil(async () => (await stateOf(daemon, delivered)) === "delivered", 10_000, "delivery");
    const carrierId = sim.received().at(-1)!.messageIds[0]!;

    const shown = await otpgw(daemon, "messages", "show", delivered);
    expect(shown.err).toBe("");
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`message ${delivered}, account ${FIXTURE_ACCOUNT.id}`);
    expect(shown.out).toMatch(/state\s+delivered: delivered by id-a/);
    expect(shown.out).toContain("client ref order-77");
    expect(shown.out).toMatch(/receipts\s+none asked/);
    expect(shown.out).toMatch(/final\s+\S+Z, \d+\.\d{3} s after it was created/);
    // The attempt's row: number, channel, carrier, …, outcome, receipt, part status, the carrier's own id.
    expect(shown.out).toMatch(
      new RegExp(
        `^1\\s+sms\\s+id-a\\s+route-0\\s+\\+\\d+\\.\\d{3} s\\s+\\+\\d+\\.\\d{3} s\\s+delivered\\s+DELIVRD.*\\s+delivered\\s+${BigInt(`0x${carrierId}`)}`,
        "m",
      ),
    );
    expect(shown.out).not.toContain("next look");
    expect(shown.out).not.toContain("482913");
    expect(shown.out).not.toContain("6281234567890");
    expect(shown.out).toContain("+6281*******90 (ID)");

    // A carrier's support quotes its id as it wrote it (hex here, any case): the same message is found.
    const byCarrier = await otpgw(daemon, "messages", "show", "--carrier", "id-a", carrierId.toUpperCase());
    expect(byCarrier.code).toBe(0);
    expect(byCarrier.out).toContain(`is part 1 of attempt 1 of:\nmessage ${delivered},`);

    const json = await otpgw(daemon, "messages", "show", delivered, "--json");
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as Record<string, unknown> & { attempts: Record<string, unknown>[] };
    expect(report).toMatchObject({
      id: delivered,
      account: FIXTURE_ACCOUNT.id,
      country: "ID",
      state: "delivered",
      to: "+6281*******90",
      text_length: "Your code is 482913".length,
      next_check_at: null,
      notification_pending: false,
    });
    expect(report.attempts[0]).toMatchObject({
      carrier: "id-a",
      outcome: "delivered",
      receipt_stat: "DELIVRD",
      carrier_message_ids: [String(BigInt(`0x${carrierId}`))],
    });
    expect(json.out).not.toContain("482913");

    // A message the carrier accepted but never reports on: still attempting, looked at again at its DLR deadline.
    sim.setOptions({ outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 } });
    const waiting = await submit(daemon, "+6281234567891", "Your code is 111222");
    await waitUntil(
      async () => {
        const { body } = await daemon.api(`/v1/messages/${waiting}`);
        const attempts = body.attempts as { part_statuses: string[] }[] | undefined;
        return attempts?.[0]?.part_statuses[0] === "accepted";
      },
      10_000,
      "the carrier's acceptance",
    );
    const open = await otpgw(daemon, "messages", "show", waiting);
    expect(open.code).toBe(0);
    expect(open.out).toMatch(/state\s+attempting/);
    expect(open.out).toMatch(/next look\s+\S+ \(in [^)]+\): attempt 1's DLR deadline/);
    expect(open.out).toMatch(/^1\s+sms\s+id-a\s+route-0\s+\S+ s\s+-\s+\(open\)\s+-\s+accepted\s+\d+/m);
  });

  it("finds an SMPP multi-part message by either part's id with its account, and says its receipts go back per part id", async () => {
    const sim = await startCarrierSim(QUICK);
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-a", port: sim.port! }],
      smppBlock: await smppAccountBlock(PASSWORD),
    });
    await daemon.start();
    await daemon.waitForBinds();
    const esme = await Esme.connect(daemon.ports!.smpp!);
    expect((await esme.bind()).command_status).toBe(0);
    const udh = (seq: number) => Buffer.from([5, 0, 3, 42, 2, seq]);
    const text = "X".repeat(153) + "Your code is 774411";
    const partIds: string[] = [];
    for (const [seq, chunk] of [
      [1, text.slice(0, 153)],
      [2, text.slice(153)],
    ] as const) {
      const resp = await esme.submit({
        source_addr: FIXTURE_ACCOUNT.sender,
        destination_addr: "6281234567892",
        esm_class: 0x40,
        registered_delivery: 1,
        short_message: Buffer.concat([udh(seq), Buffer.from(chunk)]),
      });
      expect(resp.command_status).toBe(0);
      partIds.push(String(resp.message_id));
    }
    await waitUntil(() => esme.deliveries.length >= 2, 15_000, "a receipt per part id");
    const setId = partIds[0]!.replace(/-1$/, "");

    const first = await otpgw(daemon, "messages", "show", "--account", FIXTURE_ACCOUNT.id, partIds[0]!);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/state\s+delivered: delivered by id-a/);
    expect(first.out).toContain("2 parts");
    expect(first.out).toContain(`one per part id ${setId}-1…2`);
    const second = await otpgw(daemon, "messages", "show", "--account", FIXTURE_ACCOUNT.id, partIds[1]!);
    expect(second.out.split("\n")[0]).toBe(first.out.split("\n")[0]);
    expect(first.out).not.toContain("774411");

    // Another account's name finds nothing: a set id is the account's own.
    const other = await otpgw(daemon, "messages", "show", "--account", "someone-else", partIds[0]!);
    expect(other.code).toBe(1);
  });

  it("refuses what names no message, one line each with exit 1: an unknown id, an unknown carrier, a multi-part id without its account", async () => {
    const sim = await startCarrierSim(QUICK);
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-a", port: sim.port! }],
    });
    await daemon.start();

    const unknown = await otpgw(daemon, "messages", "show", "0123456789abcdef01234567");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(
      /^otpgw: messages show: no message 0123456789abcdef01234567 is kept .*; read redis:\/\//,
    );
    expect(unknown.out).toBe("");

    const noCarrier = await otpgw(daemon, "messages", "show", "--carrier", "id-zz", "123");
    expect(noCarrier.code).toBe(1);
    expect(noCarrier.err).toBe('otpgw: messages show: unknown carrier "id-zz" (carriers: id-a)\n');

    const notMapped = await otpgw(daemon, "messages", "show", "--carrier", "id-a", "999999");
    expect(notMapped.code).toBe(1);
    expect(notMapped.err).toContain("no message of id-a has message id 999999");

    const part = await otpgw(daemon, "messages", "show", "4f0c2a9e1b7d3c55-2");
    expect(part.code).toBe(1);
    expect(part.err).toContain("is an SMPP multi-part id: give its account with --account");

    const noSet = await otpgw(daemon, "messages", "show", "--account", "acme", "4f0c2a9e1b7d3c55-2");
    expect(noSet.code).toBe(1);
    expect(noSet.err).toContain("account acme has no multi-part message 4f0c2a9e1b7d3c55");
  });
});
