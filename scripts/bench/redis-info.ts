/**
 * What the benches read from a Redis of their own through `redis-cli INFO` (127.0.0.1, no client needed):
 * numbers of a section, the server's pid, and the per-command counters.
 */
import { spawnSync } from "node:child_process";

/** A section of INFO as Redis prints it ("" when redis-cli cannot reach the server). */
export function redisInfoText(port: number, section: string): string {
  return spawnSync("redis-cli", ["-p", String(port), "info", section], { encoding: "utf8" }).stdout ?? "";
}

/**
 * One number from a section of Redis's INFO: `used_memory` in `memory`, or `db0:keys` in `keyspace` (the
 * line `db0:keys=N,…`). NaN when absent.
 */
export function redisInfoNumber(port: number, section: string, field: string): number {
  const match = new RegExp(`^${field}[:=](\\d+(?:\\.\\d+)?)`, "m").exec(redisInfoText(port, section));
  return match ? Number(match[1]) : Number.NaN;
}

/** redis-server's pid, from INFO (PrivateRedis does not expose its child); -1 when unknown. */
export function redisPid(port: number): number {
  const pid = redisInfoNumber(port, "server", "process_id");
  return Number.isNaN(pid) ? -1 : pid;
}

/** Calls and microseconds so far per Redis command (INFO commandstats; those run by scripts included). */
export function redisCommandStats(port: number): Map<string, { calls: number; usec: number }> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const [, name, calls, usec] of redisInfoText(port, "commandstats").matchAll(
    /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm,
  )) {
    stats.set(name!, { calls: Number(calls), usec: Number(usec) });
  }
  return stats;
}

/** Calls so far per Redis command. */
export function redisCalls(port: number): Map<string, number> {
  return new Map([...redisCommandStats(port)].map(([command, { calls }]) => [command, calls]));
}

/** Forks the server has made so far (INFO stats `total_forks`: AOF rewrites and snapshots); 0 when unknown. */
export function redisForks(port: number): number {
  const forks = redisInfoNumber(port, "stats", "total_forks");
  return Number.isNaN(forks) ? 0 : forks;
}
