/**
 * The SMPP path beside the null relay, in the same run (issue 4 acceptance 5; issue 5 scenarios 1 and 3):
 *
 *   A. ESME (window 100) → null relay (node-smpp forwarder, own process) → simulator (own process) → receipt → ESME
 *   B. ESME (window 100) → durable null relay (A with otpgw's persistence only, Redis as C's) → simulator → ESME
 *   C. ESME (window 100) → otpgw (child process, Redis appendfsync always) → simulator → receipt → ESME
 *   D. with an A/B option only: as C with otpgw (B), another revision or other settings
 *
 * All stacks stand ready at once, each with its own simulator (and Redis); after a drained warm-up of each,
 * the same load (scripts/bench/esme-load.ts) goes to one relay at a time in slices of ~1.5 s taken in turn, for
 * the same total time each (smpp-meter.ts): the machine's slow and fast spells fall on all of them alike. The
 * simulator answers at once and sends every receipt (DELIVRD) 1–5 ms later, so what differs between the rows is
 * the relay in the middle. Each relay's CPU comes from /proc: CPU ms per completed message.
 */
import { mkdir } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { redisPid } from "./redis-info.js";
import type { DaemonVariant } from "./bench-daemon.js";
import { summariseBusiestProfile, type ProfileSummary } from "./cpu-profile-summary.js";
import { EsmeLoad, type EsmeLoadResult } from "./esme-load.js";
import {
  BENCH_ESME,
  OTPGW_RELAY_SETTINGS,
  startRelayStack,
  type RelayKind,
  type RelayStack,
} from "./relay-stack.js";
import { SliceMeter, type MeterPids } from "./smpp-meter.js";
import { printSmppBench } from "./smpp-bench-report.js";

export interface SmppBenchOptions {
  /** Measured submitting time per relay, in slices (the same for every relay). */
  seconds: number;
  /** Submits outstanding per ESME. Default 100. */
  window?: number;
  /** Most messages submitted per relay in one round, whatever its length. Default 200,000. */
  maxMessages?: number;
  /** Redis's AOF fsync policy for otpgw and the durable null relay. Default "always" (durable). */
  appendfsync?: "always" | "everysec";
  /** otpgw's carrier binds to the simulator (each with window 50). Default 2. */
  carrierBinds?: number;
  /** The window of each carrier bind. Default 50. */
  carrierWindow?: number;
  /** otpgw's deliver_sm window per ESME session (`smpp.window`). Default 100, as the ESME's submit window. */
  receiptWindow?: number;
  /** Profile the daemon with `--cpu-prof` and summarise where its time went. Default false. */
  cpuProfile?: boolean;
  /**
   * Rounds, each with stacks of its own; the result is the round with the median otpgw / null relay ratio, and
   * every round's ratio is kept. Default 1.
   */
  rounds?: number;
  /** Also run the durable null relay (B) in each round. Default true. */
  durableBaseline?: boolean;
  /** An A/B comparison: otpgw (B), unlike otpgw as this says, interleaved with the others in each round. */
  variant?: { label: string } & DaemonVariant;
}

/** One relay's run: the ESME's counts (EsmeLoadResult's, summed over the slices) and the figures from them. */
export interface SmppRunResult extends Pick<
  EsmeLoadResult,
  "sent" | "accepted" | "rejected" | "receipts" | "missing" | "duplicates" | "receiptStats"
> {
  relay: RelayKind;
  /** Measured submitting time asked for, and the slices it was taken in. */
  seconds: number;
  slices: number;
  acceptedPerSecond: number;
  /** Receipts per second of the slices' time, each from its first submit to its last receipt. */
  completedPerSecond: number;
  submitP50Ms: number;
  submitP99Ms: number;
  endToEndP50Ms: number;
  endToEndP99Ms: number;
  /** The longest wait from a slice's last submit_sm_resp to its last receipt. */
  drainMs: number;
  /** CPU ms per completed message, per process, over the slices and their drains. */
  cpuMsPerMessage: { relay: number; redis?: number; simulator: number; bench: number };
  /**
   * Read- and write-family system calls per completed message, per process (/proc/<pid>/io); `bench` is this
   * process, the ESME load generator.
   */
  syscallsPerMessage: {
    relay: { reads: number; writes: number };
    redis?: { reads: number; writes: number };
    simulator: { reads: number; writes: number };
    bench: { reads: number; writes: number };
  };
  /** CPU used by all the relay's processes together over its slices, in cores. */
  coresBusy: number;
  relayRssMiB: number;
  /** The relay's main thread over its slices: % of the time on a CPU, and runnable but waiting for one. */
  relayThread: { onCpuPercent: number; waitingPercent: number };
  /** With Redis: its commands per completed message (INFO commandstats, those run by scripts included). */
  redisCommandsPerMessage?: { total: number; byCommand: Record<string, number> };
  /**
   * With Redis: forks begun during the slices — AOF rewrites, which Redis starts once its file has grown past
   * `auto-aof-rewrite-min-size` (64 MB); the child serialises the whole dataset on the same two cores.
   */
  redisForks?: number;
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
  /** otpgw (B) when asked: what it is, its run in the reported round, B ÷ A of every round and their median. */
  variant?: {
    label: string;
    run: SmppRunResult;
    completedRatios: number[];
    cpuRatios: number[];
    medianCompletedRatio: number;
    medianCpuRatio: number;
  };
  profile?: ProfileSummary;
}

