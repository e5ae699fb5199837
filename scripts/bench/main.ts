/**
 * `npm run bench [-- --only <scenario>[,<scenario>…]] [--seconds N] [--concurrency N] [--rate N] [--messages N]
 * [--window N] [--binds N] [--repeat N] [--fsync always|everysec] [--cpu-prof]`: measured speed, printed as tables and written to
 * bench-results/bench-<time>.json; the run ends with the performance targets beside the ratios it measured
 * (summary.ts). Scenarios: codec, carrier, store, http, smpp, kannel, latency, memory, routing (all by default). Every
 * scenario is bounded in time and count and runs on 127.0.0.1 only.
 *
 * - codec: our GSM encoder + node-smpp with a Buffer body vs node-smpp encoding the string itself; our body
 *   walker vs node-smpp's decoder. Ratios are measured side by side in the same run.
 * - carrier: the carrier pool (window, token bucket, session engine) submitting to the simulator running in
 *   its own process, at windows 1 / 10 / 100: submits/s, p50/p99 submit→response latency, CPU ms per submit.
 * - store: the store's Redis cost per message alone (scripts/bench/store-bench.ts): the SMPP path's four writes
 *   through the real MessageStore and group commit, 30,000 messages, with the AOF (`--fsync`) and without it:
 *   Redis CPU, script and command time, commands and AOF bytes per message, this process's CPU.
 * - http: the daemon end to end (scripts/bench/http-bench.ts): keep-alive HTTP submits (at most
 *   `--concurrency`, default 64, in flight) → otpgw → simulator → receipt → webhook, at saturation and then
 *   paced at `--rate` msgs/s (default 500); accepted and completed msgs/s, p50/p99 submit and end-to-end
 *   latency, CPU per message of each process, otpgw's RSS. Redis runs with appendfsync always (durable, as
 *   the docs recommend) unless `--fsync everysec`, to see what durability costs. `--cpu-prof` profiles the
 *   daemon and prints where its time went (profiles kept in bench-results/profiles/).
 * - smpp: an ESME (window `--window`, default 100, receipts asked, TCP_NODELAY) → a null relay (a bare node-smpp forwarder,
 *   no persistence) → simulator, then the same load → otpgw (SMPP server, `--binds` carrier binds of window 50,
 *   default 2, Redis appendfsync as `--fsync`) → simulator, for
 *   `--seconds` each in the same run (scripts/bench/smpp-bench.ts): completed msgs/s, p50/p99 submit and
 *   end-to-end latency, CPU ms per message of each relay, and the ratio otpgw / null relay. Between the two,
 *   the durable null relay: the null relay with otpgw's persistence only (its store, group commit and writes,
 *   Redis as `--fsync`), to tell what durability costs from what otpgw's own code costs. `--cpu-prof`
 *   profiles the daemon here too.
 * - kannel: the incumbent on the http scenario's path and load (scripts/bench/kannel-bench.ts): keep-alive
 *   sendsms GETs (at most `--concurrency` in flight) → smsbox → bearerbox (file store) → simulator → receipt
 *   → dlr-url, at saturation; the same measures as http, CPU ms per message of bearerbox and smsbox, their
 *   RSS. When Kannel (Debian package `kannel`) is missing it is installed with apt-get as root, else the
 *   command to run is printed.
 * - latency: latency under a steady load (scripts/bench/latency-bench.ts): an ESME (window 100) paced at
 *   `--rate` msgs/s (default 1000 here) for `--seconds` → null relay, then → otpgw (Redis as `--fsync`) →
 *   simulator → receipt; submit and end-to-end p50/p99/max of each, otpgw's added latency (its percentiles
 *   minus the null relay's), and whether each kept the target rate.
 * - memory: otpgw's RSS, V8 heap and Redis used_memory with `--messages` (default 100,000) awaiting receipts
 *   (scripts/bench/memory-bench.ts): the simulator never sends one, the route's DLR timeout outlasts the run;
 *   read before, once all are at the carrier, and after a few seconds' settle. Submits bounded to 120 s.
 * - routing: routing decisions in process (scripts/bench/routing-bench.ts): route-table match, plan and
 *   choose over a spread of valid E.164 numbers of twelve countries, with routes.yaml and a wider table, plus
 *   number parsing (libphonenumber-js); p50/p99 ns per call (batches of 1,000) and calls/s.
 *
 * Before the first scenario and after the last, a machine probe (machine-probe.ts) prints the machine's speed at
 * the time — a fixed JavaScript loop, CPU per loopback write, an fdatasync — and the results file keeps both.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setDaemonBatchDelayMs, setDaemonNodeOptions } from "./bench-daemon.js";
import { runCarrierBench } from "./carrier-bench.js";
import { runCodecBench } from "./codec-bench.js";
import { runHttpBench } from "./http-bench.js";
import { runHttpKannelRounds } from "./http-rounds.js";
import { runKannelBench } from "./kannel-bench.js";
import { runLatencyBench } from "./latency-bench.js";
import { formatProbe, probeMachine } from "./machine-probe.js";
import { runMemoryBench } from "./memory-bench.js";
import { runRoutingBench } from "./routing-bench.js";
import { runSmppBench } from "./smpp-bench.js";
import { runStoreBench } from "./store-bench.js";
import { printSummary } from "./summary.js";
import { parseBenchArgs, type AbVariant } from "./bench-args.js";
import type { DaemonVariant } from "./bench-daemon.js";
import { checkoutRevision } from "./compiled-daemon.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

const SCENARIOS = ["codec", "carrier", "store", "http", "smpp", "kannel", "latency", "memory", "routing"];
/** Messages measured by the store scenario (bounded: its append-only file stays below Redis's rewrite size). */
const STORE_MESSAGES = 30_000;

