/**
 * What otpgw needs of the Redis it stores messages in, checked at start-up and while running. An
 * acknowledgement means "the message is in Redis"; some Redis settings quietly break that promise:
 *
 * - an eviction policy (`maxmemory-policy` other than `noeviction` with a `maxmemory`): when full, Redis deletes
 *   keys to make room — a message in flight, its timer, a receipt's correlation, an idempotency key — and nobody is
 *   told; with `noeviction` Redis refuses new writes instead, so otpgw refuses new messages and loses none;
 * - a replica: every write is refused;
 * - Redis Cluster: the hot path's scripts touch keys they do not declare (otpgw needs one primary);
 * - a Redis older than BullMQ's minimum;
 * - fewer replicas in sync than `redis_wait_replicas` asks to confirm each write, or WAIT refused to otpgw's
 *   user: every write would fail.
 *
 * These are problems: start-up stops on them. Persistence off (`appendonly no`, `appendfsync no`) weakens the
 * promise only against a crash of Redis itself — an operator may choose that — so it is a warning.
 */
import type { Redis } from "ioredis";

/** The oldest Redis otpgw runs on: BullMQ's own minimum (otpgw's scripts use nothing newer). */
export const MIN_REDIS_VERSION = "5.0.0";

/** The settings the check reads (INFO, and CONFIG GET where the server allows it). */
export interface RedisFacts {
  version: string;
  /** `master` or `slave` (INFO replication). */
  role: string;
  clusterEnabled: boolean;
  /** Bytes; 0 = no limit. */
  maxmemory: number;
  maxmemoryPolicy: string;
  aofEnabled: boolean;
  /** undefined where CONFIG is refused (managed Redis services often rename or forbid it). */
  appendfsync: string | undefined;
  /**
   * Replicas of this primary that are in sync (INFO replication `slaveN:…,state=online`): one still loading the
   * primary's snapshot cannot confirm writes.
   */
  replicasInSync: number;
}

/** What the daemon's own settings ask of the server. */
export interface RedisExpectations {
  /** `redis_wait_replicas`: replicas that must confirm each write. */
  waitReplicas?: number;
}

export interface RedisCheck {
  facts: RedisFacts;
  /** Settings under which an acknowledged message could be lost, or every write refused. */
  problems: string[];
  /** Settings that weaken durability in a way an operator may have chosen. */
  warnings: string[];
}

/**
 * A Redis URL without its password, for messages: everything from the user name's colon to the last "@" is
 * masked, so a password holding "@" or "/" (legal in the URL once percent-encoded, and sometimes written without)
 * is masked whole. A URL with an "@" after the host is over-masked, never under-masked.
 */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)(?:([^:@/]*):)?.*@/is, (_, scheme: string, user?: string) => {
    return `${scheme}${user ?? ""}:***@`;
  });
}

/** INFO's `field:value` lines as a map (section headers and blank lines skipped). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Reads the facts from a connected client. Throws when INFO itself is refused (see `checkRedis`). */
export async function readRedisFacts(redis: Redis): Promise<RedisFacts> {
  const info = parseInfo(await redis.info());
  let appendfsync: string | undefined;
  try {
    const reply = (await redis.config("GET", "appendfsync")) as string[];
    appendfsync = reply[1];
  } catch {
    appendfsync = undefined;
  }
  return {
    version: info.get("redis_version") ?? "unknown",
    role: info.get("role") ?? "unknown",
    clusterEnabled: info.get("cluster_enabled") === "1",
    maxmemory: Number(info.get("maxmemory") ?? "0") || 0,
    maxmemoryPolicy: info.get("maxmemory_policy") ?? "unknown",
    aofEnabled: info.get("aof_enabled") === "1",
    appendfsync,
    replicasInSync: [...info].filter(
      ([field, value]) => /^slave\d+$/.test(field) && /state=online/.test(value),
    ).length,
  };
}

