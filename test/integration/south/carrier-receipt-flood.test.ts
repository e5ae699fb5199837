import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/observability/logger.js";
import { CommandId } from "../../../src/smpp/constants.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { rawSmsc, receiptPdu } from "../../helpers/raw-smsc.js";
import { waitUntil } from "../../helpers/wait.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("a carrier's receipt flood", () => {
  it("a bind records at most receiptsInProgress receipts at once, even when one read carries hundreds, and answers them all in order", async () => {
    const smsc = await rawSmsc();
    const pool = new CarrierPool({
      carrier: testCarrier({ port: smsc.port }),
      logger: silentLogger(),
      receiptsInProgress: 4,
    });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let recording = 0;
    let most = 0;
    const recorded: string[] = [];
    pool.setReceiptHandler(async ({ receipt }) => {
      most = Math.max(most, ++recording);
      await gate; // Redis is slow
      recording--;
      recorded.push(receipt.messageId);
    });
    pool.start();
    cleanups.push(() => pool.close(1000));
    const { socket, frames } = await smsc.bound;
    // 300 held receipts in one write (~37 KB), as a carrier dumps them after an outage.
    socket.write(Buffer.concat(Array.from({ length: 300 }, (_, i) => receiptPdu(i + 1, `A${i}`))));
    await new Promise((r) => setTimeout(r, 300));
    expect(most).toBe(4);
    expect(frames.frames.filter((f) => f.commandId === CommandId.deliver_sm_resp)).toEqual([]);
    open();
    await waitUntil(
      () => frames.frames.filter((f) => f.commandId === CommandId.deliver_sm_resp).length === 300,
      10_000,
      "every receipt answered",
    );
    const answers = frames.frames.filter((f) => f.commandId === CommandId.deliver_sm_resp);
    expect(answers.every((f) => f.status === 0)).toBe(true);
    expect(answers.map((f) => f.sequence)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(recorded).toHaveLength(300);
    expect(most).toBe(4);
  });
});
