import { printProfile } from "./cpu-profile-summary.js";
import { renderTable } from "../lib/table.js";
import type { HttpBenchResult, HttpPhaseResult } from "./http-bench.js";

const counts = (record: Record<string, number>): string =>
  Object.entries(record)
    .map(([key, n]) => `${key}: ${n}`)
    .join(", ") || "none";

/** One table row per measure, one column per phase. */
function rows(phases: HttpPhaseResult[]): string[][] {
  const row = (label: string, value: (p: HttpPhaseResult) => string | number): string[] => [
    label,
    ...phases.map((p) => String(value(p))),
  ];
  return [
    row(
      "submitted / accepted (202) / completed (webhooks)",
      (p) => `${p.sent} / ${p.accepted} / ${p.completed}`,
    ),
    row("accepted msgs/s", (p) => p.acceptedPerSecond),
    row("completed msgs/s", (p) => p.completedPerSecond),
    row("submit POST → 202, p50 / p99 ms", (p) => `${p.submitP50Ms} / ${p.submitP99Ms}`),
    row("end to end POST → webhook, p50 / p99 ms", (p) => `${p.endToEndP50Ms} / ${p.endToEndP99Ms}`),
    row("answers other than 202", (p) => counts(p.rejected)),
    row("final states", (p) => counts(p.finalStates)),
    row("missing / duplicate webhooks", (p) => `${p.missing} / ${p.duplicateWebhooks}`),
    row("drain after the last 202, ms", (p) => p.drainMs),
    row("backlog at the last 202: attempt / resp / receipt / final / webhook", (p) => {
      const b = p.backlogAtLoadEnd;
      return `${b.awaitingAttempt} / ${b.awaitingSubmitResp} / ${b.awaitingReceipt} / ${b.awaitingFinal} / ${b.awaitingWebhook}`;
    }),
    row("CPU ms/msg: otpgw / redis / simulator / bench", (p) => {
      const c = p.cpuMsPerMessage;
      return `${c.otpgw} / ${c.redis} / ${c.simulator} / ${c.bench}`;
    }),
    row("CPU busy, all four processes (cores)", (p) => p.coresBusy),
    row("otpgw RSS at the end, MiB", (p) => p.otpgwRssMiB),
  ];
}

/** Prints the HTTP scenario like the other scenarios: a heading, a table, then the profile if taken. */
export function printHttpBench(r: HttpBenchResult): void {
  console.log(
    `\nHTTP end to end: keep-alive POST /v1/messages (≤ ${r.concurrency} in flight) → otpgw (child process,` +
      ` ${r.binds} binds × window ${r.window}) → simulator (own process, receipts 1–5 ms)` +
      `\n→ final state → signed webhook to this process. Redis appendonly + appendfsync ${r.appendfsync}.` +
      ` All on one machine (${r.cores} cores). Badly signed webhooks: ${r.badSignatures}.`,
  );
  console.log(
    renderTable(
      ["measure", "saturation", `paced ${r.paced.targetPerSecond ?? "?"}/s`],
      rows([r.saturation, r.paced]),
    ),
  );
  console.log(
    `otpgw RSS once started: ${r.otpgwRssAtStartMiB} MiB. At saturation, when more is accepted than completed,` +
      " a backlog builds (see its row): end-to-end latency\nthen measures that queue and grows with --seconds;" +
      " the paced column is the latency of a message that does not queue.",
  );
  if (r.profile) printProfile(r.profile);
}
