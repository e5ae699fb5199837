import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { describe, expect, it, onTestFinished } from "vitest";
import { freePort } from "../../../scripts/lib/free-port.js";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { loadRedisTls } from "../../../src/redis/redis-tls.js";
import { otpGateway } from "../../helpers/otp-gateway.js";
import { runOtpgw } from "../../helpers/otpgw-cli.js";
import { scanKeys } from "../../helpers/redis.js";
import {
  otherCaClientCertificate,
  redisTlsArgs,
  redisTlsSettings,
  testCertificates,
  type TestCertificates,
} from "../../helpers/tls-certificates.js";
import { waitUntil } from "../../helpers/wait.js";

/** A Redis whose TLS port demands a client certificate signed by the test CA; its plain port for the test only. */
async function tlsRedis(certs: TestCertificates) {
  const tlsPort = await freePort();
  const redis = await startPrivateRedis({ extraArgs: redisTlsArgs(certs, tlsPort, true) });
  onTestFinished(() => redis.stop());
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  admin.on("error", () => undefined);
  onTestFinished(() => admin.disconnect());
  return { url: `rediss://127.0.0.1:${tlsPort}`, admin };
}

/** Sends `count` OTPs and waits for each one's "delivered" webhook. */
async function deliverSome(
  gateway: Awaited<ReturnType<typeof otpGateway>>,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await gateway.send(i);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    ids.push(r.body.id as string);
  }
  const expected = new Set(ids.map((id) => `final:${id}`));
  await waitUntil(
    () => gateway.hooks.calls.filter((c) => expected.has(c.eventId)).length === count,
    20_000,
    "a webhook per message",
  );
  expect(gateway.hooks.calls.filter((c) => c.body.state !== "delivered")).toEqual([]);
  return ids;
}

/** How `otpgw start` ended when it was expected to refuse: its error text. */
async function startFailure(gateway: Awaited<ReturnType<typeof otpGateway>>): Promise<string> {
  return gateway.daemon.start().then(
    () => "started",
    (error: Error) => error.message,
  );
}

