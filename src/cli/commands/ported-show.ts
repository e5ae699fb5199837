/**
 * `otpgw ported show <number>`: how routing sees one number's network — its country, the network of its number
 * range (the networks file), its ported entry (the daemons' Redis), the network routing uses of the two, and the
 * route the number takes now. Read-only.
 */
import type { Command } from "commander";
import { parsePortedVersion, portedNetworkOf, readPortedVersion } from "../../ops/ported-store.js";
import { findNetwork, type NetworkPlan, type PortedLookup } from "../../routing/networks.js";
import { parseDestination } from "../../routing/numbering.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import {
  CommandRefusal,
  formatTime,
  loadForPortedNumbers,
  redisWhere,
  reportRefusal,
  withDaemonRedis,
  warnRoutingProblems,
} from "../control-session.js";
import { ignoredEntryProblem, networkLabel, networkMatchWords } from "./ported-entry.js";
import type { Route } from "../../routing/route.js";
import type { RouteTable } from "../../routing/route-table.js";

interface ShowFlags extends ConfigFlags {
  json?: boolean;
}

export function registerPortedShowCommand(ported: Command, context: CliContext): void {
  addConfigOptions(
    ported
      .command("show <number>")
      .description(
        "a number's country, its range's network, its ported entry, the network routing uses and the route it takes",
      )
      .option("--json", "print JSON")
      .addHelpText(
        "after",
        "\nRouting takes a number's ported entry, else the network whose range (in the networks file) the number is" +
          "\nin; an entry naming a network the file lacks, or one of another country, is ignored. The route is the" +
          "\none routes.yaml gives it now: longest prefix, else network, else country, else default." +
          "\nReads the daemons' Redis (redis_url / REDIS_URL, redis_key_prefix) as `otpgw start` would; exits 1 when" +
          "\nit cannot." +
          "\n\nExample:\n  otpgw ported show +821012345678",
      ),
  ).action(async (number: string, flags: ShowFlags) => {
    context.setExitCode(await show(number, flags, context));
  });
}

async function show(number: string, flags: ShowFlags, context: CliContext): Promise<number> {
  try {
    const config = await loadForPortedNumbers(flags, context);
    warnRoutingProblems(config, context, "ported show");
    const routes = config.routes;
    const destination = parseDestination(number);
    if (!destination.ok) throw new CommandRefusal(`not a destination otpgw accepts: ${destination.reason}`);
    const { e164, country } = destination;
    const plan = config.networks;
    const prefix = config.daemon.redisKeyPrefix;
    const { entry, version } = await withDaemonRedis(config.daemon, async (redis) => ({
      entry: await portedNetworkOf(redis, prefix, e164),
      version: await readPortedVersion(redis, prefix),
    }));
    // This number's entry alone: the route is the one the daemons take with every ported number loaded.
    const lookup: PortedLookup = { networkOf: (n) => (n === e164 ? (entry ?? undefined) : undefined) };
    const used = findNetwork(plan, lookup, e164, country);
    const route = routes?.match(e164, country, lookup);
    const range = plan.byRange(e164);
    const ignored = entry === null ? undefined : ignoredEntryProblem(plan, entry, e164, country);
    const change = lastChange(parsePortedVersion(version));
    if (flags.json === true) {
      const report = {
        number: e164,
        country,
        range_network: range ? { mccmnc: range.mccmnc, name: range.name } : null,
        ported:
          entry === null
            ? null
            : { mccmnc: entry, name: plan.get(entry)?.name ?? null, ignored: ignored ?? null },
        network: used ? { mccmnc: used.network.mccmnc, name: used.network.name, source: used.source } : null,
        // null also when routes.yaml has problems (`routes_problems`): the route is then not known here.
        route: route ? { name: route.name, matched_by: route.matchedBy } : null,
        routes_match_networks: routes?.matchesNetworks ?? null,
        routes_problems: config.routingProblems,
        last_change: change ? { by: change.by, at: change.at ?? null } : null,
      };
      context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return ExitCodes.ok;
    }
    const rows: Array<[string, string]> = [
      ["range network", range ? `${range.mccmnc} ${range.name}` : noRangeWords(plan, country)],
      [
        "ported entry",
        entry === null
          ? "none (not ported)"
          : ignored === undefined
            ? networkLabel(plan, entry)
            : `${entry}, ignored: ${ignored}`,
      ],
      ["network used", networkMatchWords(used)],
      ["route", routeWords(routes, route, country)],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    const lines = [
      `${e164}: ${country}`,
      ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
      `Ported numbers read from ${redisWhere(config.daemon)}` +
        (change
          ? `; last changed by ${change.by} at ${change.at ?? "an unknown time"}.`
          : "; never changed."),
    ];
    context.stdout.write(`${lines.join("\n")}\n`);
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "ported show");
  }
}

/** The route row: the route the number takes, none, or not known (routes.yaml has problems). */
function routeWords(routes: RouteTable | undefined, route: Route | undefined, country: string): string {
  if (routes === undefined) return "not known: routes.yaml not used (see the warning)";
  return (
    (route
      ? `${route.name} (${route.matchedBy})`
      : `none: no route takes ${country} numbers (a submit is refused)`) +
    (routes.matchesNetworks ? "" : "; no route of routes.yaml matches by network")
  );
}

/** Why a number's range is no network's: shared between the country's networks, or no network of it is listed. */
function noRangeWords(plan: NetworkPlan, country: string): string {
  return plan.networks.some((n) => n.country === country)
    ? `none: no ${country} network of the networks file has this range (a shared range, or one not listed)`
    : `none: the networks file has no network of ${country}`;
}

/**
 * Who changed the ported numbers last and when (`2025-11-23T07:10:00Z`), from the stored version; undefined when
 * they never were. A version not written by otpgw has no time to show: `at` is then undefined, not an exception.
 */
export function lastChange(
  change: { at: number; by: string } | undefined,
): { by: string; at: string | undefined } | undefined {
  if (change === undefined) return undefined;
  return { by: change.by, at: Number.isFinite(change.at) ? formatTime(change.at) : undefined };
}
