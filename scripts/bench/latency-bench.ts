/**
 * Latency under a steady load, not at saturation: an ESME (window 100, receipts asked) submits at a fixed rate
 * (1,000 msg/s unless told) for a bounded time and count, through the null relay and then through otpgw, in
 * the same run (scripts/bench/relay-stack.ts). For each relay: submit latency (submit_sm written →
 * submit_sm_resp) and end-to-end latency (submit_sm written → receipt), p50 / p99 / max; otpgw's added latency
 * is each percentile's difference with the null relay's.
 *
 * A paced load only measures latency at the target rate if it kept that rate: a relay that cannot keep up
 * fills the window, submits fall behind schedule and the time bound ends the run short. The result says so.
 *
 * The ESME writes with TCP_NODELAY, as a latency-minded client does (otpgw and the simulator set it too). The
 * null relay keeps node-smpp's sockets as they are, Nagle's algorithm on: at a paced load a small write of its
 * own may wait for the peer's delayed ACK (about 40 ms on Linux), which shows in its p99 and max.
 */
import { renderTable, quantile } from "../lib/table.js";
import { EsmeLoad, type EsmeLoadResult } from "./esme-load.js";
import {
  daemonLatencyBetween,
  readDaemonSnapshot,
  withEventLoopDelay,
  type DaemonLatency,
  type Percentiles,
} from "./latency-sources.js";
import { processCpuMs } from "./proc-stats.js";
import { redisPid } from "./redis-info.js";
import { BENCH_ESME, OTPGW_RELAY_SETTINGS, startRelayStack, type RelayKind } from "./relay-stack.js";

export interface LatencyBenchOptions {
  /** Length of each measured run (the same for both relays). */
  seconds: number;
  /** Target submits per second. Default 1000. */
  ratePerSecond?: number;
  /** Submits outstanding at most. Default 100. */
  window?: number;
  /** Redis's AOF fsync policy for otpgw. Default "always" (durable). */
  appendfsync?: "always" | "everysec";
}

export type LatencyPercentiles = Percentiles;

export interface LatencyRunResult {
  relay: RelayKind;
  /** Submits the run was to make: rate × seconds. */
  planned: number;
  sent: number;
  accepted: number;
  rejected: Record<string, number>;
  receipts: number;
  missing: number;
  /** Submits written per second, from the first to the last. */
  achievedPerSecond: number;
  /** The most a submit was written after its due time, in ms. */
  maxPacingLagMs: number;
  /** Every planned submit was made, at ≥ 98 % of the target rate. */
  keptUp: boolean;
  submitMs: LatencyPercentiles;
  /** The mean submit latency, ms: means subtract, percentiles do not (see the daemon's figures). */
  submitMeanMs: number;
  endToEndMs: LatencyPercentiles;
  /**
   * CPU ms per completed message over the measured run, at the paced rate: the relay's process and (otpgw)
   * its Redis. Below saturation fewer messages share each socket write, script call and fsync than in the smpp
   * scenario, so a message costs more here: this is what it costs at an everyday load.
   */
  cpuMsPerMessage: { relay: number; redis?: number };
  /** The ESME's (this process's) event-loop delay during the run, ms: its share of what it measured. */
  esmeEventLoopDelayMs: LatencyPercentiles;
  /** otpgw's own view of the run, from its metrics (scripts/bench/latency-sources.ts). */
  daemon?: DaemonLatency;
}

export interface LatencyBenchResult {
  targetPerSecond: number;
  seconds: number;
  window: number;
  appendfsync: "always" | "everysec";
  otpgw: typeof OTPGW_RELAY_SETTINGS;
  nullRelay: LatencyRunResult;
  gateway: LatencyRunResult;
  /** otpgw's minus the null relay's, percentile by percentile. */
  added: { submitMs: LatencyPercentiles; endToEndMs: LatencyPercentiles };
}

/** A run keeps up when it makes every planned submit at no less than this share of the target rate. */
const KEPT_UP_SHARE = 0.98;
/** The time bound leaves this much slack over `seconds`, so a run only just behind still makes every submit. */
const TIME_SLACK = 1.05;
const WARM_UP_MAX_MS = 1500;

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

function percentiles(values: number[]): LatencyPercentiles {
  return {
    p50: round(quantile(values, 0.5)),
    p99: round(quantile(values, 0.99)),
    max: values.length === 0 ? Number.NaN : round(values.reduce((a, b) => Math.max(a, b), 0)),
  };
}

