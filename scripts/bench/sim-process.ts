import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Child scripts are named relative to the repository, wherever the bench is started from. */
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A simulator CLI (`scripts/sim/main.ts`) running in a process of its own, so its CPU is not ours. */
export interface SimProcess {
  child: ChildProcess;
  /** The SMPP port it listens on (127.0.0.1). */
  port: number;
  /** SIGTERM, then waits for the exit; removes its config directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the simulator with one instance described by `yaml` (a sim config file's text, `port: 0`) and
 * resolves once it printed its port.
 */
export async function startSimProcess(yaml: string): Promise<SimProcess> {
  const dir = await mkdtemp(join(tmpdir(), "otpgw-bench-sim-"));
  const config = join(dir, "sim.yaml");
  await writeFile(config, yaml);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/sim/main.ts", "--config", config, "--log-level", "error"],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env } },
  );
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    })());
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const match = /port=(\d+)/.exec(line);
    if (match) return { child, port: Number(match[1]), stop };
  }
  await stop();
  throw new Error("simulator exited before printing its port");
}
