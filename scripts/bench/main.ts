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
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setDaemonBatchDelayMs, setDaemonNodeOptions } from "./bench-daemon.js";
import { runCarrierBench } from "./carrier-bench.js";
import { runCodecBench } from "./codec-bench.js";
import { runHttpBench } from "./http-bench.js";
import { runHttpKannelRounds } from "./http-rounds.js";
import { runKannelBench } from "./kannel-bench.js";
import { runLatencyBench } from "./latency-bench.js";
import { runMemoryBench } from "./memory-bench.js";
import { runRoutingBench } from "./routing-bench.js";
import { runSmppBench } from "./smpp-bench.js";
import { runStoreBench } from "./store-bench.js";
import { printSummary } from "./summary.js";

const SCENARIOS = ["codec", "carrier", "store", "http", "smpp", "kannel", "latency", "memory", "routing"];
/** Messages measured by the store scenario (bounded: its append-only file stays below Redis's rewrite size). */
const STORE_MESSAGES = 30_000;

interface Args {
  /** The scenarios to run (all when unset). */
  only?: string[];
  seconds: number;
  concurrency: number;
  /** Paced msgs/s; unset, each scenario uses its own default (http 500, latency 1000). */
  rate?: number;
  messages: number;
  /** The ESME's submit window (smpp, latency). */
  window: number;
  /** otpgw's carrier binds (smpp). */
  binds: number;
  /** Side-by-side rounds of the smpp scenario (the median round is reported). */
  repeat: number;
  fsync: "always" | "everysec";
  cpuProf: boolean;
  /** Extra Node.js options for every otpgw daemon the suite starts (e.g. V8 heap flags to try). */
  nodeOptions: string[];
  /** otpgw's `redis_batch_delay_ms` (default 0, the daemon's default). */
  redisBatchDelayMs: number;
}

const USAGE = `npm run bench [-- options]: otpgw's performance suite (docs/performance.md)

  --only a,b          scenarios to run (default all): ${SCENARIOS.join(", ")}
  --seconds N         length of each measured phase (default 3, at most 60)
  --concurrency N     HTTP requests in flight, http and kannel (default 64)
  --rate N            paced msgs/s: http's paced phase (default 500), latency (default 1000)
  --window N          the ESME's submit window, smpp and latency (default 100)
  --binds N           otpgw's carrier binds in smpp (default 2)
  --repeat N          smpp: N rounds of null relay then otpgw; http with kannel: N rounds of otpgw's HTTP
                      path then Kannel; the median ratio is reported (default 1, at most 9)
  --messages N        messages awaiting receipts in memory (default 100000)
  --fsync always|everysec   Redis AOF fsync policy for otpgw (default always)
  --node-options "…"  extra Node.js options for the otpgw daemons (e.g. "--max-semi-space-size=32"),
                      to try V8 settings; recorded in the results
  --redis-batch-delay-ms N  otpgw's redis_batch_delay_ms, 0-20 (default 0): writes wait this long to
                      share a Redis call (docs/configuration.md); recorded in the results
  --cpu-prof          profile the daemon (http, smpp), print where its time went, and write
                      its .cpuprofile and folded stacks (flame graphs) to bench-results/profiles/
  --help              this text

Prints a table per scenario and the targets beside the ratios measured, and writes
bench-results/bench-<time>.json. Everything runs on 127.0.0.1.`;

function parseArgs(argv: string[]): Args {
  const args: Args = {
    seconds: 3,
    concurrency: 64,
    messages: 100_000,
    window: 100,
    binds: 2,
    repeat: 1,
    fsync: "always",
    cpuProf: false,
    nodeOptions: [],
    redisBatchDelayMs: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--only") args.only = (argv[++i] ?? "").split(",").filter((name) => name !== "");
    else if (argv[i] === "--seconds") args.seconds = Number(argv[++i]);
    else if (argv[i] === "--concurrency") args.concurrency = Number(argv[++i]);
    else if (argv[i] === "--rate") args.rate = Number(argv[++i]);
    else if (argv[i] === "--messages") args.messages = Number(argv[++i]);
    else if (argv[i] === "--help" || argv[i] === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (argv[i] === "--window") args.window = Number(argv[++i]);
    else if (argv[i] === "--binds") args.binds = Number(argv[++i]);
    else if (argv[i] === "--repeat") args.repeat = Number(argv[++i]);
    else if (argv[i] === "--fsync") {
      const value = argv[++i];
      if (value !== "always" && value !== "everysec") throw new Error("--fsync takes always or everysec");
      args.fsync = value;
    } else if (argv[i] === "--cpu-prof") args.cpuProf = true;
    else if (argv[i] === "--node-options") {
      args.nodeOptions = (argv[++i] ?? "").split(/\s+/).filter((option) => option !== "");
      const bad = args.nodeOptions.find((option) => !option.startsWith("--"));
      if (args.nodeOptions.length === 0 || bad !== undefined)
        throw new Error(
          `--node-options takes Node.js options, each starting with --, e.g. "--max-semi-space-size=32"`,
        );
    } else if (argv[i] === "--redis-batch-delay-ms") args.redisBatchDelayMs = Number(argv[++i]);
    else {
      throw new Error(`unknown argument ${argv[i]} (see npm run bench -- --help)`);
    }
  }
  const unknown = args.only?.filter((name) => !SCENARIOS.includes(name)) ?? [];
  if (args.only?.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes one or more of ${SCENARIOS.join(", ")}, comma-separated`);
  }
  if (!Number.isFinite(args.seconds) || args.seconds <= 0 || args.seconds > 60) {
    throw new Error("--seconds must be between 0 and 60");
  }
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 1000) {
    throw new Error("--concurrency must be an integer from 1 to 1000");
  }
  if (args.rate !== undefined && (!Number.isFinite(args.rate) || args.rate <= 0 || args.rate > 100_000)) {
    throw new Error("--rate must be a number of messages per second from 1 to 100000");
  }
  if (!Number.isInteger(args.window) || args.window < 1 || args.window > 1000) {
    throw new Error("--window must be an integer from 1 to 1000");
  }
  if (!Number.isInteger(args.binds) || args.binds < 1 || args.binds > 16) {
    throw new Error("--binds must be an integer from 1 to 16");
  }
  if (!Number.isInteger(args.repeat) || args.repeat < 1 || args.repeat > 9) {
    throw new Error("--repeat must be an integer from 1 to 9");
  }
  if (
    !Number.isInteger(args.redisBatchDelayMs) ||
    args.redisBatchDelayMs < 0 ||
    args.redisBatchDelayMs > 20
  ) {
    throw new Error("--redis-batch-delay-ms must be an integer from 0 to 20");
  }
  if (!Number.isInteger(args.messages) || args.messages < 1 || args.messages > 1_000_000) {
    throw new Error("--messages must be an integer from 1 to 1000000");
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
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
    results.smpp = await runSmppBench({
      seconds: args.seconds,
      window: args.window,
      carrierBinds: args.binds,
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
