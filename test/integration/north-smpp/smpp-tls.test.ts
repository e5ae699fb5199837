import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, smppAccountBlock } from "../../helpers/daemon-fixture.js";
import { testRedis } from "../../helpers/redis.js";
import { testCertificates } from "../../helpers/tls-certificates.js";
import { handset, receiptsFor, submitOtp } from "../gateway/smpp-gateway.js";
import { Esme, PASSWORD, startServer } from "./smpp-fixture.js";

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

  it("the daemon's smpp.tls from otpgw.yaml: an ESME checking the certificate binds, submits and gets its receipt", async () => {
    const certs = testCertificates();
    const sim = await startCarrierSim({ receiptLatencyMs: { min: 5, max: 20 } });
    const daemon = await daemonFixture({
      redisUrl: (await testRedis()).url,
      carriers: [{ id: "id-a", port: sim.port! }],
      smppBlock: await smppAccountBlock(PASSWORD),
      smppTls: { keyFile: certs.serverKeyFile, certFile: certs.serverCertFile },
    });
    const ports = await daemon.start();
    await daemon.waitForBinds();
    expect(ports.smppTls).toBeGreaterThan(0);
    const esme = await Esme.connectTls(ports.smppTls!, readFileSync(certs.caFile));
    expect((await esme.bind(undefined, { system_id: "acme" })).command_status).toBe(0);
    const resp = await submitOtp(esme, handset(1));
    expect(resp.command_status).toBe(0);
    const receipts = await receiptsFor(esme, [resp.message_id as string], {
      timeoutMs: 10_000,
      settleMs: 200,
    });
    expect(receipts.get(resp.message_id as string)).toEqual(["DELIVRD"]);
  }, 30_000);
});
