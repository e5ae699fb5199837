import { Writable } from "node:stream";
import { describe, expect, it, onTestFinished } from "vitest";
import type { CarrierConfig } from "../../../src/config/types.js";
import { createLogger } from "../../../src/observability/logger.js";
import { createMetrics, type Metrics } from "../../../src/observability/metrics.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { receiptPdu } from "../../helpers/raw-smsc.js";
import { scriptedSmsc, statusResponse, unbindPdu } from "../../helpers/scripted-smsc.js";
import { waitUntil } from "../../helpers/wait.js";
import { settledKind, testPart } from "../../helpers/submit-parts.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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

    const outcome = await settledKind(pool.submit(testPart(1)));
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
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, i) => settledKind(pool.submit(testPart(i)))),
    );
    expect(outcomes).toEqual(Array(5).fill("accepted"));
    expect(smsc.frames.filter((f) => f.command.startsWith("bind_")).map((f) => f.conn)).toEqual([1, 2]);
  });

  it("reads the answer to a submit the carrier held as it unbound: accepted with its id, not outcome unknown", async () => {
    // A carrier going into maintenance sends unbind as our submit arrives, and answers the submit 5 ms later.
    const smsc = await scriptedSmsc((f, socket) => {
      if (f.command !== "submit_sm" || smsc.count("submit_sm") > 1) return false;
      socket.write(unbindPdu(99));
      setTimeout(
        () => socket.write(encodePdu("submit_sm_resp", f.sequence, { message_id: "CARRIER-ID-1" })),
        5,
      );
      return true;
    });
    const pool = startPool(testCarrier({ port: smsc.port }));
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    const outcome = await pool.submit(testPart(1));
    expect(outcome).toMatchObject({ kind: "accepted", carrierMessageId: "CARRIER-ID-1" });
    expect(smsc.count("submit_sm")).toBe(1);
  });
});

