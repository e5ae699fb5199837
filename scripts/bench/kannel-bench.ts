/**
 * Kannel, the incumbent, on the same path and load as the HTTP bench, so the two figures come from one run
 * on one machine: keep-alive sendsms GETs → smsbox → bearerbox (file store: a message is acknowledged once
 * written and flushed to the store file; Kannel never fsyncs it) → SMPP transceiver → the simulated carrier
 * (its own process, same answers and receipt delays as the HTTP bench's) → receipt → delivery report → the
 * dlr-url, back in this process. Each message's submit→DLR latency is from its GET being written to its final
 * report being read here.
 *
 * One measured phase at saturation (every slot submits again as soon as it is answered), after a warm-up
 * that is drained first.
 */
import { Agent } from "node:http";
import { cpus } from "node:os";
import { BENCH_CARRIER_ACCOUNT } from "./bench-daemon.js";
import {
  DRAIN_MAX_MS,
  drainReports,
  endToEndFigures,
  warmUp,
  type EndToEndFigures,
  type PhaseReports,
} from "./end-to-end-figures.js";
import { startDlrSink, type DlrEvent } from "./kannel-dlr-sink.js";
import { runKannelLoad, type KannelLoadResult } from "./kannel-load.js";
import { startKannel, type KannelProcess } from "./kannel-process.js";
import { printKannelBench } from "./kannel-report.js";
import { ownCpuMs, processCpuMs, processRssMiB } from "./proc-stats.js";
import { benchSimConfig, startSimProcess } from "./sim-process.js";

export interface KannelBenchOptions {
  /** Length of the measured phase. */
  seconds: number;
  /** Submits in flight at most. Default 64, as the HTTP bench. */
  concurrency?: number;
  /** Most messages submitted in the measured phase, whatever its length. Default 50,000, as the HTTP bench. */
  maxMessages?: number;
  /** submit_sm outstanding on Kannel's SMPP link (`max-pending-submits`). Default 100, otpgw's binds × window. */
  window?: number;
  /** Print the result's tables (default true; --repeat prints only the median round's). */
  print?: boolean;
}

/** The saturated phase; accepted is a 202 "Accepted for delivery", the final report a dlr-url call. */
export interface KannelBenchResult extends EndToEndFigures {
  concurrency: number;
  window: number;
  dlrMask: number;
  cores: number;
  /** Final reports after a message's first one. */
  duplicateReports: number;
  /** Requests to the dlr-url that were not a report of this phase. */
  strayReports: number;
  /** CPU milliseconds per completed message, per process, over the phase and its drain. */
  cpuMsPerMessage: { kannel: number; bearerbox: number; smsbox: number; simulator: number; bench: number };
  /** Resident memory once started (before any message) and at the end. */
  rssAtStartMiB: { bearerbox: number; smsbox: number };
  rssMiB: { bearerbox: number; smsbox: number };
}

/**
 * Final states only (1 delivered + 2 undelivered + 16 SMSC reject), as otpgw sends one webhook per message:
 * the intermediate reports (4 buffered, 8 SMSC ack) would double smsbox's callbacks for nothing compared.
 */
const DLR_MASK_FINAL = 1 | 2 | 16;
const REPORT_KINDS: Record<number, string> = { 1: "delivered", 2: "undelivered", 16: "smsc-reject" };
const SENDER = "BenchOTP";

/** What one load phase saw on the dlr-url side. */
class Phase implements PhaseReports {
  readonly sentAt = new Map<string, number>();
  readonly final = new Set<string>();
  readonly endToEndMs: number[] = [];
  readonly finalStates: Record<string, number> = {};
  /** Final reports that say delivered: the messages completed. */
  completed = 0;
  duplicates = 0;
  stray = 0;
  lastAt = 0;

  record(event: DlrEvent): void {
    const sentAt = this.sentAt.get(event.ref);
    const kind = REPORT_KINDS[event.type];
    if (sentAt === undefined || kind === undefined) {
      this.stray++;
      return;
    }
    if (this.final.has(event.ref)) {
      this.duplicates++;
      return;
    }
    this.final.add(event.ref);
    this.endToEndMs.push(event.at - sentAt);
    this.finalStates[kind] = (this.finalStates[kind] ?? 0) + 1;
    if (event.type === 1) this.completed++;
    this.lastAt = event.at;
  }

