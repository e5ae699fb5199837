/**
 * Operators' carrier overrides in Redis (carrier-controls.ts), under the daemon's key prefix:
 * - `ops:carrier:<id>` (hash): `drain` = "1", `drain_by`, `drain_at`, `drain_reason`, `drain_until`; `weight` = the
 *   percentage, `weight_by`, `weight_at`, `weight_reason`, `weight_until` (times in ms, Redis's clock). It expires
 *   when its last override would lift itself, is deleted once it holds none, and lives on only while it holds an
 *   override without an end (a drain until undrained);
 * - `ops:carriers` (set): the ids with a hash, so a daemon also sees (and warns about) ids it has no carrier for;
 *   it expires with the last of them;
 * - `ops:version`: a new random value at every change, with who made it, so a daemon's poll costs one small read while
 *   nothing changed (expires after a week: a daemon that then reads it missing reads everything once more).
 * Only the command line writes (WRITE_SCRIPT, one atomic call); daemons read (POLL_SCRIPT, READ_SCRIPT). Every script
 * answers with Redis's time: the ends are Redis's times, so whoever judges them (a daemon, the command line) does so
 * by Redis's clock, never its own — hosts' clocks differ by more than a short `--for`. Scripts build the carrier
 * keys from the prefix, which a Redis Cluster would refuse — otpgw refuses Cluster anyway (redis-preflight.ts).
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { parseControlFields, type CarrierControl, type ControlFields } from "./carrier-controls.js";

/**
 * An account's overrides (a suspension, stored as kind `drain`) share the store under `account:<id>`: carrier and
 * channel ids cannot hold a `:`, so the two never meet (nor do blocked ranges, `range:…`, below).
 */
export const ACCOUNT_CONTROL_PREFIX = "account:";

export function accountControlId(account: string): string {
  return `${ACCOUNT_CONTROL_PREFIX}${account}`;
}

/**
 * A range of numbers blocked for one account, or for every account (`*`), is stored as `range:<account>:<prefix>`
 * (the prefix `+` and 1–15 digits): `otpgw ranges block`, against SMS pumping through a range of numbers.
 */
export const RANGE_CONTROL_PREFIX = "range:";
/** The account scope of a range blocked for every account. */
export const ALL_ACCOUNTS = "*";

export function rangeControlId(account: string, prefix: string): string {
  return `${RANGE_CONTROL_PREFIX}${account}:${prefix}`;
}

/** The account (or `*`) and number prefix of a `range:<account>:<prefix>` id, or undefined for any other id. */
export function parseRangeControlId(id: string): { account: string; prefix: string } | undefined {
  if (!id.startsWith(RANGE_CONTROL_PREFIX)) return undefined;
  const colon = id.lastIndexOf(":");
  const account = id.slice(RANGE_CONTROL_PREFIX.length, colon);
  const prefix = id.slice(colon + 1);
  return account !== "" && /^\+\d{1,15}$/.test(prefix) ? { account, prefix } : undefined;
}

/** Whether the id is an account's override (a suspension or a blocked range), not a carrier's or a channel's. */
export function isAccountScoped(id: string): boolean {
  return id.startsWith(ACCOUNT_CONTROL_PREFIX) || id.startsWith(RANGE_CONTROL_PREFIX);
}

/**
 * A channel drained in one country only (a data blackout there) is stored as `<channel>@<country>`, beside the
 * channel's own drain (everywhere).
 */
export function channelCountryId(channel: string, country: string): string {
  return `${channel}@${country}`;
}

/** The channel and country of a `<channel>@<country>` id, or undefined for any other id. */
export function parseChannelCountryId(id: string): { channel: string; country: string } | undefined {
  const at = id.indexOf("@");
  return at > 0 ? { channel: id.slice(0, at), country: id.slice(at + 1) } : undefined;
}

export function versionKey(prefix: string): string {
  return `${prefix}ops:version`;
}

