import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { terminate } from "../lib/terminate.js";

/** Child scripts are named relative to the repository, wherever the bench is started from. */
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The null relay (scripts/bench/null-relay.ts) in a process of its own, so its CPU is not ours. */
export interface NullRelayProcess {
  child: ChildProcess;
  pid: number;
  /** The port ESMEs bind to (127.0.0.1; any credentials). */
  port: number;
  /** SIGTERM, then waits for the exit (SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the relay bound to the simulator at 127.0.0.1:`carrierPort`; resolves once it listens. With `redisUrl`,
 * the durable null relay (otpgw's persistence only, see durable-steps.ts) storing there.
 */
export async function startNullRelay(
  carrier: { port: number; systemId: string; password: string },
  redisUrl?: string,
): Promise<NullRelayProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/bench/null-relay.ts",
      "--carrier-port",
      String(carrier.port),
      "--carrier-system-id",
      carrier.systemId,
      "--carrier-password",
      carrier.password,
      ...(redisUrl === undefined ? [] : ["--redis-url", redisUrl]),
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"], env: { PATH: process.env.PATH } },
  );
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= terminate(child, 5000));
  const timer = setTimeout(() => void stop(), 30_000);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const match = /port=(\d+)/.exec(line);
      if (match) return { child, pid: child.pid!, port: Number(match[1]), stop };
    }
  } finally {
    clearTimeout(timer);
  }
  await stop();
  throw new Error("the null relay exited before listening");
}
