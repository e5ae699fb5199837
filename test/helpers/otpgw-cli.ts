import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** How a CLI run ended: its exit code (null when killed) and everything it printed. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the otpgw CLI, compiled from this checkout's src/ for the run (test/setup/compiled-tree.ts), bounded to 30 s (then SIGKILL). `env` replaces the
 * environment (default: this process's). With `input`, it is piped to the CLI's stdin, which is then closed (so
 * stdin is not a terminal); without, stdin is left open and empty.
 */
export function runOtpgw(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [inject("otpgwCli"), ...args], {
      cwd: repoRoot,
      stdio: ["pipe", "pipe", "pipe"],
      ...(options.env !== undefined && { env: options.env }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
  });
}
