/**
 * The pumping-guard section of the demo's summary as text: the evidence, the block, the two waves of the walk and
 * otpgw's counters. Never a code or a message text: only the walk's numbers, which are the attack's.
 */
import { ACCOUNT_BASELINE_DELIVERIES } from "../../src/ops/pumping-guard.js";
import { renderTable } from "../lib/table.js";
import { LIMITED_METRIC } from "./abuse-metrics.js";
import { GUARD_BLOCKS_METRIC } from "./guard-observe.js";
import { describeGuard } from "./guard-plan.js";
import { BLOCKED_ANSWER, type GuardFigures, type WaveFigures } from "./guard-summary.js";
import { indent, seconds, wrap } from "./text-wrap.js";

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : "-";
}

function waveRow(label: string, w: WaveFigures): (string | number)[] {
  const answers = w.answers.map((a) => `${a.answer} × ${a.count}`).join(", ");
  return [label, w.submits, w.accepted, w.refused, answers || "-"];
}

function evidence(f: GuardFigures): string {
  return (
    `Evidence: of the walk's ${f.walk.accepted} messages per_range_limit let through, ${f.walk.deliveredCount} were ` +
    `delivered (what the guard judges) and ${f.walk.converted} of those codes used: nobody at a pumped ` +
    `number uses one. Of the account's other deliveries, ${f.others.converted} of ${f.others.deliveredCount} ` +
    `codes were used (${percent(f.others.converted, f.others.deliveredCount)}).`
  );
}

function blockText(f: GuardFigures): string {
  const counter = f.counted ? `${GUARD_BLOCKS_METRIC}{account="${f.account}"}: ${f.counted.blocks}` : "";
  if (!f.block && f.run?.seenAt === undefined)
    return `Block: NONE of ${f.plan.rangeText} within ${seconds(f.run?.timeoutMs ?? 0)} of the last submit (${counter}).`;
  const after = f.afterMs === undefined ? "" : ` ${seconds(f.afterMs)} after the attack's first submit`;
  const why = f.block
    ? `, for ${f.block.blockSeconds} s: "${f.block.reason}" (its log line; ${counter})`
    : ` (${counter}; no line in its log)`;
  return `Block: otpgw blocked ${f.plan.rangeText} for the account${after}${why}.`;
}

function waveText(f: GuardFigures): string {
  const run = f.run!;
  const wave = f.plan.wave;
  const numbers = wave.length > 1 ? `${wave[0]} to ${wave[wave.length - 1]}` : (wave[0] ?? "");
  const when =
    run.seenAt === undefined
      ? `after waiting ${seconds(run.waitedMs)} for the block in vain`
      : `once the block was in force (${seconds(run.waitedMs)} after the last submit)`;
  return `Second wave: ${wave.length} more numbers of the walk (${numbers}), sent ${when}.`;
}

/** otpgw's count of submits refused for a blocked range, against the second wave's refusals. */
function blockedRangeText(f: GuardFigures): string {
  const metric = `${LIMITED_METRIC}{account="${f.account}",limit="blocked_range"}`;
  if (!f.counted) return `${metric}: not read.`;
  const wave = f.second?.answers.find((a) => a.answer === BLOCKED_ANSWER)?.count ?? 0;
  const whose =
    f.counted.blockedRangeRefusals === wave
      ? wave > 0
        ? "all of them the second wave's: no OTP of the normal traffic refused by the block"
        : "no OTP of the normal traffic refused by a block"
      : `the second wave's refusals are ${wave}`;
  return `${metric}: ${f.counted.blockedRangeRefusals}, ${whose}.`;
}

export function guardSection(f: GuardFigures): string {
  const heading = `Pumping guard: a range whose delivered codes go unused is blocked (${describeGuard(f.plan.spec)})`;
  if (!f.plan.shown || !f.run || !f.second) {
    return [
      heading,
      indent(
        wrap(
          `Not shown this run: the guard judges no range before the account has ${ACCOUNT_BASELINE_DELIVERIES} ` +
            `judged deliveries, and this run sends ${f.plan.normalCount} OTPs of normal traffic ` +
            `(run with --messages ${f.plan.normalNeeded} or more). ` +
            blockedRangeText(f),
        ),
      ),
    ].join("\n");
  }
  const limit = `per_range_limit alone refuses a walk only until its window ends, then lets as many through again`;
  const refusal = f.second.message ? ` ("${f.second.message}")` : "";
  return [
    heading,
    indent(wrap(evidence(f))),
    indent(wrap(blockText(f))),
    indent(wrap(waveText(f))),
    indent(
      renderTable(
        ["wave", "submits", "accepted", "refused", "answers to the refused"],
        [waveRow("first: the walk", f.first), waveRow("second: once blocked", f.second)],
      ),
    ),
    indent(wrap(`${limit}; the block refuses every number of the range${refusal}.`)),
    indent(wrap(blockedRangeText(f))),
  ].join("\n");
}
