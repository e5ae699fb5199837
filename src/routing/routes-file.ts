/**
 * Validates the text of routes.yaml against the schema and the carriers, and builds the route table. Every
 * problem is reported with its line; the table exists only when there is none. Pure: the caller reads the
 * file and supplies the carriers.
 */
import { formatPath, sortByLine, type ConfigProblem } from "../config/config-problem.js";
import { shortValidityReason } from "../config/min-validity.js";
import { checkAgainstSchema } from "../config/schema-issues.js";
import { parseYamlSource } from "../config/yaml-source.js";
import type { ChannelId } from "../escalation/channel-types.js";
import { NetworkPlan } from "./networks.js";
import { RouteTable } from "./route-table.js";
import { healthDefaults } from "./route-defaults.js";
import type { HealthSettings, RouteMatch, RouteSpec, RouteTiming } from "./route.js";
import {
  routesFileSchema,
  type HealthKeys,
  type KnownCarrier,
  type MatchInput,
  type RoutesFile,
} from "./routes-schema.js";

export interface RoutesFileResult {
  /** The route table, when the file has no problem. */
  table?: RouteTable;
  problems: ConfigProblem[];
}

type Path = readonly PropertyKey[];

/**
 * `source` is the file as shown in messages; `carriers` are the configured carriers by id (a route may only
 * name these, for countries they serve).
 */
export function parseRoutesFile(
  text: string,
  source: string,
  carriers: ReadonlyMap<string, KnownCarrier>,
  /** The shortest validity an OTP can be delivered in (min_remaining_validity_seconds + 1). Default 1. */
  minValiditySeconds = 1,
  /** The channels otpgw.yaml configures (`channels:`): `escalation:` may only name these. */
  channels: ReadonlySet<ChannelId> = new Set(),
  /** The networks file (src/routing/networks-file.ts): `match: { network }` names its networks. */
  networks: NetworkPlan = NetworkPlan.EMPTY,
): RoutesFileResult {
  const yaml = parseYamlSource(text, source);
  if (yaml.data === undefined) return { problems: yaml.problems };

  const checked = checkAgainstSchema(routesFileSchema(carriers, channels, networks), yaml.data, {
    source,
    lineOf: yaml.lineOf,
  });
  if (checked.value === undefined) return { problems: sortByLine(checked.problems) };

  const problems: ConfigProblem[] = [];
  const at = (path: Path, reason: string) =>
    problems.push({ source, line: yaml.lineOf(path), path: formatPath(path), reason });
  checkAcrossRoutes(checked.value, at, yaml.lineOf);
  const timed: [Path, { validity_seconds?: number; max_validity_seconds?: number }][] = [
    [["defaults"], checked.value.defaults],
    ...checked.value.routes.map((route, i): [Path, typeof route] => [["routes", i], route]),
  ];
  for (const [path, keys] of timed) {
    for (const field of ["validity_seconds", "max_validity_seconds"] as const) {
      const value = keys[field];
      if (value !== undefined && value < minValiditySeconds)
        at([...path, field], shortValidityReason(minValiditySeconds));
    }
  }
  if (problems.length > 0) return { problems: sortByLine(problems) };

  const file = checked.value;
  const defaults = timing(file.defaults);
  const specs = file.routes.map((route): RouteSpec => {
    const routeTiming = timing({
      dlr_timeout_seconds: route.dlr_timeout_seconds ?? file.defaults.dlr_timeout_seconds,
      validity_seconds: route.validity_seconds ?? file.defaults.validity_seconds,
      max_validity_seconds: route.max_validity_seconds ?? file.defaults.max_validity_seconds,
    });
    return {
      name: route.name,
      match: toRouteMatch(route.match),
      carriers: route.carriers.map((entry) => ({ id: entry.carrier, weight: entry.weight })),
      ...routeTiming,
      health: healthSettings(route.health, file.defaults.health, routeTiming.dlrTimeoutMs),
      escalation: route.escalation ?? file.defaults.escalation ?? [],
      ...beforeSms(route.before_sms ?? file.defaults.before_sms),
    };
  });
  return { table: new RouteTable(specs, defaults, networks), problems: [] };
}

/** `beforeSms` when the route tries channels before SMS, else nothing (no key). */
function beforeSms(list: ChannelId[] | undefined): { beforeSms?: readonly ChannelId[] } {
  return list !== undefined && list.length > 0 ? { beforeSms: list } : {};
}

type TimingKeys = Pick<
  RoutesFile["defaults"],
  "dlr_timeout_seconds" | "validity_seconds" | "max_validity_seconds"
>;

function timing(keys: TimingKeys): RouteTiming {
  return {
    // A timer needs whole milliseconds, and at least one.
    dlrTimeoutMs: Math.max(1, Math.round(keys.dlr_timeout_seconds * 1000)),
    validitySeconds: keys.validity_seconds,
    maxValiditySeconds: keys.max_validity_seconds,
  };
}

