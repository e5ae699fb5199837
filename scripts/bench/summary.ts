/**
 * The suite's closing table: each performance target beside what this run measured, as ratios of figures taken
 * side by side in the same run (the machines are shared and noisy; absolute rates move, ratios much less).
 */
import { renderTable } from "../lib/table.js";
import type { HttpBenchResult } from "./http-bench.js";
import type { HttpRound } from "./http-rounds.js";
import type { KannelBenchResult } from "./kannel-bench.js";
import type { LatencyBenchResult } from "./latency-bench.js";
import type { MemoryBenchResult } from "./memory-bench.js";
import type { RoutingBenchResult } from "./routing-bench.js";
import type { SmppBenchResult } from "./smpp-bench.js";

export interface SuiteResults {
  smpp?: SmppBenchResult;
  http?: HttpBenchResult;
  /** With --repeat: each round's otpgw HTTP ÷ Kannel ratio (http and kannel hold the median round). */
  httpRounds?: HttpRound[];
  kannel?: KannelBenchResult;
  latency?: LatencyBenchResult;
  memory?: MemoryBenchResult;
  routing?: RoutingBenchResult;
}

export interface TargetRow {
  target: string;
  goal: string;
  measured: string;
  met: boolean;
}

const fixed = (value: number, digits = 2): string => value.toFixed(digits);

/** The targets this run has figures for. */
export function targetRows(results: SuiteResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const { smpp, http, kannel, latency, memory, routing, httpRounds } = results;
  if (smpp) {
    const ratio = smpp.ratio.completedPerSecond;
    const gateway = smpp.gateway.cpuMsPerMessage;
    const measured =
      `${fixed(ratio)} (${Math.round(smpp.gateway.completedPerSecond)} ÷ ${Math.round(smpp.nullRelay.completedPerSecond)})` +
      roundsRange(smpp.rounds);
    rows.push(
      // One row per issue: the SMPP server's acceptance and the performance issue's target differ.
      {
        target: "SMPP path completed/s ÷ null relay",
        goal: "≥ 0.70 (SMPP server)",
        measured,
        met: ratio >= 0.7,
      },
      {
        target: "SMPP path completed/s ÷ null relay",
        goal: "≥ 1.00 (performance)",
        measured,
        met: ratio >= 1,
      },
      {
        target: "SMPP path CPU ms/msg: otpgw (+ Redis) vs null relay",
        goal: "reported",
        measured: `${fixed(gateway.relay, 3)} (+ ${fixed(gateway.redis ?? 0, 3)}) vs ${fixed(smpp.nullRelay.cpuMsPerMessage.relay, 3)}`,
        met: true,
      },
    );
    const durable = smpp.durableNullRelay;
    if (durable && smpp.ratio.durableCompletedPerSecond !== undefined) {
      rows.push({
        target: "SMPP path completed/s ÷ durable null relay",
        goal: "reported",
        measured:
          `${fixed(smpp.ratio.durableCompletedPerSecond)} (${Math.round(smpp.gateway.completedPerSecond)} ÷ ` +
          `${Math.round(durable.completedPerSecond)}); durable ÷ null ${fixed(durable.completedPerSecond / smpp.nullRelay.completedPerSecond)}`,
        met: true,
      });
    }
  }
  if (http && kannel) {
    const ours = http.saturation;
    const ratio = ours.completedPerSecond / kannel.completedPerSecond;
    const cpu = ours.cpuMsPerMessage.otpgw / kannel.cpuMsPerMessage.kannel;
    const cpuWithRedis =
      (ours.cpuMsPerMessage.otpgw + ours.cpuMsPerMessage.redis) / kannel.cpuMsPerMessage.kannel;
    rows.push(
      {
        target: "HTTP path completed/s ÷ Kannel",
        goal: "≥ 2.00",
        measured:
          `${fixed(ratio)} (${Math.round(ours.completedPerSecond)} ÷ ${Math.round(kannel.completedPerSecond)})` +
          roundsRange(httpRounds),
        met: ratio >= 2,
      },
      {
        target: "CPU ms/msg: otpgw ÷ Kannel (bearerbox + smsbox)",
        goal: "≤ 0.50",
        measured: `${fixed(cpu)} daemon only, ${fixed(cpuWithRedis)} with Redis`,
        met: cpu <= 0.5,
      },
    );
  }
  if (latency) {
    const added = latency.added.submitMs.p99;
    const own = latency.gateway.submitMs.p99;
    // When the null relay's p99 exceeds otpgw's (its delayed ACKs), the difference is negative and says nothing:
    // otpgw's own p99 then stands in as the bound (what it adds cannot exceed its own latency).
    const judged = added >= 0 ? added : own;
    const detail =
      added >= 0
        ? `otpgw ${fixed(own)} − null relay ${fixed(latency.nullRelay.submitMs.p99)}`
        : `otpgw's own p99, as the null relay's ${fixed(latency.nullRelay.submitMs.p99)} exceeds it`;
    rows.push({
      target: `gateway-added submit latency p99 at ${latency.targetPerSecond} msg/s`,
      goal: "≤ 10 ms",
      measured:
        `${fixed(judged)} ms (${detail}; e2e added p99 ${fixed(latency.added.endToEndMs.p99)} ms` +
        (latency.gateway.daemon
          ? `; otpgw's own acknowledgement p99 ${fixed(latency.gateway.daemon.ackMs.p99)} ms)`
          : ")"),
      met: judged <= 10 && latency.gateway.keptUp,
    });
  }
  if (memory) {
    const settled = memory.samples[memory.samples.length - 1];
    if (settled) {
      rows.push({
        target: `otpgw RSS with ${memory.accepted} messages awaiting receipts`,
        goal: "≤ 300 MB",
        measured: `${fixed(settled.rssMiB * 1.048576, 0)} MB (${fixed(settled.rssMiB, 0)} MiB; Redis ${fixed(settled.redisUsedMiB, 0)} MiB)`,
        met: settled.rssMiB * 1.048576 <= 300,
      });
    }
  }
  if (routing) {
    const choose = routing.operations.filter((o) => o.operation.startsWith("choose"));
    const worst = choose.reduce((a, b) => (b.p50Ns > a.p50Ns ? b : a), choose[0]!);
    if (worst) {
      rows.push({
        target: "routing decision median",
        goal: "≤ 20 µs",
        measured: `${worst.p50Ns} ns (${worst.operation}, ${worst.table}; number parsing before it: ${routing.operations.find((o) => o.operation === "parse")?.p50Ns ?? "?"} ns)`,
        met: worst.p50Ns <= 20_000,
      });
    }
  }
  return rows;
}

export function printSummary(results: SuiteResults): TargetRow[] {
  const rows = targetRows(results);
  if (rows.length === 0) return rows;
  console.log("\nTargets (ratios measured side by side in this run)");
  console.log(
    renderTable(
      ["target", "goal", "measured", "met"],
      rows.map((r) => [r.target, r.goal, r.measured, r.met ? "yes" : "NO"]),
    ),
  );
  return rows;
}

/** ", median of N rounds, min–max" when the smpp scenario ran more than one side-by-side round. */
function roundsRange(rounds: { ratio: number }[] | undefined): string {
  if (!rounds || rounds.length < 2) return "";
  const ratios = rounds.map((r) => r.ratio);
  return `; median of ${rounds.length} rounds, ${fixed(Math.min(...ratios))}–${fixed(Math.max(...ratios))}`;
}