/** otpgw (B) of the smpp scenario: its tree checked out and described. */
function abVariant(ab: AbVariant): { label: string } & DaemonVariant {
  const checkout = ab.rev === undefined ? undefined : checkoutRevision(repoRoot, ab.rev);
  const label = [
    checkout ? `revision ${ab.rev} (${checkout.commit.slice(0, 12)})` : "this revision",
    ...(ab.nodeOptions ? [`with ${ab.nodeOptions.join(" ")}`] : []),
    ...(ab.redisBatchDelayMs !== undefined ? [`with redis_batch_delay_ms ${ab.redisBatchDelayMs}`] : []),
    ...(ab.appendfsync ? [`Redis appendfsync ${ab.appendfsync}`] : []),
    ...(ab.binds !== undefined ? [`${ab.binds} carrier binds`] : []),
    ...(ab.carrierWindow !== undefined ? [`carrier window ${ab.carrierWindow}`] : []),
  ].join(", ");
  return {
    label,
    ...(checkout && { root: checkout.dir }),
    ...(ab.nodeOptions && { nodeOptions: ab.nodeOptions }),
    ...(ab.redisBatchDelayMs !== undefined && { redisBatchDelayMs: ab.redisBatchDelayMs }),
    ...(ab.appendfsync && { appendfsync: ab.appendfsync }),
    ...(ab.binds !== undefined && { binds: ab.binds }),
    ...(ab.carrierWindow !== undefined && { carrierWindow: ab.carrierWindow }),
  };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), SCENARIOS);
  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: (await import("node:os")).cpus().length,
    ...(args.nodeOptions.length > 0 && { daemonNodeOptions: args.nodeOptions }),
    ...(args.redisBatchDelayMs > 0 && { redisBatchDelayMs: args.redisBatchDelayMs }),
  };
  if (args.redisBatchDelayMs > 0) {
    setDaemonBatchDelayMs(args.redisBatchDelayMs);
    console.log(`otpgw daemons run with redis_batch_delay_ms: ${args.redisBatchDelayMs}`);
  }
  if (args.nodeOptions.length > 0) {
    setDaemonNodeOptions(args.nodeOptions);
    console.log(`otpgw daemons run with the Node.js options ${args.nodeOptions.join(" ")}`);
  }
  const machineBefore = await probeMachine();
  console.log(`machine probe, before: ${formatProbe(machineBefore)}`);
  const wanted = (name: string): boolean => args.only === undefined || args.only.includes(name);
  if (wanted("codec")) results.codec = runCodecBench(args.seconds);
  if (wanted("carrier")) results.carrier = await runCarrierBench(args.seconds);
  if (wanted("store")) {
    results.store = await runStoreBench({ messages: STORE_MESSAGES, appendfsync: args.fsync });
  }
  const runHttp = (print: boolean, cpuProfile: boolean): ReturnType<typeof runHttpBench> =>
    runHttpBench({
      seconds: args.seconds,
      concurrency: args.concurrency,
      pacedRate: args.rate ?? 500,
      appendfsync: args.fsync,
      cpuProfile,
      print,
    });
  const runKannel = (print: boolean): ReturnType<typeof runKannelBench> =>
    runKannelBench({ seconds: args.seconds, concurrency: args.concurrency, print });
  // With --repeat, the HTTP path and Kannel run in alternating rounds (side by side), as smpp does.
  const httpRounds = args.repeat > 1 && wanted("http") && wanted("kannel");
  if (httpRounds) {
    let profiled = false;
    const paired = await runHttpKannelRounds(
      args.repeat,
      (print) => {
        // Profiling every round would only repeat itself: the first round's daemon is profiled.
        const profile = args.cpuProf && !profiled;
        profiled = true;
        return runHttp(print, profile);
      },
      runKannel,
    );
    Object.assign(results, { http: paired.http, kannel: paired.kannel, httpRounds: paired.rounds });
  } else if (wanted("http")) {
    results.http = await runHttp(true, args.cpuProf);
  }
  if (wanted("smpp")) {
    const variant = args.ab ? abVariant(args.ab) : undefined;
    if (variant) console.log(`smpp: otpgw (B) is ${variant.label}; B ÷ A is reported per round`);
    results.smpp = await runSmppBench({
      ...(variant && { variant }),
      seconds: args.seconds,
      window: args.window,
      carrierBinds: args.binds,
      carrierWindow: args.carrierWindow,
      appendfsync: args.fsync,
      cpuProfile: args.cpuProf,
      rounds: args.repeat,
    });
  }
  if (wanted("kannel") && !httpRounds) results.kannel = await runKannel(true);
  if (wanted("latency")) {
    results.latency = await runLatencyBench({
      seconds: args.seconds,
      ratePerSecond: args.rate ?? 1000,
      window: args.window,
      appendfsync: args.fsync,
    });
  }
  if (wanted("memory")) {
    results.memory = await runMemoryBench({ messages: args.messages, appendfsync: args.fsync });
  }
  if (wanted("routing")) {
    results.routing = await runRoutingBench({ seconds: args.seconds });
  }
  const machineAfter = await probeMachine();
  results.machine = { before: machineBefore, after: machineAfter };
  console.log(`\nmachine probe, after: ${formatProbe(machineAfter)} (before: ${formatProbe(machineBefore)})`);
  results.targets = printSummary(results);
  await mkdir("bench-results", { recursive: true });
  const file = join("bench-results", `bench-${Date.now()}.json`);
  await writeFile(file, JSON.stringify(results, null, 2));
  console.log(`\nresults written to ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