/** -1, 0 or 1 as dotted version `a` is older than, equal to or newer than `b` (missing parts are 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(".").map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

/** Judges the facts (pure: the same facts always give the same problems and warnings, in the same order). */
export function assessRedis(
  facts: RedisFacts,
  expect: RedisExpectations = {},
): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (facts.version !== "unknown" && compareVersions(facts.version, MIN_REDIS_VERSION) < 0) {
    problems.push(`Redis ${facts.version} is older than ${MIN_REDIS_VERSION}, the oldest otpgw runs on`);
  }
  if (facts.role !== "master" && facts.role !== "unknown") {
    problems.push(
      `this Redis is a replica (role ${facts.role}) and refuses writes: point redis_url at the primary`,
    );
  }
  const wanted = expect.waitReplicas ?? 0;
  if (wanted > 0 && facts.role === "master" && facts.replicasInSync < wanted) {
    problems.push(
      `redis_wait_replicas is ${wanted} but ${facts.replicasInSync} replica(s) are in sync with the primary: ` +
        "every write would wait and fail; start the replicas or lower redis_wait_replicas",
    );
  }
  if (facts.clusterEnabled) {
    problems.push(
      "Redis Cluster is not supported: otpgw's scripts touch keys they do not declare; use one Redis primary",
    );
  }
  const evicts = facts.maxmemoryPolicy !== "noeviction" && facts.maxmemoryPolicy !== "unknown";
  if (evicts && facts.maxmemory > 0) {
    problems.push(
      `Redis deletes keys when it reaches maxmemory (${megabytes(facts.maxmemory)}, maxmemory-policy ` +
        `${facts.maxmemoryPolicy}): a message it acknowledged could vanish. Set maxmemory-policy noeviction ` +
        "(when full, Redis then refuses writes and otpgw refuses new messages instead of losing stored ones)",
    );
  } else if (evicts) {
    warnings.push(
      `maxmemory-policy is ${facts.maxmemoryPolicy}: harmless while maxmemory is 0 (no limit), but a limit set ` +
        "later would make Redis delete messages; set maxmemory-policy noeviction",
    );
  }
  if (!facts.aofEnabled) {
    warnings.push(
      "Redis's append-only file is off (appendonly no): a crash of Redis loses every message acknowledged since " +
        "its last snapshot; run it with appendonly yes",
    );
  } else if (facts.appendfsync === "no") {
    warnings.push(
      "appendfsync is no: the operating system decides when acknowledged messages reach the disk (up to ~30 s " +
        "lost if the Redis host dies); use always (or everysec)",
    );
  }
  return { problems, warnings };
}

/**
 * Reads and judges. INFO refused by the server (a restricted account) is a warning: the settings could not be
 * checked. Rejects when the connection fails.
 */
export async function checkRedis(redis: Redis, expect: RedisExpectations = {}): Promise<RedisCheck> {
  let facts: RedisFacts;
  try {
    facts = await readRedisFacts(redis);
  } catch (error) {
    // A refusal by the server (INFO forbidden to this account); a lost connection is not a finding.
    if ((error as Error).name !== "ReplyError") throw error;
    const unknown: RedisFacts = {
      version: "unknown",
      role: "unknown",
      clusterEnabled: false,
      maxmemory: 0,
      maxmemoryPolicy: "unknown",
      aofEnabled: true,
      appendfsync: undefined,
      replicasInSync: 0,
    };
    return {
      facts: unknown,
      problems: [],
      warnings: [
        `cannot read Redis's settings (${(error as Error).message}); make sure maxmemory-policy is noeviction ` +
          "and appendonly is yes",
      ],
    };
  }
  const assessed = assessRedis(facts, expect);
  if ((expect.waitReplicas ?? 0) > 0) {
    // WAIT 0 0 answers at once; refused (an ACL without it), every write would fail after running.
    const refusal = await redis.wait(0, 0).then(
      () => undefined,
      (error: Error) => {
        if (error.name !== "ReplyError") throw error;
        return error.message;
      },
    );
    if (refusal !== undefined) {
      assessed.problems.push(
        `WAIT is refused to otpgw's Redis user (${refusal}): redis_wait_replicas needs it; allow +wait`,
      );
    }
  }
  return { facts, ...assessed };
}
