import { describe, expect, it, onTestFinished } from "vitest";
import { silentLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { SubmitTicket } from "../../../src/south/submit-ticket.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { scriptedSmsc, statusResponse } from "../../helpers/scripted-smsc.js";
import { waitUntil } from "../../helpers/wait.js";
import { testPart } from "../../helpers/submit-parts.js";

const part = testPart("6281100000001", "code 1");

/** A carrier answering its first `refusals` submits with `status`, then OK; and a pool bound to it. */
async function refusingCarrier(status: number, refusals: number) {
  const smsc = await scriptedSmsc((f, socket) => {
    if (f.command !== "submit_sm" || smsc.count("submit_sm") > refusals) return false;
    socket.write(statusResponse(f, status));
    return true;
  });
  const pool = new CarrierPool({
    carrier: testCarrier({ port: smsc.port }),
    logger: silentLogger(),
    metrics: createMetrics(),
  });
  pool.start();
  onTestFinished(() => pool.close(500));
  await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
  return { smsc, pool };
}

describe("carrier pool: a transient carrier status", () => {
  it("retries ESME_RSYSERR on the same carrier after a short backoff, and the OTP goes out", async () => {
    const { smsc, pool } = await refusingCarrier(SmppStatus.ESME_RSYSERR, 1);
    const started = Date.now();
    const outcome = await pool.submit(part, new SubmitTicket(Date.now() + 30_000));
    expect(outcome.kind).toBe("accepted");
    const submits = smsc.frames.filter((f) => f.command === "submit_sm");
    expect(submits).toHaveLength(2);
    expect(submits[1]!.at - submits[0]!.at).toBeGreaterThanOrEqual(100); // after a backoff, not at once
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("gives up after its bounded retries and reports the carrier's rejection", async () => {
    const { smsc, pool } = await refusingCarrier(SmppStatus.ESME_RSYSERR, 100);
    const outcome = await pool.submit(part, new SubmitTicket(Date.now() + 30_000));
    expect(outcome).toMatchObject({ kind: "rejected", statusName: "ESME_RSYSERR", statusClass: "retry" });
    const written = smsc.count("submit_sm");
    expect(written).toBeGreaterThanOrEqual(2);
    expect(written).toBeLessThanOrEqual(4);
  });

  it("never retries past the submit's not-after time", async () => {
    const { smsc, pool } = await refusingCarrier(SmppStatus.ESME_RSYSERR, 100);
    const notAfter = Date.now() + 200;
    const outcome = await pool.submit(part, new SubmitTicket(notAfter));
    expect(outcome).toMatchObject({ kind: "rejected", statusName: "ESME_RSYSERR" });
    await new Promise((r) => setTimeout(r, 300));
    expect(smsc.frames.filter((f) => f.command === "submit_sm").every((f) => f.at < notAfter)).toBe(true);
  });

  it("does not retry a permanent status", async () => {
    const { smsc, pool } = await refusingCarrier(SmppStatus.ESME_RINVDSTADR, 100);
    const outcome = await pool.submit(part, new SubmitTicket(Date.now() + 30_000));
    expect(outcome).toMatchObject({ kind: "rejected", statusClass: "permanent" });
    await new Promise((r) => setTimeout(r, 500));
    expect(smsc.count("submit_sm")).toBe(1);
  });

  it("on close, rejects a submit waiting for its retry with OTPGW_ERR_CARRIER_CLOSED", async () => {
    const { pool } = await refusingCarrier(SmppStatus.ESME_RSYSERR, 100);
    const outcome = pool.submit(part, new SubmitTicket(Date.now() + 30_000)).then(
      (o) => o.kind,
      (e: { code?: string }) => e.code,
    );
    await new Promise((r) => setTimeout(r, 50));
    await pool.close(500);
    const result = await Promise.race([
      outcome,
      new Promise((r) => setTimeout(() => r("never settled"), 1000)),
    ]);
    expect(result).toBe("OTPGW_ERR_CARRIER_CLOSED");
  });
});
