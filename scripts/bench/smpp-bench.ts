/**
 * The SMPP path beside the null relay, in the same run (issue 4 acceptance 5; issue 5 scenarios 1 and 3):
 *
 *   A. ESME (window 100) → null relay (node-smpp forwarder, own process) → simulator (own process) → receipt → ESME
 *   B. ESME (window 100) → durable null relay (A with otpgw's persistence only, Redis as C's) → simulator → ESME
 *   C. ESME (window 100) → otpgw (child process, Redis appendfsync always) → simulator → receipt → ESME
 *
 * The same load (scripts/bench/esme-load.ts) for the same time on each, after a warm-up that is drained first.
 * The simulator answers at once and sends every receipt (DELIVRD) 1–5 ms later, so what differs between the
 * rows is the relay in the middle. Each relay's CPU comes from /proc: CPU ms per completed message.
 */
import { mkdir } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { startPrivateRedis } from "../lib/private-redis.js";
import { quantile } from "../lib/table.js";
import { readRedisBatchTotals } from "./pipeline-counters.js";
import { redisCommandStats, redisPid } from "./redis-info.js";
import { BENCH_CARRIER_ACCOUNT, startBenchDaemon } from "./bench-daemon.js";
import { summariseBusiestProfile, type ProfileSummary } from "./cpu-profile-summary.js";
import { EsmeLoad, type EsmeCredentials, type EsmeLoadResult } from "./esme-load.js";
import { startNullRelay } from "./null-relay-process.js";
import { mainThreadSchedMs, ownCpuMs, processCpuMs, processRssMiB } from "./proc-stats.js";
import { benchSimConfig, startSimProcess } from "./sim-process.js";
import { printSmppBench } from "./smpp-bench-report.js";

export interface SmppBenchOptions {
  /** Length of each measured run (the same for both relays). */
  seconds: number;
  /** Submits outstanding per ESME. Default 100. */
  window?: number;
  /** Most messages submitted in one measured run, whatever its length. Default 200,000. */
  maxMessages?: number;
  /** Redis's AOF fsync policy for otpgw. Default "always" (durable). */
  appendfsync?: "always" | "everysec";
  /** otpgw's carrier binds to the simulator (each with window 50). Default 2. */
  carrierBinds?: number;
  /** otpgw's deliver_sm window per ESME session (`smpp.window`). Default 100, as the ESME's submit window. */
  receiptWindow?: number;
  /** Profile the daemon with `--cpu-prof` and summarise where its time went. Default false. */
  cpuProfile?: boolean;
  /**
   * Rounds of (null relay, then otpgw), each side by side; the result is the round with the median ratio, and
   * every round's ratio is kept (the machines are shared: one round's ratio moves by ±10 %). Default 1.
   */
  rounds?: number;
  /** Also run the durable null relay (B) in each round. Default true. */
  durableBaseline?: boolean;
}

export interface SmppRunResult {
  relay: "null relay" | "durable null relay" | "otpgw";
  seconds: number;
  sent: number;
  accepted: number;
  rejected: Record<string, number>;
  receipts: number;
  missing: number;
  duplicates: number;
  receiptStats: Record<string, number>;
  acceptedPerSecond: number;
  /** Receipts per second, from the first submit to the last receipt. */
  completedPerSecond: number;
  submitP50Ms: number;
  submitP99Ms: number;
  endToEndP50Ms: number;
  endToEndP99Ms: number;
  /** From the last submit_sm_resp to the last receipt. */
  drainMs: number;
  /** CPU ms per completed message, per process, over the run and its drain. */
  cpuMsPerMessage: { relay: number; redis?: number; simulator: number; bench: number };
  /** CPU used by all the processes together over the run, in cores. */
  coresBusy: number;
  relayRssMiB: number;
  /** The relay's main thread over the run: % of the time on a CPU, and runnable but waiting for one. */
  relayThread: { onCpuPercent: number; waitingPercent: number };
  /** otpgw only: Redis commands per completed message (INFO commandstats, those run by scripts included). */
  redisCommandsPerMessage?: { total: number; byCommand: Record<string, number> };
  /** otpgw only: its Redis script calls (from its metrics): per message, mean round trip, operations per call. */
  redisBatch?: { callsPerMessage: number; meanMs: number; opsPerCall: number };
}