describe("carrier bind: requests that end without a response", () => {
  it("lets the next queued submit out as soon as a response timeout frees a window slot", async () => {
    // The carrier never answers the first two submits, and answers everything after.
    const smsc = await scriptedSmsc((f) => f.command === "submit_sm" && smsc.count("submit_sm") <= 2);
    const carrier = testCarrier({ port: smsc.port, windowSize: 2, responseTimeoutMs: 300 });
    const pool = startPool(carrier);
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");

    const started = Date.now();
    const outcomes = Promise.all(Array.from({ length: 4 }, (_, i) => settledKind(pool.submit(testPart(i)))));
    await waitUntil(() => smsc.count("submit_sm") === 4, 2500, "the two queued submits to go out");
    expect(await outcomes).toEqual(["ResponseTimeoutError", "ResponseTimeoutError", "accepted", "accepted"]);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("lets the next queued submit out when a response cannot be decoded", async () => {
    // The first submit's answer is garbage (a query_sm_resp whose TLV runs past the PDU's end); then all is normal.
    const smsc = await scriptedSmsc((f, socket) => {
      if (f.command !== "submit_sm" || smsc.count("submit_sm") > 1) return false;
      const body = Buffer.from([0x4d, 0x31, 0, 0, 1, 0, 0x04, 0x27, 0x00, 0x05]);
      const header = Buffer.alloc(16);
      header.writeUInt32BE(16 + body.length, 0);
      header.writeUInt32BE(0x80000003, 4);
      header.writeUInt32BE(f.sequence, 12);
      socket.write(Buffer.concat([header, body]));
      return true;
    });
    const pool = startPool(testCarrier({ port: smsc.port, windowSize: 1 }));
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    const outcomes = Promise.all(Array.from({ length: 2 }, (_, i) => settledKind(pool.submit(testPart(i)))));
    await waitUntil(() => smsc.count("submit_sm") === 2, 2000, "the queued submit to go out");
    expect(await outcomes).toEqual(["SmppError", "accepted"]);
  });

  it("lets the next queued submit out when an enquire_link answer frees the window slot", async () => {
    // Submits are answered after 150 ms, so the keep-alive (every 100 ms of silence) takes the one slot in between.
    const smsc = await scriptedSmsc((f, socket) => {
      if (f.command !== "submit_sm") return false;
      setTimeout(
        () => socket.write(encodePdu("submit_sm_resp", f.sequence, { message_id: `M${f.sequence}` })),
        150,
      );
      return true;
    });
    const carrier = testCarrier({ port: smsc.port, windowSize: 1, enquireLinkIntervalMs: 100 });
    const pool = startPool(carrier);
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    const outcomes = Promise.all(Array.from({ length: 5 }, (_, i) => settledKind(pool.submit(testPart(i)))));
    await waitUntil(() => smsc.count("submit_sm") === 5, 4000, "every submit to go out");
    expect(await outcomes).toEqual(Array(5).fill("accepted"));
    expect(smsc.count("enquire_link")).toBeGreaterThan(0);
  });
});

describe("carrier pool: close() while submits are handed back", () => {
  for (const status of ["ESME_RTHROTTLED", "ESME_RMSGQFUL"] as const) {
    it(`rejects a submit answered ${status} during close with OTPGW_ERR_CARRIER_CLOSED instead of leaving it unsettled`, async () => {
      const smsc = await scriptedSmsc((f, socket) => {
        if (f.command !== "submit_sm") return false;
        setTimeout(() => socket.write(statusResponse(f, SmppStatus[status])), 200);
        return true;
      });
      const pool = startPool(testCarrier({ port: smsc.port }));
      await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
      const outcome = pool.submit(testPart(1)).then(
        (o) => o.kind,
        (e: { code?: string }) => e.code,
      );
      await waitUntil(() => smsc.count("submit_sm") === 1, 2000, "the submit");
      await pool.close(2000);
      const result = await Promise.race([outcome, sleep(1000).then(() => "never settled")]);
      expect(result).toBe("OTPGW_ERR_CARRIER_CLOSED");
      expect(smsc.count("submit_sm")).toBe(1);
    });
  }
});

describe("carrier bind: reconnect backoff", () => {
  for (const mode of ["closes", "unbinds"] as const) {
    it(`keeps growing the delay while the carrier accepts each bind and at once ${mode}`, async () => {
      const smsc = await scriptedSmsc((f, socket) => {
        if (f.command.startsWith("bind_")) {
          setTimeout(() => (mode === "closes" ? socket.destroy() : socket.write(unbindPdu(1))), 20);
        }
        return false; // the bind itself is answered OK
      });
      const carrier = testCarrier({ port: smsc.port, reconnectMinDelayMs: 100, reconnectMaxDelayMs: 10_000 });
      startPool(carrier, { rng: () => 0.5 });
      await sleep(3000);
      const binds = smsc.frames.filter((f) => f.command.startsWith("bind_")).map((f) => f.at);
      // Growing delays (75, 150, 300, 600, 1200 ms) give about 6 binds in 3 s; a reset on each bind gives ~30.
      expect(binds.length).toBeGreaterThanOrEqual(3);
      expect(binds.length).toBeLessThanOrEqual(9);
      const gaps = binds.slice(1).map((t, i) => t - binds[i]!);
      expect(gaps.at(-1)!).toBeGreaterThan(2 * gaps[0]!);
    });
  }
});

describe("carrier bind: a link that answers keep-alives but not submits", () => {
  it("drops and rebinds after consecutive response timeouts, and says why in the log and the metrics", async () => {
    // Every submit_sm is swallowed; enquire_link is answered.
    const smsc = await scriptedSmsc((f) => f.command === "submit_sm");
    const carrier = testCarrier({
      port: smsc.port,
      windowSize: 1,
      responseTimeoutMs: 200,
      enquireLinkIntervalMs: 100,
    });
    const metrics = createMetrics();
    const logLines: Record<string, unknown>[] = [];
    const pool = startPool(carrier, { metrics, logLines });
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");

    const outcomes = Promise.all(Array.from({ length: 4 }, (_, i) => settledKind(pool.submit(testPart(i)))));
    await waitUntil(() => smsc.conns() >= 2, 5000, "a rebind");
    await outcomes;
    expect(pool.status().binds[0]!.reconnects).toBeGreaterThanOrEqual(1);
    const exported = await metrics.registry.metrics();
    expect(exported).toMatch(/otpgw_carrier_bind_reconnects_total\{[^}]*reason="response_timeouts"[^}]*\} 1/);
    const warning = logLines.find((l) => l.level === 40 && String(l.msg).includes("submits unanswered"));
    expect(warning).toBeDefined();
    expect(JSON.stringify(logLines)).not.toContain("62811");
  });

  it("keeps the bind while responses still come between the timeouts", async () => {
    // Every third submit is answered: never three timeouts in a row.
    const smsc = await scriptedSmsc((f) => f.command === "submit_sm" && smsc.count("submit_sm") % 3 !== 0);
    const carrier = testCarrier({ port: smsc.port, windowSize: 1, responseTimeoutMs: 150 });
    const pool = startPool(carrier);
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    const outcomes = Promise.all(Array.from({ length: 9 }, (_, i) => settledKind(pool.submit(testPart(i)))));
    await waitUntil(() => smsc.count("submit_sm") === 9, 6000, "all nine submits written");
    expect((await outcomes).filter((o) => o === "accepted")).toHaveLength(3);
    expect(smsc.conns()).toBe(1);
    expect(pool.status().binds[0]!.reconnects).toBe(0);
  });
});

describe("carrier bind: closed while its bind is outstanding", () => {
  it("writes no submit on a bind that comes up while its slot closes (the lease moved), and unbinds it", async () => {
    let bindSequence = -1;
    const smsc = await scriptedSmsc((frame) => {
      if (!frame.command.startsWith("bind_")) return false;
      bindSequence = frame.sequence; // held: answered by the test
      return true;
    });
    const pool = startPool(testCarrier({ port: smsc.port }));
    await waitUntil(() => bindSequence >= 0, 5000, "the bind request");
    const submit = settledKind(pool.submit(testPart(1)));
    // The slot's lease went to another instance while the bind was outstanding: it drains and unbinds.
    const closed = pool.closeSlot(0, 2000, true);
    await sleep(50);
    smsc.sockets[0]!.write(encodePdu("bind_transceiver_resp", bindSequence, { system_id: "SCRIPTED" }));
    await closed;
    await sleep(100);
    expect(smsc.frames.filter((f) => f.command === "submit_sm")).toEqual([]);
    expect(smsc.frames.some((f) => f.command === "unbind")).toBe(true);
    expect(await submit).not.toBe("accepted");
  });
});
