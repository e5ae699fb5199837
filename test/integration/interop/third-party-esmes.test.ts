import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import type { CarrierSimulator } from "../../../scripts/sim/carrier-simulator.js";
import { encodeGsm7 } from "../../../src/smpp/gsm7.js";
import { encodeUcs2 } from "../../../src/smpp/ucs2.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, smppAccountBlock } from "../../helpers/daemon-fixture.js";
import { startKannel } from "../../helpers/kannel.js";
import { ensureNetSmpp } from "../../helpers/system-package.js";
import { waitUntil } from "../../helpers/wait.js";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const SYSTEM_ID = "acme";
const PASSWORD = "s3cret!";

/** The daemon with an SMPP-capable account, in front of one quick simulated carrier serving ID and KR. */
async function daemonWithSmpp() {
  const sim = await startCarrierSim({
    submitRespLatencyMs: { min: 1, max: 3 },
    receiptLatencyMs: { min: 20, max: 80 },
  });
  const daemon = await daemonFixture({
    redisUrl: inject("redisUrl"),
    carriers: [{ id: "id-sim", port: sim.port!, countries: ["ID", "KR"] }],
    smppBlock: await smppAccountBlock(PASSWORD, ["127.0.0.0/8", "::1/128"]),
  });
  const ports = await daemon.start();
  await daemon.waitForBinds();
  return { sim, daemon, smppPort: ports.smpp! };
}

interface PerlEvent {
  event: string;
  status?: number;
  message_id?: string;
  to?: string;
  text?: string;
  receipted_message_id?: string;
  message_state?: number;
  esm_class?: number;
  receipts?: number;
  unanswered?: number;
  asked?: string;
  final_date?: string;
  error_code?: number;
}

/** Runs the Net::SMPP ESME (test/interop/net-smpp-esme.pl) and returns its events. */
function runNetSmpp(port: number, messages: unknown[], receiptsExpected: number): Promise<PerlEvent[]> {
  ensureNetSmpp();
  return new Promise((resolve, reject) => {
    const child = spawn(
      "perl",
      [
        "test/interop/net-smpp-esme.pl",
        "127.0.0.1",
        String(port),
        SYSTEM_ID,
        PASSWORD,
        String(receiptsExpected),
        "20",
      ],
      { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`net-smpp-esme.pl exited ${code}: ${err}\n${out}`));
      else
        resolve(
          out
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as PerlEvent),
        );
    });
    child.stdin.end(JSON.stringify(messages));
  });
}

const hex = (b: Buffer) => b.toString("hex");

/** Waits until the carrier has as many messages as `texts`, and checks their texts (in any order). */
async function expectTextsAtCarrier(sim: CarrierSimulator, texts: string[]): Promise<void> {
  await waitUntil(
    () => sim.received().length === texts.length,
    10_000,
    `${texts.length} messages at the carrier`,
  );
  expect(
    sim
      .received()
      .map((m) => m.text)
      .sort(),
  ).toEqual([...texts].sort());
}

describe("third-party ESMEs bind to otpgw's SMPP server", () => {
  it("Net::SMPP binds, submits GSM, UCS-2 Korean and a 2-part message, gets one correct receipt per part, and queries each id", async () => {
    const { daemon, sim, smppPort } = await daemonWithSmpp();
    const udh = (seq: number) => Buffer.from([0x05, 0x00, 0x03, 0x7a, 0x02, seq]);
    const long = "Your one-time code is 771204. Never share it with anyone, not even our staff. ";
    const first = long.repeat(2).slice(0, 153);
    const second = long.repeat(2).slice(153);
    const messages = [
      { to: "+6281234567890", from: "ACME", data_coding: 0, hex: hex(encodeGsm7("Your code is 482913")) },
      { to: "+821055551234", from: "ACME", data_coding: 8, hex: hex(encodeUcs2("[ACME] 인증번호 482913")) },
      {
        to: "+6281234567891",
        from: "ACME",
        data_coding: 0,
        esm_class: 0x40,
        hex: hex(Buffer.concat([udh(1), encodeGsm7(first)])),
      },
      {
        to: "+6281234567891",
        from: "ACME",
        data_coding: 0,
        esm_class: 0x40,
        hex: hex(Buffer.concat([udh(2), encodeGsm7(second)])),
      },
    ];
    const events = await runNetSmpp(smppPort, messages, 4);
    expect(events[0]).toEqual({ event: "bind", status: 0 });
    const responses = events.filter((e) => e.event === "submit_resp");
    expect(responses.map((r) => r.status)).toEqual([0, 0, 0, 0]);
    const ids = new Set(responses.map((r) => r.message_id));
    expect(ids.size).toBe(4);

    const receipts = events.filter((e) => e.event === "receipt");
    expect(receipts).toHaveLength(4);
    for (const receipt of receipts) {
      expect(receipt.esm_class! & 0x3c).toBe(0x04);
      expect(ids.has(receipt.receipted_message_id)).toBe(true);
      expect(receipt.message_state).toBe(2);
      expect(receipt.text).toMatch(new RegExp(`^id:${receipt.receipted_message_id} .*stat:DELIVRD err:000`));
    }
    // query_sm for every id it was given (part ids included): DELIVERED, with a final date, as Net::SMPP decodes it.
    const queries = events.filter((e) => e.event === "query");
    expect(queries.map((q) => q.asked).sort()).toEqual([...ids].sort());
    for (const q of queries) {
      expect(q).toMatchObject({ status: 0, message_id: q.asked, message_state: 2, error_code: 0 });
      expect(q.final_date).toMatch(/^\d{12}\d00\+$/);
    }
    expect(events.at(-2)).toEqual({ event: "unbind", status: 0 });
    expect(events.at(-1)).toMatchObject({ event: "done", unanswered: 0 });

    // The carrier got three messages, the long one reassembled and re-split, each text intact.
    await expectTextsAtCarrier(sim, ["Your code is 482913", "[ACME] 인증번호 482913", first + second]);
    expect(daemon.logLines.join("\n")).not.toContain("482913");
  });

  it("Kannel binds, sends GSM, UCS-2 Korean and a 2-part message through sendsms, and its dlr-url reports each delivered", async () => {
    const { sim, smppPort } = await daemonWithSmpp();
    const kannel = await startKannel({ port: smppPort, systemId: SYSTEM_ID, password: PASSWORD });
    const long = "Your one-time code is 771204. Never share it with anyone, not even our staff. "
      .repeat(3)
      .trim();
    const sent = [
      await kannel.sendsms({ to: "+6281234567890", from: "ACME", text: "Your code is 482913", ref: "gsm" }),
      await kannel.sendsms({
        to: "+821055551234",
        from: "ACME",
        text: "[ACME] 인증번호 482913",
        ref: "ucs2",
        ucs2: true,
      }),
      await kannel.sendsms({ to: "+6281234567891", from: "ACME", text: long, ref: "long" }),
    ];
    expect(sent.every((s) => s.status === 202)).toBe(true);
    await waitUntil(
      () => ["gsm", "ucs2", "long"].every((ref) => kannel.dlrs.some((d) => d.ref === ref && d.type === 1)),
      30_000,
      "a delivered report for each message",
    );
    expect(kannel.dlrs.filter((d) => d.type === 2 || d.type === 16)).toEqual([]);
    await expectTextsAtCarrier(sim, ["Your code is 482913", "[ACME] 인증번호 482913", long]);
  });
});
