import { Writable } from "node:stream";
import { describe, expect, it, onTestFinished } from "vitest";
import type { CarrierConfig } from "../../../src/config/types.js";
import { createLogger } from "../../../src/observability/logger.js";
import { createMetrics, type Metrics } from "../../../src/observability/metrics.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { MAX_REBINDS_PER_SUBMIT } from "../../../src/south/submit-answers.js";
import { SubmitTicket } from "../../../src/south/submit-ticket.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { scriptedSmsc, statusResponse } from "../../helpers/scripted-smsc.js";
import { waitUntil } from "../../helpers/wait.js";
import { settledKind, testPart } from "../../helpers/submit-parts.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function startPool(
  carrier: CarrierConfig,
  metrics: Metrics,
  logLines: Record<string, unknown>[],
): CarrierPool {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const pool = new CarrierPool({ carrier, logger: createLogger({ level: "info", destination }), metrics });
  pool.start();
  onTestFinished(() => pool.close(500));
  return pool;
}

describe("carrier bind: the carrier lost our bind but keeps the connection", () => {
  it("requeues a submit answered ESME_RINVBNDSTS, drops the bind and sends it on the new bind, saying why", async () => {
    // The first connection's SMSC forgot the bind (a failover behind a load balancer that kept TCP up): it still
    // answers enquire_link, and answers every submit ESME_RINVBNDSTS. The rebind reaches a healthy SMSC.
    const smsc = await scriptedSmsc((f, socket) => {
      if (f.command !== "submit_sm" || f.conn !== 1) return false;
      socket.write(statusResponse(f, SmppStatus.ESME_RINVBNDSTS));
      return true;
    });
    const metrics = createMetrics();
    const logLines: Record<string, unknown>[] = [];
    const pool = startPool(testCarrier({ port: smsc.port }), metrics, logLines);
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");

    const outcomes = Array.from({ length: 3 }, (_, i) =>
      settledKind(pool.submit(testPart(i), new SubmitTicket(Date.now() + 30_000))),
    );
    const results = await Promise.race([Promise.all(outcomes), sleep(5000).then(() => "unsettled")]);
    expect(results).toEqual(["accepted", "accepted", "accepted"]);
    const submits = smsc.frames.filter((f) => f.command === "submit_sm");
    // Each written at most once on the lost bind (refused, not accepted: safe to send again), then once on the new one.
    expect(submits.filter((f) => f.conn === 1).length).toBeLessThanOrEqual(3);
    expect(submits.filter((f) => f.conn === 2)).toHaveLength(3);
    expect(smsc.conns()).toBe(2);
    const exported = await metrics.registry.metrics();
    expect(exported).toMatch(/otpgw_carrier_bind_reconnects_total\{[^}]*reason="bind_lost"[^}]*\} 1/);
    expect(logLines.some((l) => l.level === 40 && String(l.msg).includes("ESME_RINVBNDSTS"))).toBe(true);
  });

  it("lets the answers to the submits still outstanding arrive before it drops, so none is reported outcome unknown", async () => {
    // The lost bind answers its submits ESME_RINVBNDSTS one by one, 40 ms apart, the first after 50 ms: all five
    // are outstanding when the first answer says the bind is lost.
    let refused = 0;
    const smsc = await scriptedSmsc((f, socket) => {
      if (f.command !== "submit_sm" || f.conn !== 1) return false;
      setTimeout(() => socket.write(statusResponse(f, SmppStatus.ESME_RINVBNDSTS)), 50 + 40 * refused++);
      return true;
    });
    const carrier = testCarrier({ port: smsc.port, windowSize: 10, throughputPerSecond: 1000 });
    const pool = startPool(carrier, createMetrics(), []);
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");

    const outcomes = Array.from({ length: 5 }, (_, i) =>
      settledKind(pool.submit(testPart(i), new SubmitTicket(Date.now() + 30_000))),
    );
    const results = await Promise.race([Promise.all(outcomes), sleep(5000).then(() => "unsettled")]);
    expect(results).toEqual(Array(5).fill("accepted"));
    expect(smsc.frames.filter((f) => f.command === "submit_sm" && f.conn === 1)).toHaveLength(5);
  });

  it(`refuses a submit as retry after ${MAX_REBINDS_PER_SUBMIT + 1} ESME_RINVBNDSTS answers, when every bind gets them, rather than hold it to its deadline`, async () => {
    const smsc = await scriptedSmsc((f, socket) => {
      if (f.command !== "submit_sm") return false;
      socket.write(statusResponse(f, SmppStatus.ESME_RINVBNDSTS));
      return true;
    });
    const pool = startPool(testCarrier({ port: smsc.port }), createMetrics(), []);
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    const outcome = pool.submit(testPart(1), new SubmitTicket(Date.now() + 30_000));
    const result = await Promise.race([outcome, sleep(8000).then(() => "unsettled")]);
    expect(result).toMatchObject({ kind: "rejected", statusName: "ESME_RINVBNDSTS", statusClass: "retry" });
    const submits = smsc.frames.filter((f) => f.command === "submit_sm");
    expect(submits).toHaveLength(MAX_REBINDS_PER_SUBMIT + 1);
    expect(new Set(submits.map((f) => f.conn)).size).toBe(MAX_REBINDS_PER_SUBMIT + 1); // one bind each
  });

  it("counts one lost bind once when every bind of the carrier lost it: the submit goes out after the rebind", async () => {
    // A failover loses all three binds at once: each answers ESME_RINVBNDSTS before any has rebound. Counted per bind,
    // the third answer would refuse the submit before a single new bind was made.
    const smsc = await scriptedSmsc((f, socket) => {
      if (f.command !== "submit_sm" || f.conn > 3) return false;
      socket.write(statusResponse(f, SmppStatus.ESME_RINVBNDSTS));
      return true;
    });
    const pool = startPool(testCarrier({ port: smsc.port, binds: 3 }), createMetrics(), []);
    await waitUntil(() => pool.boundCount === 3, 5000, "three binds");
    const outcome = settledKind(pool.submit(testPart(1), new SubmitTicket(Date.now() + 30_000)));
    const result = await Promise.race([outcome, sleep(8000).then(() => "unsettled")]);
    expect(result).toBe("accepted");
    const submits = smsc.frames.filter((f) => f.command === "submit_sm");
    expect(submits.filter((f) => f.conn <= 3).length).toBeGreaterThanOrEqual(1);
    expect(submits.filter((f) => f.conn > 3)).toHaveLength(1);
  });
});