/** A route's live-health settings: its own keys, else the defaults' keys, else the built-in defaults. */
function healthSettings(
  own: HealthKeys | undefined,
  defaults: HealthKeys | undefined,
  dlrTimeoutMs: number,
): HealthSettings {
  const latencyTarget = own?.latency_target_seconds ?? defaults?.latency_target_seconds;
  return {
    enabled: own?.enabled ?? defaults?.enabled ?? healthDefaults.enabled,
    windowMs: (own?.window_seconds ?? defaults?.window_seconds ?? healthDefaults.windowSeconds) * 1000,
    minSamples: own?.min_samples ?? defaults?.min_samples ?? healthDefaults.minSamples,
    floorShare: (own?.floor_percent ?? defaults?.floor_percent ?? healthDefaults.floorPercent) / 100,
    latencyTargetMs:
      latencyTarget === undefined
        ? dlrTimeoutMs * healthDefaults.latencyTargetOfDlrTimeout
        : Math.max(1, Math.round(latencyTarget * 1000)),
    conversionWaitMs:
      (own?.conversion_wait_seconds ??
        defaults?.conversion_wait_seconds ??
        healthDefaults.conversionWaitSeconds) * 1000,
  };
}

function toRouteMatch(match: MatchInput): RouteMatch {
  if (match.kind === "prefix")
    return { kind: "prefix", prefixes: match.prefixes.map((entry) => entry.prefix) };
  if (match.kind === "country") return { kind: "country", countries: match.countries };
  if (match.kind === "network") return { kind: "network", networks: match.networks.map((n) => n.mccmnc) };
  return { kind: "default" };
}

/** Problems no single route shows: duplicates between routes, and validities above their bound. */
function checkAcrossRoutes(
  file: RoutesFile,
  at: (path: Path, reason: string) => void,
  lineOf: (path: Path) => number,
): void {
  const names = new Map<string, Path>();
  const prefixes = new Map<string, { route: string; path: Path }>();
  const countries = new Map<string, { route: string; path: Path }>();
  const networks = new Map<string, { route: string; path: Path }>();
  let fallback: { route: string; path: Path } | undefined;

  file.routes.forEach((route, index) => {
    const namePath = ["routes", index, "name"];
    const first = names.get(route.name);
    if (first) at(namePath, `duplicate route name "${route.name}" (also at line ${lineOf(first)})`);
    else names.set(route.name, namePath);

    const match = route.match;
    const matchPath = ["routes", index, "match"];
    if (match.kind === "default") {
      if (fallback) {
        at(
          matchPath,
          `route "${fallback.route}" (line ${lineOf(fallback.path)}) is already the default; there is at most one`,
        );
      } else {
        fallback = { route: route.name, path: matchPath };
      }
      return;
    }
    const key = match.kind;
    const [values, seen] =
      match.kind === "prefix"
        ? [match.prefixes.map((entry) => entry.prefix), prefixes]
        : match.kind === "network"
          ? [match.networks.map((network) => network.mccmnc), networks]
          : [match.countries, countries];
    values.forEach((value, position) => {
      const path = match.written === "list" ? [...matchPath, key, position] : [...matchPath, key];
      const other = seen.get(value);
      if (other) {
        at(path, `${key} ${value} is already matched by route "${other.route}" (line ${lineOf(other.path)})`);
      } else {
        seen.set(value, { route: route.name, path });
      }
    });
  });

  checkValidity(file, at);
}

/** validity_seconds ≤ max_validity_seconds, for the defaults and for every route that sets either. */
function checkValidity(file: RoutesFile, at: (path: Path, reason: string) => void): void {
  const d = file.defaults;
  if (d.validity_seconds > d.max_validity_seconds) {
    at(
      ["defaults", "validity_seconds"],
      `must not exceed max_validity_seconds (${d.validity_seconds} > ${d.max_validity_seconds})`,
    );
  }
  file.routes.forEach((route, index) => {
    const own = route.validity_seconds;
    const ownMax = route.max_validity_seconds;
    if (own === undefined && ownMax === undefined) return;
    const validity = own ?? d.validity_seconds;
    const max = ownMax ?? d.max_validity_seconds;
    if (validity <= max) return;
    if (own !== undefined) {
      const from = ownMax === undefined ? " from defaults" : "";
      at(
        ["routes", index, "validity_seconds"],
        `must not exceed max_validity_seconds (${validity} > ${max}${from})`,
      );
    } else {
      at(
        ["routes", index, "max_validity_seconds"],
        `must be at least validity_seconds (${max} < ${validity} from defaults)`,
      );
    }
  });
}
