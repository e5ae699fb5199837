/**
 * One relay's share of an interleaved SMPP run. The relays' stacks all stand ready and the ESME load goes to one
 * at a time, in short slices taken in turn (A B C, B C A, …), so a shared machine's slow and fast spells fall on
 * every relay alike instead of on whichever ran first: a relay's figures are the sum of its slices. Between its
 * slices a stack is idle. Each slice ends with its receipts drained, and CPU, system-call, scheduler and Redis
 * counters are read around each slice, so the others' slices count for none of them.
 */
import { quantile } from "../lib/table.js";
import type { EsmeLoad, EsmeLoadResult } from "./esme-load.js";
import { readRedisBatchTotals, type RedisBatchTotals } from "./pipeline-counters.js";
import { mainThreadSchedMs, ownCpuMs, processCpuMs, processRssMiB, processSyscalls } from "./proc-stats.js";
import type { RelayKind } from "./relay-stack.js";
import { redisCalls, redisForks } from "./redis-info.js";
import type { SmppRunResult } from "./smpp-bench.js";

export interface MeterPids {
  relay: number;
  simulator: number;
  redis?: number;
  /** Redis's port, to read its command counts. */
  redisPort?: number;
  /** otpgw's metrics port, to read its Redis batch round trips. */
  metricsPort?: number;
}

const WARM_UP = { durationMs: 1500, maxMessages: 5000 };

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/** The processes measured around each slice (the ESME load generator is this one, "bench"). */
const PROCESSES = ["relay", "simulator", "redis", "bench"] as const;
type Measured = (typeof PROCESSES)[number];
type Cpu = Record<Measured, number>;
interface Calls {
  reads: number;
  writes: number;
}
type Syscalls = Record<Measured, Calls>;

export class SliceMeter {
  readonly relay: RelayKind;
  private readonly esme: EsmeLoad;
  private readonly pids: MeterPids;
  private slices = 0;
  private readonly load = {
    sent: 0,
    accepted: 0,
    receipts: 0,
    missing: 0,
    duplicates: 0,
    rejected: {} as Record<string, number>,
    receiptStats: {} as Record<string, number>,
    /** Sums over the slices: submitting, and submitting until the last receipt. */
    loadMs: 0,
    wallMs: 0,
    drainMs: 0,
    submitLatenciesMs: [] as number[],
    endToEndMs: [] as number[],
  };
  private readonly cpu: Cpu = { relay: 0, simulator: 0, redis: 0, bench: 0 };
  private readonly thread = { onCpu: 0, waiting: 0, wallMs: 0 };
  private readonly syscalls: Syscalls = {
    relay: { reads: 0, writes: 0 },
    simulator: { reads: 0, writes: 0 },
    redis: { reads: 0, writes: 0 },
    bench: { reads: 0, writes: 0 },
  };
  private readonly commands = new Map<string, number>();
  /** Redis forks (AOF rewrites) begun during the slices. */
  private forks = 0;
  private readonly batch: RedisBatchTotals = { calls: 0, seconds: 0, ops: 0 };

  constructor(relay: RelayKind, esme: EsmeLoad, pids: MeterPids) {
    this.relay = relay;
    this.esme = esme;
    this.pids = pids;
  }

  /** Load not measured (JIT, connections, Redis's dictionaries), drained before the first slice. */
  async warmUp(window: number, sender: string): Promise<void> {
    await this.esme.run({ window, sender, drainMaxMs: 30_000, ...WARM_UP, destinationPrefix: "62810" });
  }

  /** One measured slice: submits for `durationMs` (at most `maxMessages`), then its receipts. */
  async slice(options: {
    durationMs: number;
    maxMessages: number;
    window: number;
    sender: string;
  }): Promise<void> {
    const { pids } = this;
    const redisBefore = pids.redisPort === undefined ? undefined : redisCalls(pids.redisPort);
    const forksBefore = pids.redisPort === undefined ? 0 : redisForks(pids.redisPort);
    const batchBefore =
      pids.metricsPort === undefined ? undefined : await readRedisBatchTotals(pids.metricsPort);
    const before = this.readCpu();
    const callsBefore = this.readSyscalls();
    const threadBefore = mainThreadSchedMs(pids.relay);
    const startedAt = performance.now();
    const result = await this.esme.run({
      window: options.window,
      sender: options.sender,
      durationMs: options.durationMs,
      maxMessages: options.maxMessages,
      drainMaxMs: 60_000,
      // Numbers of their own per slice: no two messages of a run go to the same destination.
      destinationPrefix: `6281${1 + (this.slices % 9)}`,
    });
    const after = this.readCpu();
    const callsAfter = this.readSyscalls();
    for (const key of PROCESSES) {
      this.syscalls[key].reads += callsAfter[key].reads - callsBefore[key].reads;
      this.syscalls[key].writes += callsAfter[key].writes - callsBefore[key].writes;
    }
    const threadAfter = mainThreadSchedMs(pids.relay);
    this.thread.wallMs += performance.now() - startedAt;
    this.thread.onCpu += threadAfter.onCpu - threadBefore.onCpu;
    this.thread.waiting += threadAfter.waiting - threadBefore.waiting;
    for (const key of PROCESSES) this.cpu[key] += after[key] - before[key];
    if (redisBefore && pids.redisPort !== undefined) {
      this.forks += redisForks(pids.redisPort) - forksBefore;
      for (const [command, calls] of redisCalls(pids.redisPort)) {
        const delta = calls - (redisBefore.get(command) ?? 0);
        if (delta > 0) this.commands.set(command, (this.commands.get(command) ?? 0) + delta);
      }
    }
    if (batchBefore && pids.metricsPort !== undefined) {
      const batchAfter = await readRedisBatchTotals(pids.metricsPort);
      this.batch.calls += batchAfter.calls - batchBefore.calls;
      this.batch.seconds += batchAfter.seconds - batchBefore.seconds;
      this.batch.ops += batchAfter.ops - batchBefore.ops;
    }
    this.add(result);
    this.slices++;
  }

