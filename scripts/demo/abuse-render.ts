/** The anti-abuse section of the demo's summary as text: per limit, the attack, the answers, otpgw's counter. */
import { renderTable } from "../lib/table.js";
import { LIMITED_METRIC } from "./abuse-metrics.js";
import type { AbuseFigures } from "./abuse-summary.js";
import type { AccountLimits } from "./pumping-attack.js";
import { indent, wrap } from "./text-wrap.js";

/** What the section says besides the figures: the account and its limits, and when the attack came. */
export interface AbuseSetup {
  account: string;
  limits: AccountLimits;
  /** "after 25 % of the normal traffic, before the outage". */
  when: string;
}

/** "countries ID, KR; at most 3 OTPs per number and 10 per range of 1,000 numbers in 600 s". */
export function describeLimits(limits: AccountLimits): string {
  const { countries, perNumberLimit: number, perRangeLimit: range } = limits;
  const rangeSize = (10 ** range.rangeDigits).toLocaleString("en-US");
  const numberWindow = number.windowSeconds === range.windowSeconds ? "" : ` in ${number.windowSeconds} s`;
  return (
    `countries ${countries.join(", ")}; at most ${number.messages} OTPs per number${numberWindow} and ` +
    `${range.messages} per range of ${rangeSize} numbers in ${range.windowSeconds} s`
  );
}

function retryAfterText(figures: AbuseFigures): string {
  const all = figures.rows.flatMap((r) => (r.retryAfter ? [r.retryAfter] : []));
  if (all.length === 0) return "";
  const min = Math.min(...all.map((r) => r.min));
  const max = Math.max(...all.map((r) => r.max));
  return ` The volume refusals said Retry-After ${min === max ? min : `${min}-${max}`} s: when the limit's window ends.`;
}

export function abuseSection(figures: AbuseFigures, setup: AbuseSetup): string {
  const rows = figures.rows.map((r) => [
    r.limit,
    r.submits,
    r.accepted,
    r.refused,
    r.counted ?? "-",
    r.answers.length === 0 ? "-" : r.answers.map((a) => `${a.answer} × ${a.count}`).join(", "),
  ]);
  const counter =
    `otpgw counted: ${LIMITED_METRIC}{account="${setup.account}",limit} from its /metrics` +
    (figures.metricsError === undefined ? "." : ` (unreadable: ${figures.metricsError}).`);
  const prose =
    `The attack, in one burst ${setup.when}: ${figures.rows.map((r) => `${r.limit}: ${r.description}`).join("; ")}. ` +
    "Those accepted (under the limits) are real messages, in the figures above." +
    retryAfterText(figures);
  const normal = figures.normal;
  return [
    `Anti-abuse: SMS pumping against the account's limits (${describeLimits(setup.limits)})`,
    indent(
      renderTable(
        ["limit", "attack submits", "accepted", "refused", "otpgw counted", "answers to the refused"],
        rows,
      ),
    ),
    indent(wrap(prose)),
    indent(wrap(counter)),
    `  The ${normal.submits} OTPs of the normal traffic: ${normal.refusedByLimits} refused by a limit.`,
  ].join("\n");
}