describe("Redis over TLS (rediss://, redis_tls; rediss+sentinel:// in redis-sentinel.test.ts)", () => {
  it("a Redis that demands client certificates: otpgw with the CA and its certificate delivers; without them it refuses to start and says why", async () => {
    const certs = testCertificates();
    const redis = await tlsRedis(certs);

    // The first webhook fails: its retry goes through BullMQ, whose connections need the same TLS options.
    const gateway = await otpGateway(redis.url, { settings: redisTlsSettings(certs), failFirstWebhooks: 1 });
    await gateway.daemon.start();
    await gateway.daemon.waitForBinds();
    await deliverSome(gateway, 3); // the failed one included: its retry reached the receiver
    // The messages and the retry queue are in that Redis (read over its plain port).
    expect((await scanKeys(redis.admin, `${gateway.daemon.prefix}m:*`)).length).toBe(3);
    expect((await scanKeys(redis.admin, `${gateway.daemon.prefix}bull:*`)).length).toBeGreaterThan(0);
    await gateway.daemon.stop();

    // The system's CAs do not know the test CA: the server's certificate is refused.
    const untrusted = await otpGateway(redis.url);
    expect(await startFailure(untrusted)).toMatch(/self-signed certificate in certificate chain/);
    // Another CA named: refused the same way.
    const wrongCa = await otpGateway(redis.url, {
      settings: redisTlsSettings(certs, { caFile: certs.otherCaFile }),
    });
    expect(await startFailure(wrongCa)).toMatch(/self-signed certificate in certificate chain/);
    // The certificate checked against server_name instead of the address: a name it does not carry is refused.
    const wrongName = await otpGateway(redis.url, {
      settings: redisTlsSettings(certs, { serverName: "redis.example" }),
    });
    expect(await startFailure(wrongName)).toMatch(/Host: redis\.example\. is not in the cert's altnames/);
    // No client certificate: Redis closes the connection; the message says what Redis may want.
    const anonymous = await otpGateway(redis.url, { settings: redisTlsSettings(certs, { client: false }) });
    const refused = await startFailure(anonymous);
    expect(refused).toMatch(/cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+/);
    expect(refused).toMatch(/redis_tls\.cert_file and key_file/);
  }, 60_000);

  it("redis_tls files that cannot be used stop start-up and config check as configuration problems, naming the setting", async () => {
    const certs = testCertificates();
    const redis = await tlsRedis(certs);
    const gateway = await otpGateway(redis.url, { settings: redisTlsSettings(certs) });
    const config = join(gateway.daemon.dir, "otpgw.yaml");
    const check = (env: Record<string, string>, redisToo = false) =>
      runOtpgw(
        ["config", "check", "--allow-missing-env", "--config", config, ...(redisToo ? ["--redis"] : [])],
        {
          env: { PATH: process.env.PATH, ...env },
        },
      );

    const ok = await check({}, true);
    expect(ok.stderr).toBe("");
    // The client certificate is named with its end of validity; the test's are valid for a day: a warning.
    expect(ok.stdout).toMatch(/^tls: redis_tls client: "CN=otpgw" valid until \d{4}-\d\d-\d\d \(0 days\)$/m);
    expect(ok.stdout).toMatch(/^tls warning: the redis_tls client certificate expires in 0 days: renew it/m);
    expect(ok.stdout).toMatch(
      /^redis: ok \(Redis [\d.]+, master, 0 replicas in sync, .*, TLS \(redis_tls\)\)$/m,
    );

    // The environment's paths win over the file's: a CA file that is not there.
    const missing = await check({ OTPGW_REDIS_TLS_CA_FILE: join(certs.dir, "nope.pem") });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `redis_tls.ca_file: cannot read ${join(certs.dir, "nope.pem")} (ENOENT)`,
    );
    // A key that belongs to another certificate (the server's key with the client's certificate).
    const mismatch = await check({ OTPGW_REDIS_TLS_KEY_FILE: certs.serverKeyFile });
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain(
      `redis_tls: the key in ${certs.serverKeyFile} does not belong to the certificate in ${certs.clientCertFile}`,
    );
    // Not PEM at all.
    const notPem = join(certs.dir, "not-pem.pem");
    await writeFile(notPem, "this is not a certificate\n");
    const garbage = await check({ OTPGW_REDIS_TLS_CA_FILE: notPem });
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain(`redis_tls.ca_file: ${notPem} holds no PEM certificate`);
    const notKey = await check({ OTPGW_REDIS_TLS_KEY_FILE: notPem });
    expect(notKey.code).toBe(2);
    expect(notKey.stderr).toContain(`redis_tls.key_file: ${notPem} holds no PEM private key`);

    // The daemon refuses to start on the same problem, before connecting anywhere.
    await copyFile(notPem, certs.caFile);
    expect(await startFailure(gateway)).toMatch(
      /invalid configuration[\s\S]*redis_tls\.ca_file: .* holds no PEM certificate/,
    );
  }, 60_000);

  it("loading redis_tls names what is wrong: an expired certificate, an encrypted key", () => {
    const certs = testCertificates();
    const files = { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile };
    expect(loadRedisTls(files).servername).toBeUndefined();
    // The test certificates are valid for a day: two days on, they have expired.
    const later = new Date(Date.now() + 2 * 86_400_000);
    expect(() => loadRedisTls(files, later)).toThrow(
      new RegExp(`redis_tls\\.ca_file: the certificate in ${certs.caFile} expired on `),
    );
    const encrypted = join(certs.dir, "encrypted.key");
    execFileSync("openssl", [
      "pkey",
      "-in",
      certs.clientKeyFile,
      "-aes256",
      "-passout",
      "pass:secret",
      "-out",
      encrypted,
    ]);
    expect(() => loadRedisTls({ ...files, keyFile: encrypted })).toThrow(
      `redis_tls.key_file: the key in ${encrypted} is encrypted: give the key without a passphrase`,
    );
  });

  it("a renewed client certificate is used from the next connection after SIGHUP, without a restart", async () => {
    const certs = testCertificates();
    // Redis trusts client certificates of both CAs for now.
    const bundle = join(certs.dir, "both-cas.pem");
    await writeFile(
      bundle,
      `${readFileSync(certs.caFile, "utf8")}${readFileSync(certs.otherCaFile, "utf8")}`,
    );
    const tlsPort = await freePort();
    const server = await startPrivateRedis({
      extraArgs: [...redisTlsArgs(certs, tlsPort, true), "--tls-ca-cert-file", bundle],
    });
    onTestFinished(() => server.stop());
    const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    admin.on("error", () => undefined);
    onTestFinished(() => admin.disconnect());
    const live = {
      certFile: join(certs.dir, "live-client.pem"),
      keyFile: join(certs.dir, "live-client.key"),
    };
    await copyFile(certs.clientCertFile, live.certFile);
    await copyFile(certs.clientKeyFile, live.keyFile);
    const gateway = await otpGateway(`rediss://127.0.0.1:${tlsPort}`, {
      settings: [
        "redis_tls:",
        `  ca_file: ${certs.caFile}`,
        `  cert_file: ${live.certFile}`,
        `  key_file: ${live.keyFile}`,
      ].join("\n"),
    });
    await gateway.daemon.start();
    await gateway.daemon.waitForBinds();
    await deliverSome(gateway, 1);

    // The client certificate is renewed from the other CA, otpgw told with SIGHUP; then Redis stops trusting the
    // first CA and drops every connection: otpgw's reconnections must present the renewed certificate.
    const renewed = otherCaClientCertificate(certs, "renewed-client");
    await copyFile(renewed.keyFile, live.keyFile);
    await copyFile(renewed.certFile, live.certFile);
    gateway.daemon.signal("SIGHUP");
    await waitUntil(
      () => gateway.daemon.logLines.some((l) => l.includes('"msg":"Redis TLS files reloaded"')),
      10_000,
      "the reload",
    );
    await admin.config("SET", "tls-ca-cert-file", certs.otherCaFile);
    await admin.client("KILL", "TYPE", "normal");
    let accepted = 0;
    const deadline = Date.now() + 15_000;
    while (accepted === 0 && Date.now() < deadline) {
      const r = await gateway.send(100);
      if (r.status === 202) accepted++;
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(accepted).toBe(1);
    await waitUntil(() => gateway.hooks.calls.length === 2, 15_000, "the second message's webhook");
  }, 60_000);
});
