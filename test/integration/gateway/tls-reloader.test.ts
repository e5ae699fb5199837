import { once } from "node:events";
import { copyFile, writeFile } from "node:fs/promises";
import { connect, createServer, type TLSSocket } from "node:tls";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it, onTestFinished } from "vitest";
import { loadTlsFiles } from "../../../src/config/tls-files.js";
import { TlsReloader } from "../../../src/config/tls-reloader.js";
import { createLogger } from "../../../src/observability/logger.js";
import { renewedServerCertificate, testCertificates } from "../../helpers/tls-certificates.js";
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

describe("TLS files reloaded without a restart (the SMPP listener's, here on a plain TLS server)", () => {
  it("a renewed key and certificate are served to new connections once the files change; unusable files leave the current one", async () => {
    const certs = testCertificates();
    const files = { keyFile: `${certs.dir}/live.key`, certFile: `${certs.dir}/live.pem` };
    await copyFile(certs.serverKeyFile, files.keyFile);
    await copyFile(certs.serverCertFile, files.certFile);
    const load = () => loadTlsFiles("smpp.tls", files) as { key: Buffer; cert: Buffer };
    const first = load();
    const server = createServer(first, (socket) => socket.end());
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const ca = readFileSync(certs.caFile);

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
});
