/**
 * Ported numbers in Redis, under the daemon's key prefix: which mobile network (MCC/MNC) a number ported away from
 * its range's network belongs to now (src/routing/networks.ts reads them before the networks file's ranges).
 * - `ported:numbers` (hash): E.164 number → MCC/MNC (`+821012345678` → `450-08`); no expiry: it is the operator's
 *   data, replaced or edited with `otpgw ported`;
 * - `ported:version`: a new value at every change (when, and who), so a daemon's poll costs one small read while
 *   nothing changed, and reads the numbers again (src/ops/ported-watch.ts) when something did.
 * - `ported:log`: the changes, for daemons to apply a small one without reading everything (src/ops/ported-log.ts).
 * The command line writes; daemons read. A replacing import is written to a key of its own and renamed over the
 * numbers in one transaction: daemons never read half of an import.
 */
import { randomBytes } from "node:crypto";
import type { ChainableCommander, Redis } from "ioredis";
import { LOGGED_MAX, logChanges, logFullChange } from "./ported-log.js";

/**
 * Numbers to write as `[e164, mccmnc]`: an array, or anything that hands them out a slice at a time (a file's import
 * keeps them compact, src/cli/commands/ported-file-check.ts, and is never turned into a million pairs at once).
 */
export type PortedPairs =
  | ReadonlyArray<readonly [string, string]>
  | {
      readonly length: number;
      slice(start: number, end: number): ReadonlyArray<readonly [string, string]>;
    };

/** Numbers written (or deleted) per round trip: large enough for speed, small enough not to stall Redis. */
export const PORTED_WRITE_CHUNK = 1_000;
/** HSCAN's COUNT when reading the numbers. */
const READ_CHUNK = 10_000;
/** A replacing import's own key expires if the command line dies before renaming it. */
const IMPORT_KEY_TTL_SECONDS = 3_600;

export function portedNumbersKey(prefix: string): string {
  return `${prefix}ported:numbers`;
}

export function portedVersionKey(prefix: string): string {
  return `${prefix}ported:version`;
}

/** A version value: when, who and a random part (two changes in one millisecond still differ). */
function newVersion(by: string): string {
  return `${Date.now()}:${randomBytes(4).toString("hex")}:${by}`;
}

/** Who made the last change and when (ms), from a version value; undefined when none was made, or not by otpgw. */
export function parsePortedVersion(version: string | null): { at: number; by: string } | undefined {
  if (version === null) return undefined;
  const [at, , ...by] = version.split(":");
  const ms = Number(at);
  return Number.isSafeInteger(ms) && ms > 0 && by.length > 0 ? { at: ms, by: by.join(":") } : undefined;
}

export async function readPortedVersion(redis: Redis, prefix: string): Promise<string | null> {
  return redis.get(portedVersionKey(prefix));
}

/**
 * Every ported number, read in chunks (HSCAN: Redis stays responsive while millions are read). A change made while
 * reading may be half seen: the version returned is the one read *before*, so the next poll reads again. HSCAN may
 * return a number twice (while Redis resizes the hash): `pairs.length` is not a count (PortedIndex removes repeats).
 */
export async function readPortedNumbers(
  redis: Redis,
  prefix: string,
): Promise<{ version: string | null; pairs: Array<[string, string]> }> {
  const pairs: Array<[string, string]> = [];
  const version = await scanPortedNumbers(redis, prefix, (e164, mccmnc) => pairs.push([e164, mccmnc]));
  return { version, pairs };
}

/**
 * Every ported number handed to `each` as it is read, a chunk at a time (the daemon's index is built this way, so a
 * million numbers are never held as strings at once); answers the version read before (as readPortedNumbers).
 */
export async function scanPortedNumbers(
  redis: Redis,
  prefix: string,
  each: (e164: string, mccmnc: string) => void,
): Promise<string | null> {
  const version = await readPortedVersion(redis, prefix);
  let cursor = "0";
  do {
    const [next, flat] = await redis.hscan(portedNumbersKey(prefix), cursor, "COUNT", READ_CHUNK);
    for (let i = 0; i + 1 < flat.length; i += 2) each(flat[i]!, flat[i + 1]!);
    cursor = next;
  } while (cursor !== "0");
  return version;
}

/** The MCC/MNC `e164` was ported to, or null. */
export async function portedNetworkOf(redis: Redis, prefix: string, e164: string): Promise<string | null> {
  return redis.hget(portedNumbersKey(prefix), e164);
}

