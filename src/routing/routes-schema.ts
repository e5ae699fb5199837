/**
 * The schema of routes.yaml (snake_case, as written). Unknown keys are errors. The checks that need the
 * carriers (every carrier exists and serves the route's countries) are part of the schema, so they are
 * reported together with the other problems of the same route; the checks across routes (duplicates, the
 * validity bounds) are in routes-file.ts, where the lines of both sides are known.
 */
import { isSupportedCountry } from "libphonenumber-js/max";
import * as z from "zod";
import { countryCodeProblem } from "../config/iso-countries.js";
import { channelIds, type ChannelId } from "../escalation/channel-types.js";
import { suggestKey } from "../config/suggest-key.js";
import { MCCMNC_PATTERN, MCCMNC_SHAPE } from "./network-codes.js";
import { NetworkPlan, type Network } from "./networks.js";
import { describePrefix, e164MaxDigits } from "./numbering.js";
import { withoutTrunkPrefix } from "./trunk-prefix.js";
import { healthLimits, routeDefaults, routeLimits } from "./route-defaults.js";

/** What routes.yaml needs to know about a carrier. */
export interface KnownCarrier {
  /** ISO 3166-1 alpha-2 codes of the countries the carrier serves. */
  countries: readonly string[];
}

/** A route's `match`, parsed. A prefix keeps the country it belongs to, when the prefix tells. */
export type MatchInput =
  | { kind: "prefix"; prefixes: { prefix: string; country: string | undefined }[]; written: Written }
  | { kind: "country"; countries: string[]; written: Written }
  | { kind: "network"; networks: Network[]; written: Written }
  | { kind: "default" };

/** How a prefix or country was written: one value, or a list (whose items have their own path and line). */
export type Written = "value" | "list";

const matchKeys = ["prefix", "network", "country"] as const;
const matchShape = `"default", { prefix: "+62811" }, { network: "510-10" } or { country: ID } (each may also be a list)`;

type Issues = { issues: z.core.$ZodRawIssue[] };

function report(ctx: Issues, input: unknown, path: PropertyKey[], message: string): void {
  ctx.issues.push({ code: "custom", input, path, message });
}

/** `value` as a list of (item, path) pairs: a single item stays at the key's own path. */
function listOf(ctx: Issues, value: unknown, key: string): { item: unknown; path: PropertyKey[] }[] {
  if (Array.isArray(value)) {
    if (value.length === 0) report(ctx, value, [key], "must list at least 1 item");
    return value.map((item: unknown, index) => ({ item, path: [key, index] }));
  }
  if (value === null || typeof value === "object") {
    report(ctx, value, [key], "expected a string or a list of strings");
    return [];
  }
  return [{ item: value, path: [key] }];
}

export function prefixProblem(prefix: unknown): string | undefined {
  if (typeof prefix === "number")
    return `must be a quoted string ("+${prefix}"): unquoted, YAML reads +${prefix} as the number ${prefix}`;
  if (typeof prefix !== "string" || !/^\+\d+$/.test(prefix))
    return 'must be "+" followed by digits (the start of E.164 numbers, e.g. "+62811")';
  if (prefix.length - 1 > e164MaxDigits) return `must have at most ${e164MaxDigits} digits (E.164)`;
  if (describePrefix(prefix) === undefined) return "does not start with a country calling code";
  const rewritten = withoutTrunkPrefix(prefix);
  if (rewritten !== undefined)
    return `keeps the national trunk prefix after the calling code: destinations are matched in E.164, without it, so this matches nothing — write "${rewritten}"`;
  return undefined;
}

export function countryProblem(country: unknown): string | undefined {
  if (typeof country !== "string") return "expected an ISO 3166-1 alpha-2 country code such as ID";
  const problem = countryCodeProblem(country);
  if (problem !== undefined) return problem;
  if (!isSupportedCountry(country)) return `no phone numbers belong to ${country} (it has no numbering plan)`;
  return undefined;
}

/** Why `value` names no network of the networks file, or undefined when it names one. */
function networkProblem(value: unknown, plan: NetworkPlan): string | undefined {
  if (typeof value !== "string" || !MCCMNC_PATTERN.test(value)) return `must be ${MCCMNC_SHAPE}`;
  if (plan.get(value) === undefined)
    return `network ${value} is not in the networks file (otpgw.yaml networks_file)`;
  return undefined;
}

