/**
 * `npm run bench [-- --only codec|carrier] [--seconds N]`: measured speed, printed as tables and written to
 * bench-results/bench-<time>.json. Every scenario is bounded in time and count and runs on 127.0.0.1 only.
 *
 * - codec: our GSM encoder + node-smpp with a Buffer body vs node-smpp encoding the string itself; our body
 *   walker vs node-smpp's decoder. Ratios are measured side by side in the same run.
 * - carrier: the carrier pool (window, token bucket, session engine) submitting to the simulator running in
 *   its own process, at windows 1 / 10 / 100: submits/s, p50/p99 submit→response latency, CPU ms per submit.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCarrierBench } from "./carrier-bench.js";
import { runCodecBench } from "./codec-bench.js";

interface Args {
  only?: string;
  seconds: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 3 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--only") args.only = argv[++i];
    else if (argv[i] === "--seconds") args.seconds = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (use --only codec|carrier, --seconds N)`);
  }
  if (!Number.isFinite(args.seconds) || args.seconds <= 0 || args.seconds > 60) {
    throw new Error("--seconds must be between 0 and 60");
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: (await import("node:os")).cpus().length,
  };
  if (!args.only || args.only === "codec") results.codec = runCodecBench(args.seconds);
  if (!args.only || args.only === "carrier") results.carrier = await runCarrierBench(args.seconds);
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
