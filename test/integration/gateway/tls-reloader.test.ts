import { once } from "node:events";
import { copyFile, mkdir, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect, createServer, type TLSSocket } from "node:tls";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it, onTestFinished } from "vitest";
import { loadTlsFiles } from "../../../src/config/tls-files.js";
import { TlsReloader } from "../../../src/config/tls-reloader.js";
import { createLogger } from "../../../src/observability/logger.js";
import {
  renewedServerCertificate,
  testCertificates,
  type TestCertificates,
} from "../../helpers/tls-certificates.js";
import { waitUntil } from "../../helpers/wait.js";

/** The serial number of the certificate a new TLS connection to `port` is shown (checked against `ca`). */
async function servedSerial(port: number, ca: Buffer): Promise<string> {
  const socket: TLSSocket = connect({ host: "127.0.0.1", port, ca });
  try {
    await once(socket, "secureConnect");
    return socket.getPeerX509Certificate()!.serialNumber;
  } finally {
    socket.destroy();
  }
}

/**
 * A TLS server on 127.0.0.1 serving `files` (checked as smpp.tls's are), with a reloader checking them every 50 ms;
 * its log lines and the expiries it reported are collected.
 */
async function reloadingServer(certs: TestCertificates, files: { keyFile: string; certFile: string }) {
  const load = () => loadTlsFiles("smpp.tls", files) as { key: Buffer; cert: Buffer };
  const first = load();
  const server = createServer(first, (socket) => socket.end());
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  const lines: { msg: string; err?: string; serial?: string }[] = [];
  const logger = createLogger({
    level: "info",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) },
  });
  const expiries: number[] = [];
  const reloader = new TlsReloader({
    name: "SMPP TLS certificate",
    files: [files.keyFile, files.certFile],
    load,
    apply: (material) => server.setSecureContext(material),
    expiry: (at) => expiries.push(at),
    logger,
    intervalMs: 50,
  });
  await reloader.start(first);
  onTestFinished(() => reloader.stop());
  return { port, ca: readFileSync(certs.caFile), lines, expiries, reloader, first };
}

describe("TLS files reloaded without a restart (the SMPP listener's, here on a plain TLS server)", () => {
  it("a renewed key and certificate are served to new connections once the files change; unusable files leave the current one", async () => {
    const certs = testCertificates();
    const files = { keyFile: `${certs.dir}/live.key`, certFile: `${certs.dir}/live.pem` };
    await copyFile(certs.serverKeyFile, files.keyFile);
    await copyFile(certs.serverCertFile, files.certFile);
    const { port, ca, lines, expiries, reloader, first } = await reloadingServer(certs, files);
    const firstSerial = new X509Certificate(first.cert).serialNumber;
    expect(await servedSerial(port, ca)).toBe(firstSerial);
    expect(expiries).toHaveLength(1);

    // A renewal written in place (key first, then the certificate, as a rotation does): picked up by the check.
    const renewed = renewedServerCertificate(certs, "renewed");
    await copyFile(renewed.keyFile, files.keyFile);
    await copyFile(renewed.certFile, files.certFile);
    const renewedSerial = new X509Certificate(readFileSync(renewed.certFile)).serialNumber;
    expect(renewedSerial).not.toBe(firstSerial);
    await waitUntil(
      async () => (await servedSerial(port, ca)) === renewedSerial,
      5_000,
      "the renewed certificate",
    );
    expect(lines.filter((l) => l.msg === "SMPP TLS certificate reloaded").map((l) => l.serial)).toContain(
      renewedSerial,
    );
    expect(expiries.length).toBeGreaterThanOrEqual(2);

    // A half-written certificate: refused with an error log, the renewed one still served.
    const refusals = () =>
      lines.filter((l) => l.msg === "SMPP TLS certificate not reloaded: the current ones stay");
    const before = refusals().length;
    await writeFile(files.certFile, "-----BEGIN CERTIFICATE-----\ntruncated\n");
    await waitUntil(() => refusals().length > before, 5_000, "the refusal");
    expect(refusals().at(-1)?.err).toMatch(/smpp\.tls\.cert_file: .* holds no PEM certificate/);
    expect(await servedSerial(port, ca)).toBe(renewedSerial);
    // A reload asked for with nothing changed installs nothing.
    await copyFile(renewed.certFile, files.certFile);
    await waitUntil(async () => !(await reloader.reload()), 5_000, "a reload that changes nothing");
    expect(await servedSerial(port, ca)).toBe(renewedSerial);
  });

  it("a Kubernetes-style rotation (the ..data symlink swapped to a new directory) is picked up", async () => {
    const certs = testCertificates();
    // The layout of a secret volume: tls.key -> ..data/tls.key, ..data -> ..<version>/.
    const secret = join(certs.dir, "secret");
    const version = async (name: string, key: string, cert: string) => {
      await mkdir(join(secret, name), { recursive: true });
      await copyFile(key, join(secret, name, "tls.key"));
      await copyFile(cert, join(secret, name, "tls.crt"));
    };
    await version("..v1", certs.serverKeyFile, certs.serverCertFile);
    await symlink("..v1", join(secret, "..data"));
    await symlink("..data/tls.key", join(secret, "tls.key"));
    await symlink("..data/tls.crt", join(secret, "tls.crt"));
    const files = { keyFile: join(secret, "tls.key"), certFile: join(secret, "tls.crt") };
    const { port, ca, first } = await reloadingServer(certs, files);
    expect(await servedSerial(port, ca)).toBe(new X509Certificate(first.cert).serialNumber);

    const renewed = renewedServerCertificate(certs, "rotated");
    await version("..v2", renewed.keyFile, renewed.certFile);
    await symlink("..v2", join(secret, "..data_tmp"));
    await rename(join(secret, "..data_tmp"), join(secret, "..data")); // atomic, as the kubelet does
    const renewedSerial = new X509Certificate(readFileSync(renewed.certFile)).serialNumber;
    await waitUntil(
      async () => (await servedSerial(port, ca)) === renewedSerial,
      5_000,
      "the rotated certificate",
    );
  });
});
