/**
 * otpgw's memory with many messages awaiting their receipts: the simulator accepts every submit and never
 * sends a receipt, an ESME submits `messages` (100,000 unless told) as fast as its window allows (bounded in
 * time), and the daemon's RSS and V8 heap (from its /metrics) and Redis's used_memory are read before the
 * submits, once every accepted message was submitted to the carrier, and after a settle of a few seconds.
 * The route's DLR timeout is set far beyond the run, so nothing is rerouted or failed meanwhile.
 */
import { ProgressBar } from "../lib/progress.js";
import { renderTable } from "../lib/table.js";
import { EsmeLoad } from "./esme-load.js";
import { readPipelineCounters, type PipelineCounters } from "./pipeline-counters.js";
import { processRssMiB } from "./proc-stats.js";
import { redisInfoNumber } from "./redis-info.js";
import { BENCH_ESME, startRelayStack, type RelayStack } from "./relay-stack.js";

export interface MemoryBenchOptions {
  /** Messages to submit. Default 100,000. */
  messages?: number;
  /** Most time for the submits, in seconds. Default 120. */
  maxSubmitSeconds?: number;
  /** Wait after the last message reached the carrier, before the last reading. Default 5 s. */
  settleSeconds?: number;
  /** Submits outstanding at most. Default 100. */
  window?: number;
  /** Redis's AOF fsync policy. Default "always" (durable). */
  appendfsync?: "always" | "everysec";
}

export interface MemorySample {
  stage: string;
  /** The daemon's resident set (VmRSS). */
  rssMiB: number;
  /** V8 heap used, from `otpgw_process_nodejs_heap_size_used_bytes`. */
  heapUsedMiB: number;
  /** V8 heap committed (used, garbage not yet collected, free pages kept), from `…heap_size_total_bytes`. */
  heapTotalMiB: number;
  /** INFO memory `used_memory`. */
  redisUsedMiB: number;
  redisKeys: number;
  /** Submitted to the carrier and without a receipt yet (otpgw's counters). */
  awaitingReceipt: number;
}

export interface MemoryBenchResult {
  messages: number;
  accepted: number;
  rejected: Record<string, number>;
  /** From the first submit to the last submit_sm_resp. */
  submitSeconds: number;
  /** From the first submit until every accepted message was submitted to the carrier. */
  forwardedSeconds: number;
  dlrTimeoutSeconds: number;
  appendfsync: "always" | "everysec";
  samples: MemorySample[];
  /** Growth from "before" to "settled", per accepted message. */
  bytesPerMessage: { rss: number; heapUsed: number; redis: number };
  /** otpgw's counters over the run: nothing may have been rerouted, failed or finished. */
  pipeline: PipelineCounters;
}

/** Far beyond any run: a message is never rerouted for want of a receipt while it is measured. */
const DLR_TIMEOUT_SECONDS = 3600;
/** Most time to wait for otpgw to submit to the carrier what it has accepted. */
const FORWARD_MAX_MS = 120_000;
const POLL_MS = 250;
const MiB = 1024 * 1024;

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One sample from the otpgw Prometheus text, NaN when absent. */
function metric(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)`, "m").exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

async function sample(stage: string, stack: RelayStack): Promise<MemorySample> {
  const daemon = stack.daemon!;
  const redisPort = stack.redis!.port;
  const text = await (await fetch(`http://127.0.0.1:${daemon.metricsPort}/metrics`)).text();
  const counters = await readPipelineCounters(daemon.metricsPort);
  return {
    stage,
    rssMiB: round(processRssMiB(daemon.pid)),
    heapUsedMiB: round(metric(text, "otpgw_process_nodejs_heap_size_used_bytes") / MiB),
    heapTotalMiB: round(metric(text, "otpgw_process_nodejs_heap_size_total_bytes") / MiB),
    redisUsedMiB: round(redisInfoNumber(redisPort, "memory", "used_memory") / MiB),
    redisKeys: redisInfoNumber(redisPort, "keyspace", "db0:keys"),
    awaitingReceipt: counters.submitsAccepted - counters.receipts,
  };
}

/** Waits (bounded) until otpgw has submitted to the carrier every message it accepted. */
async function waitUntilForwarded(stack: RelayStack, accepted: number): Promise<void> {
  const metricsPort = stack.daemon!.metricsPort;
  const bar = new ProgressBar("otpgw → carrier", accepted);
  const deadline = performance.now() + FORWARD_MAX_MS;
  let forwarded = 0;
  while (performance.now() < deadline) {
    forwarded = (await readPipelineCounters(metricsPort)).submitsAccepted;
    bar.set(forwarded);
    if (forwarded >= accepted) break;
    await sleep(POLL_MS);
  }
  bar.done(forwarded >= accepted ? "" : "stopped waiting", forwarded);
}

