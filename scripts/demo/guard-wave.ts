/**
 * The pumping guard's turn in the demo, once every OTP has been sent: wait (bounded) until otpgw has blocked a range
 * of the account and applies the block to submits — `otpgw_pumping_guard_blocks_total{account}` and
 * `otpgw_ranges_blocked{account}` both at least 1 on its /metrics — then send the second wave of the range walk,
 * whose every submit the block must refuse. The wave is sent even when no block came: per_range_limit then refuses
 * it with 429, and the summary's checks say what is missing.
 */
import { readGuardMetrics, type GuardMetrics } from "./guard-observe.js";
import type { SendResult } from "./load-sender.js";
import { buildWave, type GuardPlan } from "./guard-plan.js";
import type { DemoOtp } from "./traffic-mix.js";

/** Between two reads of /metrics while waiting for the block. */
const POLL_MS = 200;

export interface GuardWaveOptions {
  plan: GuardPlan;
  /** The second wave's first Idempotency-Key index (after the attack's). */
  firstIndex: number;
  metricsPort: number;
  account: string;
  /** Longest wait for the block, from the call. */
  timeoutMs: number;
  /** Sends OTPs as the rest of the demo does (same client, account, pace). */
  send: (otps: DemoOtp[]) => Promise<SendResult>;
  /** A reason to stop (the daemon died, Ctrl-C): thrown. */
  shouldStop: () => string | undefined;
}

export interface GuardWaveResult {
  /** When the demo saw the block in force (ms since the epoch); undefined when it did not within the limit. */
  seenAt: number | undefined;
  waitedMs: number;
  timeoutMs: number;
  /** How the second wave was answered. */
  wave: SendResult;
}

function inForce(metrics: GuardMetrics): boolean {
  return "blocks" in metrics && metrics.blocks >= 1 && metrics.rangesBlocked >= 1;
}

/** The guard's turn; undefined (nothing done) when the run cannot show the guard (`plan.shown` false). */
export async function guardWave(options: GuardWaveOptions): Promise<GuardWaveResult | undefined> {
  if (!options.plan.shown) return undefined;
  const started = Date.now();
  let seenAt: number | undefined;
  for (;;) {
    const stop = options.shouldStop();
    if (stop) throw new Error(stop);
    if (inForce(await readGuardMetrics(options.metricsPort, options.account))) {
      seenAt = Date.now();
      break;
    }
    if (Date.now() - started >= options.timeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const waitedMs = Date.now() - started;
  const wave = await options.send(buildWave(options.plan, options.firstIndex));
  return { seenAt, waitedMs, timeoutMs: options.timeoutMs, wave };
}

/** One line for the demo's progress: the block seen (or not), and the second wave's answers. */
export function waveLine(plan: GuardPlan, result: GuardWaveResult): string {
  const answers = new Map<string, number>();
  for (const r of result.wave.refused)
    answers.set(`${r.status} ${r.code}`, (answers.get(`${r.status} ${r.code}`) ?? 0) + 1);
  const answered = [...answers].map(([answer, count]) => `${count} × ${answer}`);
  if (result.wave.accepted.length > 0) answered.unshift(`${result.wave.accepted.length} accepted`);
  const waited = `${(result.waitedMs / 1000).toFixed(1)} s`;
  const block =
    result.seenAt === undefined
      ? `pumping guard: NO block of ${plan.rangeText} within ${waited} of the last submit`
      : `pumping guard: ${plan.rangeText} blocked (in force ${waited} after the last submit)`;
  return `${block}; second wave of ${plan.wave.length}: ${answered.join(", ")}`;
}
