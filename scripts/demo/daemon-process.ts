/**
 * Runs `otpgw start` as a child process, the way an operator would: its JSON logs (stdout) and anything on
 * stderr go to a log file, its ports are read from the "otpgw started" line, and it is stopped with SIGTERM
 * (SIGKILL only if the graceful shutdown overruns).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Bytes of stderr kept to explain a failed start. */
const STDERR_TAIL_BYTES = 4000;

export interface DaemonOptions {
  configFile: string;
  /** Variables for the daemon, besides PATH, HOME and TMPDIR: nothing else of ours leaks in. */
  env: Record<string, string>;
  /** Receives stdout (JSON logs) and stderr; appended to. */
  logFile: string;
}

export class DaemonProcess {
  /** Known once `ready()` resolved. */
  httpPort = 0;
  metricsPort = 0;
  readonly pid: number;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private readonly exit: Promise<number | null>;
  private readonly started: Promise<{ http: number; metrics: number }>;
  private stderrTail = "";
  private stopping = false;

  /**
   * Spawns the daemon at once (so the caller can register its cleanup before anything can fail); `ready()`
   * waits for it to start.
   */
  constructor(options: DaemonOptions) {
    this.logFile = options.logFile;
    this.log = createWriteStream(options.logFile, { flags: "a" });
    const env: NodeJS.ProcessEnv = { ...options.env };
    for (const name of ["PATH", "HOME", "TMPDIR"]) {
      if (process.env[name] !== undefined) env[name] = process.env[name];
    }
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "start", "--config", options.configFile],
      { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child = child;
    this.pid = child.pid ?? 0;
    this.exit = new Promise<number | null>((resolve) => {
      // "close", not "exit": it comes after stdout and stderr are drained, so the log file is complete.
      child.once("close", (code) => resolve(code));
      child.once("error", (error) => {
        this.stderrTail += error.message;
        resolve(null);
      });
    });
    child.stderr.on("data", (chunk: Buffer) => {
      this.log.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    child.stdout.on("data", (chunk: Buffer) => this.log.write(chunk));
    this.started = new Promise((resolve) => {
      createInterface({ input: child.stdout }).on("line", (line) => {
        const entry = parseLogLine(line);
        if (entry?.msg === "otpgw started" && typeof entry.httpPort === "number") {
          resolve({ http: entry.httpPort, metrics: Number(entry.metricsPort) });
        }
      });
    });
  }

  /**
   * Resolves once the daemon logged "otpgw started" (default limit 60 s: tsx compiles the sources on a cold
   * start); rejects with its stderr if it exits first.
   */
  async ready(timeoutMs = 60_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      this.started,
      this.exit.then((code) => ({ exited: code })),
      new Promise<{ timedOut: true }>((resolve) => {
        timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if ("http" in outcome) {
      this.httpPort = outcome.http;
      this.metricsPort = outcome.metrics;
      return;
    }
    this.stopping = true;
    if ("timedOut" in outcome) this.child.kill("SIGKILL");
    await this.exit;
    await closeStream(this.log);
    const why =
      "timedOut" in outcome ? `did not start within ${timeoutMs} ms` : `exited with ${outcome.exited}`;
    const tail = this.stderrTail.trim();
    throw new Error(`otpgw ${why}${tail ? `:\n${tail}` : ""}\n(log: ${this.logFile})`);
  }

  /** Set when the daemon died on its own: the demo stops instead of waiting for answers that never come. */
  get exitedUnexpectedly(): string | undefined {
    if (this.stopping) return undefined;
    const code = this.child.exitCode;
    const signal = this.child.signalCode;
    if (code === null && signal === null) return undefined;
    return `otpgw exited unexpectedly (${signal ?? `code ${code}`}); see ${this.logFile}`;
  }

  /**
   * Waits until every carrier has a bind up (from /healthz on the metrics port), so the first OTPs are not
   * refused with 503 while the binds come up.
   */
  async waitForBinds(carrierIds: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer";
    while (Date.now() < deadline) {
      const dead = this.exitedUnexpectedly;
      if (dead) throw new Error(dead);
      try {
        const response = await fetch(`http://127.0.0.1:${this.metricsPort}/healthz`);
        const health = (await response.json()) as { detail?: { carriers?: { id: string; bound: number }[] } };
        const carriers = health.detail?.carriers ?? [];
        const down = carrierIds.filter((id) => !carriers.some((c) => c.id === id && c.bound > 0));
        if (down.length === 0) return;
        last = `not bound yet: ${down.join(", ")}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`carrier binds not up within ${timeoutMs} ms (${last}); see ${this.logFile}`);
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code. Idempotent. */
  async stop(timeoutMs: number): Promise<number | null> {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const overran = await Promise.race([
        this.exit.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (overran) this.child.kill("SIGKILL");
    }
    const code = await this.exit;
    await closeStream(this.log);
    return code;
  }
}

function parseLogLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function closeStream(stream: WriteStream): Promise<void> {
  if (stream.closed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.end(() => resolve()));
}