export function indexKey(prefix: string): string {
  return `${prefix}ops:carriers`;
}

export function carrierKey(prefix: string, carrier: string): string {
  return `${prefix}ops:carrier:${carrier}`;
}

const VERSION_TTL_MS = 7 * 86_400_000;

/** Lua: `now`, Redis's time in ms since the epoch (the clock every stored time and end is on). */
const REDIS_NOW = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** poll — KEYS: version. Returns Redis's time (ms) and the version ("" when none). */
const POLL_SCRIPT = `${REDIS_NOW}
return {now, redis.call("GET", KEYS[1]) or ""}
`;

/**
 * read — KEYS: version, index; ARGV: the carrier key prefix (`<prefix>ops:carrier:`). Returns Redis's time (ms), the
 * version ("" when none), then per carrier with a hash: its id and its fields as a flat list.
 */
const READ_SCRIPT = `${REDIS_NOW}
local out = {now, redis.call("GET", KEYS[1]) or ""}
for _, id in ipairs(redis.call("SMEMBERS", KEYS[2])) do
  local fields = redis.call("HGETALL", ARGV[1] .. id)
  if #fields > 0 then
    out[#out + 1] = id
    out[#out + 1] = fields
  end
end
return out
`;

/**
 * write — KEYS: version, index, the carrier's hash; ARGV: carrier id, kind ("drain" | "weight"), op ("set" | "clear" |
 * "forget"), value, by, reason ("" = none), for ms ("0" = no end), carrier key prefix, version value, version TTL ms.
 * Drops overrides whose end passed, deletes an empty hash, and sets the hash's and the index's expiry to when their
 * last override lifts (none while one has no end). Returns Redis's time (ms) and the hash's fields before the change.
 */
const WRITE_SCRIPT = `${REDIS_NOW}
local id, kind, op = ARGV[1], ARGV[2], ARGV[3]
local key = KEYS[3]
local before = redis.call("HGETALL", key)
local suffixes = {"", "_by", "_at", "_reason", "_until"}
local function clear(k)
  for _, s in ipairs(suffixes) do redis.call("HDEL", key, k .. s) end
end
if op == "forget" then
  redis.call("DEL", key)
elseif op == "clear" then
  clear(kind)
else
  clear(kind)
  redis.call("HSET", key, kind, ARGV[4], kind .. "_by", ARGV[5], kind .. "_at", now)
  if ARGV[6] ~= "" then redis.call("HSET", key, kind .. "_reason", ARGV[6]) end
  if tonumber(ARGV[7]) > 0 then redis.call("HSET", key, kind .. "_until", now + tonumber(ARGV[7])) end
end
local last = 0
for _, k in ipairs({"drain", "weight"}) do
  if redis.call("HEXISTS", key, k) == 1 then
    local untilAt = tonumber(redis.call("HGET", key, k .. "_until") or "")
    if untilAt == nil then
      last = -1
    elseif untilAt <= now then
      clear(k)
    elseif last ~= -1 and untilAt > last then
      last = untilAt
    end
  end
end
if redis.call("EXISTS", key) == 0 or (redis.call("HEXISTS", key, "drain") == 0 and redis.call("HEXISTS", key, "weight") == 0) then
  redis.call("DEL", key)
  redis.call("SREM", KEYS[2], id)
else
  redis.call("SADD", KEYS[2], id)
  if last == -1 then redis.call("PERSIST", key) else redis.call("PEXPIREAT", key, last) end
end
local indexLast = 0
for _, member in ipairs(redis.call("SMEMBERS", KEYS[2])) do
  local ttl = redis.call("PTTL", ARGV[8] .. member)
  if ttl == -2 then
    redis.call("SREM", KEYS[2], member)
  elseif ttl == -1 then
    indexLast = -1
  elseif indexLast ~= -1 and now + ttl > indexLast then
    indexLast = now + ttl
  end
end
if indexLast == -1 then redis.call("PERSIST", KEYS[2]) elseif indexLast > 0 then redis.call("PEXPIREAT", KEYS[2], indexLast) end
redis.call("SET", KEYS[1], ARGV[9], "PX", ARGV[10])
return {now, before}
`;

