/**
 * The ported-numbers figures of the demo's summary: whether `otpgw ported import` took the file and the daemon
 * counted it; for the ported numbers, the rest of Telkomsel's ranges and Indosat's ranges, the route each message's
 * first SMS attempt was planned on and which carrier it went to (both from GET /v1/messages/:id),
 * counting only first attempts started while both Indonesian carriers were up: after the outage, id-telkomsel is
 * down and every route's first attempts go to id-indosat, which says nothing of the route. Pure.
 *
 * The checks. The route is otpgw's decision, exact: every message of a group on its network's route (a routing that
 * ignored the ported numbers fails it every time). The carriers are that route's weighted draw (80/20, less live
 * health), so they are compared, not held to a bar: the ported numbers' first attempts go to id-indosat more often
 * than the other Telkomsel-range numbers' do. A default run counts 27 of each, measured at about 79 % and 21 %:
 * "more than half to id-indosat" would fail by chance about once in 2,000 runs, once in 70 when live health brings
 * id-indosat's share down to 70 % (as in a run of 1,000 OTPs); the comparison, once in 400,000, and once in 12,000.
 */
import type { MessageView } from "../../src/north/message-view.js";
import type { SentOtp } from "./load-sender.js";
import type { PortedImport } from "./ported-import.js";
import type { PortedPlan } from "./ported-plan.js";
import type { Destination } from "./traffic-mix.js";

/** The groups of Indonesian numbers compared. */
export type PortedGroup = "ported" | "notPorted" | "indosatRange";

export interface FirstAttempts {
  /** The group's accepted messages. */
  messages: number;
  /** Those whose first SMS attempt started while both carriers were up: the ones counted in `byCarrier`. */
  counted: number;
  /** Carrier → first attempts (of `counted`). */
  byCarrier: Map<string, number>;
  /**
   * Route → messages whose first SMS attempt was planned on it (the attempt's `route`): all of the group's with an SMS
   * attempt, outage or not (the route does not depend on it).
   */
  routes: Map<string, number>;
  /** The group's messages whose first SMS attempt names no route. */
  unrouted: number;
}

export interface PortedFigures {
  plan: PortedPlan;
  /** Undefined when the run had no number to port (too little traffic before the outage). */
  imported: PortedImport | undefined;
  groups: Record<PortedGroup, FirstAttempts>;
  failures: string[];
}

export interface PortedInput {
  plan: PortedPlan;
  imported: PortedImport | undefined;
  /** When the outage began (ms since the epoch); undefined if it never did. */
  outageAt: number | undefined;
  accepted: SentOtp[];
  views: Map<string, MessageView>;
}

export const GROUP_WORDS: Record<PortedGroup, string> = {
  ported: "ported numbers",
  notPorted: "Telkomsel-range numbers not ported",
  indosatRange: "Indosat-range numbers",
};

/** A share (0-1) as "79 %", or "-" for a group with nothing counted (shareOf's NaN). */
export function percent(share: number): string {
  return Number.isNaN(share) ? "-" : `${Math.round(100 * share)} %`;
}

function group(plan: PortedPlan, destination: Destination, index: number): PortedGroup | undefined {
  if (plan.indices.has(index)) return "ported";
  if (destination === "id-telkomsel-range") return "notPorted";
  if (destination === "id-indosat-range") return "indosatRange";
  return undefined;
}

export function summarizePorted(input: PortedInput): PortedFigures {
  const { plan, imported, outageAt } = input;
  const empty = (): FirstAttempts => ({
    messages: 0,
    counted: 0,
    byCarrier: new Map(),
    routes: new Map(),
    unrouted: 0,
  });
  const groups: Record<PortedGroup, FirstAttempts> = {
    ported: empty(),
    notPorted: empty(),
    indosatRange: empty(),
  };
  for (const sent of input.accepted) {
    if (sent.otp.attack !== undefined) continue;
    const name = group(plan, sent.otp.destination, sent.otp.index);
    if (name === undefined) continue;
    const figures = groups[name];
    figures.messages++;
    const first = input.views.get(sent.id)?.attempts.find((a) => a.channel === "sms");
    if (!first) continue;
    const route = first.route;
    if (route === null) figures.unrouted++;
    else figures.routes.set(route, (figures.routes.get(route) ?? 0) + 1);
    if (outageAt !== undefined && Date.parse(first.started_at) >= outageAt) continue;
    figures.counted++;
    figures.byCarrier.set(first.carrier, (figures.byCarrier.get(first.carrier) ?? 0) + 1);
  }
  const figures: PortedFigures = {
    plan,
    imported,
    groups,
    failures: [],
  };
  figures.failures = portedFailures(figures);
  return figures;
}

/** The share (0-1) of the group's counted first attempts that went to `carrier`. */
export function shareOf(figures: FirstAttempts, carrier: string): number {
  return figures.counted > 0 ? (figures.byCarrier.get(carrier) ?? 0) / figures.counted : Number.NaN;
}

function portedFailures(f: PortedFigures): string[] {
  if (f.plan.numbers.length === 0) return [];
  const failures: string[] = [];
  const imported = f.imported;
  const count = f.plan.numbers.length;
  if (!imported || imported.exitCode !== 0)
    failures.push(
      `otpgw ported import failed (exit ${imported?.exitCode ?? "-"}): ${imported?.stderr || "no output"}`,
    );
  else if (imported.seenAfterMs === undefined || imported.gauge !== count)
    failures.push(
      `the daemon's otpgw_ported_numbers showed ${imported.gauge ?? "nothing"} within ` +
        `${imported.waitedMs} ms of importing ${count} numbers`,
    );
  for (const name of ["ported", "notPorted", "indosatRange"] as const) {
    const g = f.groups[name];
    const elsewhere = [...g.routes].filter(([route]) => route !== f.plan.spec.routes[name]);
    if (g.unrouted > 0 || elsewhere.length > 0)
      failures.push(
        `${GROUP_WORDS[name]}: ${g.routes.get(f.plan.spec.routes[name]) ?? 0} of ${g.messages} messages' first ` +
          `SMS attempts chosen by route ` +
          `${f.plan.spec.routes[name]}` +
          (elsewhere.length > 0 ? `, ${elsewhere.map(([r, n]) => `${n} by ${r}`).join(", ")}` : "") +
          (g.unrouted > 0 ? `, ${g.unrouted} naming no route` : ""),
      );
  }
  if (!f.plan.compared) return failures;
  const { ported, notPorted } = f.groups;
  const carrier = f.plan.spec.carriers.ported;
  // The plan's groups are both at least minCompared; a few of their last OTPs may start after the outage began.
  const least = Math.ceil(f.plan.spec.minCompared / 2);
  if (ported.counted < least || notPorted.counted < least) {
    failures.push(
      `only ${ported.counted} ported and ${notPorted.counted} other Telkomsel-range numbers had a first attempt ` +
        `while both carriers were up (at least ${least} of each expected)`,
    );
  } else if (shareOf(ported, carrier) <= shareOf(notPorted, carrier)) {
    failures.push(
      `while both carriers were up, ${carrier} had ${percent(shareOf(ported, carrier))} of the ported numbers' ` +
        `first attempts, not more than its ${percent(shareOf(notPorted, carrier))} of the other ` +
        "Telkomsel-range numbers'",
    );
  }
  return failures;
}
