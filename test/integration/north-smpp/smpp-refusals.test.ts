import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/observability/logger.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { CommandId } from "../../../src/smpp/constants.js";
import { assertServesWellBehavedClient, boundEsme, rawPeer, startServer, within } from "./smpp-fixture.js";

/** A server whose log lines are kept (as parsed JSON). */
async function loggedServer() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const fixture = await startServer({ logger: createLogger({ level: "info", destination }) });
  const refused = async (reason: string) => {
    const metric = (await fixture.metrics.registry.getMetricsAsJSON()).find(
      (m) => m.name === "otpgw_smpp_pdus_refused_total",
    );
    return metric?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  };
  return { fixture, lines, refused };
}

describe("refused PDUs: every one counted, the log throttled", () => {
  it("an unbound peer sending unknown command_ids: each answered and counted, a line in the log for them all", async () => {
    const { fixture, lines, refused } = await loggedServer();
    const peer = await rawPeer(fixture.port);
    const COUNT = 300;
    for (let i = 1; i <= COUNT; i++) {
      const header = Buffer.alloc(16);
      header.writeUInt32BE(16, 0);
      header.writeUInt32BE(0x000000ee, 4);
      header.writeUInt32BE(i, 12);
      peer.socket.write(header);
    }
    const frames = await peer.frames.waitFor(COUNT);
    expect(frames.every((f) => f.commandId === CommandId.generic_nack)).toBe(true);
    expect(frames.every((f) => f.status === SmppStatus.ESME_RINVCMDID)).toBe(true);
    expect(await refused("invcmdid")).toBe(COUNT);
    const about = lines.filter((l) => l.reason === "invcmdid" || String(l.msg).includes("command_id"));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({ msg: "PDU refused", reason: "invcmdid", suppressed: 0 });
  });

  it("framing lost (an HTTP request on the SMPP port): counted as invcmdlen", async () => {
    const { fixture, refused } = await loggedServer();
    const peer = await rawPeer(fixture.port);
    peer.socket.write("GET / HTTP/1.1\r\nHost: otpgw\r\n\r\n");
    await within(peer.closed, 3000, "connection closed");
    expect(await refused("invcmdlen")).toBe(1);
    await assertServesWellBehavedClient(fixture);
  });

  it("a query_sm whose handler fails (Redis unreachable): ESME_RSYSERR, counted as syserr, logged with the error once", async () => {
    const { fixture, lines, refused } = await loggedServer();
    fixture.delivery.get = () => Promise.reject(new Error("Connection is closed."));
    const esme = await boundEsme(fixture.port);
    for (let i = 0; i < 20; i++) {
      const resp = await esme.request("query_sm", { message_id: `m${i}`, source_addr: "" });
      expect(resp.command_status).toBe(SmppStatus.ESME_RSYSERR);
    }
    expect(await refused("syserr")).toBe(20);
    const failed = lines.filter((l) => l.reason === "syserr" || l.msg === "request handler failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 50, err: "Connection is closed.", command: "query_sm" });
    await assertServesWellBehavedClient(fixture);
  });
});
