/**
 * Marks the demo's ported numbers (ported-plan.ts) the way an operator would: writes the CSV file into the run's
 * configuration directory, runs `otpgw ported import <file> --config <otpgw.yaml>` against the running daemon's
 * Redis, then waits (bounded) until the daemon's `otpgw_ported_numbers` gauge counts them. The command runs in this
 * process through the CLI's own entry point (runCli, as the CLI's tests run it): the same parsing, checks and
 * writes as the `otpgw` executable, without a second tsx start-up (about 2 s) before the traffic. Throws only when
 * the demo is stopping: what went wrong is in the result, and fails the demo's ported-numbers check.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parsePromText, sumOf } from "../../src/cli/prom-text.js";
import { runCli } from "../../src/cli/program.js";
import { readVersion } from "../../src/cli/version.js";
import { silentLogger } from "../../src/observability/logger.js";
import { portedCsv, type PortedPlan } from "./ported-plan.js";

export const PORTED_METRIC = "otpgw_ported_numbers";
/** The file's name, in the configuration directory (deleted with it at the end). */
const FILE_NAME = "ported.csv";
/** Who the change is by: `otpgw ported list` and the daemon's log show it. */
const CHANGED_BY = "otpgw-demo";

export interface PortedImport {
  /** The command line, as an operator would type it (the file relative to the configuration directory). */
  command: string;
  /** The command's exit code, and the first line it printed ("10 numbers of ported.csv imported by …"). */
  exitCode: number;
  firstLine: string;
  /** Everything it wrote to stderr (a refusal, a warning): empty when all went well. */
  stderr: string;
  /** How long the command took. */
  commandMs: number;
  /**
   * otpgw_ported_numbers as last read (undefined: never read), and when it counted them all (ms from the command's
   * start).
   */
  gauge: number | undefined;
  seenAfterMs: number | undefined;
  /** From the command's start to the last reading. */
  waitedMs: number;
}

export interface PortedImportOptions {
  plan: PortedPlan;
  /** The run's configuration directory and its otpgw.yaml. */
  configDir: string;
  configFile: string;
  /** The daemon's environment (REDIS_URL, the carriers' passwords): what the command needs to load the same files. */
  env: Record<string, string>;
  metricsPort: number;
  shouldStop: () => string | undefined;
}

export async function importPorted(options: PortedImportOptions): Promise<PortedImport> {
  const { plan } = options;
  await writeFile(join(options.configDir, FILE_NAME), portedCsv(plan));
  const args = ["ported", "import", FILE_NAME, "--config", options.configFile, "--by", CHANGED_BY];
  let stdout = "";
  let stderr = "";
  let exitCode: number;
  const started = Date.now();
  try {
    exitCode = await runCli(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: options.env,
      cwd: options.configDir,
      version: readVersion(),
      createLogger: () => silentLogger(),
      runDaemon: () => Promise.reject(new Error("the demo runs no daemon in its own process")),
    });
  } catch (error) {
    exitCode = 1;
    stderr += error instanceof Error ? error.message : String(error);
  }
  const command = `otpgw ${args.slice(0, 3).join(" ")} --by ${CHANGED_BY}`;
  const firstLine = stdout.split("\n")[0] ?? "";
  const commandMs = Date.now() - started;
  let gauge: number | undefined;
  let seenAfterMs: number | undefined;
  for (;;) {
    const stop = options.shouldStop();
    if (stop) throw new Error(stop);
    gauge = (await readPortedGauge(options.metricsPort)) ?? gauge;
    const waited = Date.now() - started;
    if (gauge !== undefined && gauge >= plan.numbers.length) seenAfterMs = waited;
    if (seenAfterMs !== undefined || exitCode !== 0 || waited >= commandMs + plan.spec.waitMs) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    command,
    exitCode,
    firstLine,
    stderr: stderr.trim(),
    commandMs,
    gauge,
    seenAfterMs,
    waitedMs: Date.now() - started,
  };
}

/** The daemon's otpgw_ported_numbers; undefined when /metrics could not be read. */
async function readPortedGauge(metricsPort: number): Promise<number | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) return undefined;
    return sumOf(parsePromText(await response.text()), PORTED_METRIC);
  } catch {
    return undefined;
  }
}
