import { describe, expect, it, onTestFinished } from "vitest";
import { silentLogger } from "../../../src/observability/logger.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { SubmitTicket } from "../../../src/south/submit-ticket.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { receiptPdu } from "../../helpers/raw-smsc.js";
import { scriptedSmsc, unbindPdu } from "../../helpers/scripted-smsc.js";
import { waitUntil } from "../../helpers/wait.js";
import { settledKind, testPart } from "../../helpers/submit-parts.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("carrier bind: the carrier unbinds in the same read as its bind_resp", () => {
  for (const withReceipt of [false, true]) {
    it(`honours the unbind${withReceipt ? " (behind a receipt being recorded)" : ""}: unbind_resp, no submit on that session, the queued submits go out after a rebind`, async () => {
      // The first connection's SMSC accepts the bind and unbinds at once, in the same segment (a bind limit it enforces
      // after accepting) — maybe after a held receipt, which otpgw answers before unbind_resp; it would leave any
      // submit after its unbind unanswered. The second connection is healthy.
      const smsc = await scriptedSmsc((f, socket) => {
        if (f.conn !== 1) return false;
        if (f.command.startsWith("bind_")) {
          const resp = encodePdu(`${f.command}_resp`, f.sequence, { system_id: "X" });
          socket.write(Buffer.concat([resp, ...(withReceipt ? [receiptPdu(1, "M0")] : []), unbindPdu(2)]));
          return true;
        }
        return f.command === "submit_sm"; // swallowed
      });
      const carrier = testCarrier({
        port: smsc.port,
        responseTimeoutMs: 2000,
        reconnectMinDelayMs: 1000,
        reconnectMaxDelayMs: 1000,
      });
      const pool = new CarrierPool({ carrier, logger: silentLogger(), rng: () => 1 });
      pool.setReceiptHandler(() => sleep(300)); // recording it takes a while (Redis busy)
      onTestFinished(() => pool.close(500));
      const outcomes = [1, 2, 3].map((i) =>
        settledKind(pool.submit(testPart(i), new SubmitTicket(Date.now() + 30_000))),
      );
      pool.start();

      // Between the unbind and the rebind (1 s later) the bind is down, not counted as bound.
      await waitUntil(() => smsc.count("unbind_resp") === 1, 3000, "the unbind_resp");
      await sleep(100);
      expect(pool.status().binds[0]!.state).toBe("backoff");
      expect(pool.boundCount).toBe(0);
      const results = await Promise.race([Promise.all(outcomes), sleep(5000).then(() => "unsettled")]);
      expect(results).toEqual(["accepted", "accepted", "accepted"]);
      const onFirst = smsc.frames.filter((f) => f.conn === 1).map((f) => f.command);
      expect(onFirst).not.toContain("submit_sm");
      expect(onFirst).toContain("unbind_resp");
      expect(smsc.frames.filter((f) => f.command === "submit_sm").every((f) => f.conn === 2)).toBe(true);
      expect(smsc.conns()).toBe(2);
      expect(pool.status().binds[0]!.reconnects).toBe(1);
    });
  }
});
