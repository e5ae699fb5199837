/**
 * Where otpgw's Redis is, from `redis_url`: one server (`redis://`, `rediss://` with TLS), or a primary found
 * through Redis Sentinel (`redis+sentinel://[user:password@]host:port[,host:port…]/<master name>[/<db>]`,
 * `rediss+sentinel://` with TLS to the sentinels and the data servers alike): the client asks the sentinels which
 * server is the primary, connects to it, and asks again whenever the connection is lost — so a failover Sentinel
 * makes is followed. The user and password are the data servers'; the sentinels' own password, if they have one,
 * comes from the environment (`OTPGW_REDIS_SENTINEL_PASSWORD`), never a file. TLS trust and client certificates
 * come from `redis_tls` (redis-tls.ts). Every Redis connection the daemon opens (its own, BullMQ's, a
 * command-line check) is made from here.
 */
import type { ConnectionOptions } from "node:tls";
import type { TlsMaterial } from "../config/tls-files.js";
import { Redis, type RedisOptions } from "ioredis";

export type RedisAddress =
  | { kind: "server"; url: string }
  | {
      kind: "sentinel";
      /** rediss+sentinel://: TLS to the sentinels and to the servers they name. */
      tls: boolean;
      sentinels: { host: string; port: number }[];
      masterName: string;
      db: number;
      username?: string;
      password?: string;
    };

const SENTINEL_SCHEME = /^(rediss?)\+sentinel:\/\//;
const DEFAULT_SENTINEL_PORT = 26379;

/** Thrown for a `redis_url` otpgw cannot use; the message says what is wrong with it (never the password). */
export class RedisAddressError extends Error {}

function hostPort(text: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(text);
  if (!match) throw new RedisAddressError(`"${text}" is not a sentinel host or host:port`);
  const port = match[2] === undefined ? DEFAULT_SENTINEL_PORT : Number(match[2]);
  if (port < 1 || port > 65_535) throw new RedisAddressError(`sentinel port ${match[2]} is out of range`);
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}

/**
 * A redis:// or rediss:// URL as ioredis will read it (WHATWG URL): one it cannot read would fail later, at
 * connect, with Node's "Invalid URL" error — which carries the whole URL, password included, into the log.
 */
function serverUrl(url: string): string {
  let host = "";
  try {
    host = new URL(url).hostname;
  } catch {
    // Refused below, without repeating the URL.
  }
  if (host === "")
    throw new RedisAddressError(
      "is not a URL with a host: characters such as / ? # in the password must be percent-encoded (/ as %2F, ? as %3F, # as %23)",
    );
  return url;
}

/** Parses `redis_url`. @throws RedisAddressError naming what is wrong (never the password). */
export function parseRedisAddress(url: string): RedisAddress {
  if (/^rediss?:\/\/\S+$/.test(url)) return { kind: "server", url: serverUrl(url) };
  const scheme = SENTINEL_SCHEME.exec(url);
  if (!scheme) {
    throw new RedisAddressError(
      "must be a redis://, rediss:// or redis+sentinel://host:port[,host:port…]/<master name> URL (rediss+sentinel:// for TLS)",
    );
  }
  const rest = url.slice(scheme[0].length);
  // The last "@" ends the credentials (hosts and master names hold none): a password may hold "/" or "@".
  const at = rest.lastIndexOf("@");
  const credentials = at === -1 ? "" : rest.slice(0, at);
  const [hosts = "", masterName = "", db = "0", ...extra] = rest.slice(at + 1).split("/");
  if (hosts === "") throw new RedisAddressError("redis+sentinel:// needs at least one sentinel host:port");
  if (masterName === "")
    throw new RedisAddressError("redis+sentinel:// needs the master's name after the hosts (…/mymaster)");
  if (extra.length > 0 || !/^\d{1,2}$/.test(db))
    throw new RedisAddressError("redis+sentinel://…/<master name>/<db>: the database must be a number");
  const colon = credentials.indexOf(":");
  const username = decodeURIComponent(colon === -1 ? credentials : credentials.slice(0, colon));
  const password = colon === -1 ? undefined : decodeURIComponent(credentials.slice(colon + 1));
  return {
    kind: "sentinel",
    tls: scheme[1] === "rediss",
    sentinels: hosts.split(",").map(hostPort),
    masterName: decodeURIComponent(masterName),
    db: Number(db),
    ...(username !== "" && { username }),
    ...(password !== undefined && password !== "" && { password }),
  };
}

/** TLS options for ioredis from `redis_tls` (redis-tls.ts): the files' contents and the name to check. */
export type RedisTlsOptions = TlsMaterial & { servername?: string };

/** Whether connections to `address` use TLS (rediss:// or rediss+sentinel://). */
export function usesTls(address: RedisAddress): boolean {
  return address.kind === "server" ? address.url.startsWith("rediss://") : address.tls;
}

/**
 * What a connection needs beyond the address: the sentinels' own password (from the environment), and the TLS
 * options (trusted CA, client certificate, name to check; redis-tls.ts) when the address uses TLS.
 */
export interface RedisAccess {
  sentinelPassword?: string | undefined;
  tls?: RedisTlsOptions | undefined;
}

/** What `redisConnection` adds to the caller's options. */
export interface RedisConnectionFields {
  /** One server: its URL (BullMQ and `createRedis` hand it to ioredis as the URL argument). */
  url?: string;
  sentinels?: { host: string; port: number }[];
  /** The master's name, as the sentinels know it. */
  name?: string;
  db?: number;
  username?: string;
  password?: string;
  sentinelPassword?: string;
  failoverDetector?: boolean;
  tls?: ConnectionOptions;
  sentinelTLS?: ConnectionOptions;
  enableTLSForSentinelMode?: boolean;
}

/**
 * Connection options for `address` with the caller's `options` added (timeouts, retries, …): for ioredis
 * (`createRedis`) and for BullMQ's `connection`, whose option type is its own.
 */
export function redisConnection<T extends object>(
  address: RedisAddress,
  access: RedisAccess,
  options: T,
): T & RedisConnectionFields {
  // ioredis turns TLS on for a rediss:// URL by itself; these add the CA, client certificate and name to check.
  const tls = usesTls(address) ? (access.tls ?? {}) : undefined;
  if (address.kind === "server") return { ...options, url: address.url, ...(tls && { tls }) };
  return {
    ...options,
    sentinels: address.sentinels,
    name: address.masterName,
    db: address.db,
    ...(address.username !== undefined && { username: address.username }),
    ...(address.password !== undefined && { password: address.password }),
    ...(access.sentinelPassword !== undefined && { sentinelPassword: access.sentinelPassword }),
    // Ask the sentinels again after a failover instead of retrying the old primary's address.
    failoverDetector: true,
    ...(tls && { tls, sentinelTLS: tls, enableTLSForSentinelMode: true }),
  };
}

/** A client for `address` (not connected when `options.lazyConnect`). */
export function createRedis(address: RedisAddress, access: RedisAccess, options: RedisOptions = {}): Redis {
  const { url, ...rest }: RedisOptions & RedisConnectionFields = redisConnection(address, access, options);
  return url === undefined ? new Redis(rest) : new Redis(url, rest);
}
