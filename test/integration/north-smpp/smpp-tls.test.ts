import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { describe, expect, it } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, smppAccountBlock } from "../../helpers/daemon-fixture.js";
import { testRedis } from "../../helpers/redis.js";
import { renewedServerCertificate, testCertificates } from "../../helpers/tls-certificates.js";
import { waitUntil } from "../../helpers/wait.js";
import { handset, receiptsFor, submitOtp } from "../gateway/smpp-gateway.js";
import { Esme, PASSWORD, startServer } from "./smpp-fixture.js";

/** The serial number of the certificate the daemon showed `esme`'s TLS connection. */
function servedSerial(esme: Esme): string | undefined {
  return (esme.session.socket as TLSSocket).getPeerX509Certificate()?.serialNumber;
}

describe("SMPP over TLS", () => {
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
