import { renderTable } from "../lib/table.js";
import type { KannelBenchResult } from "./kannel-bench.js";

const counts = (record: Record<string, number>): string =>
  Object.entries(record)
    .map(([key, n]) => `${key}: ${n}`)
    .join(", ") || "none";

/** One table row per measure, worded as the HTTP bench's rows so the two tables read side by side. */
function rows(r: KannelBenchResult): string[][] {
  const c = r.cpuMsPerMessage;
  return [
    ["submitted / accepted (202) / completed (delivered DLRs)", `${r.sent} / ${r.accepted} / ${r.completed}`],
    ["accepted msgs/s", String(r.acceptedPerSecond)],
    ["completed msgs/s", String(r.completedPerSecond)],
    ["submit GET → 202, p50 / p99 ms", `${r.submitP50Ms} / ${r.submitP99Ms}`],
    ["end to end GET → DLR, p50 / p99 ms", `${r.endToEndP50Ms} / ${r.endToEndP99Ms}`],
    ["answers other than 202 Accepted", counts(r.rejected)],
    ["final states", counts(r.finalStates)],
    ["missing / duplicate DLRs", `${r.missing} / ${r.duplicateReports}`],
    ["drain after the last 202, ms", String(r.drainMs)],
    ["CPU ms/msg: Kannel (bearerbox + smsbox)", String(c.kannel)],
    [
      "CPU ms/msg: bearerbox / smsbox / simulator / bench",
      `${c.bearerbox} / ${c.smsbox} / ${c.simulator} / ${c.bench}`,
    ],
    ["CPU busy, all four processes (cores)", String(r.coresBusy)],
    ["RSS at the end, MiB: bearerbox / smsbox", `${r.rssMiB.bearerbox} / ${r.rssMiB.smsbox}`],
  ];
}

/** Prints the Kannel scenario like the HTTP one: a heading, then a table. */
export function printKannelBench(r: KannelBenchResult): void {
  console.log(
    `\nKannel end to end: keep-alive GET /cgi-bin/sendsms (≤ ${r.concurrency} in flight) → smsbox → bearerbox` +
      ` (file store, SMPP transceiver, max-pending-submits ${r.window})\n→ simulator (own process, receipts` +
      ` 1–5 ms) → dlr-url (dlr-mask ${r.dlrMask}: final states only) to this process.` +
      ` All on one machine (${r.cores} cores). Stray DLR calls: ${r.strayReports}.`,
  );
  console.log(renderTable(["measure", "saturation"], rows(r)));
  console.log(
    `RSS once started: bearerbox ${r.rssAtStartMiB.bearerbox} MiB, smsbox ${r.rssAtStartMiB.smsbox} MiB.` +
      " Compare with the HTTP scenario's saturation column (same load, same simulator). Kannel's file store" +
      "\nwrites and flushes each message before the 202 but never fsyncs it (it survives a crash of bearerbox," +
      " not of the machine):\nthe like-for-like otpgw figure is `--fsync everysec`.",
  );
}
