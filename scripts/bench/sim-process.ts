import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { terminate } from "../lib/terminate.js";
import { BENCH_CARRIER_ACCOUNT } from "./bench-daemon.js";

/** Child scripts are named relative to the repository, wherever the bench is started from. */
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The benches' carrier: one simulator instance that answers every submit_sm at once and sends its receipt
 * (DELIVRD) 1–5 ms later, or (`receipts: "none"`) never sends one. Every scenario uses this one, so their
 * figures are comparable.
 */
export function benchSimConfig(
  options: { credentials?: { systemId: string; password: string }; receipts?: "prompt" | "none" } = {},
): string {
  const { systemId, password } = options.credentials ?? BENCH_CARRIER_ACCOUNT;
  return [
    "instances:",
    "  - name: bench",
    "    port: 0",
    `    credentials: [{ system_id: ${systemId}, password: ${password} }]`,
    "    submit_resp_latency_ms: { min: 0, max: 0 }",
    options.receipts === "none"
      ? "    outcome_mix: { none: 1 }"
      : "    receipt_latency_ms: { min: 1, max: 5 }",
    "",
  ].join("\n");
}

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
      await terminate(child);
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