function summarise(
  relay: RelayKind,
  planned: number,
  target: number,
  load: EsmeLoadResult,
  cpuMs: { relay: number; redis?: number },
  sources: Pick<LatencyRunResult, "esmeEventLoopDelayMs" | "daemon">,
): LatencyRunResult {
  const perMessage = (ms: number): number => round(ms / Math.max(1, load.receipts), 4);
  const spanS = (load.lastSubmitAt - load.startedAt) / 1000;
  const achieved = load.sent > 1 && spanS > 0 ? (load.sent - 1) / spanS : 0;
  return {
    relay,
    planned,
    sent: load.sent,
    accepted: load.accepted,
    rejected: load.rejected,
    receipts: load.receipts,
    missing: load.missing,
    achievedPerSecond: Math.round(achieved),
    maxPacingLagMs: round(load.maxPacingLagMs),
    keptUp: load.sent === planned && achieved >= KEPT_UP_SHARE * target,
    submitMs: percentiles(load.submitLatenciesMs),
    submitMeanMs: round(
      load.submitLatenciesMs.reduce((a, b) => a + b, 0) / Math.max(1, load.submitLatenciesMs.length),
    ),
    endToEndMs: percentiles(load.endToEndMs),
    cpuMsPerMessage: {
      relay: perMessage(cpuMs.relay),
      ...(cpuMs.redis !== undefined ? { redis: perMessage(cpuMs.redis) } : {}),
    },
    ...sources,
  };
}

async function measure(relay: RelayKind, options: Required<LatencyBenchOptions>): Promise<LatencyRunResult> {
  const stack = await startRelayStack(relay, { appendfsync: options.appendfsync });
  try {
    const esme = await EsmeLoad.connect(stack.port, BENCH_ESME, { noDelay: true });
    try {
      const base = {
        window: options.window,
        sender: BENCH_ESME.sender,
        ratePerSecond: options.ratePerSecond,
        drainMaxMs: 30_000,
      };
      const warmUpMs = Math.min(WARM_UP_MAX_MS, options.seconds * 1000);
      await esme.run({
        ...base,
        durationMs: warmUpMs,
        maxMessages: Math.ceil((warmUpMs * options.ratePerSecond) / 1000),
        destinationPrefix: "62810",
      });
      const planned = Math.max(1, Math.round(options.seconds * options.ratePerSecond));
      const redis = stack.redis ? redisPid(stack.redis.port) : undefined;
      const cpu = (): { relay: number; redis?: number } => ({
        relay: processCpuMs(stack.pids.relay),
        ...(redis !== undefined ? { redis: processCpuMs(redis) } : {}),
      });
      const metricsPort = stack.daemon?.metricsPort;
      const daemonBefore = metricsPort === undefined ? undefined : await readDaemonSnapshot(metricsPort);
      const before = cpu();
      const [load, esmeEventLoopDelayMs] = await withEventLoopDelay(() =>
        esme.run({
          ...base,
          durationMs: options.seconds * 1000 * TIME_SLACK,
          maxMessages: planned,
          destinationPrefix: "62811",
        }),
      );
      const after = cpu();
      const daemonAfter = metricsPort === undefined ? undefined : await readDaemonSnapshot(metricsPort);
      const used = {
        relay: after.relay - before.relay,
        ...(after.redis !== undefined && before.redis !== undefined
          ? { redis: after.redis - before.redis }
          : {}),
      };
      return summarise(relay, planned, options.ratePerSecond, load, used, {
        esmeEventLoopDelayMs,
        ...(daemonBefore && daemonAfter && { daemon: daemonLatencyBetween(daemonBefore, daemonAfter) }),
      });
    } finally {
      await esme.close();
    }
  } finally {
    await stack.stop();
  }
}

const minus = (a: LatencyPercentiles, b: LatencyPercentiles): LatencyPercentiles => ({
  p50: round(a.p50 - b.p50),
  p99: round(a.p99 - b.p99),
  max: round(a.max - b.max),
});

export async function runLatencyBench(options: LatencyBenchOptions): Promise<LatencyBenchResult> {
  const resolved: Required<LatencyBenchOptions> = {
    seconds: options.seconds,
    ratePerSecond: options.ratePerSecond ?? 1000,
    window: options.window ?? 100,
    appendfsync: options.appendfsync ?? "always",
  };
  const nullRelay = await measure("null relay", resolved);
  const gateway = await measure("otpgw", resolved);
  const result: LatencyBenchResult = {
    targetPerSecond: resolved.ratePerSecond,
    seconds: resolved.seconds,
    window: resolved.window,
    appendfsync: resolved.appendfsync,
    otpgw: OTPGW_RELAY_SETTINGS,
    nullRelay,
    gateway,
    added: {
      submitMs: minus(gateway.submitMs, nullRelay.submitMs),
      endToEndMs: minus(gateway.endToEndMs, nullRelay.endToEndMs),
    },
  };
  printLatencyBench(result);
  return result;
}

