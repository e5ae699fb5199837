/** Running `npm run demo` as a user does, and reading its summary's tables: the demo test's helpers. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** Longest the demo may run before it is stopped (SIGTERM: it cleans up), then killed. */
export const DEMO_LIMIT_MS = 120_000;

export interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run demo -- <args>` as a user runs it, without REDIS_URL: the fresh-machine path (its own Redis). */
export function runDemo(args: string[]): Promise<DemoRun> {
  const env = { ...process.env };
  delete env.REDIS_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo/main.ts", ...args], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const stop = setTimeout(() => child.kill("SIGTERM"), DEMO_LIMIT_MS);
  const kill = setTimeout(() => child.kill("SIGKILL"), DEMO_LIMIT_MS + 20_000);
  return new Promise((resolve) => {
    child.once("close", (code) => {
      clearTimeout(stop);
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The whole numbers of the table row that is `label` followed only by figures ("-" and "%" allowed). */
export function row(output: string, label: string): number[] {
  const pattern = new RegExp(`^\\s+${label}((?:\\s+(?:\\d+(?:\\.\\d+)?|-|%))+)\\s*$`);
  const match = output
    .split("\n")
    .map((line) => pattern.exec(line))
    .find((m) => m !== null);
  if (!match) throw new Error(`no row "${label}" in:\n${output}`);
  return match[1]!
    .trim()
    .split(/\s+/)
    .filter((token) => /^\d+$/.test(token))
    .map(Number);
}

export interface ConversionRow {
  delivered: number;
  converted: number;
  /** Percent, or undefined for "-". */
  delivrdShare: number | undefined;
  share: number | undefined;
}

/** The rows of the conversions table (after its heading), by the carrier or channel credited with the delivery. */
export function conversionRows(output: string): Map<string, ConversionRow> {
  const lines = output.split("\n");
  const start = lines.findIndex((l) => l.startsWith("Conversions:"));
  if (start < 0) throw new Error(`no conversions section in:\n${output}`);
  const percent = (cell: string) => (cell === "-" ? undefined : Number(cell.replace(" %", "")));
  const pattern = /^\s+(\S+)\s+(-|\d+\.\d %)\s+(\d+)\s+(\d+)\s+(-|\d+\.\d %)\s*$/;
  const rows = new Map<string, ConversionRow>();
  for (const line of lines.slice(start + 1)) {
    if (line === "") break;
    const m = pattern.exec(line);
    if (!m) continue;
    rows.set(m[1]!, {
      delivrdShare: percent(m[2]!),
      delivered: Number(m[3]),
      converted: Number(m[4]),
      share: percent(m[5]!),
    });
  }
  return rows;
}

export function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** A row of the ported-numbers table: messages, the route their first attempts name, first attempts counted and per carrier. */
export interface PortedRow {
  messages: number;
  route: string;
  counted: number;
  indosat: number;
  telkomsel: number;
}

/** The ported-numbers table's row that is `label` ("Telkomsel's ranges, ported"), or undefined. */
export function portedRow(output: string, label: string): PortedRow | undefined {
  const pattern = new RegExp(
    `^\\s+${label}\\s+(\\d+)\\s+(\\S+)\\s+(\\d+)\\s+(\\d+) \\(\\d+ %\\)\\s+(\\d+) \\(\\d+ %\\)\\s*$`,
    "m",
  );
  const m = pattern.exec(output);
  if (!m) return undefined;
  const [messages, route, counted, indosat, telkomsel] = m.slice(1);
  return {
    messages: Number(messages),
    route: route!,
    counted: Number(counted),
    indosat: Number(indosat),
    telkomsel: Number(telkomsel),
  };
}