/** Parses `match`, reporting every problem in it with its own path. */
function parseMatch(input: unknown, ctx: Issues, plan: NetworkPlan): MatchInput {
  if (input === "default") return { kind: "default" };
  if (input === undefined) {
    report(ctx, input, [], `missing required key: ${matchShape}`);
    return { kind: "default" };
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    const got = typeof input === "string" ? ` (got ${JSON.stringify(input)})` : "";
    report(ctx, input, [], `must be ${matchShape}${got}`);
    return { kind: "default" };
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if ((matchKeys as readonly string[]).includes(key)) continue;
    const suggestion = suggestKey(key, matchKeys);
    report(ctx, input, [key], suggestion ? `unknown key (did you mean ${suggestion}?)` : "unknown key");
  }
  const { prefix, country, network } = record;
  const given = [prefix, network, country].filter((value) => value !== undefined).length;
  if (given > 1) {
    report(ctx, input, [], "give one of prefix, network or country, not several (write a route for each)");
  } else if (given === 0) {
    report(ctx, input, [], `must be ${matchShape}`);
    return { kind: "default" };
  }

  if (prefix !== undefined) {
    const prefixes: { prefix: string; country: string | undefined }[] = [];
    for (const { item, path } of listOf(ctx, prefix, "prefix")) {
      const problem = prefixProblem(item);
      if (problem !== undefined) report(ctx, item, path, problem);
      else if (prefixes.some((known) => known.prefix === item))
        report(ctx, item, path, `duplicate prefix "${String(item)}"`);
      else prefixes.push({ prefix: String(item), country: describePrefix(String(item))?.country });
    }
    return { kind: "prefix", prefixes, written: Array.isArray(prefix) ? "list" : "value" };
  }
  if (network !== undefined) {
    const networks: Network[] = [];
    for (const { item, path } of listOf(ctx, network, "network")) {
      const problem = networkProblem(item, plan);
      if (problem !== undefined) report(ctx, item, path, problem);
      else if (networks.some((known) => known.mccmnc === item))
        report(ctx, item, path, `duplicate network "${String(item)}"`);
      else networks.push(plan.get(String(item))!);
    }
    return { kind: "network", networks, written: Array.isArray(network) ? "list" : "value" };
  }
  const countries: string[] = [];
  for (const { item, path } of listOf(ctx, country, "country")) {
    const problem = countryProblem(item);
    if (problem !== undefined) report(ctx, item, path, problem);
    else if (countries.includes(String(item))) report(ctx, item, path, `duplicate country "${String(item)}"`);
    else countries.push(String(item));
  }
  return { kind: "country", countries, written: Array.isArray(country) ? "list" : "value" };
}

const dlrTimeoutSeconds = () => z.number().positive().max(routeLimits.dlrTimeoutSecondsMax);
const validitySeconds = () => z.number().int().min(1).max(routeLimits.validitySecondsMax);

const timing = {
  dlr_timeout_seconds: dlrTimeoutSeconds().optional(),
  validity_seconds: validitySeconds().optional(),
  max_validity_seconds: validitySeconds().optional(),
};

/** `health:` in `defaults` and in a route: every key optional (a route's keys override the defaults' one by one). */
const healthBlock = () =>
  z
    .strictObject({
      enabled: z.boolean().optional(),
      window_seconds: z
        .number()
        .min(healthLimits.windowSecondsMin)
        .max(healthLimits.windowSecondsMax)
        .optional(),
      min_samples: z.number().int().min(1).max(healthLimits.minSamplesMax).optional(),
      floor_percent: z.number().min(0).max(healthLimits.floorPercentMax).optional(),
      latency_target_seconds: dlrTimeoutSeconds().optional(),
      conversion_wait_seconds: z.number().min(1).max(healthLimits.conversionWaitSecondsMax).optional(),
    })
    .optional();

/**
 * `escalation:` (and `before_sms:`) in `defaults` and in a route: the channels tried after (before) SMS, in order,
 * each once; only channels otpgw.yaml configures (`channels:`). A route's list replaces the defaults' (`[]`: none
 * for this route).
 */
const escalationList = (configured: ReadonlySet<ChannelId>) =>
  z
    .array(z.enum(channelIds, { error: `must be one of: ${channelIds.join(", ")}` }))
    .superRefine((list, ctx) => {
      list.forEach((channel, index) => {
        if (list.indexOf(channel) < index)
          ctx.addIssue({ code: "custom", path: [index], message: `${channel} is listed twice` });
        else if (!configured.has(channel))
          ctx.addIssue({
            code: "custom",
            path: [index],
            message: `channel ${channel} is not configured (otpgw.yaml channels.${channel}; docs/channels.md)`,
          });
      });
    })
    .optional();

