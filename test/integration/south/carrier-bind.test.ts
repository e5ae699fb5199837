import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { CarrierSimulator, type SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import type { CarrierConfig } from "../../../src/config/types.js";
import { createLogger } from "../../../src/observability/logger.js";
import { CarrierPool, type CarrierReceipt } from "../../../src/south/carrier-pool.js";
import { buildSubmits } from "../../../src/south/submit-builder.js";
import type { SubmitOutcome } from "../../../src/south/submit-types.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { waitUntil } from "../../helpers/wait.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A pino destination that keeps every line, parsed. */
function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: "debug", destination: stream }) };
}

async function startSim(options: SimulatorOptions): Promise<CarrierSimulator> {
  const sim = new CarrierSimulator({ credentials: [{ systemId: "otpgw", password: "secret" }], ...options });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

function startPool(carrier: CarrierConfig, logger = captureLogs().logger): CarrierPool {
  const pool = new CarrierPool({ carrier, logger });
  pool.start();
  cleanups.push(() => pool.close(2000));
  return pool;
}

describe("carrier bind", () => {
  it("logs a clear refusal on a wrong password, backs off between attempts and keeps running", async () => {
    const sim = await startSim({});
    const { lines, logger } = captureLogs();
    const carrier = testCarrier({
      port: sim.port!,
      password: "wrong",
      reconnectMinDelayMs: 100,
      reconnectMaxDelayMs: 400,
    });
    const pool = startPool(carrier, logger);
    await new Promise((r) => setTimeout(r, 1500));

    const refusals = lines.filter(
      (l) => typeof l.msg === "string" && l.msg.includes("refused the bind with ESME_RINVPASWD"),
    );
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(refusals[0]).toMatchObject({ level: 50, carrier: "test-carrier", status: "ESME_RINVPASWD" });
    // Backoff: a handful of attempts in 1.5 s (100, 200, 400, 400 ms…), not a tight loop.
    expect(sim.counters().bindsRefused).toBeLessThanOrEqual(8);
    expect(pool.status().binds[0]!.state).not.toBe("bound");
    // The password itself never reaches the log.
    expect(JSON.stringify(lines)).not.toContain('"wrong"');
  });

  it("encodes GSM (with extension characters), UCS-2 and a 3-part text that the carrier decodes back exactly", async () => {
    const sim = await startSim({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 5, max: 10 },
    });
    const carrier = testCarrier({ port: sim.port! });
    const pool = startPool(carrier);
    await waitUntil(() => pool.status().bound === 1, 5000);

    const texts = [
      "Code 123456 €[]{}^~|\\ valid 5 min @£$¥",
      "인증번호 482913 를 입력하세요",
      "รหัส OTP ของคุณคือ 771204",
      "Your code: 5521 🔐✅",
      "This is a long verification message ".repeat(10).trim(), // 359 GSM septets: 3 parts
    ];
    for (const [i, text] of texts.entries()) {
      const { parts, segmented } = buildSubmits(carrier, {
        source: "OTPGW",
        destination: `+6281100000${i}`,
        text,
        reference: 40 + i,
      });
      if (i === 4) expect(parts).toHaveLength(3);
      if (i === 1) expect(segmented.dataCoding).toBe(0x08);
      if (i === 0) expect(segmented.dataCoding).toBe(0x00);
      const outcomes = await Promise.all(parts.map((p) => pool.submit(p)));
      expect(outcomes.every((o) => o.kind === "accepted")).toBe(true);
    }
    await waitUntil(() => sim.received().length === texts.length, 5000, "all messages reassembled");
    const byDestination = new Map(sim.received().map((m) => [m.destination, m]));
    for (const [i, text] of texts.entries()) {
      const got = byDestination.get(`6281100000${i}`)!;
      expect(got.text).toBe(text);
      expect(got.parts).toBe(i === 4 ? 3 : 1);
    }
  });

  it("with transmitter+receiver binds, submits go out on the transmitter and receipts arrive on the receiver", async () => {
    const sim = await startSim({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 5, max: 10 },
    });
    const carrier = testCarrier({ port: sim.port!, bindMode: "transmitter+receiver", binds: 1 });
    const pool = startPool(carrier);
    const receipts: CarrierReceipt[] = [];
    pool.on("receipt", (r: CarrierReceipt) => receipts.push(r));
    await waitUntil(() => pool.status().bound === 2, 5000);
    const { parts } = buildSubmits(carrier, {
      source: "OTPGW",
      destination: "+628110000001",
      text: "code 42",
      reference: 1,
    });
    const outcome = await pool.submit(parts[0]!);
    expect(outcome).toMatchObject({ kind: "accepted", bindId: "test-carrier/tx0" });
    await waitUntil(() => receipts.length === 1, 5000, "the receipt");
    expect(receipts[0]!.bindId).toBe("test-carrier/rx0");
    const types = sim
      .counters()
      .binds.map((b) => b.bindType)
      .sort();
    expect(types).toEqual(["receiver", "transmitter"]);
  });

  it("answers a receipt it could not record with ESME_RX_T_APPN, so the carrier delivers it again", async () => {
    const sim = await startSim({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 5, max: 10 },
      receiptRetryDelayMs: 50,
    });
    const carrier = testCarrier({ port: sim.port! });
    const pool = startPool(carrier);
    let calls = 0;
    const recorded: string[] = [];
    pool.setReceiptHandler(({ receipt }) => {
      calls++;
      if (calls === 1) return Promise.reject(new Error("redis is down"));
      recorded.push(receipt.messageId);
      return Promise.resolve();
    });
    await waitUntil(() => pool.status().bound === 1, 5000);
    const { parts } = buildSubmits(carrier, {
      source: "OTPGW",
      destination: "+628110000002",
      text: "code 7",
      reference: 1,
    });
    const outcome = await pool.submit(parts[0]!);
    await waitUntil(() => recorded.length === 1, 5000, "the redelivered receipt");
    expect(outcome.kind === "accepted" && recorded[0] === outcome.carrierMessageId).toBe(true);
    // The simulator counts our answer once it has read it.
    await waitUntil(() => sim.counters().receiptsAcknowledged === 1, 5000, "the acknowledgement");
    expect(sim.counters().receiptsRejected).toBe(1);
  });

  for (const [submitFormat, receiptFormat, style] of [
    ["hex", "decimal", "text"],
    ["decimal", "hex", "tlv+text"],
    ["hex", "hex", "tlv"],
  ] as const) {
    it(`matches receipts to submits when the carrier writes ids as ${submitFormat} in responses and ${receiptFormat} in ${style} receipts`, async () => {
      const sim = await startSim({
        submitRespLatencyMs: { min: 1, max: 3 },
        receiptLatencyMs: { min: 5, max: 20 },
        messageIdFormat: submitFormat,
        receiptIdFormat: receiptFormat,
        receiptStyle: style,
        outcomeMix: { DELIVRD: 1, UNDELIV: 1, EXPIRED: 0, none: 0 },
      });
      const carrier = testCarrier({
        port: sim.port!,
        submitIdFormat: submitFormat,
        receiptIdFormat: receiptFormat,
      });
      const pool = startPool(carrier);
      const receipts: CarrierReceipt[] = [];
      pool.on("receipt", (r: CarrierReceipt) => receipts.push(r));
      await waitUntil(() => pool.status().bound === 1, 5000);

      const outcomes: SubmitOutcome[] = [];
      for (let i = 0; i < 20; i++) {
        const { parts } = buildSubmits(carrier, {
          source: "OTPGW",
          destination: `+8210555000${i}`,
          text: "code 1",
          reference: i,
        });
        outcomes.push(await pool.submit(parts[0]!));
      }
      await waitUntil(() => receipts.length === 20, 5000, "20 receipts");
      const submitted = new Set(outcomes.map((o) => (o.kind === "accepted" ? o.carrierMessageId : "")));
      expect(submitted.size).toBe(20);
      for (const { receipt } of receipts) {
        expect(submitted.has(receipt.messageId)).toBe(true);
        expect(["DELIVRD", "UNDELIV"]).toContain(receipt.stat);
        expect(receipt.final).toBe(true);
      }
      const sent = sim.received();
      const delivered = sent.filter((m) => m.outcome === "DELIVRD").length;
      expect(receipts.filter((r) => r.receipt.stat === "DELIVRD")).toHaveLength(delivered);
    });
  }
});