export interface SmppBenchResult {
  window: number;
  cores: number;
  appendfsync: "always" | "everysec";
  otpgw: { binds: number; carrierWindow: number; receiptWindow: number };
  nullRelay: SmppRunResult;
  /** The null relay with otpgw's persistence only (scripts/bench/durable-steps.ts), when run. */
  durableNullRelay?: SmppRunResult;
  gateway: SmppRunResult;
  /** otpgw / null relay; `durableCompletedPerSecond`: otpgw / durable null relay. */
  ratio: {
    completedPerSecond: number;
    endToEndP50: number;
    endToEndP99: number;
    cpuPerMessage: number;
    durableCompletedPerSecond?: number;
  };
  /** With more than one round: each round's completed/s of the relays and otpgw / null relay, in run order. */
  rounds?: { nullRelay: number; durableNullRelay?: number; otpgw: number; ratio: number }[];
  profile?: ProfileSummary;
}

const ESME: EsmeCredentials & { sender: string } = {
  systemId: "bench",
  password: "bench123",
  sender: "BenchOTP",
};
const BINDS = 2;
const CARRIER_WINDOW = 50;
const WARM_UP = { durationMs: 1500, maxMessages: 5000 };

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/** Calls so far per Redis command. */
function redisCalls(port: number): Map<string, number> {
  return new Map([...redisCommandStats(port)].map(([command, { calls }]) => [command, calls]));
}

function callsPerMessage(
  before: Map<string, number>,
  after: Map<string, number>,
  messages: number,
): NonNullable<SmppRunResult["redisCommandsPerMessage"]> {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, calls] of [...after].sort((a, b) => b[1] - a[1])) {
    const delta = calls - (before.get(command) ?? 0);
    total += delta;
    if (delta > 0) byCommand[command] = round(delta / Math.max(1, messages), 2);
  }
  return { total: round(total / Math.max(1, messages), 2), byCommand };
}

interface Pids {
  relay: number;
  simulator: number;
  redis?: number;
  /** Redis's port, to read its command counts. */
  redisPort?: number;
  /** otpgw's metrics port, to read its Redis batch round trips. */
  metricsPort?: number;
}

/** Warms up (drained, not measured), then measures one run of `seconds` against the relay at `port`. */
async function measure(
  relay: SmppRunResult["relay"],
  port: number,
  pids: Pids,
  options: { seconds: number; window: number; maxMessages: number },
): Promise<SmppRunResult> {
  const esme = await EsmeLoad.connect(port, ESME, { noDelay: true });
  try {
    const base = { window: options.window, sender: ESME.sender, drainMaxMs: 30_000 };
    await esme.run({ ...base, ...WARM_UP, destinationPrefix: "62810" });
    const cpu = (): { relay: number; simulator: number; redis: number; bench: number } => ({
      relay: processCpuMs(pids.relay),
      simulator: processCpuMs(pids.simulator),
      redis: pids.redis === undefined ? 0 : processCpuMs(pids.redis),
      bench: ownCpuMs(),
    });
    const redisBefore = pids.redisPort === undefined ? undefined : redisCalls(pids.redisPort);
    const batchBefore =
      pids.metricsPort === undefined ? undefined : await readRedisBatchTotals(pids.metricsPort);
    const before = cpu();
    const threadBefore = mainThreadSchedMs(pids.relay);
    const startedAt = performance.now();
    const load = await esme.run({
      ...base,
      durationMs: options.seconds * 1000,
      maxMessages: options.maxMessages,
      drainMaxMs: 60_000,
      destinationPrefix: "62811",
    });
    const after = cpu();
    const threadAfter = mainThreadSchedMs(pids.relay);
    const percentOfWall = (ms: number): number => round((100 * ms) / (performance.now() - startedAt), 1);
    const used = {
      relay: after.relay - before.relay,
      simulator: after.simulator - before.simulator,
      redis: after.redis - before.redis,
      bench: after.bench - before.bench,
    };
    const result = summarise(relay, options.seconds, load, used, pids, {
      onCpuPercent: percentOfWall(threadAfter.onCpu - threadBefore.onCpu),
      waitingPercent: percentOfWall(threadAfter.waiting - threadBefore.waiting),
    });
    if (redisBefore && pids.redisPort !== undefined) {
      result.redisCommandsPerMessage = callsPerMessage(
        redisBefore,
        redisCalls(pids.redisPort),
        load.receipts,
      );
    }
    if (batchBefore && pids.metricsPort !== undefined) {
      const after = await readRedisBatchTotals(pids.metricsPort);
      const calls = Math.max(1, after.calls - batchBefore.calls);
      result.redisBatch = {
        callsPerMessage: round(calls / Math.max(1, load.receipts), 3),
        meanMs: round(((after.seconds - batchBefore.seconds) * 1000) / calls, 2),
        opsPerCall: round((after.ops - batchBefore.ops) / calls, 1),
      };
    }
    return result;
  } finally {
    await esme.close();
  }
}

