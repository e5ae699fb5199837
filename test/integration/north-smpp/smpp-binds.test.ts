import { describe, expect, it } from "vitest";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { CommandId } from "../../../src/smpp/constants.js";
import { decodePdu, encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { waitUntil } from "../../helpers/wait.js";
import {
  account,
  assertServesWellBehavedClient,
  bindPdu,
  Esme,
  rawPeer,
  startServer,
  within,
} from "./smpp-fixture.js";

async function metricValue(
  fixture: Awaited<ReturnType<typeof startServer>>,
  name: string,
  labels: Record<string, string>,
) {
  const metric = (await fixture.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe("SMPP server binds", () => {
  it("answers bind_resp with system_id otpgw and sc_interface_version for a 3.4 bind, and accepts a submit", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    const resp = await esme.bind();
    expect(resp.command_status).toBe(0);
    expect(resp.system_id).toBe("otpgw");
    expect(resp.sc_interface_version).toBe(0x34);
    const submit = await esme.submit();
    expect(submit.command_status).toBe(0);
    expect(fixture.delivery.accepted).toHaveLength(1);
    expect(await metricValue(fixture, "otpgw_smpp_binds_total", { outcome: "ok" })).toBe(1);
  });

  it("sends no sc_interface_version TLV to an ESME that bound with interface_version 0x33", async () => {
    const fixture = await startServer();
    const peer = await rawPeer(fixture.port);
    peer.socket.write(bindPdu(1, { interface_version: 0x33 }));
    const [frame] = await peer.frames.waitFor(1);
    expect(frame!.status).toBe(0);
    const decoded = decodePdu(frame!.raw);
    expect(decoded.fields.system_id).toBe("otpgw");
    // header 16 + "otpgw\0" 6: nothing after it.
    expect(frame!.raw.length).toBe(22);
  });

  it("refuses a wrong password with ESME_RINVPASWD and closes the session", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    const resp = await esme.bind("bind_transceiver", { password: "wrong" });
    expect(resp.command_status).toBe(SmppStatus.ESME_RINVPASWD);
    await waitUntil(() => esme.closed, 3000, "session closed");
    expect(await metricValue(fixture, "otpgw_smpp_binds_total", { outcome: "invalid_password" })).toBe(1);
    await assertServesWellBehavedClient(fixture);
  });

  it("refuses an unknown system_id with ESME_RINVSYSID after the same delay as a wrong password, and closes", async () => {
    const fixture = await startServer({ server: { failedBindDelayMs: 300 } });
    const esme = await Esme.connect(fixture.port);
    const started = Date.now();
    const resp = await esme.bind("bind_transceiver", { system_id: "nobody" });
    expect(resp.command_status).toBe(SmppStatus.ESME_RINVSYSID);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await waitUntil(() => esme.closed, 3000, "session closed");
    await assertServesWellBehavedClient(fixture);
  });

  it("refuses a bind from an address the account does not allow with ESME_RBINDFAIL and closes", async () => {
    const fixture = await startServer({ accounts: [account({}, { allowedIps: ["10.0.0.0/8"] })] });
    const esme = await Esme.connect(fixture.port);
    const resp = await esme.bind();
    expect(resp.command_status).toBe(SmppStatus.ESME_RBINDFAIL);
    await waitUntil(() => esme.closed, 3000, "session closed");
    expect(await metricValue(fixture, "otpgw_smpp_binds_total", { outcome: "ip_not_allowed" })).toBe(1);
    // Another account, allowed, on the same server still binds.
    const other = await startServer();
    await assertServesWellBehavedClient(other);
  });

  it("refuses a bind beyond the account's max_binds with ESME_RBINDFAIL and keeps the existing binds", async () => {
    const fixture = await startServer({ accounts: [account({}, { maxBinds: 1 })] });
    const first = await Esme.connect(fixture.port);
    expect((await first.bind()).command_status).toBe(0);
    const second = await Esme.connect(fixture.port);
    expect((await second.bind()).command_status).toBe(SmppStatus.ESME_RBINDFAIL);
    await waitUntil(() => second.closed, 3000, "second session closed");
    expect((await first.submit()).command_status).toBe(0);
    expect(await metricValue(fixture, "otpgw_smpp_binds_total", { outcome: "max_binds" })).toBe(1);
    first.session.destroy();
    await waitUntil(() => fixture.server.sessionCount === 0, 3000, "first session gone");
    await assertServesWellBehavedClient(fixture);
  });

  it("refuses every bind from an IP with repeated failures during its cooldown, even with the right password", async () => {
    const fixture = await startServer({ server: { bindFailureLimit: 3, failedBindDelayMs: 10 } });
    for (let i = 0; i < 3; i++) {
      const esme = await Esme.connect(fixture.port);
      expect((await esme.bind("bind_transceiver", { password: "guess" + i })).command_status).toBe(
        SmppStatus.ESME_RINVPASWD,
      );
    }
    const esme = await Esme.connect(fixture.port);
    expect((await esme.bind()).command_status).toBe(SmppStatus.ESME_RBINDFAIL);
    await waitUntil(() => esme.closed, 3000, "session closed");
    expect(await metricValue(fixture, "otpgw_smpp_binds_total", { outcome: "ip_cooldown" })).toBe(1);
    // Another address is unaffected.
    await assertServesWellBehavedClient(fixture, "127.0.0.2");
  });

  it("answers a submit_sm before bind with ESME_RINVBNDSTS", async () => {
    const fixture = await startServer();
    const peer = await rawPeer(fixture.port);
    peer.socket.write(
      encodePdu("submit_sm", 7, { destination_addr: "6281234567890", short_message: Buffer.from("x") }),
    );
    const [frame] = await peer.frames.waitFor(1);
    expect(frame).toMatchObject({
      commandId: CommandId.submit_sm_resp,
      status: SmppStatus.ESME_RINVBNDSTS,
      sequence: 7,
    });
    expect(await metricValue(fixture, "otpgw_smpp_pdus_refused_total", { reason: "not_bound" })).toBe(1);
    await assertServesWellBehavedClient(fixture);
  });

  it("answers enquire_link before and after bind", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    expect((await esme.request("enquire_link")).command_status).toBe(0);
    await esme.bind();
    expect((await esme.request("enquire_link")).command_status).toBe(0);
  });

  it("answers a second bind on a bound session with ESME_RALYBND and stays bound", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    expect((await esme.bind()).command_status).toBe(0);
    expect((await esme.bind("bind_transmitter")).command_status).toBe(SmppStatus.ESME_RALYBND);
    expect((await esme.submit()).command_status).toBe(0);
    await assertServesWellBehavedClient(fixture);
  });

  it("answers submit_sm on a receiver bind with ESME_RINVBNDSTS", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    expect((await esme.bind("bind_receiver")).command_status).toBe(0);
    expect((await esme.submit()).command_status).toBe(SmppStatus.ESME_RINVBNDSTS);
    expect(fixture.delivery.accepted).toHaveLength(0);
    await assertServesWellBehavedClient(fixture);
  });

  it("closes a connection that does not bind within the session-init time", async () => {
    const fixture = await startServer({ server: { sessionInitMs: 300 } });
    const peer = await rawPeer(fixture.port);
    await within(peer.closed, 3000, "connection closed by the server");
    await assertServesWellBehavedClient(fixture);
  });

  it("unbinds and closes a bound session that sends nothing for the inactivity time", async () => {
    const fixture = await startServer({ server: { inactivityMs: 400 } });
    const peer = await rawPeer(fixture.port);
    peer.socket.write(bindPdu());
    await peer.frames.waitFor(1);
    const frames = await peer.frames.waitFor(2, 3000);
    expect(frames[1]!.commandId).toBe(CommandId.unbind);
    peer.socket.write(encodePdu("unbind_resp", frames[1]!.sequence));
    await within(peer.closed, 3000, "connection closed after unbind");
    await assertServesWellBehavedClient(fixture);
  });

  it("refuses a bind the ESME unbinds while it is being checked, answers the unbind and closes", async () => {
    const fixture = await startServer();
    const peer = await rawPeer(fixture.port);
    // The unbind arrives while the password is being checked (scrypt): the bind must not then count as bound.
    peer.socket.write(Buffer.concat([bindPdu(1), encodePdu("unbind", 2, {})]));
    const [bind, unbind] = await peer.frames.waitFor(2);
    expect(bind!.sequence).toBe(1);
    expect(bind!.status).toBe(SmppStatus.ESME_RBINDFAIL);
    expect(unbind!.sequence).toBe(2);
    expect(unbind!.status).toBe(0);
    await within(peer.closed, 3000, "the session closed");
    await waitUntil(() => fixture.server.sessionCount === 0, 3000, "server forgot the session");
    await assertServesWellBehavedClient(fixture);
  });

  it("answers unbind and closes the session", async () => {
    const fixture = await startServer();
    const esme = await Esme.connect(fixture.port);
    await esme.bind();
    expect((await esme.request("unbind")).command_status).toBe(0);
    await waitUntil(() => esme.closed, 3000, "session closed");
    await waitUntil(() => fixture.server.sessionCount === 0, 3000, "server forgot the session");
  });
});

