import { describe, expect, it, onTestFinished } from "vitest";
import { silentLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { parseSmBody } from "../../../src/smpp/sm-body.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { MAX_THROTTLES_PER_SUBMIT } from "../../../src/south/submit-answers.js";
import { SubmitTicket } from "../../../src/south/submit-ticket.js";
import type { SubmitOutcome } from "../../../src/south/submit-types.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { scriptedSmsc, statusResponse, type ScriptedFrame } from "../../helpers/scripted-smsc.js";
import { waitUntil } from "../../helpers/wait.js";
import { testPart } from "../../helpers/submit-parts.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The handset whose queue at the SMSC is full: every submit to it is answered with the status under test. */
const FULL = "6281199999999";

/** A carrier answering every submit to FULL with `status` and accepting all others; two binds of 50/s on it. */
async function carrierWithOneFullQueue(status: number) {
  const toFull: ScriptedFrame[] = [];
  const smsc = await scriptedSmsc((frame, socket) => {
    if (frame.command !== "submit_sm" || parseSmBody(frame.raw).destinationAddr !== FULL) return false;
    toFull.push(frame);
    socket.write(statusResponse(frame, status));
    return true;
  });
  const pool = new CarrierPool({
    carrier: testCarrier({ port: smsc.port, binds: 2, throughputPerSecond: 50 }),
    logger: silentLogger(),
    metrics: createMetrics(),
  });
  pool.start();
  onTestFinished(() => pool.close(500));
  await waitUntil(() => pool.boundCount === 2, 5000, "both binds");
  return { smsc, pool, toFull };
}

describe("carrier pool: one destination the carrier keeps throttling", () => {
  for (const name of ["ESME_RMSGQFUL", "ESME_RTHROTTLED"] as const) {
    it(`with ${name} for one handset, holds that submit back and then refuses it as retry, while other OTPs go out at the binds' rate`, async () => {
      const { pool, toFull } = await carrierWithOneFullQueue(SmppStatus[name]);
      const started = Date.now();
      const full = pool.submit(testPart(FULL), new SubmitTicket(Date.now() + 20_000));
      // Other traffic at ~40/s, well within the two binds' 100/s.
      const others: Promise<SubmitOutcome>[] = [];
      for (let i = 0; i < 120; i++) {
        others.push(
          pool.submit(
            testPart(`62811000${String(i).padStart(5, "0")}`),
            new SubmitTicket(Date.now() + 20_000),
          ),
        );
        await sleep(25);
      }
      const outcome = await Promise.race([full, sleep(8000).then(() => "still unsettled" as const)]);
      expect(outcome).toMatchObject({
        kind: "rejected",
        statusName: name,
        status: SmppStatus[name],
        statusClass: "retry",
      });
      // A bounded number of answers, the later ones after a backoff (never back to back at the queue's front).
      expect(toFull).toHaveLength(MAX_THROTTLES_PER_SUBMIT);
      const gaps = toFull.slice(1).map((f, i) => f.at - toFull[i]!.at);
      expect(gaps.slice(1).every((gap) => gap >= 200)).toBe(true);
      expect(toFull.at(-1)!.at - started).toBeLessThan(8000);
      // Every other OTP went out promptly, and the binds kept their rate: only the first answer cut it.
      const results = await Promise.race([Promise.all(others), sleep(5000).then(() => [])]);
      expect(results.filter((o) => o.kind === "accepted")).toHaveLength(120);
      const rates = pool.status().binds.map((b) => b.ratePerSecond);
      expect(Math.min(...rates)).toBeGreaterThanOrEqual(25);
    });
  }

  it("a submit throttled once is requeued first and accepted, as with normal carrier congestion", async () => {
    let refused = 0;
    const smsc = await scriptedSmsc((frame, socket) => {
      if (frame.command !== "submit_sm" || refused > 0) return false;
      refused++;
      socket.write(statusResponse(frame, SmppStatus.ESME_RTHROTTLED));
      return true;
    });
    const metrics = createMetrics();
    const pool = new CarrierPool({
      carrier: testCarrier({ port: smsc.port }),
      logger: silentLogger(),
      metrics,
    });
    pool.start();
    onTestFinished(() => pool.close(500));
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    const outcome = await pool.submit(testPart(FULL), new SubmitTicket(Date.now() + 20_000));
    expect(outcome.kind).toBe("accepted");
    const submits = smsc.frames.filter((f) => f.command === "submit_sm");
    expect(submits).toHaveLength(2);
    // Requeued first after the bind's short pause, not held back: a held submit is counted as retried.
    const exported = await metrics.registry.metrics();
    expect(exported).toMatch(/otpgw_carrier_submits_total\{[^}]*outcome="accepted"[^}]*\} 1/);
    expect(exported).not.toMatch(/otpgw_carrier_submits_total\{[^}]*outcome="retried"/);
    expect(pool.status().binds[0]!.throttled).toBe(1);
  });
});
