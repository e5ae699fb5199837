/**
 * otpgw's own record of the pumping guard, as an operator sees it: on its /metrics the blocks it made
 * (`otpgw_pumping_guard_blocks_total{account}`), the ranges in force for the account (`otpgw_ranges_blocked{account}`:
 * set once the daemon applies a block to submits) and the submits refused for a blocked range
 * (`otpgw_submits_limited_total{account,limit="blocked_range"}`); in its log the warning naming each block, with
 * the range, how long and the evidence. Never throws.
 */
import { readFile } from "node:fs/promises";
import { parsePromText, sumOf } from "../../src/cli/prom-text.js";
import { LIMITED_METRIC } from "./abuse-metrics.js";

export const GUARD_BLOCKS_METRIC = "otpgw_pumping_guard_blocks_total";
const RANGES_BLOCKED_METRIC = "otpgw_ranges_blocked";
/** The start of the guard's log line (src/ops/pumping-guard-service.ts). */
const BLOCK_LOG_MESSAGE = "pumping guard blocked a range of the account";

export type GuardMetrics =
  { blocks: number; rangesBlocked: number; blockedRangeRefusals: number } | { error: string };

/** One block as the guard logged it. */
export interface GuardBlockLine {
  /** When it was logged (ms since the epoch). */
  at: number;
  account: string;
  range: string;
  blockSeconds: number;
  /** The evidence: "0 of 10 delivered codes used (0 %) where the account's are 80 %: suspected SMS pumping". */
  reason: string;
}

export type GuardBlockLines = { lines: GuardBlockLine[] } | { error: string };

/** The account's guard figures in a /metrics text. */
export function guardMetrics(metricsText: string, account: string): GuardMetrics {
  const samples = parsePromText(metricsText);
  return {
    blocks: sumOf(samples, GUARD_BLOCKS_METRIC, { account }),
    rangesBlocked: sumOf(samples, RANGES_BLOCKED_METRIC, { account }),
    blockedRangeRefusals: sumOf(samples, LIMITED_METRIC, { account, limit: "blocked_range" }),
  };
}

/** Reads the figures from the daemon's metrics port. */
export async function readGuardMetrics(metricsPort: number, account: string): Promise<GuardMetrics> {
  try {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) return { error: `GET /metrics answered ${response.status}` };
    return guardMetrics(await response.text(), account);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The guard's block lines in a log (JSON lines; others skipped). */
export function guardBlockLines(log: string): GuardBlockLine[] {
  const lines: GuardBlockLine[] = [];
  for (const line of log.split("\n")) {
    if (!line.includes(BLOCK_LOG_MESSAGE)) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof entry.msg !== "string" || !entry.msg.startsWith(BLOCK_LOG_MESSAGE)) continue;
    const at = typeof entry.time === "number" ? entry.time : Date.parse(String(entry.time));
    lines.push({
      at,
      account: String(entry.account),
      range: String(entry.range),
      blockSeconds: Number(entry.blockSeconds),
      reason: String(entry.reason),
    });
  }
  return lines;
}

/** Reads the block lines from the daemon's log file. */
export async function readGuardBlockLines(logFile: string): Promise<GuardBlockLines> {
  try {
    return { lines: guardBlockLines(await readFile(logFile, "utf8")) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
