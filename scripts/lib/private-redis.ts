import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

/** A redis-server of our own, on 127.0.0.1, with its data in a temporary directory. */
export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  /** Kills the server (SIGKILL: as a crash) and starts it again on the same port and data directory. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops the server (SIGKILL) without restarting. */
  kill(): Promise<void>;
  /** Starts it again after `kill`. */
  start(): Promise<void>;
  /** Stops the server and deletes its data. Idempotent. */
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  /**
   * AOF fsync policy. "always" (default) makes every acknowledged write survive a crash of Redis itself —
   * what otpgw's "an acknowledgement means durable" promise needs; Redis groups the fsyncs of one event-loop
   * turn, so the cost is moderate. "everysec" may lose the last second.
   */
  appendfsync?: "always" | "everysec";
  /** Write the append-only file at all (default true). False only to measure what durability costs. */
  appendonly?: boolean;
  /** More redis-server arguments (e.g. `["--cluster-enabled", "yes"]`), after the ones above. */
  extraArgs?: string[];
}

/** Makes sure `redis-server` is installed: installs it with apt-get when root, otherwise says what to run. */
export function ensureRedisServer(): void {
  if (spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    throw new Error(
      "redis-server is not installed: run `sudo apt-get install -y redis-server` (or set REDIS_URL)",
    );
  }
  process.stderr.write("redis-server is missing: installing it with apt-get (one time)\n");
  const result = spawnSync("bash", ["scripts/setup/system-deps.sh", "redis-server"], { stdio: "inherit" });
  if (result.status !== 0) {
    throw new Error(
      "could not install redis-server: run `apt-get install -y redis-server` (or set REDIS_URL)",
    );
  }
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok =
      spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() === "PONG";
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  ensureRedisServer();
  const dir = await mkdtemp(join(tmpdir(), "otpgw-redis-"));
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--appendonly",
    options.appendonly === false ? "no" : "yes",
    "--appendfsync",
    options.appendfsync ?? "always",
    "--save",
    "",
    "--protected-mode",
    "yes",
    "--loglevel",
    "warning",
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;
  let stopped = false;
  const launch = async (): Promise<void> => {
    child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "inherit"] });
    await waitForPing(port, 10_000);
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once("exit", resolve));
    c.kill("SIGKILL");
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    kill,
    start: launch,
    restart: async ({ downMs = 0 } = {}) => {
      await kill();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