/** Target length of one slice: long enough that a slice's ramp and drain stay small beside it. */
const SLICE_SECONDS = 1.5;

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

interface RoundOptions {
  seconds: number;
  window: number;
  maxMessages: number;
  receiptWindow: number;
  binds: number;
  carrierWindow: number;
  appendfsync: "always" | "everysec";
  durable: boolean;
  profileDir: string | undefined;
  variant: DaemonVariant | undefined;
}

function pidsOf(stack: RelayStack): MeterPids {
  return {
    ...stack.pids,
    ...(stack.redis && { redis: redisPid(stack.redis.port), redisPort: stack.redis.port }),
    ...(stack.daemon && { metricsPort: stack.daemon.metricsPort }),
  };
}

/** One round: every stack started, warmed up, measured in turns of slices; the daemon's profile when asked. */
async function runRound(
  options: RoundOptions,
): Promise<{ runs: Map<RelayKind, SmppRunResult>; profile?: ProfileSummary }> {
  const kinds: RelayKind[] = [
    "null relay",
    ...(options.durable ? ["durable null relay" as const] : []),
    "otpgw",
    ...(options.variant ? ["otpgw (B)" as const] : []),
  ];
  const stacks: RelayStack[] = [];
  const esmes: EsmeLoad[] = [];
  try {
    for (const kind of kinds) {
      stacks.push(
        await startRelayStack(kind, {
          appendfsync: options.appendfsync,
          binds: options.binds,
          carrierWindow: options.carrierWindow,
          receiptWindow: options.receiptWindow,
          ...(kind === "otpgw" && options.profileDir ? { cpuProfileDir: options.profileDir } : {}),
          ...(options.variant && { variant: options.variant }),
        }),
      );
    }
    const meters: SliceMeter[] = [];
    for (const stack of stacks) {
      const esme = await EsmeLoad.connect(stack.port, BENCH_ESME, { noDelay: true });
      esmes.push(esme);
      meters.push(new SliceMeter(stack.kind, esme, pidsOf(stack)));
    }
    for (const meter of meters) await meter.warmUp(options.window, BENCH_ESME.sender);
    // A whole number of turns: each relay takes every place in the order equally often.
    const slices =
      Math.max(1, Math.ceil(Math.round(options.seconds / SLICE_SECONDS) / meters.length)) * meters.length;
    const slice = {
      durationMs: (options.seconds * 1000) / slices,
      maxMessages: Math.ceil(options.maxMessages / slices),
      window: options.window,
      sender: BENCH_ESME.sender,
    };
    // In turns, each turn starting one relay further on: none is always first after another's slice.
    for (let i = 0; i < slices; i++) {
      for (let k = 0; k < meters.length; k++) await meters[(i + k) % meters.length]!.slice(slice);
    }
    const runs = new Map(meters.map((meter) => [meter.relay, meter.result(options.seconds)]));
    for (const esme of esmes.splice(0)) await esme.close();
    // Stop gracefully before reading the profile: --cpu-prof writes it at exit.
    for (const stack of stacks.splice(0).reverse()) await stack.stop();
    const profile = options.profileDir ? await summariseBusiestProfile(options.profileDir) : undefined;
    return { runs, ...(profile ? { profile } : {}) };
  } finally {
    for (const esme of esmes) await esme.close().catch(() => undefined);
    for (const stack of stacks.reverse()) await stack.stop().catch(() => undefined);
  }
}

