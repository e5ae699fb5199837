/**
 * TLS to Redis (`redis_tls`, for `rediss://` and `rediss+sentinel://` URLs): the CA to trust instead of the
 * system's, the client certificate and key for a Redis that asks for one (`tls-auth-clients yes`), and the name the
 * server's certificate must carry when it is not the host connected to (Sentinel names its servers by address).
 * The files are read, and checked as a TLS context (PEM that parses, a key that matches its certificate), when the
 * daemon starts and when `config check` runs — a wrong file is a configuration error naming the setting, not a
 * handshake failure at the first connection.
 */
import { readFileSync } from "node:fs";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createSecureContext, type ConnectionOptions } from "node:tls";
import type { DaemonConfig } from "../config/types.js";
import { ConfigError } from "../errors.js";
import type { RedisAccess } from "./redis-address.js";

/** `redis_tls` with its paths resolved (config/daemon-settings.ts). */
export interface RedisTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
}

/** A `redis_tls` file otpgw cannot use; the message names the setting and the file (never its content). */
export class RedisTlsError extends Error {}

function readSetting(setting: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new RedisTlsError(`redis_tls.${setting}: cannot read ${path} (${reason})`);
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
    throw new RedisTlsError(
      `redis_tls.${setting}: ${path} holds no PEM certificate (${(error as Error).message})`,
    );
  }
  if (new Date(certificate.validTo) < now) {
    throw new RedisTlsError(
      `redis_tls.${setting}: the certificate in ${path} expired on ${certificate.validTo}`,
    );
  }
}

/**
 * The TLS options for ioredis from `files`. @throws RedisTlsError for a file that is missing or not usable: not
 * there, not PEM, an expired certificate, an encrypted key, or a key of another certificate.
 */
export function loadRedisTls(files: RedisTlsFiles, now = new Date()): ConnectionOptions {
  const ca = readSetting("ca_file", files.caFile);
  const cert = readSetting("cert_file", files.certFile);
  const key = readSetting("key_file", files.keyFile);
  checkCertificate("ca_file", files.caFile, ca, now);
  checkCertificate("cert_file", files.certFile, cert, now);
  if (key !== undefined) {
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key.toString("latin1"))) {
      throw new RedisTlsError(
        `redis_tls.key_file: the key in ${files.keyFile} is encrypted: give the key without a passphrase`,
      );
    }
    try {
      createPrivateKey(key);
    } catch (error) {
      throw new RedisTlsError(`redis_tls.key_file: ${describe(error as Error, files)}`);
    }
  }
  const options: ConnectionOptions = {
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
    ...(files.serverName !== undefined && { servername: files.serverName }),
  };
  try {
    createSecureContext(options);
  } catch (error) {
    throw new RedisTlsError(`redis_tls: ${describe(error as Error, files)}`);
  }
  return options;
}

/** OpenSSL's reasons, with the file they are about (an encrypted key is caught before, by its PEM header). */
function describe(error: Error, files: RedisTlsFiles): string {
  const message = error.message.replace(/^error:[0-9A-F]+:/, "");
  if (/key values mismatch/i.test(message))
    return `the key in ${files.keyFile} does not belong to the certificate in ${files.certFile}`;
  if (/no start line|bad base64|PEM|unsupported|decoder/i.test(message)) {
    return `${files.keyFile} holds no PEM private key (${message})`;
  }
  return message;
}

/**
 * What every Redis connection of the daemon needs besides the URL (gateway, BullMQ, `config check`).
 * @throws ConfigError naming the settings file and the `redis_tls` setting whose file cannot be used.
 */
export function redisAccess(
  daemon: Pick<DaemonConfig, "file" | "redisSentinelPassword" | "redisTls">,
): RedisAccess {
  let tls: ConnectionOptions | undefined;
  try {
    tls = daemon.redisTls ? loadRedisTls(daemon.redisTls) : undefined;
  } catch (error) {
    if (!(error instanceof RedisTlsError)) throw error;
    throw new ConfigError([`${daemon.file ?? "environment"}: ${error.message}`]);
  }
  return { sentinelPassword: daemon.redisSentinelPassword, tls };
}

/**
 * "cannot reach Redis at <url>: <reason>", with a hint where TLS explains it: a Redis that asks for a client
 * certificate and gets none just closes the connection (the client sees a reset or an alert).
 */
export function unreachableRedisError(maskedUrl: string, access: RedisAccess, cause: Error): Error {
  const withoutCertificate = maskedUrl.startsWith("rediss") && access.tls?.cert === undefined;
  const hint =
    withoutCertificate &&
    /ECONNRESET|certificate required|Connection is closed|socket hang up/i.test(cause.message)
      ? " (Redis may ask for a client certificate: set redis_tls.cert_file and key_file)"
      : "";
  return new Error(`cannot reach Redis at ${maskedUrl}: ${cause.message}${hint}`, { cause });
}