  get reported(): number {
    return this.final.size;
  }
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

interface Rig {
  kannel: KannelProcess;
  /** One keep-alive pool for every phase (see KannelLoadOptions.agent). */
  agent: Agent;
  simulatorPid: number;
  concurrency: number;
  dlrUrl: (ref: string) => string;
  /** Makes `phase` the one the reports are recorded in. */
  use(phase: Phase): void;
}

function runLoad(
  rig: Rig,
  phase: Phase,
  load: { durationMs: number; maxMessages: number; refPrefix: string },
): Promise<KannelLoadResult> {
  rig.use(phase);
  return runKannelLoad({
    agent: rig.agent,
    port: rig.kannel.sendsmsPort,
    ...rig.kannel.user,
    sender: SENDER,
    dlrMask: DLR_MASK_FINAL,
    dlrUrl: rig.dlrUrl,
    concurrency: rig.concurrency,
    ...load,
    onSend: (ref, at) => phase.sentAt.set(ref, at),
  });
}

function cpuNow(rig: Rig): { bearerbox: number; smsbox: number; simulator: number; bench: number } {
  return {
    bearerbox: processCpuMs(rig.kannel.bearerboxPid),
    smsbox: processCpuMs(rig.kannel.smsboxPid),
    simulator: processCpuMs(rig.simulatorPid),
    bench: ownCpuMs(),
  };
}

async function measure(
  rig: Rig,
  seconds: number,
  maxMessages: number,
): Promise<Omit<KannelBenchResult, "window" | "dlrMask" | "cores" | "rssAtStartMiB">> {
  const phase = new Phase();
  const before = cpuNow(rig);
  const load = await runLoad(rig, phase, { durationMs: seconds * 1000, maxMessages, refPrefix: "s" });
  await drainReports(phase, load.accepted, DRAIN_MAX_MS);
  const after = cpuNow(rig);
  const cpuMs = {
    bearerbox: after.bearerbox - before.bearerbox,
    smsbox: after.smsbox - before.smsbox,
    simulator: after.simulator - before.simulator,
    bench: after.bench - before.bench,
  };
  const perMessage = (ms: number) => round(ms / Math.max(1, phase.completed), 3);
  return {
    concurrency: rig.concurrency,
    ...endToEndFigures(seconds, load, phase, cpuMs.bearerbox + cpuMs.smsbox + cpuMs.simulator + cpuMs.bench),
    duplicateReports: phase.duplicates,
    strayReports: phase.stray,
    cpuMsPerMessage: {
      kannel: perMessage(cpuMs.bearerbox + cpuMs.smsbox),
      bearerbox: perMessage(cpuMs.bearerbox),
      smsbox: perMessage(cpuMs.smsbox),
      simulator: perMessage(cpuMs.simulator),
      bench: perMessage(cpuMs.bench),
    },
    rssMiB: {
      bearerbox: round(processRssMiB(rig.kannel.bearerboxPid), 1),
      smsbox: round(processRssMiB(rig.kannel.smsboxPid), 1),
    },
  };
}

/**
 * Runs `cleanups` in reverse order (each one even if another fails). On Ctrl-C or SIGTERM meanwhile, runs
 * them at once and exits 130, so no Kannel, simulator or temporary directory outlives the bench.
 */
async function withCleanups<T>(body: (cleanups: (() => Promise<void>)[]) => Promise<T>): Promise<T> {
  const cleanups: (() => Promise<void>)[] = [];
  const runAll = async (): Promise<void> => {
    for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => undefined);
  };
  const onSignal = (): void => {
    process.stderr.write("\ninterrupted: stopping Kannel and the simulator\n");
    void runAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await body(cleanups);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await runAll();
  }
}

export function runKannelBench(options: KannelBenchOptions): Promise<KannelBenchResult> {
  return withCleanups(async (cleanups) => {
    const window = options.window ?? 100;
    const sim = await startSimProcess(benchSimConfig());
    cleanups.push(() => sim.stop());
    let current = new Phase();
    const sink = await startDlrSink((event) => current.record(event));
    cleanups.push(() => sink.close());
    const kannel = await startKannel({
      smsc: {
        port: sim.port,
        systemId: BENCH_CARRIER_ACCOUNT.systemId,
        password: BENCH_CARRIER_ACCOUNT.password,
      },
      window,
    });
    cleanups.push(() => kannel.stop());
    const rssAtStartMiB = {
      bearerbox: round(processRssMiB(kannel.bearerboxPid), 1),
      smsbox: round(processRssMiB(kannel.smsboxPid), 1),
    };
    const concurrency = options.concurrency ?? 64;
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency, keepAliveMsecs: 10_000 });
    cleanups.push(() => Promise.resolve(agent.destroy()));
    const rig: Rig = {
      kannel,
      agent,
      simulatorPid: sim.child.pid ?? -1,
      concurrency,
      dlrUrl: (ref) => sink.urlFor(ref),
      use: (phase) => (current = phase),
    };

    // Warm-up (connections opened, the store file created), drained before anything is measured.
    const warmPhase = new Phase();
    await warmUp(warmPhase, (load) => runLoad(rig, warmPhase, load));

    const measured = await measure(rig, options.seconds, options.maxMessages ?? 50_000);
    const result: KannelBenchResult = {
      ...measured,
      window,
      dlrMask: DLR_MASK_FINAL,
      cores: cpus().length,
      rssAtStartMiB,
    };
    if (options.print !== false) printKannelBench(result);
    return result;
  });
}
