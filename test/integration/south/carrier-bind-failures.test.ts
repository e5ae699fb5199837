import { Writable } from "node:stream";
import { describe, expect, it, onTestFinished } from "vitest";
import type { CarrierConfig } from "../../../src/config/types.js";
import { createLogger } from "../../../src/observability/logger.js";
import { createMetrics, type Metrics } from "../../../src/observability/metrics.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import type { SubmitFields, SubmitOutcome } from "../../../src/south/submit-types.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { receiptPdu } from "../../helpers/raw-smsc.js";
import { scriptedSmsc, unbindPdu } from "../../helpers/scripted-smsc.js";
import { waitUntil } from "../../helpers/wait.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One GSM part to a distinct handset. */
function part(i: number): SubmitFields {
  return {
    source_addr: "OTPGW",
    source_addr_ton: 5,
    source_addr_npi: 0,
    destination_addr: `62811${String(i).padStart(7, "0")}`,
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    esm_class: 0,
    registered_delivery: 1,
    data_coding: 0,
    short_message: Buffer.from(`code ${i}`),
  };
}

/** The outcome's kind, or the error's name: what a test compares. */
function settled(p: Promise<SubmitOutcome>): Promise<string> {
  return p.then(
    (o) => o.kind,
    (e: Error) => e.name,
  );
}

function startPool(
  carrier: CarrierConfig,
  extra: { rng?: () => number; metrics?: Metrics; logLines?: Record<string, unknown>[] } = {},
): CarrierPool {
  const lines = extra.logLines;
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (lines)
        for (const line of chunk.toString("utf8").split("\n"))
          if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const pool = new CarrierPool({
    carrier,
    logger: createLogger({ level: "debug", destination }),
    metrics: extra.metrics ?? createMetrics(),
    ...(extra.rng && { rng: extra.rng }),
  });
  pool.start();
  onTestFinished(() => pool.close(500));
  return pool;
}

describe("carrier bind: the carrier unbinds", () => {
  it("stops counting the bind as bound at once and requeues a submit instead of failing it", async () => {
    const smsc = await scriptedSmsc();
    const carrier = testCarrier({ port: smsc.port, reconnectMinDelayMs: 300, reconnectMaxDelayMs: 300 });
    const pool = startPool(carrier);
    // Recording a receipt is slow (Redis busy): the unbind_resp waits for it, as SMPP wants earlier requests answered first.
    pool.setReceiptHandler(() => sleep(1000));
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");

    smsc.sockets[0]!.write(Buffer.concat([receiptPdu(7, "M0"), unbindPdu(8)]));
    await sleep(150);
    expect(pool.boundCount).toBe(0);

    const outcome = await settled(pool.submit(part(1)));
    expect(outcome).toBe("accepted");
    const submits = smsc.frames.filter((f) => f.command === "submit_sm");
    expect(submits).toHaveLength(1);
    expect(submits[0]!.conn).toBe(2); // written on the new bind, never on the unbinding one
  });

  it("rebinds without waiting for the carrier to close the connection or for a keep-alive", async () => {
    const smsc = await scriptedSmsc(() => false, { allowHalfOpen: true });
    const carrier = testCarrier({ port: smsc.port, enquireLinkIntervalMs: 60_000 });
    const pool = startPool(carrier);
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");

    smsc.sockets[0]!.write(unbindPdu(1)); // and the carrier never closes its side
    await waitUntil(() => smsc.count("unbind_resp") === 1, 2000, "the unbind_resp");
    const outcomes = await Promise.all(Array.from({ length: 5 }, (_, i) => settled(pool.submit(part(i)))));
    expect(outcomes).toEqual(Array(5).fill("accepted"));
    expect(smsc.frames.filter((f) => f.command.startsWith("bind_")).map((f) => f.conn)).toEqual([1, 2]);
  });
});
