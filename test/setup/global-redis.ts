import type { TestProject } from "vitest/node";
import { startPrivateRedis, type PrivateRedis } from "../../scripts/lib/private-redis.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: PrivateRedis | undefined;

/** One private redis-server for the whole run (tests isolate by key prefix), unless REDIS_URL is given. */
export async function setup(project: TestProject): Promise<void> {
  const url = process.env.OTPGW_TEST_REDIS_URL;
  if (url) {
    project.provide("redisUrl", url);
    return;
  }
  redis = await startPrivateRedis();
  project.provide("redisUrl", redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