const counts = (record: Record<string, number>): string =>
  Object.entries(record)
    .map(([key, n]) => `${key}: ${n}`)
    .join(", ") || "none";

function printLatencyBench(r: LatencyBenchResult): void {
  console.log(
    `\nLatency at ${r.targetPerSecond} msg/s: ESME (window ${r.window}, registered_delivery 1, paced) → relay →` +
      ` simulator (answers at once, receipts DELIVRD 1–5 ms) → deliver_sm → ESME, ${r.seconds} s per relay.` +
      `\notpgw: ${r.otpgw.binds} carrier binds × window ${r.otpgw.carrierWindow}, Redis appendfsync ${r.appendfsync}.` +
      ` Latencies in ms; "otpgw added" is otpgw's percentile minus the null relay's. The ESME sets TCP_NODELAY;` +
      ` the null relay does not (node-smpp's default), so its p99/max may hold delayed-ACK waits (~40 ms).`,
  );
  const row = (run: LatencyRunResult): (string | number)[] => [
    run.relay,
    run.achievedPerSecond,
    run.keptUp ? "yes" : "NO",
    run.submitMs.p50,
    run.submitMs.p99,
    run.submitMs.max,
    run.endToEndMs.p50,
    run.endToEndMs.p99,
    run.endToEndMs.max,
  ];
  const a = r.added;
  console.log(
    renderTable(
      ["relay", "msg/s", "kept up", "submit p50", "p99", "max", "e2e p50", "p99", "max"],
      [
        row(r.nullRelay),
        row(r.gateway),
        [
          "otpgw added",
          "-",
          "-",
          a.submitMs.p50,
          a.submitMs.p99,
          a.submitMs.max,
          a.endToEndMs.p50,
          a.endToEndMs.p99,
          a.endToEndMs.max,
        ],
      ],
    ),
  );
  for (const run of [r.nullRelay, r.gateway]) {
    console.log(
      `${run.relay}: ${run.sent}/${run.planned} submitted at ${run.achievedPerSecond}/s (target ${r.targetPerSecond}/s),` +
        ` most behind schedule ${run.maxPacingLagMs} ms; accepted ${run.accepted}, other answers:` +
        ` ${counts(run.rejected)}; receipts ${run.receipts}, missing ${run.missing}; CPU ms/msg relay` +
        ` ${run.cpuMsPerMessage.relay}` +
        (run.cpuMsPerMessage.redis !== undefined ? ` + redis ${run.cpuMsPerMessage.redis}` : ""),
    );
    const esmeLoop = run.esmeEventLoopDelayMs;
    console.log(
      `  the ESME's own event loop (this process) was late by p50 ${esmeLoop.p50} / p99 ${esmeLoop.p99} / max` +
        ` ${esmeLoop.max} ms during the run`,
    );
    if (run.daemon) {
      const { ackMs, redisCallMs: redis, gc, eventLoopDelayMs: loop } = run.daemon;
      console.log(
        `  otpgw's own acknowledgement time (otpgw_submit_ack_seconds, ${ackMs.count} submits): mean ${ackMs.mean},` +
          ` p50 ${ackMs.p50}, p99 ${ackMs.p99} ms; its Redis script calls (${redis.count}) mean ${redis.mean}, p50` +
          ` ${redis.p50}, p99 ${redis.p99} ms; its event loop late by p50 ${loop.p50} / p99 ${loop.p99} / max` +
          ` ${loop.max} ms; GC ${gc.pauses} pauses, ${gc.totalMs} ms in all, ${gc.majorPauses} major, ${gc.over10ms}` +
          ` over 10 ms. Mean submit latency ${run.submitMeanMs} ms at the ESME, of which` +
          ` ${round(run.submitMeanMs - ackMs.mean)} ms outside otpgw's acknowledgement time (the ESME's process, the` +
          ` kernel, and waiting to be read by otpgw — its event loop busy or waiting for a core).`,
      );
    }
    if (!run.keptUp) {
      console.log(
        `  ${run.relay} did NOT keep up with ${r.targetPerSecond} msg/s: its latencies are those of a saturated` +
          ` relay, not of the target rate.`,
      );
    }
  }
}