/** Everything Redis holds: the version read with it, and each carrier's overrides (unknown ids included). */
export interface ControlSnapshot {
  /** Redis's time when it was read (ms since the epoch): judge the overrides' ends by this clock. */
  now: number;
  version: string;
  controls: Map<string, CarrierControl>;
  /** Fields that did not parse, as `<carrier>: <what>`. */
  problems: string[];
}

/** Reads every carrier's overrides in one call. */
export async function readControls(redis: Redis, prefix: string): Promise<ControlSnapshot> {
  const [now, version, ...rest] = (await redis.eval(
    READ_SCRIPT,
    2,
    versionKey(prefix),
    indexKey(prefix),
    carrierKey(prefix, ""),
  )) as [number, string, ...(string | string[])[]];
  const controls = new Map<string, CarrierControl>();
  const problems: string[] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const id = rest[i] as string;
    const { control, problems: found } = parseControlFields(toFields(rest[i + 1] as string[]));
    controls.set(id, control);
    for (const problem of found) problems.push(`${id}: ${problem}`);
  }
  return { now, version, controls, problems };
}

/** The current version and Redis's time: the poll's one cheap call. */
export async function readVersion(redis: Redis, prefix: string): Promise<{ now: number; version: string }> {
  const [now, version] = (await redis.eval(POLL_SCRIPT, 1, versionKey(prefix))) as [number, string];
  return { now, version };
}

/** What the last change was, as the version key records it (for the daemons' log lines). */
export interface ChangeRecord {
  carrier: string;
  change: ControlChange["op"];
  kind: ControlChange["kind"];
  by: string;
}

/** Parses the version key's value; undefined for one from another writer or none. */
export function parseVersion(version: string): ChangeRecord | undefined {
  try {
    const record = JSON.parse(version) as Partial<ChangeRecord>;
    return typeof record.carrier === "string" && typeof record.by === "string"
      ? (record as ChangeRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

export type ControlChange =
  | { op: "set"; kind: "drain"; by: string; reason?: string; forMs?: number }
  | { op: "set"; kind: "weight"; percent: number; by: string; reason?: string; forMs?: number }
  | { op: "clear"; kind: "drain" | "weight"; by: string }
  /** Every override of the carrier (one no longer configured). */
  | { op: "forget"; kind: "drain"; by: string };

/** Applies one change atomically; resolves to Redis's time and the carrier's overrides before it. */
export async function writeControl(
  redis: Redis,
  prefix: string,
  carrier: string,
  change: ControlChange,
): Promise<{ now: number; before: CarrierControl }> {
  const value = change.op === "set" ? (change.kind === "drain" ? "1" : String(change.percent)) : "";
  const reason = change.op === "set" ? (change.reason ?? "") : "";
  const forMs = change.op === "set" ? (change.forMs ?? 0) : 0;
  const record: ChangeRecord & { n: string } = {
    carrier,
    change: change.op,
    kind: change.kind,
    by: change.by,
    n: randomBytes(6).toString("hex"),
  };
  const [now, before] = (await redis.eval(
    WRITE_SCRIPT,
    3,
    versionKey(prefix),
    indexKey(prefix),
    carrierKey(prefix, carrier),
    carrier,
    change.kind,
    change.op,
    value,
    change.by,
    reason,
    forMs,
    carrierKey(prefix, ""),
    JSON.stringify(record),
    VERSION_TTL_MS,
  )) as [number, string[]];
  return { now, before: parseControlFields(toFields(before)).control };
}

function toFields(flat: string[]): ControlFields {
  const fields: ControlFields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}
