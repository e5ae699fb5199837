import { printProfile } from "./cpu-profile-summary.js";
import { renderTable } from "../lib/table.js";
import type { SmppBenchResult, SmppRunResult } from "./smpp-bench.js";

const counts = (record: Record<string, number>): string =>
  Object.entries(record)
    .map(([key, n]) => `${key}: ${n}`)
    .join(", ") || "none";

const pct = (share: number): string => `${(share * 100).toFixed(1)} %`;

function row(r: SmppRunResult): (string | number)[] {
  return [
    r.relay,
    r.sent,
    r.receipts,
    r.completedPerSecond,
    r.submitP50Ms,
    r.submitP99Ms,
    r.endToEndP50Ms,
    r.endToEndP99Ms,
    r.cpuMsPerMessage.relay,
    r.relayRssMiB,
  ];
}

/** Prints the SMPP scenario: both relays, the ratio, the details, then the daemon's profile if taken. */
export function printSmppBench(r: SmppBenchResult): void {
  console.log(
    `\nSMPP path: ESME (this process, bind transceiver, window ${r.window}, registered_delivery 1) → relay →` +
      ` simulator (own process, answers at once, receipts DELIVRD 1–5 ms) → deliver_sm → ESME.` +
      `\nnull relay: node-smpp Server/Session forwarder, own process, no persistence.` +
      (r.durableNullRelay
        ? ` durable null relay: the same with otpgw's persistence only (its store, group commit and four writes per` +
          ` message; a submit answered once stored), Redis of its own as otpgw's.`
        : "") +
      ` otpgw: child process,` +
      ` ${r.otpgw.binds} carrier binds × window ${r.otpgw.carrierWindow}, receipt window ${r.otpgw.receiptWindow},` +
      ` Redis appendfsync ${r.appendfsync}. ${r.nullRelay.seconds} s each in ${r.nullRelay.slices} slices taken in turn` +
      ` (all stacks up at once, each idle outside its slices), ${r.cores} cores shared by all.`,
  );
  console.log(
    renderTable(
      [
        "relay",
        "submitted",
        "receipts",
        "completed/s",
        "submit p50 ms",
        "submit p99 ms",
        "e2e p50 ms",
        "e2e p99 ms",
        "relay CPU ms/msg",
        "relay RSS MiB",
      ],
      [
        row(r.nullRelay),
        ...(r.durableNullRelay ? [row(r.durableNullRelay)] : []),
        row(r.gateway),
        ...(r.variant ? [row(r.variant.run)] : []),
        [
          "otpgw / null",
          "-",
          "-",
          r.ratio.completedPerSecond,
          "-",
          "-",
          r.ratio.endToEndP50,
          r.ratio.endToEndP99,
          r.ratio.cpuPerMessage,
          "-",
        ],
      ],
    ),
  );
  const runs = [r.nullRelay, ...(r.durableNullRelay ? [r.durableNullRelay] : []), r.gateway];
  for (const run of [...runs, ...(r.variant ? [r.variant.run] : [])]) {
    const c = run.cpuMsPerMessage;
    console.log(
      `${run.relay}: accepted ${run.accepted} (${run.acceptedPerSecond}/s), other answers: ${counts(run.rejected)};` +
        ` receipts ${counts(run.receiptStats)}, missing ${run.missing}, duplicates ${run.duplicates},` +
        ` drain ${run.drainMs} ms; CPU ms/msg relay ${c.relay}` +
        `${c.redis !== undefined ? ` + redis ${c.redis}` : ""}, simulator ${c.simulator}, bench ${c.bench};` +
        ` ${run.coresBusy} cores busy; relay's main thread on a CPU ${run.relayThread.onCpuPercent} %,` +
        ` waiting for one ${run.relayThread.waitingPercent} %`,
    );
    const calls = run.syscallsPerMessage;
    const pair = (c: { reads: number; writes: number }): string => `${c.reads} / ${c.writes}`;
    console.log(
      `  system calls per message, read / write: relay ${pair(calls.relay)}` +
        `${calls.redis ? `, redis ${pair(calls.redis)}` : ""}, simulator ${pair(calls.simulator)},` +
        ` bench ${pair(calls.bench)}`,
    );
    if (run.missing > 0 || run.duplicates > 0) {
      // A relay that loses or repeats receipts is broken, whatever its rate: say so where it cannot be missed.
      console.log(
        `  WARNING: ${run.missing} accepted messages got no receipt before the run stopped waiting and ` +
          `${run.duplicates} got a second one — look at this relay's log before trusting its figures`,
      );
    }
    const redis = run.redisCommandsPerMessage;
    if (redis) {
      const top = Object.entries(redis.byCommand)
        .slice(0, 8)
        .map(([command, n]) => `${command} ${n}`)
        .join(", ");
      const forks = run.redisForks ? `; AOF rewrites begun in its slices: ${run.redisForks}` : "";
      console.log(`  Redis commands per message: ${redis.total} (${top})${forks}`);
    }
    const batch = run.redisBatch;
    if (batch) {
      console.log(
        `  Redis script calls: ${batch.callsPerMessage} per message, ${batch.opsPerCall} operations each,` +
          ` mean round trip ${batch.meanMs} ms (a submit's answer waits for one)`,
      );
    }
  }
  if (r.rounds) {
    const ratios = r.rounds.map((round) => round.ratio);
    const durable = r.rounds.map((round) =>
      round.durableNullRelay === undefined ? undefined : (round.otpgw / round.durableNullRelay).toFixed(3),
    );
    console.log(
      `${r.rounds.length} rounds, otpgw / null relay completed/s in run order: ${ratios.join(", ")};` +
        (durable.every((d) => d !== undefined) ? ` otpgw / durable null relay: ${durable.join(", ")};` : "") +
        ` median ${r.ratio.completedPerSecond} (its round is the one shown above), range` +
        ` ${Math.min(...ratios)}–${Math.max(...ratios)}.`,
    );
  }
  console.log(
    `otpgw completes ${pct(r.ratio.completedPerSecond)} of the null relay's messages/s (target ≥ 70 %, issue 5: ≥ 100 %).`,
  );
  const durable = r.durableNullRelay;
  if (durable && r.ratio.durableCompletedPerSecond !== undefined) {
    console.log(
      `Durability alone: the durable null relay completes ${pct(durable.completedPerSecond / r.nullRelay.completedPerSecond)}` +
        ` of the null relay's messages/s; otpgw completes ${pct(r.ratio.durableCompletedPerSecond)} of the durable null relay's.`,
    );
  }
  if (r.variant) {
    const v = r.variant;
    console.log(
      `otpgw (B), ${v.label}, against otpgw (A), B ÷ A per round: completed/s ${v.completedRatios.join(", ")}` +
        ` (median ${v.medianCompletedRatio}); daemon CPU ms/msg ${v.cpuRatios.join(", ")} (median ${v.medianCpuRatio}).`,
    );
  }
  if (r.profile) printProfile(r.profile);
}
