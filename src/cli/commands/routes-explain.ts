import type { Command } from "commander";
import type { SettingsAndCarriers } from "../../config/loaded-config.js";
import { effectiveControl, formatRemaining, type CarrierControl } from "../../ops/carrier-controls.js";
import { readControls } from "../../ops/control-store.js";
import { portedNetworkOf } from "../../ops/ported-store.js";
import { findNetwork, type NetworkPlan, type PortedLookup } from "../../routing/networks.js";
import { parseDestination } from "../../routing/numbering.js";
import type { Route } from "../../routing/route.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import {
  CommandRefusal,
  loadForOperations,
  redisWhere,
  reportRefusal,
  withDaemonRedis,
} from "../control-session.js";
import { renderTable } from "../text-table.js";
import { ignoredEntryProblem, networkMatchWords } from "./ported-entry.js";

interface ExplainFlags extends ConfigFlags {
  offline?: boolean;
}

/** `otpgw routes explain <number>`: the route a destination takes and how its carriers share it. */
export function registerRoutesExplainCommand(routes: Command, context: CliContext): void {
  addConfigOptions(
    routes
      .command("explain <number>")
      .description(
        "show the route an E.164 number takes, its network, its carriers, their weights and shares of first attempts, and its escalation channels",
      )
      .option(
        "--offline",
        "do not read the operators' drains and weight factors, nor the number's ported entry, from Redis",
      )
      .addHelpText(
        "after",
        "\nFrom routes.yaml, the networks file and carriers/ (as `otpgw start` reads them): the number's country, its" +
          "\nmobile network (MCC/MNC: its ported entry, else its number range), the route it matches (longest prefix," +
          "\nelse network, else country, else default) and the route's carriers. Unless --offline, the number's ported" +
          "\nentry and the drains and weight factors in force are read from the daemons' Redis and applied; when" +
          "\nRedis cannot be reached the output says so and shows the route by the number's range and routes.yaml's" +
          "\nweights alone. Shares assume every carrier is bound with room; a message's second attempt goes to a" +
          "\ncarrier not tried yet." +
          "\n\nExample:\n  otpgw routes explain +6281234567890",
      ),
  ).action(async (number: string, flags: ExplainFlags) => {
    context.setExitCode(await explain(number, flags, context));
  });
}

async function explain(number: string, flags: ExplainFlags, context: CliContext): Promise<number> {
  try {
    const config = await loadForOperations(flags, context, { routes: true });
    const destination = parseDestination(number);
    if (!destination.ok) throw new CommandRefusal(`not a destination otpgw accepts: ${destination.reason}`);
    const { e164, country } = destination;
    const overrides = await readOverrides(flags, config, e164);
    // The number's own entry stands for the daemons' ported numbers: the route is the one they take.
    const entry = overrides.read ? overrides.portedTo : null;
    const ported: PortedLookup = { networkOf: (n) => (n === e164 ? (entry ?? undefined) : undefined) };
    const route = config.routes.match(e164, country, ported);
    if (!route)
      throw new CommandRefusal(
        `no route takes ${country} numbers (no prefix, network, country or default route matches): a submit is refused`,
      );
    const network = networkLine(config.networks, ported, e164, country, overrides);
    context.stdout.write(render(e164, country, route, network, overrides));
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "routes explain");
  }
}

/** The overrides and the number's ported entry read, with Redis's time then (their ends are on its clock). */
type Overrides =
  | {
      read: true;
      controls: Map<string, CarrierControl>;
      now: number;
      where: string;
      /** The MCC/MNC the number is ported to, or null. */
      portedTo: string | null;
    }
  | { read: false; why: string };

async function readOverrides(
  flags: ExplainFlags,
  config: SettingsAndCarriers,
  e164: string,
): Promise<Overrides> {
  if (flags.offline === true) return { read: false, why: "--offline" };
  if (!config.daemon.redisUrl) return { read: false, why: "redis_url (or REDIS_URL) is not set" };
  const prefix = config.daemon.redisKeyPrefix;
  try {
    const { controls, now, portedTo } = await withDaemonRedis(config.daemon, async (redis) => ({
      ...(await readControls(redis, prefix)),
      portedTo: await portedNetworkOf(redis, prefix, e164),
    }));
    return { read: true, controls, now, where: redisWhere(config.daemon), portedTo };
  } catch (error) {
    if (error instanceof CommandRefusal) return { read: false, why: error.message };
    throw error;
  }
}

