/** What the end-to-end scenarios (otpgw's HTTP path, Kannel) measure alike, so their rows compare field by field. */

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
