/**
 * PEM files named in the settings (`redis_tls`, `smpp.tls`), read and checked when the daemon starts and when
 * `config check` runs: a file that is missing, not PEM, an expired certificate, an encrypted key or a key of another
 * certificate is a configuration problem naming the setting — not a handshake failure at the first connection, nor
 * a bare ENOENT.
 */
import { readFileSync } from "node:fs";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import { ConfigError } from "../errors.js";
import type { DaemonConfig } from "./types.js";

/** The files of one setting, paths absolute (daemon-settings.ts resolves them). */
export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** Their contents, as Node's TLS options take them. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** A file otpgw cannot use; the message names the setting and the file (never its content). */
export class TlsFileError extends Error {}

function read(setting: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TlsFileError(`${setting}: cannot read ${path} (${reason})`);
  }
}

/** The first certificate of a PEM file, which must parse and must not have expired. */
function checkCertificate(
  setting: string,
  path: string | undefined,
  pem: Buffer | undefined,
  now: Date,
): void {
  if (pem === undefined) return;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    throw new TlsFileError(`${setting}: ${path} holds no PEM certificate (${(error as Error).message})`);
  }
  if (new Date(certificate.validTo) < now) {
    throw new TlsFileError(`${setting}: the certificate in ${path} expired on ${certificate.validTo}`);
  }
}

function checkKey(setting: string, path: string | undefined, pem: Buffer | undefined): void {
  if (pem === undefined) return;
  // OpenSSL's own words for a key it cannot decrypt are "interrupted or cancelled".
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem.toString("latin1"))) {
    throw new TlsFileError(`${setting}: the key in ${path} is encrypted: give the key without a passphrase`);
  }
  try {
    createPrivateKey(pem);
  } catch (error) {
    throw new TlsFileError(`${setting}: ${path} holds no PEM private key (${openSslReason(error as Error)})`);
  }
}

function openSslReason(error: Error): string {
  return error.message.replace(/^error:[0-9A-F]+:/, "");
}

/**
 * Reads and checks the files of `setting` (e.g. "redis_tls"; each file is reported as `<setting>.ca_file` …).
 * @throws TlsFileError naming the setting and the file.
 */
export function loadTlsFiles(setting: string, files: TlsFiles, now = new Date()): TlsMaterial {
  const ca = read(`${setting}.ca_file`, files.caFile);
  const cert = read(`${setting}.cert_file`, files.certFile);
  const key = read(`${setting}.key_file`, files.keyFile);
  checkCertificate(`${setting}.ca_file`, files.caFile, ca, now);
  checkCertificate(`${setting}.cert_file`, files.certFile, cert, now);
  checkKey(`${setting}.key_file`, files.keyFile, key);
  const material: TlsMaterial = { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
  try {
    createSecureContext(material);
  } catch (error) {
    const reason = openSslReason(error as Error);
    throw new TlsFileError(
      /key values mismatch/i.test(reason)
        ? `${setting}: the key in ${files.keyFile} does not belong to the certificate in ${files.certFile}`
        : `${setting}: ${reason}`,
    );
  }
  return material;
}

/**
 * Runs `load` (which reads TLS files); a TlsFileError becomes the configuration problem it is:
 * `<settings file>: <setting>: <what is wrong>`.
 */
export function withTlsFiles<T>(daemon: Pick<DaemonConfig, "file">, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof TlsFileError)) throw error;
    throw new ConfigError([`${daemon.file ?? "environment"}: ${error.message}`]);
  }
}

/** The SMPP TLS listener's certificate and key (`smpp.tls`), when configured. @throws ConfigError */
export function smppTlsMaterial(
  daemon: Pick<DaemonConfig, "file" | "smpp">,
): { key: Buffer; cert: Buffer } | undefined {
  const tls = daemon.smpp.tls;
  if (!tls) return undefined;
  const { key, cert } = withTlsFiles(daemon, () =>
    loadTlsFiles("smpp.tls", { certFile: tls.certFile, keyFile: tls.keyFile }),
  );
  return { key: key!, cert: cert! };
}

/** A certificate's end of validity, in Unix seconds (for the expiry gauge). */
export function expiryOf(certificate: X509Certificate): number {
  return Math.floor(Date.parse(certificate.validTo) / 1000);
}

/** The same for a PEM certificate. */
export function certificateExpiry(cert: Buffer): number {
  return expiryOf(new X509Certificate(cert));
}

/** Below this many days of validity left, `config check` warns (the alert OtpgwCertificateExpiring agrees). */
const EXPIRY_WARNING_DAYS = 14;

/**
 * What `config check` says of a certificate otpgw presents: its subject and end of validity, and a warning when it
 * ends within two weeks.
 */
export function certificateReport(setting: string, cert: Buffer, now = new Date()): string[] {
  const certificate = new X509Certificate(cert);
  const days = Math.floor((expiryOf(certificate) * 1000 - now.getTime()) / 86_400_000);
  const until = new Date(certificate.validTo).toISOString().slice(0, 10);
  const lines = [
    `tls: ${setting}: "${certificate.subject.replace(/\n/g, ", ")}" valid until ${until} (${days} days)`,
  ];
  if (days < EXPIRY_WARNING_DAYS) {
    lines.push(
      `tls warning: the ${setting} certificate expires in ${days} days: renew it (otpgw installs renewed files without a restart)`,
    );
  }
  return lines;
}
