import type { Command } from "commander";
import type { SettingsAndCarriers } from "../../config/loaded-config.js";
import { effectiveControl, formatRemaining, type CarrierControl } from "../../ops/carrier-controls.js";
import { readControls } from "../../ops/control-store.js";
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

interface ExplainFlags extends ConfigFlags {
  offline?: boolean;
}

/** `otpgw routes explain <number>`: the route a destination takes and how its carriers share it. */
export function registerRoutesExplainCommand(routes: Command, context: CliContext): void {
  addConfigOptions(
    routes
      .command("explain <number>")
      .description(
        "show the route an E.164 number takes, its carriers, their weights and shares of first attempts, and its escalation channels",
      )
      .option("--offline", "do not read the operators' drains and weight factors from Redis")
      .addHelpText(
        "after",
        "\nFrom routes.yaml and carriers/ (as `otpgw start` reads them): the number's country, the route it matches" +
          "\n(longest prefix, else country, else default) and the route's carriers. Unless --offline, the drains and" +
          "\nweight factors in force are read from the daemons' Redis and applied; when Redis cannot be reached the" +
          "\noutput says so and shows routes.yaml's weights alone. Shares assume every carrier is bound with room;" +
          "\na message's second attempt goes to a carrier not tried yet." +
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
    const route = config.routes.match(destination.e164, destination.country);
    if (!route)
      throw new CommandRefusal(
        `no route takes ${destination.country} numbers (no prefix, country or default route matches): a submit is refused`,
      );
    const overrides = await readOverrides(flags, config);
    context.stdout.write(render(destination.e164, destination.country, route, overrides));
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "routes explain");
  }
}

/** The overrides read, with Redis's time then (their ends are on its clock, not this host's). */
type Overrides =
  | { read: true; controls: Map<string, CarrierControl>; now: number; where: string }
  | { read: false; why: string };

async function readOverrides(flags: ExplainFlags, config: SettingsAndCarriers): Promise<Overrides> {
  if (flags.offline === true) return { read: false, why: "--offline" };
  if (!config.daemon.redisUrl) return { read: false, why: "redis_url (or REDIS_URL) is not set" };
  try {
    const { controls, now } = await withDaemonRedis(config.daemon, (redis) =>
      readControls(redis, config.daemon.redisKeyPrefix),
    );
    return { read: true, controls, now, where: redisWhere(config.daemon) };
  } catch (error) {
    if (error instanceof CommandRefusal) return { read: false, why: error.message };
    throw error;
  }
}

function render(e164: string, country: string, route: Route, overrides: Overrides): string {
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
  if (total === 0)
    lines.push(
      "Every carrier of the route is drained: new messages are refused (503 / ESME_RMSGQFUL) and waiting ones retry.",
    );
  return `${lines.join("\n")}\n`;
}

function ends(until: number | undefined, now: number): string {
  return until === undefined ? "" : `, ends in ${formatRemaining(until - now)}`;
}

function round(value: number): number {
  return Number(value.toFixed(2));
}
