import type { Socket } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { silentLogger } from "../../../src/observability/logger.js";
import { CommandId } from "../../../src/smpp/constants.js";
import { encodePdu, readHeader } from "../../../src/smpp/session/pdu-codec.js";
import { PduFramer } from "../../../src/smpp/session/pdu-framer.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { SubmitTicket } from "../../../src/south/submit-ticket.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { closeServer, floodEnquireLinks, listenRaw } from "../../helpers/raw-peer.js";
import { waitUntil } from "../../helpers/wait.js";
import { testPart } from "../../helpers/submit-parts.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const part = testPart("6281100000001", "code 1");

/**
 * A carrier SMSC that answers the bind, then reads only while `reading`: what otpgw writes meanwhile waits in TCP.
 * It counts what it reads without keeping it (a flood's answers are millions of PDUs) and answers submit_sm OK.
 */
async function slowReadingSmsc() {
  let socket: Socket | undefined;
  const seen = { enquireLinkResps: 0, submits: 0, submitAt: 0 };
  const { server, port } = await listenRaw((s) => {
    socket = s;
    s.on("error", () => undefined);
    const framer = new PduFramer(1 << 20);
    s.on("data", (chunk: Buffer) => {
      for (const raw of framer.push(chunk)) {
        const { commandId, sequence } = readHeader(raw);
        if (commandId === CommandId.bind_transceiver) {
          s.write(encodePdu("bind_transceiver_resp", sequence, { system_id: "SLOW" }));
        } else if (commandId === CommandId.enquire_link_resp) {
          seen.enquireLinkResps++;
        } else if (commandId === CommandId.submit_sm) {
          seen.submits++;
          seen.submitAt ||= Date.now();
          s.write(encodePdu("submit_sm_resp", sequence, { message_id: `M${seen.submits}` }));
        }
      }
    });
  });
  onTestFinished(async () => {
    socket?.destroy();
    await closeServer(server);
  });
  return { port, seen, socket: () => socket! };
}

describe("carrier bind: a socket blocked by otpgw's own answers", () => {
  it("sends the submits queued meanwhile as soon as the socket drains, with nothing outstanding to wake it", async () => {
    const smsc = await slowReadingSmsc();
    // Keep-alive far away: only the drain can wake the bind within the test.
    const carrier = testCarrier({ port: smsc.port, enquireLinkIntervalMs: 120_000 });
    const pool = new CarrierPool({ carrier, logger: silentLogger() });
    pool.start();
    onTestFinished(() => pool.close(500));
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");

    // The carrier stops reading and floods enquire_links: otpgw's answers fill the socket until it stops reading too.
    const socket = smsc.socket();
    socket.pause();
    const flood = await floodEnquireLinks(socket, { maxBytes: 64 * 1024 * 1024, stallMs: 500 });
    expect(flood.backedUp).toBe(true);

    const outcome = pool.submit(part, new SubmitTicket(Date.now() + 60_000));
    await sleep(100);
    expect(smsc.seen.submits).toBe(0); // blocked: nothing can be written now
    const resumedAt = Date.now();
    socket.resume(); // the carrier reads again: otpgw's socket drains

    const result = await Promise.race([outcome, sleep(15_000).then(() => "not sent")]);
    expect(result).toMatchObject({ kind: "accepted" });
    expect(smsc.seen.submitAt - resumedAt).toBeLessThan(10_000);
    await waitUntil(() => smsc.seen.enquireLinkResps === flood.sent, 20_000, "every enquire_link answered");
  });
});
