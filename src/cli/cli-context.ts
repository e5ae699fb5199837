import type { LoadedConfig } from "../config/loaded-config.js";
import type { Logger, LoggerConfig } from "../observability/logger.js";

/** Where a command writes text (process.stdout/stderr, or a buffer in tests). */
export interface TextSink {
  write(text: string): unknown;
}

/** Where a command reads input (process.stdin, or a stream in tests). */
export interface TextSource extends NodeJS.ReadableStream {
  /** True when attached to a terminal: commands then prompt, without echo for secrets. */
  isTTY?: boolean;
  /** Terminals only: switches line editing and echo off (true) or back on (false). */
  setRawMode?(mode: boolean): unknown;
}

/** What commands may use: everything that touches the process comes in here, from main.ts. */
export interface CliContext {
  stdout: TextSink;
  stderr: TextSink;
  /** Standard input; unset where there is none (commands that need it then refuse to run). */
  stdin?: TextSource;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** otpgw's version (package.json). */
  version: string;
  createLogger(config: LoggerConfig): Logger;
  /**
   * Runs the daemon until it is told to stop; rejects if start-up fails. `reloadConfig` reads the files again
   * (SIGHUP) with the options the daemon was started with.
   */
  runDaemon(config: LoadedConfig, logger: Logger, reloadConfig?: () => Promise<LoadedConfig>): Promise<void>;
  /** The process exit code once the command returns (0 unless a command sets it). */
  setExitCode(code: number): void;
}

/** Exit codes, documented in `otpgw --help`. */
export const ExitCodes = {
  ok: 0,
  /** Start-up failed, a command failed, or the command line was wrong. */
  failure: 1,
  /** The configuration is invalid (every problem is printed). */
  invalidConfig: 2,
} as const;