describe("SMPP server bad input", () => {
  it("closes a connection that sends an HTTP request, after a generic_nack ESME_RINVCMDLEN", async () => {
    const fixture = await startServer();
    const peer = await rawPeer(fixture.port);
    peer.socket.write("GET / HTTP/1.1\r\nHost: otpgw\r\n\r\n");
    const [frame] = await peer.frames.waitFor(1);
    expect(frame).toMatchObject({ commandId: CommandId.generic_nack, status: SmppStatus.ESME_RINVCMDLEN });
    await within(peer.closed, 3000, "connection closed");
    await assertServesWellBehavedClient(fixture);
  });

  it.each([
    ["below 16", 8],
    ["above the maximum", 0x7fffffff],
  ])("answers command_length %s with generic_nack ESME_RINVCMDLEN and closes", async (_, length) => {
    const fixture = await startServer({ server: { maxPduBytes: 4096 } });
    const peer = await rawPeer(fixture.port);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(length, 0);
    header.writeUInt32BE(CommandId.enquire_link, 4);
    header.writeUInt32BE(9, 12);
    peer.socket.write(header);
    const [frame] = await peer.frames.waitFor(1);
    expect(frame).toMatchObject({ commandId: CommandId.generic_nack, status: SmppStatus.ESME_RINVCMDLEN });
    await within(peer.closed, 3000, "connection closed");
    await assertServesWellBehavedClient(fixture);
  });

  it("answers an unknown command_id with generic_nack ESME_RINVCMDID and keeps the session", async () => {
    const fixture = await startServer();
    const peer = await rawPeer(fixture.port);
    peer.socket.write(bindPdu());
    await peer.frames.waitFor(1);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(16, 0);
    header.writeUInt32BE(0x000000ee, 4);
    header.writeUInt32BE(5, 12);
    peer.socket.write(header);
    const frames = await peer.frames.waitFor(2);
    expect(frames[1]).toMatchObject({
      commandId: CommandId.generic_nack,
      status: SmppStatus.ESME_RINVCMDID,
      sequence: 5,
    });
    peer.socket.write(encodePdu("enquire_link", 6));
    expect((await peer.frames.waitFor(3))[2]).toMatchObject({
      commandId: CommandId.enquire_link_resp,
      sequence: 6,
    });
    await assertServesWellBehavedClient(fixture);
  });

  /** A valid submit_sm PDU to corrupt. */
  function goodSubmit(sequence: number): Buffer {
    return encodePdu("submit_sm", sequence, {
      source_addr: "AcmeOTP",
      destination_addr: "6281234567890",
      data_coding: 0,
      short_message: Buffer.from("code 1"),
    });
  }
  const withLength = (b: Buffer): Buffer => {
    b.writeUInt32BE(b.length, 0);
    return b;
  };
  const corruptions: [string, (s: number) => Buffer, number][] = [
    [
      "a truncated body",
      (s) => withLength(Buffer.from(goodSubmit(s).subarray(0, 30))),
      SmppStatus.ESME_RINVCMDLEN,
    ],
    [
      "a source_addr without its NUL",
      (s) => withLength(Buffer.concat([goodSubmit(s).subarray(0, 19), Buffer.alloc(40, 0x41)])),
      SmppStatus.ESME_RINVSRCADR,
    ],
    [
      "an sm_length past the end",
      (s) => {
        const b = goodSubmit(s);
        b[b.length - 7] = 200;
        return b;
      },
      SmppStatus.ESME_RINVMSGLEN,
    ],
    [
      "a TLV whose length runs past the end",
      (s) => withLength(Buffer.concat([goodSubmit(s), Buffer.from([0x04, 0x24, 0x00, 0x50, 1, 2])])),
      SmppStatus.ESME_RINVPARLEN,
    ],
    [
      "stray octets after the last TLV",
      (s) => withLength(Buffer.concat([goodSubmit(s), Buffer.from([0x04, 0x24])])),
      SmppStatus.ESME_RINVOPTPARSTREAM,
    ],
  ];

  it.each(corruptions)(
    "answers a submit_sm with %s with the right status and keeps serving",
    async (_, make, status) => {
      const fixture = await startServer();
      const peer = await rawPeer(fixture.port);
      peer.socket.write(bindPdu());
      await peer.frames.waitFor(1);
      peer.socket.write(make(2));
      const frames = await peer.frames.waitFor(2);
      expect(frames[1]).toMatchObject({ commandId: CommandId.submit_sm_resp, status, sequence: 2 });
      // The same session still works.
      peer.socket.write(goodSubmit(3));
      expect((await peer.frames.waitFor(3))[2]).toMatchObject({
        commandId: CommandId.submit_sm_resp,
        status: 0,
        sequence: 3,
      });
      expect(fixture.delivery.accepted).toHaveLength(1);
      await assertServesWellBehavedClient(fixture);
    },
  );

  it("answers a bind whose system_id has no NUL with a bind error and closes", async () => {
    const fixture = await startServer();
    const peer = await rawPeer(fixture.port);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(CommandId.bind_transceiver, 4);
    header.writeUInt32BE(1, 12);
    const pdu = withLength(Buffer.concat([header, Buffer.alloc(30, 0x41)]));
    peer.socket.write(pdu);
    const [frame] = await peer.frames.waitFor(1);
    expect(frame).toMatchObject({
      commandId: CommandId.bind_transceiver_resp,
      status: SmppStatus.ESME_RINVSYSID,
    });
    await within(peer.closed, 3000, "connection closed");
    await assertServesWellBehavedClient(fixture);
  });

  it("treats a bind whose body ends in a truncated TLV as a failed bind: delayed, counted, closed, towards the IP's cooldown", async () => {
    const fixture = await startServer({ server: { failedBindDelayMs: 300, bindFailureLimit: 2 } });
    // The right credentials, then a TLV header promising a value that is not there (message_state, 1 octet).
    const malformed = (sequence: number) =>
      withLength(Buffer.concat([bindPdu(sequence), Buffer.from("04270001", "hex")]));
    for (let attempt = 1; attempt <= 2; attempt++) {
      const peer = await rawPeer(fixture.port);
      const started = Date.now();
      peer.socket.write(malformed(attempt));
      const [frame] = await peer.frames.waitFor(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250); // the uniform failed-bind delay
      expect(frame).toMatchObject({
        commandId: CommandId.bind_transceiver_resp,
        status: SmppStatus.ESME_RINVPARLEN,
        sequence: attempt,
      });
      await within(peer.closed, 3000, "connection closed after the failed bind");
      expect(peer.frames.frames).toHaveLength(1);
    }
    expect(await metricValue(fixture, "otpgw_smpp_binds_total", { outcome: "malformed" })).toBe(2);
    // Two failures put 127.0.0.1 in its cooldown: the right password, well-formed, is refused now.
    const esme = await Esme.connect(fixture.port);
    expect((await esme.bind()).command_status).toBe(SmppStatus.ESME_RBINDFAIL);
    expect(await metricValue(fixture, "otpgw_smpp_binds_total", { outcome: "ip_cooldown" })).toBe(1);
    await assertServesWellBehavedClient(fixture, "127.0.0.2");
  });
});