export async function runMemoryBench(options: MemoryBenchOptions = {}): Promise<MemoryBenchResult> {
  const messages = options.messages ?? 100_000;
  const appendfsync = options.appendfsync ?? "always";
  const stack = await startRelayStack("otpgw", {
    receipts: "none",
    appendfsync,
    dlrTimeoutSeconds: DLR_TIMEOUT_SECONDS,
  });
  try {
    const samples = [await sample("before", stack)];
    const esme = await EsmeLoad.connect(stack.port, BENCH_ESME);
    const bar = new ProgressBar("ESME → otpgw", messages);
    let load;
    try {
      load = await esme.run({
        window: options.window ?? 100,
        sender: BENCH_ESME.sender,
        destinationPrefix: "62811",
        durationMs: (options.maxSubmitSeconds ?? 120) * 1000,
        maxMessages: messages,
        // No receipt will come: do not wait for any.
        drainMaxMs: 0,
        onAnswer: (r) => bar.set(r.accepted + Object.values(r.rejected).reduce((a, b) => a + b, 0)),
      });
    } finally {
      bar.done("", load?.sent ?? 0);
    }
    await waitUntilForwarded(stack, load.accepted);
    const forwardedSeconds = (performance.now() - load.startedAt) / 1000;
    samples.push(await sample("after submits", stack));
    const settleSeconds = options.settleSeconds ?? 5;
    await sleep(settleSeconds * 1000);
    samples.push(await sample(`settled ${settleSeconds} s`, stack));
    await esme.close();
    const pipeline = await readPipelineCounters(stack.daemon!.metricsPort);
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    const perMessage = (mib: number): number => Math.round((mib * MiB) / Math.max(1, load.accepted));
    const result: MemoryBenchResult = {
      messages,
      accepted: load.accepted,
      rejected: load.rejected,
      submitSeconds: round((load.loadEndedAt - load.startedAt) / 1000),
      forwardedSeconds: round(forwardedSeconds),
      dlrTimeoutSeconds: DLR_TIMEOUT_SECONDS,
      appendfsync,
      samples,
      bytesPerMessage: {
        rss: perMessage(last.rssMiB - first.rssMiB),
        heapUsed: perMessage(last.heapUsedMiB - first.heapUsedMiB),
        redis: perMessage(last.redisUsedMiB - first.redisUsedMiB),
      },
      pipeline,
    };
    printMemoryBench(result);
    return result;
  } finally {
    await stack.stop();
  }
}

function printMemoryBench(r: MemoryBenchResult): void {
  const rejected = Object.entries(r.rejected)
    .map(([status, n]) => `${status}: ${n}`)
    .join(", ");
  console.log(
    `\nMemory with messages awaiting receipts: ESME (bind transceiver) → otpgw (SMPP, Redis appendfsync` +
      ` ${r.appendfsync}) → simulator that accepts and never sends a receipt; route DLR timeout` +
      ` ${r.dlrTimeoutSeconds} s. ${r.accepted}/${r.messages} accepted in ${r.submitSeconds} s` +
      `${rejected ? ` (other answers: ${rejected})` : ""}, all at the carrier after ${r.forwardedSeconds} s.`,
  );
  console.log(
    renderTable(
      [
        "stage",
        "otpgw RSS MiB",
        "heap used MiB",
        "heap total MiB",
        "Redis used MiB",
        "Redis keys",
        "awaiting receipt",
      ],
      r.samples.map((s) => [
        s.stage,
        s.rssMiB,
        s.heapUsedMiB,
        s.heapTotalMiB,
        s.redisUsedMiB,
        s.redisKeys,
        s.awaitingReceipt,
      ]),
    ),
  );
  const p = r.pipeline;
  console.log(
    `Growth per accepted message (before → ${r.samples[r.samples.length - 1]!.stage}): RSS ${r.bytesPerMessage.rss} B,` +
      ` heap ${r.bytesPerMessage.heapUsed} B, Redis ${r.bytesPerMessage.redis} B.` +
      ` otpgw counters: accepted ${p.accepted}, attempts ${p.attemptsStarted}, at the carrier ${p.submitsAccepted},` +
      ` receipts ${p.receipts}, final ${p.final}.`,
  );
}