function summarise(
  relay: SmppRunResult["relay"],
  seconds: number,
  load: EsmeLoadResult,
  cpuMs: { relay: number; simulator: number; redis: number; bench: number },
  pids: Pids,
  relayThread: SmppRunResult["relayThread"],
): SmppRunResult {
  const end = Math.max(load.lastReceiptAt, load.loadEndedAt);
  const wallMs = end - load.startedAt;
  const perMessage = (ms: number): number => round(ms / Math.max(1, load.receipts), 4);
  return {
    relay,
    seconds,
    sent: load.sent,
    accepted: load.accepted,
    rejected: load.rejected,
    receipts: load.receipts,
    missing: load.missing,
    duplicates: load.duplicates,
    receiptStats: load.receiptStats,
    acceptedPerSecond: Math.round(load.accepted / ((load.loadEndedAt - load.startedAt) / 1000)),
    completedPerSecond: Math.round(load.receipts / (wallMs / 1000)),
    submitP50Ms: round(quantile(load.submitLatenciesMs, 0.5), 2),
    submitP99Ms: round(quantile(load.submitLatenciesMs, 0.99), 2),
    endToEndP50Ms: round(quantile(load.endToEndMs, 0.5), 2),
    endToEndP99Ms: round(quantile(load.endToEndMs, 0.99), 2),
    drainMs: Math.round(Math.max(0, load.lastReceiptAt - load.loadEndedAt)),
    cpuMsPerMessage: {
      relay: perMessage(cpuMs.relay),
      ...(pids.redis !== undefined ? { redis: perMessage(cpuMs.redis) } : {}),
      simulator: perMessage(cpuMs.simulator),
      bench: perMessage(cpuMs.bench),
    },
    coresBusy: round((cpuMs.relay + cpuMs.simulator + cpuMs.redis + cpuMs.bench) / wallMs, 2),
    relayRssMiB: round(processRssMiB(pids.relay), 1),
    relayThread,
  };
}

/** Run A: ESME → null relay → simulator; run B with `appendfsync`: the durable null relay, Redis of its own. */
async function runNullRelay(
  options: { seconds: number; window: number; maxMessages: number },
  appendfsync?: "always" | "everysec",
): Promise<SmppRunResult> {
  const redis = appendfsync ? await startPrivateRedis({ appendfsync }) : undefined;
  const sim = await startSimProcess(benchSimConfig());
  try {
    const relay = await startNullRelay({ port: sim.port, ...BENCH_CARRIER_ACCOUNT }, redis?.url);
    try {
      const pids: Pids = { relay: relay.pid, simulator: sim.child.pid! };
      if (redis) Object.assign(pids, { redis: redisPid(redis.port), redisPort: redis.port });
      return await measure(redis ? "durable null relay" : "null relay", relay.port, pids, options);
    } finally {
      await relay.stop();
    }
  } finally {
    await sim.stop();
    await redis?.stop();
  }
}

