/**
 * The HTTP path end to end: keep-alive HTTP submits → otpgw (a child process, Redis with appendfsync always)
 * → a simulated carrier (its own process) → receipt → final state → signed webhook back to this process.
 * Each message's end-to-end latency is from its POST being written to its webhook being read here.
 *
 * Two measured phases after a warm-up: saturation (every slot submits again as soon as it is answered: the
 * most otpgw accepts and completes) and paced (a fixed rate below saturation: the latency a message sees when
 * nothing queues).
 */
import { mkdir } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { startPrivateRedis } from "../lib/private-redis.js";
import { startBenchDaemon, type BenchDaemon } from "./bench-daemon.js";
import { summariseBusiestProfile, type ProfileSummary } from "./cpu-profile-summary.js";
import {
  DRAIN_MAX_MS,
  drainReports,
  endToEndFigures,
  warmUp,
  type EndToEndFigures,
  type PhaseReports,
} from "./end-to-end-figures.js";
import { printHttpBench } from "./http-bench-report.js";
import { runHttpLoad, type HttpLoadResult } from "./http-load.js";
import { pipelineDelta, readPipelineCounters } from "./pipeline-counters.js";
import { ownCpuMs, processCpuMs, processRssMiB } from "./proc-stats.js";
import { benchSimConfig, startSimProcess } from "./sim-process.js";
import { startWebhookSink, type SinkEvent, type WebhookSink } from "./webhook-sink.js";
import { redisPid } from "./redis-info.js";

export interface HttpBenchOptions {
  /** Length of each measured phase. */
  seconds: number;
  /** Print the result's tables (default true; --repeat prints only the median round's). */
  print?: boolean;
  /** Submits in flight at most. Default 64. */
  concurrency?: number;
  /** Rate of the paced phase, msgs/s. Default 500. */
  pacedRate?: number;
  /** Most messages submitted in one measured phase, whatever its length. Default 50,000. */
  maxMessages?: number;
  /**
   * Redis's AOF fsync policy. Default "always": every acknowledged message survives a crash of Redis, as the
   * docs recommend; "everysec" shows what that durability costs.
   */
  appendfsync?: "always" | "everysec";
  /** Profile the daemon with `--cpu-prof` and print where its time went. Default false. */
  cpuProfile?: boolean;
}

/** One phase; "final report" is the webhook here. */
export interface HttpPhaseResult extends EndToEndFigures {
  mode: "saturation" | "paced";
  /** The paced phase's target rate. */
  targetPerSecond?: number;
  duplicateWebhooks: number;
  /** Where the messages accepted in this phase were when the last submit was answered (otpgw's counters). */
  backlogAtLoadEnd: {
    awaitingAttempt: number;
    awaitingSubmitResp: number;
    awaitingReceipt: number;
    awaitingFinal: number;
    awaitingWebhook: number;
  };
  /** CPU milliseconds per completed message, per process, over the phase and its drain. */
  cpuMsPerMessage: { otpgw: number; redis: number; simulator: number; bench: number };
  otpgwRssMiB: number;
}

export interface HttpBenchResult {
  appendfsync: "always" | "everysec";
  concurrency: number;
  binds: number;
  window: number;
  cores: number;
  /** otpgw's RSS once started, before any message. */
  otpgwRssAtStartMiB: number;
  badSignatures: number;
  saturation: HttpPhaseResult;
  paced: HttpPhaseResult;
  profile?: ProfileSummary;
}

const BINDS = 2;
const WINDOW = 50;

/** What one load phase saw on the webhook side. */
class Phase implements PhaseReports {
  readonly sentAt = new Map<string, number>();
  readonly idOf = new Map<string, string>();
  readonly seen = new Set<string>();
  readonly endToEndMs: number[] = [];
  readonly finalStates: Record<string, number> = {};
  duplicates = 0;
  lastAt = 0;

  record(event: SinkEvent): void {
    const sentAt = this.sentAt.get(event.clientRef);
    if (sentAt === undefined) return;
    if (this.seen.has(event.clientRef)) {
      this.duplicates++;
      return;
    }
    // Tie the webhook to the message the 202 named (a 202 not read yet cannot be checked, and is rare).
    const id = this.idOf.get(event.clientRef);
    if (id !== undefined && id !== event.id) return;
    this.seen.add(event.clientRef);
    this.endToEndMs.push(event.at - sentAt);
    this.finalStates[event.state] = (this.finalStates[event.state] ?? 0) + 1;
    this.lastAt = event.at;
  }

  get completed(): number {
    return this.seen.size;
  }

