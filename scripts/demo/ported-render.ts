/** The ported-numbers section of the demo's summary as text, and the banner line of the import. */
import { renderTable } from "../lib/table.js";
import { PORTED_METRIC, type PortedImport } from "./ported-import.js";
import type { PortedPlan } from "./ported-plan.js";
import {
  percent,
  shareOf,
  type FirstAttempts,
  type PortedFigures,
  type PortedGroup,
} from "./ported-summary.js";
import { NETWORKS, SUBSCRIBER_ROUTES } from "./scenario.js";
import { indent, seconds, wrap } from "./text-wrap.js";

/** Why no number is ported this run. */
const NONE = "no OTP goes to a Telkomsel-range number before the outage (run with more --messages)";

/**
 * The start-up banner's line: the command, the first line it printed, which numbers, and when the daemon counted
 * them: `otpgw ported import ported.csv --by otpgw-demo: "27 numbers of ported.csv imported by otpgw-demo (…) in
 * 0.0 s" (the numbers of 1 in 2 of …); the daemon counted them (otpgw_ported_numbers 27) 1.0 s after the command
 * started`.
 */
export function portedBanner(plan: PortedPlan, imported: PortedImport | undefined): string {
  if (!imported) return `none: ${NONE}`;
  if (imported.exitCode !== 0)
    return `${imported.command} FAILED (exit ${imported.exitCode}): ${imported.stderr}`;
  const which =
    `the numbers of 1 in ${plan.spec.every} of the ${plan.eligible} Telkomsel-range OTPs sent before the outage, ` +
    `now ${plan.spec.networkName}'s: ${plan.spec.network}`;
  const seen =
    imported.seenAfterMs === undefined
      ? `${PORTED_METRIC} still ${imported.gauge ?? "unread"} after ${seconds(imported.waitedMs)}`
      : `the daemon counted them (${PORTED_METRIC} ${imported.gauge}) ${seconds(imported.seenAfterMs)} after ` +
        "the command started";
  const warned = imported.stderr === "" ? "" : `; it warned: ${imported.stderr}`;
  return `${imported.command}: "${imported.firstLine.replace(/:$/, "")}" (${which}); ${seen}${warned}`;
}

function cell(g: FirstAttempts, carrier: string): string {
  const share = shareOf(g, carrier);
  return Number.isNaN(share) ? "-" : `${g.byCarrier.get(carrier) ?? 0} (${percent(share)})`;
}

/** "id-indosat-subscribers" when every message took it, else each route with its count. */
function routesCell(g: FirstAttempts): string {
  const routes = [...g.routes].sort((a, b) => b[1] - a[1]);
  const unrouted = g.unrouted > 0 ? [`${g.unrouted} naming none`] : [];
  if (routes.length === 1 && unrouted.length === 0) return routes[0]![0];
  return [...routes.map(([route, n]) => `${route} × ${n}`), ...unrouted].join(", ") || "-";
}

const LABELS: [PortedGroup, string][] = [
  ["ported", "Telkomsel's ranges, ported"],
  ["notPorted", "Telkomsel's ranges, not ported"],
  ["indosatRange", "Indosat's ranges"],
];

export function portedSection(f: PortedFigures): string {
  const heading =
    `Ported numbers: routes match by network (${NETWORKS.telkomsel} → ${SUBSCRIBER_ROUTES.telkomsel}, ` +
    `${NETWORKS.indosat} → ${SUBSCRIBER_ROUTES.indosat}, each 80/20); a ported number keeps its prefix`;
  if (f.plan.numbers.length === 0) return [heading, indent(wrap(`Not shown this run: ${NONE}.`))].join("\n");
  const { ported: toIndosat, notPorted: toTelkomsel } = f.plan.spec.carriers;
  const g = f.groups;
  const rows = LABELS.map(([name, label]) => [
    label,
    g[name].messages,
    routesCell(g[name]),
    g[name].counted,
    cell(g[name], toIndosat),
    cell(g[name], toTelkomsel),
  ]);
  const headers = ["numbers", "messages", "route", "counted", toIndosat, toTelkomsel];
  const summary =
    `${f.plan.numbers.length} numbers of Telkomsel's ranges ported to ${f.plan.spec.networkName}: first attempts ` +
    `${toIndosat} ${g.ported.byCarrier.get(toIndosat) ?? 0}, ${toTelkomsel} ` +
    `${g.ported.byCarrier.get(toTelkomsel) ?? 0} (the ${SUBSCRIBER_ROUTES.indosat} route's 80/20, as for ` +
    `Indosat's own numbers: ${toIndosat} ${percent(shareOf(g.indosatRange, toIndosat))}); Telkomsel-range numbers ` +
    `not ported: ${toTelkomsel} ${percent(shareOf(g.notPorted, toTelkomsel))}.`;
  return [
    heading,
    indent(renderTable(headers, rows)),
    indent(
      wrap(
        "route: the route each message's first SMS attempt was planned on (its `route` in GET /v1/messages/:id). " +
          "counted, and the carriers' columns: first SMS attempts started " +
          `while both carriers were up; after ${toTelkomsel}'s outage every route's first attempts go to ` +
          `${toIndosat}. Live health may lower a flaky carrier's share below its weight.`,
      ),
    ),
    indent(wrap(f.plan.compared ? summary : tooFew(f))),
  ].join("\n");
}

/** Why the carriers are not compared this run. */
function tooFew(f: PortedFigures): string {
  return (
    `Their first carriers are not compared this run: fewer than ${f.plan.spec.minCompared} ported numbers, or ` +
    `${f.plan.spec.minCompared} other Telkomsel-range numbers, get an OTP before the outage ` +
    `(run with --messages ${f.plan.messagesNeeded} or more).`
  );
}

/** The check's line under "Checks: all passed" (none when the run had no number to port). */
export function portedChecks(f: PortedFigures): string[] {
  if (f.plan.numbers.length === 0) return [];
  const compared = f.plan.compared
    ? `; while both carriers were up, ${f.plan.spec.carriers.ported} had a larger share of the ported numbers' ` +
      "first attempts than of the others'"
    : "";
  return wrap(
    "ported numbers: otpgw ported import took the file and the daemon counted every number; every ported " +
      `number's first attempt chosen by ${f.plan.spec.routes.ported}, every other Telkomsel-range number's by ` +
      `${f.plan.spec.routes.notPorted}, every Indosat-range number's by ${f.plan.spec.routes.indosatRange}` +
      compared,
    110,
  )
    .split("\n")
    .map((line) => `  ${line}`);
}
