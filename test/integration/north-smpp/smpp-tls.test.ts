import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { describe, expect, it, onTestFinished } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, smppAccountBlock } from "../../helpers/daemon-fixture.js";
import { testRedis } from "../../helpers/redis.js";
import { renewedServerCertificate, testCertificates } from "../../helpers/tls-certificates.js";
import { waitUntil } from "../../helpers/wait.js";
import { handset, receiptsFor, submitOtp } from "../gateway/smpp-gateway.js";
import { Esme, PASSWORD, startServer, within } from "./smpp-fixture.js";

/** The serial number of the certificate the daemon showed `esme`'s TLS connection. */
function servedSerial(esme: Esme): string | undefined {
  return (esme.session.socket as TLSSocket).getPeerX509Certificate()?.serialNumber;
}

/** A TCP connection that never starts its TLS handshake, and whether the server has closed it. */
async function silentConnection(port: number, localAddress = "127.0.0.1") {
  const socket = connect({ host: "127.0.0.1", port, localAddress });
  socket.on("error", () => undefined);
  onTestFinished(() => void socket.destroy());
  const state = { closed: false };
  const closed = once(socket, "close").then(() => void (state.closed = true));
  await once(socket, "connect");
  return { closed, state };
}

/** The TLS fixture with these limits. */
async function tlsServer(limits: {
  maxUnboundPerAddress?: number;
  maxSessions?: number;
  sessionInitMs: number;
}) {
  const certs = testCertificates();
  const [key, cert] = [readFileSync(certs.serverKeyFile), readFileSync(certs.serverCertFile)];
  return startServer({ server: { ...limits, tls: { host: "127.0.0.1", port: 0, key, cert } } });
}

const refusals = (fixture: Awaited<ReturnType<typeof startServer>>) =>
  fixture.metrics.registry.getSingleMetricAsString("otpgw_smpp_connections_refused_total");

describe("SMPP over TLS", () => {
  it("counts TCP connections to the TLS port before their handshake, and drops those that never send a ClientHello after sessionInitMs", async () => {
    const fixture = await tlsServer({ maxUnboundPerAddress: 2, sessionInitMs: 600 });
    const silent = [await silentConnection(fixture.tlsPort!), await silentConnection(fixture.tlsPort!)];
    const third = await silentConnection(fixture.tlsPort!);
    await within(third.closed, 300, "the third unbound connection of the address to be refused at once");
    expect(silent.map((c) => c.state.closed)).toEqual([false, false]);
    expect(await refusals(fixture)).toContain(
      'otpgw_smpp_connections_refused_total{reason="too_many_unbound"} 1',
    );
    // Dropped when the handshake time (at most sessionInitMs) runs out, not after Node's default 120 s.
    await within(Promise.all(silent.map((c) => c.closed)), 3000, "the silent connections to be dropped");
    // The address may connect again, and a TLS ESME binds and submits.
    const esme = await Esme.connectTls(fixture.tlsPort!);
    expect((await esme.bind()).command_status).toBe(0);
    expect((await esme.submit()).command_status).toBe(0);
  });

  it("counts TCP connections to the TLS port in their handshake towards maxSessions", async () => {
    const fixture = await tlsServer({ maxSessions: 2, sessionInitMs: 30_000 });
    const held = [
      await silentConnection(fixture.tlsPort!, "127.0.0.1"),
      await silentConnection(fixture.tlsPort!, "127.0.0.2"),
    ];
    const extra = await silentConnection(fixture.tlsPort!, "127.0.0.3");
    await within(extra.closed, 300, "the connection beyond maxSessions to be refused at once");
    expect(await refusals(fixture)).toContain(
      'otpgw_smpp_connections_refused_total{reason="too_many_sessions"} 1',
    );
    expect(held.map((c) => c.state.closed)).toEqual([false, false]);
  });

  it("serves binds and submits on the TLS listener beside the plain one", async () => {
    const certs = testCertificates();
    const [key, cert] = [readFileSync(certs.serverKeyFile), readFileSync(certs.serverCertFile)];
    const fixture = await startServer({ server: { tls: { host: "127.0.0.1", port: 0, key, cert } } });
    expect(fixture.tlsPort).toBeGreaterThan(0);
    const esme = await Esme.connectTls(fixture.tlsPort!);
    expect((await esme.bind()).command_status).toBe(0);
    // The well-behaved ESME's submit_sm (AcmeOTP to 6281234567890, "Your code is 123456").
    expect((await esme.submit()).command_status).toBe(0);
    expect(fixture.delivery.accepted).toHaveLength(1);
  });

  it("the daemon's smpp.tls from otpgw.yaml: an ESME checking the certificate binds, submits and gets its receipt; SIGHUP installs a renewed certificate and the bound ESME carries on", async () => {
    const certs = testCertificates();
    const live = { keyFile: join(certs.dir, "live.key"), certFile: join(certs.dir, "live.pem") };
    await copyFile(certs.serverKeyFile, live.keyFile);
    await copyFile(certs.serverCertFile, live.certFile);
    const sim = await startCarrierSim({ receiptLatencyMs: { min: 5, max: 20 } });
    const daemon = await daemonFixture({
      redisUrl: (await testRedis()).url,
      carriers: [{ id: "id-a", port: sim.port! }],
      smppBlock: await smppAccountBlock(PASSWORD),
      smppTls: live,
    });
    const ports = await daemon.start();
    await daemon.waitForBinds();
    expect(ports.smppTls).toBeGreaterThan(0);
    const ca = readFileSync(certs.caFile);
    const esme = await Esme.connectTls(ports.smppTls!, ca);
    expect((await esme.bind(undefined, { system_id: "acme" })).command_status).toBe(0);
    const sendAndReceipt = async (i: number) => {
      const resp = await submitOtp(esme, handset(i));
      expect(resp.command_status).toBe(0);
      const receipts = await receiptsFor(esme, [resp.message_id as string], {
        timeoutMs: 10_000,
        settleMs: 100,
      });
      expect(receipts.get(resp.message_id as string)).toEqual(["DELIVRD"]);
    };
    await sendAndReceipt(1);
    expect(servedSerial(esme)).toBe(new X509Certificate(readFileSync(certs.serverCertFile)).serialNumber);

    // The certificate is renewed on disk and the daemon told with SIGHUP.
    const renewed = renewedServerCertificate(certs, "renewed");
    await copyFile(renewed.keyFile, live.keyFile);
    await copyFile(renewed.certFile, live.certFile);
    daemon.signal("SIGHUP");
    await waitUntil(
      () => daemon.logLines.some((l) => l.includes('"msg":"SMPP TLS certificate reloaded"')),
      10_000,
      "the reload",
    );
    const renewedSerial = new X509Certificate(readFileSync(renewed.certFile)).serialNumber;
    const second = await Esme.connectTls(ports.smppTls!, ca);
    expect(servedSerial(second)).toBe(renewedSerial);
    // The ESME bound before the renewal still submits and gets its receipt on its session.
    await sendAndReceipt(2);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
    const expiry = Number(
      /^otpgw_tls_certificate_expiry_timestamp_seconds\{use="smpp_listener"\} (\d+)$/m.exec(metrics)?.[1],
    );
    expect(expiry).toBe(
      Math.floor(Date.parse(new X509Certificate(readFileSync(renewed.certFile)).validTo) / 1000),
    );
  }, 40_000);
});
