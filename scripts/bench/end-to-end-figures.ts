/** What the end-to-end scenarios (otpgw's HTTP path, Kannel) measure alike, so their rows compare field by field. */
import { quantile } from "../lib/table.js";

/**
 * After a measured load, wait at most this long for the last final reports (at saturation a backlog of tens of
 * seconds can build), and give up sooner if none come for DRAIN_STALL_MS.
 */
export const DRAIN_MAX_MS = 120_000;
const DRAIN_STALL_MS = 10_000;

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/** One measured phase: counts, rates and latencies, from the load generator's side. */
export interface EndToEndFigures {
  seconds: number;
  sent: number;
  /** Answered as accepted (202). */
  accepted: number;
  /** Other answers, by status ("error": no answer). */
  rejected: Record<string, number>;
  /** Messages whose final report (webhook, dlr-url) came. */
  completed: number;
  /** Accepted messages without a final report when the bench stopped waiting. */
  missing: number;
  /** Final reports by state, one per message (the first). */
  finalStates: Record<string, number>;
  acceptedPerSecond: number;
  /** Final reports per second, from the first submit to the last report. */
  completedPerSecond: number;
  submitP50Ms: number;
  submitP99Ms: number;
  /** Submit written → final report read. */
  endToEndP50Ms: number;
  endToEndP99Ms: number;
  /** From the last submit's answer to the last report. */
  drainMs: number;
  /** CPU used by the processes of the run together over the phase, in cores. */
  coresBusy: number;
}

/** A closed-loop HTTP load's own counts. */
export interface LoadResult {
  sent: number;
  accepted: number;
  /** Answers other than accepted, by status ("error" when the request itself failed). */
  rejected: Record<string, number>;
  /** Request written → answer fully read, ms, one per accepted submit. */
  submitLatenciesMs: number[];
  /** performance.now() at the first submit and when the last answer arrived. */
  startedAt: number;
  endedAt: number;
}

/** An empty load result started now, when the load must stop starting submits, and a counter of refusals. */
export function startLoadResult(durationMs: number): {
  result: LoadResult;
  end: number;
  reject: (key: string) => void;
} {
  const result: LoadResult = {
    sent: 0,
    accepted: 0,
    rejected: {},
    submitLatenciesMs: [],
    startedAt: performance.now(),
    endedAt: 0,
  };
  const reject = (key: string): void => {
    result.rejected[key] = (result.rejected[key] ?? 0) + 1;
  };
  return { result, end: result.startedAt + durationMs, reject };
}

/**
 * Waits until every accepted message of the phase has its final report (`phase.reported` reaches `accepted`),
 * bounded by `maxMs` and by progress (DRAIN_STALL_MS without a new report).
 */
export async function drainReports(
  phase: Pick<PhaseReports, "reported">,
  accepted: number,
  maxMs: number,
): Promise<void> {
  const deadline = performance.now() + maxMs;
  let last = phase.reported;
  let lastProgress = performance.now();
  while (phase.reported < accepted && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    if (phase.reported !== last) {
      last = phase.reported;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > DRAIN_STALL_MS) {
      return;
    }
  }
}

/**
 * The warm-up before the measured phases: a second of load (2,000 messages at most, refs `w…`) that `runLoad`
 * records in `phase`, drained (15 s at most) so that none of it is left when measuring starts.
 */
export async function warmUp(
  phase: Pick<PhaseReports, "reported">,
  runLoad: (load: { durationMs: number; maxMessages: number; refPrefix: string }) => Promise<LoadResult>,
): Promise<void> {
  const warm = await runLoad({ durationMs: 1000, maxMessages: 2000, refPrefix: "w" });
  await drainReports(phase, warm.accepted, 15_000);
}

/** What one phase saw on the final-report side (webhooks, dlr-url calls). */
export interface PhaseReports {
  /** Messages completed (the ones the scenario counts as done). */
  completed: number;
  /** Messages with a final report, whatever its state. */
  reported: number;
  finalStates: Record<string, number>;
  /** Submit written → final report read, ms, one per reported message. */
  endToEndMs: number[];
  /** performance.now() of the last final report. */
  lastAt: number;
}

/**
 * A phase's figures from its load and its final reports; `cpuMs`: the CPU its processes used together over the
 * phase and its drain.
 */
export function endToEndFigures(
  seconds: number,
  load: LoadResult,
  reports: PhaseReports,
  cpuMs: number,
): EndToEndFigures {
  const wallMs = Math.max(reports.lastAt, load.endedAt) - load.startedAt;
  return {
    seconds,
    sent: load.sent,
    accepted: load.accepted,
    rejected: load.rejected,
    completed: reports.completed,
    missing: load.accepted - reports.reported,
    finalStates: reports.finalStates,
    acceptedPerSecond: Math.round(load.accepted / ((load.endedAt - load.startedAt) / 1000)),
    completedPerSecond: Math.round(reports.completed / (wallMs / 1000)),
    submitP50Ms: round(quantile(load.submitLatenciesMs, 0.5), 2),
    submitP99Ms: round(quantile(load.submitLatenciesMs, 0.99), 2),
    endToEndP50Ms: round(quantile(reports.endToEndMs, 0.5), 2),
    endToEndP99Ms: round(quantile(reports.endToEndMs, 0.99), 2),
    drainMs: Math.round(Math.max(0, reports.lastAt - load.endedAt)),
    coresBusy: round(cpuMs / wallMs, 2),
  };
}