/** Run B: ESME → otpgw (Redis, appendfsync as asked) → simulator; the daemon's profile when asked. */
async function runGateway(
  options: { seconds: number; window: number; maxMessages: number; receiptWindow: number; binds: number },
  appendfsync: "always" | "everysec",
  profileDir: string | undefined,
): Promise<{ run: SmppRunResult; profile?: ProfileSummary }> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const redis = await startPrivateRedis({ appendfsync });
    cleanups.push(() => redis.stop());
    const sim = await startSimProcess(benchSimConfig());
    cleanups.push(() => sim.stop());
    const daemon = await startBenchDaemon({
      redisUrl: redis.url,
      carrierPort: sim.port,
      binds: options.binds,
      window: CARRIER_WINDOW,
      smpp: { systemId: ESME.systemId, password: ESME.password, window: options.receiptWindow },
      ...(profileDir ? { cpuProfileDir: profileDir } : {}),
    });
    cleanups.push(() => daemon.stop());
    const pids = {
      relay: daemon.pid,
      simulator: sim.child.pid!,
      redis: redisPid(redis.port),
      redisPort: redis.port,
      metricsPort: daemon.metricsPort,
    };
    const run = await measure("otpgw", daemon.smppPort!, pids, options);
    // Stop gracefully before reading the profile: --cpu-prof writes it at exit.
    await daemon.stop();
    const profile = profileDir ? await summariseBusiestProfile(profileDir) : undefined;
    return { run, ...(profile ? { profile } : {}) };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

export async function runSmppBench(options: SmppBenchOptions): Promise<SmppBenchResult> {
  const appendfsync = options.appendfsync ?? "always";
  const run = {
    seconds: options.seconds,
    window: options.window ?? 100,
    maxMessages: options.maxMessages ?? 200_000,
    receiptWindow: options.receiptWindow ?? 100,
    binds: options.carrierBinds ?? BINDS,
  };
  const profileDir = options.cpuProfile ? join("bench-results", "profiles", `smpp-${Date.now()}`) : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const ratio = (a: number, b: number): number => round(a / b, 3);
  const rounds: {
    nullRelay: SmppRunResult;
    durable: SmppRunResult | undefined;
    gateway: Awaited<ReturnType<typeof runGateway>>;
  }[] = [];
  const count = options.rounds ?? 1;
  const withDurable = options.durableBaseline ?? true;
  for (let i = 0; i < count; i++) {
    if (count > 1)
      console.log(
        `smpp round ${i + 1}/${count}: null relay${withDurable ? ", durable null relay" : ""}, then otpgw`,
      );
    const nullRelay = await runNullRelay(run);
    const durable = withDurable ? await runNullRelay(run, appendfsync) : undefined;
    // Profiling every round would only repeat itself: the first round's daemon is profiled.
    const gateway = await runGateway(run, appendfsync, i === 0 ? profileDir : undefined);
    rounds.push({ nullRelay, durable, gateway });
  }
  const ratioOf = (r: (typeof rounds)[number]): number =>
    r.gateway.run.completedPerSecond / r.nullRelay.completedPerSecond;
  const median = [...rounds].sort((a, b) => ratioOf(a) - ratioOf(b))[Math.floor((rounds.length - 1) / 2)]!;
  const { nullRelay, durable } = median;
  const gateway = { run: median.gateway.run, profile: rounds[0]!.gateway.profile };
  const result: SmppBenchResult = {
    window: run.window,
    cores: cpus().length,
    appendfsync,
    otpgw: { binds: run.binds, carrierWindow: CARRIER_WINDOW, receiptWindow: run.receiptWindow },
    nullRelay,
    ...(durable && { durableNullRelay: durable }),
    gateway: gateway.run,
    ratio: {
      completedPerSecond: ratio(gateway.run.completedPerSecond, nullRelay.completedPerSecond),
      endToEndP50: ratio(gateway.run.endToEndP50Ms, nullRelay.endToEndP50Ms),
      endToEndP99: ratio(gateway.run.endToEndP99Ms, nullRelay.endToEndP99Ms),
      cpuPerMessage: ratio(gateway.run.cpuMsPerMessage.relay, nullRelay.cpuMsPerMessage.relay),
      ...(durable && {
        durableCompletedPerSecond: ratio(gateway.run.completedPerSecond, durable.completedPerSecond),
      }),
    },
    ...(count > 1 && {
      rounds: rounds.map((r) => ({
        nullRelay: r.nullRelay.completedPerSecond,
        ...(r.durable && { durableNullRelay: r.durable.completedPerSecond }),
        otpgw: r.gateway.run.completedPerSecond,
        ratio: ratio(r.gateway.run.completedPerSecond, r.nullRelay.completedPerSecond),
      })),
    }),
    ...(gateway.profile ? { profile: gateway.profile } : {}),
  };
  printSmppBench(result);
  return result;
}
