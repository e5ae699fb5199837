/**
 * `--repeat N` for the HTTP path against Kannel: N rounds of otpgw's HTTP scenario then Kannel's, side by side, as
 * the smpp scenario does with its null relay. One round's ratio moves with the machine's speed (0.76–1.18 within an
 * hour for one build); the round with the median ratio is reported and printed, the others' ratios beside it.
 */
import type { HttpBenchResult } from "./http-bench.js";
import { printHttpBench } from "./http-bench-report.js";
import type { KannelBenchResult } from "./kannel-bench.js";
import { printKannelBench } from "./kannel-report.js";

/** One round: completed msgs/s of otpgw's HTTP path and of Kannel, and their ratio. */
export interface HttpRound {
  otpgw: number;
  kannel: number;
  ratio: number;
}

export async function runHttpKannelRounds(
  count: number,
  runHttp: (print: boolean) => Promise<HttpBenchResult>,
  runKannel: (print: boolean) => Promise<KannelBenchResult>,
): Promise<{ http: HttpBenchResult; kannel: KannelBenchResult; rounds: HttpRound[] }> {
  const results: { http: HttpBenchResult; kannel: KannelBenchResult; round: HttpRound }[] = [];
  for (let i = 0; i < count; i++) {
    console.log(`http round ${i + 1}/${count}: otpgw's HTTP path, then Kannel`);
    const http = await runHttp(false);
    const kannel = await runKannel(false);
    const otpgw = http.saturation.completedPerSecond;
    const ratio = Math.round((1000 * otpgw) / kannel.completedPerSecond) / 1000;
    results.push({ http, kannel, round: { otpgw, kannel: kannel.completedPerSecond, ratio } });
  }
  const median = [...results].sort((a, b) => a.round.ratio - b.round.ratio)[Math.floor((count - 1) / 2)]!;
  printHttpBench(median.http);
  printKannelBench(median.kannel);
  const rounds = results.map((r) => r.round);
  console.log(
    `${count} rounds, otpgw's HTTP path / Kannel completed/s in run order: ${rounds.map((r) => r.ratio).join(", ")};` +
      ` median ${median.round.ratio} (its round is the one shown above)`,
  );
  return { http: median.http, kannel: median.kannel, rounds };
}
