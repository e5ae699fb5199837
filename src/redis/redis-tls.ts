/**
 * TLS to Redis (`redis_tls`, for `rediss://` and `rediss+sentinel://` URLs): the CA to trust instead of the
 * system's, the client certificate and key for a Redis that asks for one (`tls-auth-clients yes`), and the name the
 * server's certificate must carry when it is not the host connected to (Sentinel names its servers by address).
 * The files are read and checked (config/tls-files.ts) when the daemon starts and when `config check` runs.
 */
import { loadTlsFiles, withTlsFiles, type TlsFiles } from "../config/tls-files.js";
import type { DaemonConfig } from "../config/types.js";
import type { RedisAccess, RedisTlsOptions } from "./redis-address.js";

/** `redis_tls` with its paths resolved (config/daemon-settings.ts). */
export interface RedisTlsFiles extends TlsFiles {
  serverName?: string;
}

/** The TLS options for ioredis from `files`. @throws TlsFileError for a file that is missing or not usable. */
export function loadRedisTls(files: RedisTlsFiles, now = new Date()): RedisTlsOptions {
  return {
    ...loadTlsFiles("redis_tls", files, now),
    ...(files.serverName !== undefined && { servername: files.serverName }),
  };
}

/**
 * What every Redis connection of the daemon needs besides the URL (gateway, BullMQ, `config check`).
 * @throws ConfigError naming the settings file and the `redis_tls` setting whose file cannot be used.
 */
export function redisAccess(
  daemon: Pick<DaemonConfig, "file" | "redisSentinelPassword" | "redisTls">,
): RedisAccess {
  const files = daemon.redisTls;
  const tls = files ? withTlsFiles(daemon, () => loadRedisTls(files)) : undefined;
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