  /** The relay's figures over all its slices (`seconds`: the measured submitting time asked for). */
  result(seconds: number): SmppRunResult {
    const l = this.load;
    const perMessage = (ms: number): number => round(ms / Math.max(1, l.receipts), 4);
    const percentOfWall = (ms: number): number => round((100 * ms) / Math.max(1, this.thread.wallMs), 1);
    const result: SmppRunResult = {
      relay: this.relay,
      seconds,
      slices: this.slices,
      sent: l.sent,
      accepted: l.accepted,
      rejected: l.rejected,
      receipts: l.receipts,
      missing: l.missing,
      duplicates: l.duplicates,
      receiptStats: l.receiptStats,
      acceptedPerSecond: Math.round(l.accepted / (Math.max(1, l.loadMs) / 1000)),
      completedPerSecond: Math.round(l.receipts / (Math.max(1, l.wallMs) / 1000)),
      submitP50Ms: round(quantile(l.submitLatenciesMs, 0.5), 2),
      submitP99Ms: round(quantile(l.submitLatenciesMs, 0.99), 2),
      endToEndP50Ms: round(quantile(l.endToEndMs, 0.5), 2),
      endToEndP99Ms: round(quantile(l.endToEndMs, 0.99), 2),
      drainMs: Math.round(l.drainMs),
      cpuMsPerMessage: {
        relay: perMessage(this.cpu.relay),
        ...(this.pids.redis !== undefined ? { redis: perMessage(this.cpu.redis) } : {}),
        simulator: perMessage(this.cpu.simulator),
        bench: perMessage(this.cpu.bench),
      },
      syscallsPerMessage: {
        relay: this.callsPerMessage("relay"),
        ...(this.pids.redis !== undefined ? { redis: this.callsPerMessage("redis") } : {}),
        simulator: this.callsPerMessage("simulator"),
        bench: this.callsPerMessage("bench"),
      },
      coresBusy: round(
        (this.cpu.relay + this.cpu.simulator + this.cpu.redis + this.cpu.bench) / Math.max(1, l.wallMs),
        2,
      ),
      relayRssMiB: round(processRssMiB(this.pids.relay), 1),
      relayThread: {
        onCpuPercent: percentOfWall(this.thread.onCpu),
        waitingPercent: percentOfWall(this.thread.waiting),
      },
    };
    if (this.pids.redisPort !== undefined) {
      const byCommand: Record<string, number> = {};
      let total = 0;
      for (const [command, calls] of [...this.commands].sort((a, b) => b[1] - a[1])) {
        total += calls;
        byCommand[command] = round(calls / Math.max(1, l.receipts), 2);
      }
      result.redisCommandsPerMessage = { total: round(total / Math.max(1, l.receipts), 2), byCommand };
      result.redisForks = this.forks;
    }
    if (this.pids.metricsPort !== undefined) {
      const calls = Math.max(1, this.batch.calls);
      result.redisBatch = {
        callsPerMessage: round(calls / Math.max(1, l.receipts), 3),
        meanMs: round((this.batch.seconds * 1000) / calls, 2),
        opsPerCall: round(this.batch.ops / calls, 1),
      };
    }
    return result;
  }

  /** Read- and write-family system calls per completed message of one process over the slices. */
  private callsPerMessage(key: Measured): Calls {
    const messages = Math.max(1, this.load.receipts);
    const { reads, writes } = this.syscalls[key];
    return { reads: round(reads / messages, 3), writes: round(writes / messages, 3) };
  }

  private readSyscalls(): Syscalls {
    const { pids } = this;
    return {
      relay: processSyscalls(pids.relay),
      simulator: processSyscalls(pids.simulator),
      redis: pids.redis === undefined ? { reads: 0, writes: 0 } : processSyscalls(pids.redis),
      bench: processSyscalls("self"),
    };
  }

  private readCpu(): Cpu {
    const { pids } = this;
    return {
      relay: processCpuMs(pids.relay),
      simulator: processCpuMs(pids.simulator),
      redis: pids.redis === undefined ? 0 : processCpuMs(pids.redis),
      bench: ownCpuMs(),
    };
  }

  private add(r: EsmeLoadResult): void {
    const l = this.load;
    l.sent += r.sent;
    l.accepted += r.accepted;
    l.receipts += r.receipts;
    l.missing += r.missing;
    l.duplicates += r.duplicates;
    addCounts(l.rejected, r.rejected);
    addCounts(l.receiptStats, r.receiptStats);
    l.loadMs += r.loadEndedAt - r.startedAt;
    l.wallMs += Math.max(r.lastReceiptAt, r.loadEndedAt) - r.startedAt;
    l.drainMs = Math.max(l.drainMs, r.lastReceiptAt - r.loadEndedAt);
    for (const ms of r.submitLatenciesMs) l.submitLatenciesMs.push(ms);
    for (const ms of r.endToEndMs) l.endToEndMs.push(ms);
  }
}
