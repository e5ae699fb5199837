import { describe, expect, it, onTestFinished } from "vitest";
import { silentLogger } from "../../../src/observability/logger.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { SubmitTicket } from "../../../src/south/submit-ticket.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { scriptedSmsc, statusResponse } from "../../helpers/scripted-smsc.js";
import { waitUntil } from "../../helpers/wait.js";
import { settledCode, testPart } from "../../helpers/submit-parts.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const part = testPart("6281100000001", "code 1");

describe("carrier pool: a submit held for a retry", () => {
  it("is rejected as never sent (OTPGW_ERR_CARRIER_CLOSED) when the last bind's slot closes, not left unsettled", async () => {
    const smsc = await scriptedSmsc((f, socket) => {
      if (f.command !== "submit_sm") return false;
      socket.write(statusResponse(f, SmppStatus.ESME_RSYSERR));
      return true;
    });
    const pool = new CarrierPool({ carrier: testCarrier({ port: smsc.port }), logger: silentLogger() });
    pool.start();
    onTestFinished(() => pool.close(500));
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    const outcome = settledCode(pool.submit(part, new SubmitTicket(Date.now() + 60_000)));
    await waitUntil(() => smsc.count("submit_sm") === 1, 2000, "the first submit");
    await sleep(20); // its ESME_RSYSERR is in: held for a retry (0.25–0.5 s)

    await pool.closeSlot(0, 200, false);
    const result = await Promise.race([outcome, sleep(2000).then(() => "never settled")]);
    expect(result).toBe("OTPGW_ERR_CARRIER_CLOSED");
    expect(pool.queued).toBe(0);
    expect(smsc.count("submit_sm")).toBe(1);
  });

  it("still goes out when its bind is only down between reconnects as the retry comes due", async () => {
    // The first submit is refused and the carrier drops the link; the rebind (after ~1.5 s) accepts everything.
    const smsc = await scriptedSmsc((f, socket) => {
      if (f.command !== "submit_sm" || f.conn !== 1) return false;
      socket.write(statusResponse(f, SmppStatus.ESME_RSYSERR));
      setTimeout(() => socket.destroy(), 20);
      return true;
    });
    const carrier = testCarrier({ port: smsc.port, reconnectMinDelayMs: 1500, reconnectMaxDelayMs: 1500 });
    const pool = new CarrierPool({ carrier, logger: silentLogger(), rng: () => 1 });
    pool.start();
    onTestFinished(() => pool.close(500));
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    const outcome = settledCode(pool.submit(part, new SubmitTicket(Date.now() + 60_000)));
    const result = await Promise.race([outcome, sleep(6000).then(() => "never settled")]);
    expect(result).toBe("accepted");
    const submits = smsc.frames.filter((f) => f.command === "submit_sm");
    expect(submits.map((f) => f.conn)).toEqual([1, 2]);
  });
});
