import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { startPrivateRedis, type PrivateRedis } from "../../scripts/lib/private-redis.js";
import { compileForTests } from "./compiled-tree.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    /** The compiled CLI entry (`node <otpgwCli> start …`), see compiled-tree.ts. */
    otpgwCli: string;
  }
}

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
let redis: PrivateRedis | undefined;
let tree: string | undefined;

/** The compiled CLI for the tests that start otpgw as a process, and one private redis-server for the whole run (tests isolate by key prefix), unless REDIS_URL is given. */
export async function setup(project: TestProject): Promise<void> {
  const compiled = await compileForTests(repoRoot);
  tree = compiled.tree;
  project.provide("otpgwCli", compiled.cli);
  // Watch mode (`npm run test:watch`): the sources changed, so compile again (same tree, same path) before a rerun.
  project.onTestsRerun(async () => {
    await compileForTests(repoRoot);
  });
  const url = process.env.OTPGW_TEST_REDIS_URL;
  if (url) {
    project.provide("redisUrl", url);
    return;
  }
  redis = await startPrivateRedis();
  project.provide("redisUrl", redis.url);
}

export async function teardown(): Promise<void> {
  if (tree) rmSync(tree, { recursive: true, force: true });
  await redis?.stop();
}
