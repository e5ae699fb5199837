import { describe, expect, it } from "vitest";
import {
  assessRedis,
  compareVersions,
  MIN_REDIS_VERSION,
  parseInfo,
  type RedisFacts,
} from "../../../src/redis/redis-preflight.js";

const SAFE: RedisFacts = {
  version: "7.0.15",
  role: "master",
  clusterEnabled: false,
  maxmemory: 0,
  maxmemoryPolicy: "noeviction",
  aofEnabled: true,
  appendfsync: "always",
  replicasInSync: 0,
};

describe("Redis preflight: judging the settings", () => {
  it("reads INFO's fields and skips section headers", () => {
    const info = parseInfo(
      "# Server\r\nredis_version:7.0.15\r\n\r\n# Memory\r\nmaxmemory_policy:noeviction\r\n",
    );
    expect(info.get("redis_version")).toBe("7.0.15");
    expect(info.get("maxmemory_policy")).toBe("noeviction");
    expect(info.has("# Server")).toBe(false);
  });

  it("compares dotted versions numerically", () => {
    expect(compareVersions("4.0.14", MIN_REDIS_VERSION)).toBe(-1);
    expect(compareVersions("5.0.0", MIN_REDIS_VERSION)).toBe(0);
    expect(compareVersions("10.0.1", "7.2.4")).toBe(1);
    expect(compareVersions("7.2", "7.2.0")).toBe(0);
  });

  it("refuses a primary with fewer replicas connected than redis_wait_replicas asks to confirm each write", () => {
    expect(assessRedis({ ...SAFE, replicasInSync: 1 }, { waitReplicas: 1 }).problems).toEqual([]);
    expect(assessRedis({ ...SAFE, replicasInSync: 2 }, { waitReplicas: 1 }).problems).toEqual([]);
    const [problem, ...others] = assessRedis({ ...SAFE, replicasInSync: 1 }, { waitReplicas: 2 }).problems;
    expect(others).toEqual([]);
    expect(problem).toMatch(/redis_wait_replicas is 2 but 1 replica\(s\) are in sync/);
    // Without waiting for replicas, none is needed.
    expect(assessRedis(SAFE, { waitReplicas: 0 }).problems).toEqual([]);
  });

  it("finds nothing wrong with a durable primary that never evicts", () => {
    expect(assessRedis(SAFE)).toEqual({ problems: [], warnings: [] });
    expect(assessRedis({ ...SAFE, maxmemory: 1 << 30 })).toEqual({ problems: [], warnings: [] });
  });

  it("refuses an eviction policy with a memory limit: messages could vanish", () => {
    const { problems } = assessRedis({
      ...SAFE,
      maxmemory: 100 * 1024 * 1024,
      maxmemoryPolicy: "volatile-lru",
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/maxmemory \(100 MB, maxmemory-policy volatile-lru\)/);
    expect(problems[0]).toMatch(/Set maxmemory-policy noeviction/);
  });

  it("only warns of an eviction policy while there is no memory limit", () => {
    const { problems, warnings } = assessRedis({ ...SAFE, maxmemoryPolicy: "allkeys-lru" });
    expect(problems).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/allkeys-lru: harmless while maxmemory is 0/)]);
  });

  it("refuses a replica, Redis Cluster and a Redis older than the minimum, each named", () => {
    const { problems } = assessRedis({ ...SAFE, role: "slave", clusterEnabled: true, version: "4.0.9" });
    expect(problems).toEqual([
      expect.stringMatching(/^Redis 4\.0\.9 is older than 5\.0\.0/),
      expect.stringMatching(/replica \(role slave\).*point redis_url at the primary/),
      expect.stringMatching(/^Redis Cluster is not supported/),
    ]);
  });

  it("warns when persistence is off or left to the operating system", () => {
    expect(assessRedis({ ...SAFE, aofEnabled: false }).warnings).toEqual([
      expect.stringMatching(/append-only file is off \(appendonly no\)/),
    ]);
    expect(assessRedis({ ...SAFE, appendfsync: "no" }).warnings).toEqual([
      expect.stringMatching(/appendfsync is no/),
    ]);
    expect(assessRedis({ ...SAFE, appendfsync: "everysec" }).warnings).toEqual([]);
  });

  it("judges nothing it could not read", () => {
    const unknown = {
      ...SAFE,
      version: "unknown",
      role: "unknown",
      maxmemoryPolicy: "unknown",
      maxmemory: 5,
    };
    expect(assessRedis(unknown)).toEqual({ problems: [], warnings: [] });
  });
});