/** otpgw (B) against otpgw (A), round by round: completed/s and daemon CPU per message, B ÷ A. */
function compareVariant(
  label: string,
  run: SmppRunResult,
  rounds: { gateway: SmppRunResult; variant?: SmppRunResult }[],
): NonNullable<SmppBenchResult["variant"]> {
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? NaN;
  const ratios = (of: (r: SmppRunResult) => number): number[] =>
    rounds.flatMap((r) => (r.variant ? [round(of(r.variant) / of(r.gateway), 3)] : []));
  const completedRatios = ratios((r) => r.completedPerSecond);
  const cpuRatios = ratios((r) => r.cpuMsPerMessage.relay);
  return {
    label,
    run,
    completedRatios,
    cpuRatios,
    medianCompletedRatio: median(completedRatios),
    medianCpuRatio: median(cpuRatios),
  };
}

export async function runSmppBench(options: SmppBenchOptions): Promise<SmppBenchResult> {
  const appendfsync = options.appendfsync ?? "always";
  const profileDir = options.cpuProfile ? join("bench-results", "profiles", `smpp-${Date.now()}`) : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const run: RoundOptions = {
    seconds: options.seconds,
    window: options.window ?? 100,
    maxMessages: options.maxMessages ?? 200_000,
    receiptWindow: options.receiptWindow ?? OTPGW_RELAY_SETTINGS.receiptWindow,
    binds: options.carrierBinds ?? OTPGW_RELAY_SETTINGS.binds,
    carrierWindow: options.carrierWindow ?? OTPGW_RELAY_SETTINGS.carrierWindow,
    appendfsync,
    durable: options.durableBaseline ?? true,
    profileDir,
    variant: options.variant,
  };
  const ratio = (a: number, b: number): number => round(a / b, 3);
  const rounds: {
    nullRelay: SmppRunResult;
    durable?: SmppRunResult;
    gateway: SmppRunResult;
    variant?: SmppRunResult;
  }[] = [];
  let profile: ProfileSummary | undefined;
  const count = options.rounds ?? 1;
  for (let i = 0; i < count; i++) {
    if (count > 1) console.log(`smpp round ${i + 1}/${count}`);
    // Profiling every round would only repeat itself: the first round's daemon is profiled.
    const result = await runRound({ ...run, profileDir: i === 0 ? profileDir : undefined });
    profile ??= result.profile;
    const durable = result.runs.get("durable null relay");
    const variant = result.runs.get("otpgw (B)");
    rounds.push({
      nullRelay: result.runs.get("null relay")!,
      ...(durable && { durable }),
      gateway: result.runs.get("otpgw")!,
      ...(variant && { variant }),
    });
  }
  const ratioOf = (r: (typeof rounds)[number]): number =>
    r.gateway.completedPerSecond / r.nullRelay.completedPerSecond;
  const { nullRelay, durable, gateway, variant } = [...rounds].sort((a, b) => ratioOf(a) - ratioOf(b))[
    Math.floor((rounds.length - 1) / 2)
  ]!;
  const result: SmppBenchResult = {
    window: run.window,
    cores: cpus().length,
    appendfsync,
    otpgw: {
      binds: run.binds,
      carrierWindow: run.carrierWindow,
      receiptWindow: run.receiptWindow,
    },
    nullRelay,
    ...(durable && { durableNullRelay: durable }),
    gateway,
    ratio: {
      completedPerSecond: ratio(gateway.completedPerSecond, nullRelay.completedPerSecond),
      endToEndP50: ratio(gateway.endToEndP50Ms, nullRelay.endToEndP50Ms),
      endToEndP99: ratio(gateway.endToEndP99Ms, nullRelay.endToEndP99Ms),
      cpuPerMessage: ratio(gateway.cpuMsPerMessage.relay, nullRelay.cpuMsPerMessage.relay),
      ...(durable && {
        durableCompletedPerSecond: ratio(gateway.completedPerSecond, durable.completedPerSecond),
      }),
    },
    ...(count > 1 && {
      rounds: rounds.map((r) => ({
        nullRelay: r.nullRelay.completedPerSecond,
        ...(r.durable && { durableNullRelay: r.durable.completedPerSecond }),
        otpgw: r.gateway.completedPerSecond,
        ratio: ratio(r.gateway.completedPerSecond, r.nullRelay.completedPerSecond),
      })),
    }),
    ...(profile ? { profile } : {}),
    ...(variant && options.variant && { variant: compareVariant(options.variant.label, variant, rounds) }),
  };
  printSmppBench(result);
  return result;
}