export type HealthKeys = NonNullable<z.output<ReturnType<typeof healthBlock>>>;

/** The routes.yaml schema, checking carrier ids and countries against `carriers` (by id). */
export function routesFileSchema(
  carriers: ReadonlyMap<string, KnownCarrier>,
  channels: ReadonlySet<ChannelId> = new Set(),
  /** The networks file: `match: { network }` may only name its networks. */
  networks: NetworkPlan = NetworkPlan.EMPTY,
) {
  const known = [...carriers.keys()].sort().join(", ");
  const carrierId = z
    .string()
    .min(1)
    .superRefine((id, ctx) => {
      if (carriers.has(id)) return;
      ctx.addIssue({
        code: "custom",
        message:
          known === ""
            ? `unknown carrier "${id}" (no carrier is configured)`
            : `unknown carrier "${id}" (known: ${known})`,
      });
    });

  const carrierList = z
    .array(
      z.strictObject({
        carrier: carrierId,
        weight: z.number().positive().max(routeLimits.weightMax).default(routeDefaults.weight),
      }),
    )
    .min(1)
    .max(routeLimits.carriersPerRouteMax)
    .superRefine((entries, ctx) => {
      entries.forEach((entry, index) => {
        if (entries.findIndex((other) => other.carrier === entry.carrier) < index)
          ctx.addIssue({
            code: "custom",
            path: [index, "carrier"],
            message: `${entry.carrier} is listed twice (a route lists each carrier once)`,
          });
      });
    });

  const route = z
    .strictObject({
      name: z.string().min(1).max(routeLimits.nameMaxLength).regex(routeLimits.namePattern, {
        error:
          "must be lower-case letters, digits and '-', starting with a letter or digit (it names the route in explanations, logs and metrics)",
      }),
      match: z.unknown().transform((input, ctx) => parseMatch(input, ctx, networks)),
      carriers: carrierList,
      ...timing,
      health: healthBlock(),
      escalation: escalationList(channels),
      before_sms: escalationList(channels),
    })
    .superRefine((parsed, ctx) => {
      parsed.carriers.forEach((entry, index) => {
        const carrier = carriers.get(entry.carrier);
        const problem = carrier && unservedProblem(entry.carrier, carrier, parsed.match);
        if (problem) ctx.addIssue({ code: "custom", path: ["carriers", index, "carrier"], message: problem });
      });
    });

  return z.strictObject({
    defaults: z
      .strictObject({
        dlr_timeout_seconds: dlrTimeoutSeconds().default(routeDefaults.dlrTimeoutSeconds),
        validity_seconds: validitySeconds().default(routeDefaults.validitySeconds),
        max_validity_seconds: validitySeconds().default(routeDefaults.maxValiditySeconds),
        health: healthBlock(),
        escalation: escalationList(channels),
        before_sms: escalationList(channels),
      })
      .prefault({}),
    routes: z.array(route).min(1),
  });
}

export type RoutesFile = z.output<ReturnType<typeof routesFileSchema>>;

/** Why `carrier` cannot take the route's destinations, if it cannot. */
function unservedProblem(id: string, carrier: KnownCarrier, match: MatchInput): string | undefined {
  const serves = `its countries: ${carrier.countries.join(", ")}`;
  if (match.kind === "country") {
    const missing = match.countries.filter((country) => !carrier.countries.includes(country));
    return missing.length === 0 ? undefined : `${id} does not serve ${missing.join(", ")} (${serves})`;
  }
  if (match.kind === "network") {
    const missing = match.networks.filter((network) => !carrier.countries.includes(network.country));
    if (missing.length === 0) return undefined;
    const where = missing.map((network) => `${network.country} (network ${network.mccmnc})`);
    return `${id} does not serve ${where.join(", ")} (${serves})`;
  }
  if (match.kind === "prefix") {
    // A prefix too short to tell its country (+1, +44) is not checked.
    const missing = new Map<string, string[]>();
    for (const { prefix, country } of match.prefixes) {
      if (country === undefined || carrier.countries.includes(country)) continue;
      missing.set(country, [...(missing.get(country) ?? []), prefix]);
    }
    if (missing.size === 0) return undefined;
    const where = [...missing].map(
      ([country, prefixes]) =>
        `${country}, where ${prefixes.join(", ")} ${prefixes.length === 1 ? "goes" : "go"}`,
    );
    return `${id} does not serve ${where.join("; ")} (${serves})`;
  }
  return undefined;
}
