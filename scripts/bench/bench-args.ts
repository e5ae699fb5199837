/** The bench's command line (`npm run bench -- --help`): parsed and checked, with a clear error for a bad value. */

/** Node.js options for a daemon: each must start with --. */
function nodeOptions(flag: string, value: string | undefined): string[] {
  const options = (value ?? "").split(/\s+/).filter((option) => option !== "");
  if (options.length === 0 || options.some((option) => !option.startsWith("--"))) {
    throw new Error(`${flag} takes Node.js options, each starting with --, e.g. "--max-semi-space-size=32"`);
  }
  return options;
}

function intIn(flag: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${flag} must be an integer from ${min} to ${max}`);
  return n;
}

function batchDelay(flag: string, value: string | undefined): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0 || ms > 20) throw new Error(`${flag} must be an integer from 0 to 20`);
  return ms;
}

export interface BenchArgs {
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
  /** The window of each of otpgw's carrier binds (smpp). */
  carrierWindow: number;
  /** Side-by-side rounds of the smpp scenario (the median round is reported). */
  repeat: number;
  fsync: "always" | "everysec";
  cpuProf: boolean;
  /** Extra Node.js options for every otpgw daemon the suite starts (e.g. V8 heap flags to try). */
  nodeOptions: string[];
  /** otpgw's `redis_batch_delay_ms` (default 0, the daemon's default). */
  redisBatchDelayMs: number;
  /** A second otpgw (B) in the smpp scenario, set by any --ab-* option. */
  ab?: AbVariant;
}

/** What makes otpgw (B) differ from otpgw (A): another revision, other Node.js options, another batch delay. */
export interface AbVariant {
  rev?: string;
  binds?: number;
  carrierWindow?: number;
  nodeOptions?: string[];
  redisBatchDelayMs?: number;
  appendfsync?: "always" | "everysec";
}

const usage = (
  scenarios: readonly string[],
): string => `npm run bench [-- options]: otpgw's performance suite (docs/performance.md)

  --only a,b          scenarios to run (default all): ${scenarios.join(", ")}
  --seconds N         length of each measured phase (default 3, at most 60)
  --concurrency N     HTTP requests in flight, http and kannel (default 64)
  --rate N            paced msgs/s: http's paced phase (default 500), latency (default 1000)
  --window N          the ESME's submit window, smpp and latency (default 100)
  --binds N           otpgw's carrier binds in smpp (default 2)
  --carrier-window N  the window of each of otpgw's carrier binds in smpp (default 50)
  --repeat N          smpp: N rounds, each measuring its relays in interleaved slices; http with kannel:
                      N rounds of otpgw's HTTP path then Kannel; the median ratio is reported (default 1, at most 9)
  --messages N        messages awaiting receipts in memory (default 100000)
  --fsync always|everysec   Redis AOF fsync policy for otpgw and the durable null relay (default always)
  --node-options "…"  extra Node.js options for the otpgw daemons (e.g. "--max-semi-space-size=32"),
                      to try V8 settings; recorded in the results
  --redis-batch-delay-ms N  otpgw's redis_batch_delay_ms, 0-20 (default 0): writes wait this long to
                      share a Redis call (docs/configuration.md); recorded in the results
  --ab-rev REV        smpp: also run otpgw (B) built from git revision REV, interleaved with the others,
                      and report B ÷ A per round (a change measured side by side, not across runs)
  --ab-node-options "…"  smpp: otpgw (B) with these Node.js options instead (e.g. "--max-semi-space-size=32")
  --ab-redis-batch-delay-ms N  smpp: otpgw (B) with this redis_batch_delay_ms (0-20)
  --ab-fsync always|everysec   smpp: otpgw (B)'s Redis with this AOF fsync policy
  --ab-binds N, --ab-carrier-window N   smpp: otpgw (B) with these carrier binds / bind window
  --cpu-prof          profile the daemon (http, smpp), print where its time went, and write
                      its .cpuprofile, a flame graph (.svg) and folded stacks to bench-results/profiles/
  --help              this text

Prints a table per scenario and the targets beside the ratios measured, and writes
bench-results/bench-<time>.json. Everything runs on 127.0.0.1.`;

export function parseBenchArgs(argv: string[], scenarios: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    seconds: 3,
    concurrency: 64,
    messages: 100_000,
    window: 100,
    binds: 2,
    carrierWindow: 50,
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
      console.log(usage(scenarios));
      process.exit(0);
    } else if (argv[i] === "--window") args.window = Number(argv[++i]);
    else if (argv[i] === "--binds") args.binds = Number(argv[++i]);
    else if (argv[i] === "--carrier-window") args.carrierWindow = Number(argv[++i]);
    else if (argv[i] === "--repeat") args.repeat = Number(argv[++i]);
    else if (argv[i] === "--fsync") {
      const value = argv[++i];
      if (value !== "always" && value !== "everysec") throw new Error("--fsync takes always or everysec");
      args.fsync = value;
    } else if (argv[i] === "--cpu-prof") args.cpuProf = true;
    else if (argv[i] === "--node-options") args.nodeOptions = nodeOptions("--node-options", argv[++i]);
    else if (argv[i] === "--redis-batch-delay-ms")
      args.redisBatchDelayMs = batchDelay("--redis-batch-delay-ms", argv[++i]);
    else if (argv[i] === "--ab-rev") {
      const rev = argv[++i] ?? "";
      if (!/^[\w./~^@{}-]+$/.test(rev))
        throw new Error("--ab-rev takes a git revision, e.g. HEAD~1 or a commit id");
      args.ab = { ...args.ab, rev };
    } else if (argv[i] === "--ab-node-options") {
      args.ab = { ...args.ab, nodeOptions: nodeOptions("--ab-node-options", argv[++i]) };
    } else if (argv[i] === "--ab-fsync") {
      const value = argv[++i];
      if (value !== "always" && value !== "everysec") throw new Error("--ab-fsync takes always or everysec");
      args.ab = { ...args.ab, appendfsync: value };
    } else if (argv[i] === "--ab-binds") {
      args.ab = { ...args.ab, binds: intIn("--ab-binds", argv[++i], 1, 16) };
    } else if (argv[i] === "--ab-carrier-window") {
      args.ab = { ...args.ab, carrierWindow: intIn("--ab-carrier-window", argv[++i], 1, 1000) };
    } else if (argv[i] === "--ab-redis-batch-delay-ms") {
      args.ab = { ...args.ab, redisBatchDelayMs: batchDelay("--ab-redis-batch-delay-ms", argv[++i]) };
    } else {
      throw new Error(`unknown argument ${argv[i]} (see npm run bench -- --help)`);
    }
  }
  const unknown = args.only?.filter((name) => !scenarios.includes(name)) ?? [];
  if (args.only?.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes one or more of ${scenarios.join(", ")}, comma-separated`);
  }
  if (args.ab && args.only !== undefined && !args.only.includes("smpp")) {
    throw new Error("the --ab-* options run a second otpgw in the smpp scenario: add smpp to --only");
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
  intIn("--binds", String(args.binds), 1, 16);
  intIn("--carrier-window", String(args.carrierWindow), 1, 1000);
  if (!Number.isInteger(args.repeat) || args.repeat < 1 || args.repeat > 9) {
    throw new Error("--repeat must be an integer from 1 to 9");
  }
  if (!Number.isInteger(args.messages) || args.messages < 1 || args.messages > 1_000_000) {
    throw new Error("--messages must be an integer from 1 to 1000000");
  }
  return args;
}
