/**
 * Where a latency run's time went, beside what the ESME measured: otpgw's own view from its metrics read before
 * and after the run — its acknowledgement time (`otpgw_submit_ack_seconds{interface="smpp"}`: from taking a
 * submit_sm up to its answer going out; the mean exact, p50/p99 interpolated in the buckets as Prometheus's
 * histogram_quantile reads them), its garbage collector's pauses (`otpgw_process_nodejs_gc_duration_seconds` by
 * kind) and its event loop's lateness (prom-client's monitorEventLoopDelay, reset at each read of the metrics) —
 * and the ESME's own event loop's lateness (the bench process).
 *
 * The ESME's mean submit latency minus otpgw's mean acknowledgement time is what the submits spent outside
 * otpgw's handling: in the ESME's process, the kernel, and waiting to be read by otpgw — the last still otpgw's
 * (its event loop busy, or waiting for a core), which its event loop's lateness shows. Percentiles do not subtract.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { samplesOf, sumOf, type Sample } from "../../src/cli/prom-text.js";
import { readMetrics } from "./pipeline-counters.js";

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

/** A histogram read from the exposition: cumulative counts by upper bound (`le`, +Inf last), its count and sum. */
interface HistogramSample {
  bounds: number[];
  cumulative: number[];
  count: number;
  sum: number;
}

export interface DaemonSnapshot {
  ack: HistogramSample;
  /** The hot path's Redis script calls (`otpgw_redis_batch_seconds{outcome="ok"}`): an acknowledgement waits for one. */
  redisCall: HistogramSample;
  /** Per GC kind (minor, major, incremental, weakcb): pauses, their seconds, pauses over 10 ms. */
  gc: Map<string, { count: number; seconds: number; over10ms: number }>;
  /** How late its timer ran, since the previous read of the metrics (prom-client resets the monitor at each). */
  eventLoopDelayMs: Percentiles;
}

export interface HistogramFigures {
  count: number;
  mean: number;
  p50: number;
  p99: number;
}

export interface DaemonLatency {
  /** otpgw's acknowledgement time over the run, ms (the mean exact; p50/p99 interpolated in the buckets). */
  ackMs: HistogramFigures;
  /** The Redis script calls over the run, ms: each acknowledgement waits for one (fsync included). */
  redisCallMs: HistogramFigures;
  gc: { pauses: number; totalMs: number; over10ms: number; majorPauses: number };
  eventLoopDelayMs: Percentiles;
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

/**
 * The monitors' sampling interval, ms (prom-client's default `eventLoopMonitoringPrecision`, and ours). A monitor
 * records the time between its timer's runs, so an idle loop reads about this much: lateness is what exceeds it.
 */
const MONITOR_RESOLUTION_MS = 10;
const lateness = (intervalMs: number): number => round(Math.max(0, intervalMs - MONITOR_RESOLUTION_MS));

function histogram(samples: readonly Sample[], name: string, where: Record<string, string>): HistogramSample {
  const buckets = samplesOf(samples, `${name}_bucket`, where)
    .map((s) => [Number(s.labels.get("le")?.replace("+Inf", "Infinity")), s.value] as const)
    .sort((a, b) => a[0] - b[0]);
  return {
    bounds: buckets.map(([le]) => le),
    cumulative: buckets.map(([, value]) => value),
    count: sumOf(samples, `${name}_count`, where),
    sum: sumOf(samples, `${name}_sum`, where),
  };
}

/** The q-quantile of cumulative bucket counts, interpolated linearly within its bucket (as histogram_quantile). */
export function bucketQuantile(bounds: number[], cumulative: number[], q: number): number {
  const total = cumulative.at(-1) ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  const i = cumulative.findIndex((c) => c >= rank);
  const upper = bounds[i]!;
  const lower = i > 0 ? bounds[i - 1]! : 0;
  if (!Number.isFinite(upper)) return lower; // in +Inf: the highest finite bound, as Prometheus answers
  const below = i > 0 ? cumulative[i - 1]! : 0;
  const inBucket = cumulative[i]! - below;
  return inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
}

/** Reads otpgw's metrics now (which also restarts its event-loop delay monitor). */
export async function readDaemonSnapshot(metricsPort: number): Promise<DaemonSnapshot> {
  const samples = await readMetrics(metricsPort);
  const gc = new Map<string, { count: number; seconds: number; over10ms: number }>();
  const gcName = "otpgw_process_nodejs_gc_duration_seconds";
  for (const { labels } of samplesOf(samples, `${gcName}_count`, {})) {
    const kind = labels.get("kind") ?? "?";
    const pauses = histogram(samples, gcName, { kind });
    const at10ms = pauses.cumulative[pauses.bounds.indexOf(0.01)] ?? pauses.count;
    gc.set(kind, { count: pauses.count, seconds: pauses.sum, over10ms: pauses.count - at10ms });
  }
  const lag = (what: string): number =>
    lateness(
      (samplesOf(samples, `otpgw_process_nodejs_eventloop_lag_${what}_seconds`, {})[0]?.value ?? NaN) * 1000,
    );
  return {
    ack: histogram(samples, "otpgw_submit_ack_seconds", { interface: "smpp" }),
    redisCall: histogram(samples, "otpgw_redis_batch_seconds", { outcome: "ok" }),
    gc,
    eventLoopDelayMs: { p50: lag("p50"), p99: lag("p99"), max: lag("max") },
  };
}

/** What happened in otpgw between two snapshots (the event loop's delay: the second's, since the first). */
export function daemonLatencyBetween(before: DaemonSnapshot, after: DaemonSnapshot): DaemonLatency {
  let pauses = 0;
  let seconds = 0;
  let over10ms = 0;
  for (const [kind, now] of after.gc) {
    const then = before.gc.get(kind) ?? { count: 0, seconds: 0, over10ms: 0 };
    pauses += now.count - then.count;
    seconds += now.seconds - then.seconds;
    over10ms += now.over10ms - then.over10ms;
  }
  const major = (after.gc.get("major")?.count ?? 0) - (before.gc.get("major")?.count ?? 0);
  return {
    ackMs: figuresBetween(before.ack, after.ack),
    redisCallMs: figuresBetween(before.redisCall, after.redisCall),
    gc: { pauses, totalMs: round(seconds * 1000, 1), over10ms, majorPauses: major },
    eventLoopDelayMs: after.eventLoopDelayMs,
  };
}

/** A histogram's observations between two reads, in ms: the mean exact, p50/p99 interpolated in the buckets. */
function figuresBetween(before: HistogramSample, after: HistogramSample): HistogramFigures {
  const cumulative = after.cumulative.map((c, i) => c - (before.cumulative[i] ?? 0));
  const count = after.count - before.count;
  return {
    count,
    mean: count > 0 ? round(((after.sum - before.sum) / count) * 1000) : Number.NaN,
    p50: round(bucketQuantile(after.bounds, cumulative, 0.5) * 1000),
    p99: round(bucketQuantile(after.bounds, cumulative, 0.99) * 1000),
  };
}

/** The delay of this process's event loop (the ESME's) while `run` runs, in ms. */
export async function withEventLoopDelay<T>(run: () => Promise<T>): Promise<[T, Percentiles]> {
  const monitor: IntervalHistogram = monitorEventLoopDelay({ resolution: MONITOR_RESOLUTION_MS });
  monitor.enable();
  try {
    const result = await run();
    const ms = (ns: number): number => lateness(ns / 1e6);
    return [
      result,
      { p50: ms(monitor.percentile(50)), p99: ms(monitor.percentile(99)), max: ms(monitor.max) },
    ];
  } finally {
    monitor.disable();
  }
}