/** `Network: 450-08 KT (its ported entry)`, with what was not read or is ignored. */
function networkLine(
  plan: NetworkPlan,
  ported: PortedLookup,
  e164: string,
  country: string,
  overrides: Overrides,
): string {
  const match = findNetwork(plan, ported, e164, country);
  const notes: string[] = [];
  if (!overrides.read) notes.push("ported numbers not read");
  else if (overrides.portedTo === null) notes.push("not ported");
  else if (match?.source !== "ported") {
    const why = ignoredEntryProblem(plan, overrides.portedTo, e164, country);
    notes.push(`its ported entry ${overrides.portedTo} is ignored${why === undefined ? "" : `: ${why}`}`);
  }
  if (match === undefined) notes.push("no network of the networks file has its range");
  return `Network: ${networkMatchWords(match)}${notes.length > 0 ? `; ${notes.join("; ")}` : ""}.`;
}

function render(e164: string, country: string, route: Route, network: string, overrides: Overrides): string {
  // Only read overrides have ends to judge, by Redis's time when read.
  const now = overrides.read ? overrides.now : Number.NaN;
  const rows = route.carriers.map((c) => {
    const control = overrides.read ? effectiveControl(overrides.controls.get(c.id), now) : undefined;
    const stored = overrides.read ? overrides.controls.get(c.id) : undefined;
    const weight = control?.drained === true ? 0 : (c.weight * (control?.weightPercent ?? 100)) / 100;
    const notes = [
      control?.drained === true &&
        `drained by ${stored!.drain!.by}${ends(stored!.drain!.until, now)}${stored!.drain!.reason ? ` (${stored!.drain!.reason})` : ""}`,
      control !== undefined &&
        control.weightPercent !== 100 &&
        `weight ${control.weightPercent} % by ${stored!.weight!.by}${ends(stored!.weight!.until, now)}`,
    ].filter((n): n is string => typeof n === "string");
    return { id: c.id, configured: c.weight, weight, notes };
  });
  const total = rows.reduce((sum, r) => sum + r.weight, 0);
  const table = renderTable(
    ["carrier", "weight", "effective", "first attempts", "operator overrides"],
    rows.map((r) => [
      r.id,
      round(r.configured),
      round(r.weight),
      total === 0 ? "-" : `${round((100 * r.weight) / total)} %`,
      r.notes.join("; ") || "-",
    ]),
  );
  const timing =
    `DLR timeout ${round(route.dlrTimeoutMs / 1000)} s, validity ${route.validitySeconds} s ` +
    `(at most ${route.maxValiditySeconds} s)`;
  const lines = [
    `${e164}: ${country}; route ${route.name} (${route.matchedBy}); ${timing}`,
    network,
    ...(route.beforeSms
      ? [
          `Before SMS: ${route.beforeSms.join(", then ")}, each once while the code is valid (routes.yaml before_sms:); the carriers below only if it fails.`,
        ]
      : []),
    table,
    overrides.read
      ? `Operator overrides read from ${overrides.where}.`
      : `Operator overrides not read (${overrides.why}): shares by routes.yaml's weights alone.`,
    route.escalation.length > 0
      ? `When SMS is spent (every carrier tried, or every one left down): ${route.escalation.join(", then ")}, each once while the code is valid.`
      : "No escalation after SMS (routes.yaml escalation:).",
  ];
  // Admission (delivery/admission.ts) still accepts a message its route can send by a channel the daemon runs.
  const channels = [...new Set([...(route.beforeSms ?? []), ...route.escalation])];
  if (total === 0)
    lines.push(
      channels.length === 0
        ? "Every carrier of the route is drained: new messages are refused (503 / ESME_RMSGQFUL) and waiting ones retry."
        : `Every carrier of the route is drained: new messages are still accepted where the daemon runs ${channels.join(" or ")} ` +
            "(the route tries it before or after SMS), and go by it; SMS attempts wait and retry. " +
            "Where it runs none, they are refused (503 / ESME_RMSGQFUL).",
    );
  return `${lines.join("\n")}\n`;
}

function ends(until: number | undefined, now: number): string {
  return until === undefined ? "" : `, ends in ${formatRemaining(until - now)}`;
}

function round(value: number): number {
  return Number(value.toFixed(2));
}