  /** Every webhook is a final report: a message with one is completed, whatever its state. */
  get reported(): number {
    return this.completed;
  }
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/** The running processes and endpoints every phase uses. */
interface Rig {
  daemon: BenchDaemon;
  sink: WebhookSink;
  pids: { otpgw: number; redis: number; simulator: number };
  concurrency: number;
  maxMessages: number;
  /** Makes `phase` the one the webhooks and submits are recorded in. */
  use(phase: Phase): void;
}

function runLoad(
  rig: Rig,
  phase: Phase,
  load: { durationMs: number; maxMessages: number; refPrefix: string; ratePerSecond?: number },
): Promise<HttpLoadResult> {
  rig.use(phase);
  return runHttpLoad({
    port: rig.daemon.httpPort,
    apiKey: rig.daemon.account.apiKey,
    sender: rig.daemon.account.sender,
    callbackUrl: rig.sink.url,
    concurrency: rig.concurrency,
    ...load,
    onSend: (ref, at) => phase.sentAt.set(ref, at),
    onAccepted: (ref, id) => phase.idOf.set(ref, id),
  });
}

async function measurePhase(rig: Rig, seconds: number, ratePerSecond?: number): Promise<HttpPhaseResult> {
  const phase = new Phase();
  const { pids } = rig;
  const cpuBefore = {
    otpgw: processCpuMs(pids.otpgw),
    redis: processCpuMs(pids.redis),
    simulator: processCpuMs(pids.simulator),
    bench: ownCpuMs(),
  };
  const countersBefore = await readPipelineCounters(rig.daemon.metricsPort);
  const load = await runLoad(rig, phase, {
    durationMs: seconds * 1000,
    maxMessages: rig.maxMessages,
    refPrefix: ratePerSecond ? "p" : "s",
    ...(ratePerSecond ? { ratePerSecond } : {}),
  });
  const atLoadEnd = pipelineDelta(countersBefore, await readPipelineCounters(rig.daemon.metricsPort));
  await drainReports(phase, load.accepted, DRAIN_MAX_MS);
  const cpuMs = {
    otpgw: processCpuMs(pids.otpgw) - cpuBefore.otpgw,
    redis: processCpuMs(pids.redis) - cpuBefore.redis,
    simulator: processCpuMs(pids.simulator) - cpuBefore.simulator,
    bench: ownCpuMs() - cpuBefore.bench,
  };
  const perMessage = (ms: number) => round(ms / Math.max(1, phase.completed), 3);
  return {
    mode: ratePerSecond ? "paced" : "saturation",
    ...(ratePerSecond ? { targetPerSecond: ratePerSecond } : {}),
    ...endToEndFigures(seconds, load, phase, cpuMs.otpgw + cpuMs.redis + cpuMs.simulator + cpuMs.bench),
    duplicateWebhooks: phase.duplicates,
    backlogAtLoadEnd: {
      awaitingAttempt: atLoadEnd.accepted - atLoadEnd.attemptsStarted,
      awaitingSubmitResp: atLoadEnd.attemptsStarted - atLoadEnd.submitsAccepted,
      awaitingReceipt: atLoadEnd.submitsAccepted - atLoadEnd.receipts,
      awaitingFinal: atLoadEnd.receipts - atLoadEnd.final,
      awaitingWebhook: atLoadEnd.final - atLoadEnd.webhooksAcknowledged,
    },
    cpuMsPerMessage: {
      otpgw: perMessage(cpuMs.otpgw),
      redis: perMessage(cpuMs.redis),
      simulator: perMessage(cpuMs.simulator),
      bench: perMessage(cpuMs.bench),
    },
    otpgwRssMiB: round(processRssMiB(pids.otpgw), 1),
  };
}

export async function runHttpBench(options: HttpBenchOptions): Promise<HttpBenchResult> {
  const appendfsync = options.appendfsync ?? "always";
  const profileDir = options.cpuProfile ? join("bench-results", "profiles", `http-${Date.now()}`) : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const redis = await startPrivateRedis({ appendfsync });
    cleanups.push(() => redis.stop());
    const sim = await startSimProcess(benchSimConfig());
    cleanups.push(() => sim.stop());
    const daemon = await startBenchDaemon({
      redisUrl: redis.url,
      carrierPort: sim.port,
      binds: BINDS,
      window: WINDOW,
      ...(profileDir ? { cpuProfileDir: profileDir } : {}),
    });
    cleanups.push(() => daemon.stop());
    const otpgwRssAtStartMiB = round(processRssMiB(daemon.pid), 1);
    let current = new Phase();
    const sink = await startWebhookSink(daemon.account.webhookSecret, (event) => current.record(event));
    cleanups.push(() => sink.close());
    const rig: Rig = {
      daemon,
      sink,
      pids: { otpgw: daemon.pid, redis: redisPid(redis.port), simulator: sim.child.pid ?? -1 },
      concurrency: options.concurrency ?? 64,
      maxMessages: options.maxMessages ?? 50_000,
      use: (phase) => (current = phase),
    };

    // Warm-up (JIT, connection pools, Redis scripts loaded), drained before anything is measured.
    const warmPhase = new Phase();
    await warmUp(warmPhase, (load) => runLoad(rig, warmPhase, load));

    const saturation = await measurePhase(rig, options.seconds);
    const paced = await measurePhase(rig, options.seconds, options.pacedRate ?? 500);
    const result: HttpBenchResult = {
      appendfsync,
      concurrency: rig.concurrency,
      binds: BINDS,
      window: WINDOW,
      cores: cpus().length,
      otpgwRssAtStartMiB,
      badSignatures: sink.badSignatures + sink.malformed,
      saturation,
      paced,
    };
    // Stop the daemon gracefully before reading the profile: --cpu-prof writes it at exit.
    await daemon.stop();
    if (profileDir) {
      const profile = await summariseBusiestProfile(profileDir);
      if (profile) result.profile = profile;
    }
    if (options.print !== false) printHttpBench(result);
    return result;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
