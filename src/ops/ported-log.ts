/**
 * The ported numbers' change log: a Redis stream (`ported:log` under the key prefix) beside the numbers, so a daemon
 * applies a small change (`otpgw ported set`, an import of a daily delta) to what it holds instead of reading a
 * portability database of millions again. Each write of the store appends, in the same transaction as the write:
 * - one entry per number for a write of at most LOGGED_MAX numbers: `n` the number, `m` its MCC/MNC or "" when
 *   removed;
 * - otherwise one `full` entry (a large import, a replacing one): whoever reads it reads the numbers whole again.
 * The stream is trimmed to about LOG_MAX entries; a daemon that finds entries after the last it applied were trimmed
 * (fewer entries after it than XINFO's entries-added says were added since, Redis 7.0; older Redis: always) reads
 * the numbers whole again.
 */
import type { ChainableCommander, Redis } from "ioredis";

/** The most numbers one write logs one by one; a larger write logs one `full` entry. */
export const LOGGED_MAX = 50_000;
/** About how many entries the stream keeps. */
const LOG_MAX = 200_000;

export function portedLogKey(prefix: string): string {
  return `${prefix}ported:log`;
}

/** Appends to `multi` the log of a write of these numbers (`null` network: removed). */
export function logChanges(
  multi: ChainableCommander,
  prefix: string,
  changes: ReadonlyArray<readonly [string, string | null]>,
): void {
  for (const [e164, mccmnc] of changes)
    multi.xadd(portedLogKey(prefix), "MAXLEN", "~", LOG_MAX, "*", "n", e164, "m", mccmnc ?? "");
}

/** Appends to `multi` the entry that makes every daemon read the numbers whole. */
export function logFullChange(multi: ChainableCommander, prefix: string): void {
  multi.xadd(portedLogKey(prefix), "MAXLEN", "~", LOG_MAX, "*", "full", "1");
}

/** Where a reader is in the log: the last entry id it took, and how many entries had been added by then. */
export interface LogPosition {
  id: string;
  /** XINFO's entries-added then (Redis 7.0); -1 when this Redis does not count them. */
  added: number;
}

/** The log's end now (a reader that reads the numbers whole next starts here). */
export async function logEnd(redis: Redis, prefix: string): Promise<LogPosition> {
  try {
    const info = (await redis.xinfo("STREAM", portedLogKey(prefix))) as unknown[];
    return positionOf(info);
  } catch {
    return { id: "0-0", added: 0 }; // no log yet
  }
}

export type LogRead =
  | { kind: "changes"; changes: Array<[string, string | null]>; position: LogPosition }
  /** Read the numbers whole: a `full` entry, more than LOGGED_MAX changes, or entries after `since` trimmed. */
  | { kind: "full"; why: string };

/** The changes logged after `since`, in order, or why the numbers must be read whole. */
export async function readLogSince(redis: Redis, prefix: string, since: LogPosition): Promise<LogRead> {
  const key = portedLogKey(prefix);
  const results = await redis
    .multi()
    .xinfo("STREAM", key)
    .xrange(key, since.id, "+", "COUNT", LOGGED_MAX + 2)
    .exec();
  const [info, range] = results ?? [];
  if (!info || info[0] || !range || range[0]) return { kind: "full", why: "the change log cannot be read" };
  const now = positionOf(info[1] as unknown[]);
  if (now.added < 0 || since.added < 0)
    return { kind: "full", why: "this Redis does not count the log's entries (7.0 does)" };
  const entries = (range[1] as Array<[string, string[]]>).filter(([id]) => compareIds(id, since.id) > 0);
  const after = now.added - since.added;
  if (after > LOGGED_MAX) return { kind: "full", why: "more changes than the log applies one by one" };
  if (entries.length < after) return { kind: "full", why: "changes were trimmed from the log" };
  const changes: Array<[string, string | null]> = [];
  let id = since.id;
  for (const [entryId, fields] of entries.slice(0, after)) {
    if (fieldOf(fields, "full") !== undefined) return { kind: "full", why: "a large or replacing import" };
    const e164 = fieldOf(fields, "n");
    const mccmnc = fieldOf(fields, "m");
    if (typeof e164 !== "string" || typeof mccmnc !== "string")
      return { kind: "full", why: "an entry not understood" };
    changes.push([e164, mccmnc === "" ? null : mccmnc]);
    id = entryId;
  }
  return { kind: "changes", changes, position: { id, added: since.added + changes.length } };
}

function positionOf(info: readonly unknown[]): LogPosition {
  const id = fieldOf(info, "last-generated-id");
  const added = fieldOf(info, "entries-added");
  return { id: typeof id === "string" ? id : "0-0", added: typeof added === "number" ? added : -1 };
}

/** The value after `name` in a flat [name, value, …] reply. */
function fieldOf(flat: readonly unknown[], name: string): unknown {
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}

/** -1, 0 or 1 as stream id `a` (`<ms>-<seq>`) is before, equal to or after `b`. */
function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bMs, bSeq] = b.split("-").map(BigInt) as [bigint, bigint];
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq === bSeq) return 0;
  return (aSeq ?? 0n) < (bSeq ?? 0n) ? -1 : 1;
}