/** How many ported numbers the store holds. */
export async function countPorted(redis: Redis, prefix: string): Promise<number> {
  return redis.hlen(portedNumbersKey(prefix));
}

/**
 * Adds or changes numbers (`[e164, mccmnc]`), in chunks, then bumps the version once. `progress` is told how many
 * were written so far. A failure part way leaves the chunks written so far (each chunk is whole) and no new
 * version: daemons see them at the next change, or at their next start; run the same command again.
 */
export async function writePortedNumbers(
  redis: Redis,
  prefix: string,
  pairs: PortedPairs,
  by: string,
  progress: (written: number) => void = () => {},
): Promise<void> {
  // Nothing to write: no new version either (each makes every daemon read the whole set again).
  if (pairs.length === 0) return;
  const logged = pairs.length <= LOGGED_MAX;
  await writeChunks(redis, portedNumbersKey(prefix), pairs, progress, {
    each: (multi, chunk) => logged && logChanges(multi, prefix, chunk),
  });
  await finish(redis, prefix, by, !logged);
}

/** Bumps the version, after logging a `full` change when the write was not logged number by number. */
async function finish(redis: Redis, prefix: string, by: string, full: boolean): Promise<void> {
  const multi = redis.multi();
  if (full) logFullChange(multi, prefix);
  await exec(multi.set(portedVersionKey(prefix), newVersion(by)), "the version's update was aborted");
}

/**
 * Replaces every ported number with `pairs`: written to a key of their own, then renamed over the numbers with the
 * version bumped in one transaction. A failure part way changes nothing (the import's key expires).
 */
export async function replacePortedNumbers(
  redis: Redis,
  prefix: string,
  pairs: PortedPairs,
  by: string,
  progress: (written: number) => void = () => {},
): Promise<void> {
  const staging = `${portedNumbersKey(prefix)}:import:${randomBytes(6).toString("hex")}`;
  try {
    await writeChunks(redis, staging, pairs, progress, { ttlSeconds: IMPORT_KEY_TTL_SECONDS });
    const multi = redis.multi();
    if (pairs.length > 0) multi.rename(staging, portedNumbersKey(prefix)).persist(portedNumbersKey(prefix));
    else multi.del(portedNumbersKey(prefix));
    logFullChange(multi, prefix);
    await exec(multi.set(portedVersionKey(prefix), newVersion(by)), "the import's transaction was aborted");
  } finally {
    await redis.del(staging).catch(() => 0);
  }
}

/** Removes numbers from the ported numbers; answers how many were there. */
export async function removePortedNumbers(
  redis: Redis,
  prefix: string,
  numbers: readonly string[],
  by: string,
): Promise<number> {
  const logged = numbers.length <= LOGGED_MAX;
  let removed = 0;
  for (let start = 0; start < numbers.length; start += PORTED_WRITE_CHUNK) {
    const chunk = numbers.slice(start, start + PORTED_WRITE_CHUNK);
    const multi = redis.multi().hdel(portedNumbersKey(prefix), ...chunk);
    if (logged)
      logChanges(
        multi,
        prefix,
        chunk.map((e164) => [e164, null] as const),
      );
    const [[, count]] = (await exec(multi, "a removal of ported numbers was aborted")) as [[null, number]];
    removed += count;
  }
  if (removed > 0) await finish(redis, prefix, by, !logged);
  return removed;
}

/** Runs a transaction; throws its first command's error, or when it was aborted. */
async function exec(multi: ChainableCommander, aborted: string): Promise<Array<[Error | null, unknown]>> {
  const results = await multi.exec();
  const failed = results?.find(([error]) => error !== null);
  if (!results || failed) throw failed?.[0] ?? new Error(aborted);
  return results;
}

async function writeChunks(
  redis: Redis,
  key: string,
  pairs: PortedPairs,
  progress: (written: number) => void,
  options: {
    ttlSeconds?: number;
    /** Adds to each chunk's transaction (the change log). */
    each?: (multi: ChainableCommander, chunk: ReadonlyArray<readonly [string, string]>) => void;
  },
): Promise<void> {
  for (let start = 0; start < pairs.length; start += PORTED_WRITE_CHUNK) {
    const chunk = pairs.slice(start, start + PORTED_WRITE_CHUNK);
    const multi = redis.multi().hset(key, Object.fromEntries(chunk));
    if (options.ttlSeconds !== undefined) multi.expire(key, options.ttlSeconds);
    options.each?.(multi, chunk);
    await exec(multi, "a write of ported numbers was aborted");
    progress(start + chunk.length);
  }
}
