/**
 * The routing decision, in this process: the route table built from the repository's routes.yaml (loaded and
 * validated as `otpgw config check` does), and the same file grown to twelve countries with operator prefixes
 * and a default route. Over a pre-generated spread of valid E.164 numbers (scripts/bench/routing-numbers.ts)
 * it times, in batches of 1,000 calls (process.hrtime.bigint):
 *
 * - match: RouteTable.match (longest prefix, else country, else default);
 * - plan: RoutePlanner.plan (the route and its carriers, as delivery asks before a first attempt);
 * - choose: RoutePlanner.choose for a first attempt, and for a second one with the first carrier tried (live health
 *   on, every factor 1: the weights alone); a first attempt with operators' overrides in force (every carrier's
 *   weight at 50 %, one carrier drained); and "choose 1st, health" on the wider table after the second carrier of
 *   every route has had half its attempts fail (factors below 1, the floor and the health explanation in play);
 * - parse: parseDestination (libphonenumber-js, "max" metadata), which precedes routing at submit;
 * - match with 1,000,000 ported numbers (the repository's table matches Indonesia's networks): every Indonesian and
 *   Korean destination ported to another network of its country, among a million Korean 010 numbers — the
 *   network lookup's binary search at a size a portability database reaches. The index's build time is printed.
 *
 * Per operation: median and p99 of the batches' ns per call, and calls per second over all batches.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { loadConfig } from "../../src/config/load-config.js";
import { isoCountryCodes } from "../../src/config/iso-countries.js";
import { parseDestination } from "../../src/routing/numbering.js";
import type { Attempt } from "../../src/delivery/types.js";
import type { NetworkPlan } from "../../src/routing/networks.js";
import { PortedIndex } from "../../src/routing/ported-index.js";
import { createRoutePlanner } from "../../src/routing/route-planner.js";
import type { CarrierOverrides } from "../../src/routing/select-carrier.js";
import type { RouteTable } from "../../src/routing/route-table.js";
import { parseRoutesFile } from "../../src/routing/routes-file.js";
import type { KnownCarrier } from "../../src/routing/routes-schema.js";
import { quantile, renderTable } from "../lib/table.js";
import { seededRng } from "../sim/sampling.js";
import { DESTINATION_MIX, exampleNumber, generateDestinations, type Destination } from "./routing-numbers.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface RoutingBenchOptions {
  /** Time for all the operations together (shared equally). */
  seconds: number;
  /** Destinations generated, then used in turn. Default 10,000. */
  numbers?: number;
}

export interface OperationResult {
  operation: string;
  table: string;
  /** Median and p99 over the batches of ns per call. */
  p50Ns: number;
  p99Ns: number;
  perSecond: number;
  calls: number;
  /** Share of calls that gave a route, a plan, a carrier or a valid number. */
  hitShare: number;
}

export interface RoutingBenchResult {
  destinations: number;
  countries: string[];
  tables: { name: string; routes: number }[];
  batchCalls: number;
  operations: OperationResult[];
  /** How long PortedIndex.build took for the ported numbers the last "match" operation used. */
  portedBuildMs: number;
}

const BATCH_CALLS = 1000;
const WARM_UP_BATCHES = 20;
/** Bounds each operation's run whatever the time budget. */
const MAX_BATCHES = 50_000;
const TABLE_REPO = "routes.yaml";
const TABLE_WIDE = "routes.yaml + 10 countries";

/** Times `call` over the destinations in turn; what it returns (truthy or not) is counted so it is not elided. */
function time(
  operation: string,
  table: string,
  count: number,
  budgetMs: number,
  call: (index: number) => unknown,
): OperationResult {
  let next = 0;
  let hits = 0;
  const batch = (): void => {
    for (let k = 0; k < BATCH_CALLS; k++) {
      if (call(next)) hits++;
      next = next + 1 === count ? 0 : next + 1;
    }
  };
  for (let b = 0; b < WARM_UP_BATCHES; b++) batch();
  hits = 0;
  const nsPerCall: number[] = [];
  let totalNs = 0;
  const deadline = performance.now() + budgetMs;
  while (performance.now() < deadline && nsPerCall.length < MAX_BATCHES) {
    const start = process.hrtime.bigint();
    batch();
    const ns = Number(process.hrtime.bigint() - start);
    totalNs += ns;
    nsPerCall.push(ns / BATCH_CALLS);
  }
  const calls = nsPerCall.length * BATCH_CALLS;
  return {
    operation,
    table,
    p50Ns: Math.round(quantile(nsPerCall, 0.5)),
    p99Ns: Math.round(quantile(nsPerCall, 0.99)),
    perSecond: Math.round((calls * 1e9) / totalNs),
    calls,
    hitShare: Number((hits / calls).toFixed(3)),
  };
}

/** Every carrier of the table at 50 % of its weight, and the first route's first carrier drained. */
function benchOverrides(table: RouteTable): CarrierOverrides {
  const map = new Map<string, { drained: boolean; weightPercent: number }>();
  for (const spec of table.specs)
    for (const { id } of spec.carriers) map.set(id, { drained: false, weightPercent: 50 });
  const first = table.specs[0]?.carriers[0]?.id;
  if (first !== undefined) map.set(first, { drained: true, weightPercent: 50 });
  return { active: true, get: (id) => map.get(id) };
}

/** routes.yaml's routes, plus for each other country of the mix a country route and an operator prefix route, plus a default. */
function widenRoutes(text: string, known: Map<string, KnownCarrier>, networks: NetworkPlan): RouteTable {
  const doc = parse(text) as { routes: unknown[] };
  known.set("intl", { countries: [...isoCountryCodes] });
  for (const { country } of DESTINATION_MIX) {
    if (country === "ID" || country === "KR") continue;
    const id = country.toLowerCase();
    known.set(`${id}-a`, { countries: [country] });
    known.set(`${id}-b`, { countries: [country] });
    const example = exampleNumber(country);
    doc.routes.push(
      {
        name: `${id}-a-ranges`,
        match: { prefix: example.e164.slice(0, 1 + example.callingCode.length + 3) },
        carriers: [
          { carrier: `${id}-a`, weight: 90 },
          { carrier: `${id}-b`, weight: 10 },
        ],
      },
      {
        name: id,
        match: { country },
        carriers: [
          { carrier: `${id}-a`, weight: 70 },
          { carrier: `${id}-b`, weight: 30 },
        ],
      },
    );
  }
  doc.routes.push({ name: "rest-of-world", match: "default", carriers: [{ carrier: "intl" }] });
  const result = parseRoutesFile(stringify(doc), TABLE_WIDE, known, 1, new Set(), networks);
  if (!result.table)
    throw new Error(result.problems.map((p) => `${p.line}: ${p.path}: ${p.reason}`).join("\n"));
  return result.table;
}

/** The repository's configuration as `otpgw config check` loads it, and the widened table. */
async function loadTables(): Promise<{ name: string; table: RouteTable }[]> {
  const config = await loadConfig({ cwd: repoRoot, env: {}, allowMissingEnv: true });
  const known = new Map<string, KnownCarrier>(config.carriers.map((c) => [c.id, { countries: c.countries }]));
  const text = await readFile(config.daemon.routesFile, "utf8");
  return [
    { name: TABLE_REPO, table: config.routes },
    { name: TABLE_WIDE, table: widenRoutes(text, known, config.networks) },
  ];
}

export async function runRoutingBench(options: RoutingBenchOptions): Promise<RoutingBenchResult> {
  const destinations: Destination[] = generateDestinations(options.numbers ?? 10_000);
  const n = destinations.length;
  const inputs = destinations.map((d) => d.input);
  const e164s = destinations.map((d) => d.e164);
  const countries = destinations.map((d) => d.country);
  const tables = await loadTables();
  const everyone = (): boolean => true;
  const none: readonly string[] = [];
  const budgetMs = (options.seconds * 1000) / (3 + 5 * tables.length);

  const operations: OperationResult[] = [];
  operations.push(time("parse", "-", n, budgetMs, (i) => parseDestination(inputs[i]!).ok));
  for (const { name, table } of tables) {
    const planner = createRoutePlanner(table, seededRng(7));
    // The carrier a first attempt took, so the second attempt is timed with it tried.
    const tried = destinations.map((d) => {
      const first = planner.choose(d.e164, d.country, none, everyone);
      return first ? [first.carrier] : none;
    });
    operations.push(
      time("match", name, n, budgetMs, (i) => table.match(e164s[i]!, countries[i]!)),
      time("plan", name, n, budgetMs, (i) => planner.plan(e164s[i]!, countries[i]!)),
      time("choose 1st", name, n, budgetMs, (i) => planner.choose(e164s[i]!, countries[i]!, none, everyone)),
      time("choose 2nd", name, n, budgetMs, (i) =>
        planner.choose(e164s[i]!, countries[i]!, tried[i]!, everyone),
      ),
    );
    const overridden = createRoutePlanner(table, seededRng(7), { overrides: benchOverrides(table) });
    operations.push(
      time("choose 1st, overrides", name, n, budgetMs, (i) =>
        overridden.choose(e164s[i]!, countries[i]!, none, everyone),
      ),
    );
  }
  const repo = tables.find((t) => t.name === TABLE_REPO)!.table;
  const ported = portedNumbers(destinations, PORTED_NUMBERS);
  operations.push(
    time(`match, ${ported.index.size} ported`, TABLE_REPO, n, budgetMs, (i) =>
      repo.match(e164s[i]!, countries[i]!, ported.index),
    ),
  );
  const wide = tables.find((t) => t.name === TABLE_WIDE)!.table;
  const degraded = degradedPlanner(wide, destinations);
  operations.push(
    time("choose 1st, health", TABLE_WIDE, n, budgetMs, (i) =>
      degraded.choose(e164s[i]!, countries[i]!, none, everyone),
    ),
  );
  const result: RoutingBenchResult = {
    destinations: n,
    countries: DESTINATION_MIX.map((c) => `${c.country} ${c.share} %`),
    tables: tables.map(({ name, table }) => ({ name, routes: table.specs.length })),
    batchCalls: BATCH_CALLS,
    operations,
    portedBuildMs: ported.buildMs,
  };
  printRoutingBench(result);
  return result;
}

const PORTED_NUMBERS = 1_000_000;

/**
 * `total` ported numbers: the Indonesian and Korean destinations, each to another network of its country (Telkomsel's
 * to Indosat and the rest to Telkomsel; Korean ones to KT), and Korean 010 numbers to fill up, spread over 10^8.
 */
function portedNumbers(destinations: Destination[], total: number): { index: PortedIndex; buildMs: number } {
  const pairs: Array<[string, string]> = [];
  for (const d of destinations) {
    if (d.country === "ID") pairs.push([d.e164, d.e164.startsWith("+62811") ? "510-01" : "510-10"]);
    else if (d.country === "KR") pairs.push([d.e164, "450-08"]);
  }
  const rng = seededRng(13);
  while (pairs.length < total)
    pairs.push([
      `+8210${String(Math.floor(rng() * 1e8)).padStart(8, "0")}`,
      rng() < 0.5 ? "450-05" : "450-06",
    ]);
  const started = performance.now();
  const { index } = PortedIndex.build(pairs);
  return { index, buildMs: Math.round(performance.now() - started) };
}

/**
 * A planner whose live health has seen, for every destination, an attempt on its route's second carrier, half of them
 * failed: past min_samples, so those carriers' factors are about 0.5.
 */
function degradedPlanner(table: RouteTable, destinations: Destination[]) {
  const planner = createRoutePlanner(table, seededRng(11));
  const now = Date.now();
  destinations.forEach((d, i) => {
    const carrier = planner.plan(d.e164, d.country)?.carriers[1];
    if (carrier === undefined) return;
    const attempt: Attempt = {
      n: 1,
      channel: "sms",
      carrier,
      startedAt: now - 3000,
      dlrDeadline: now + 27_000,
      carrierMessageIds: ["x"],
      partStatus: [i % 2 === 0 ? "delivered" : "failed"],
      outcome: i % 2 === 0 ? "delivered" : "failed",
      endedAt: now,
    };
    planner.attemptEnded?.(d.e164, d.country, attempt);
  });
  return planner;
}

function printRoutingBench(r: RoutingBenchResult): void {
  console.log(
    `\nRouting decisions, in process: ${r.destinations} valid E.164 numbers (${r.countries.join(", ")}),` +
      ` tables ${r.tables.map((t) => `"${t.name}" (${t.routes} routes)`).join(" and ")};` +
      ` ns per call over batches of ${r.batchCalls}. "hit" = a route / plan / carrier / valid number.`,
  );
  console.log(
    renderTable(
      ["operation", "table", "p50 ns", "p99 ns", "calls/s", "hit %"],
      r.operations.map((o) => [
        o.operation,
        o.table,
        o.p50Ns,
        o.p99Ns,
        o.perSecond,
        Number((o.hitShare * 100).toFixed(1)),
      ]),
    ),
  );
  console.log(
    `The ported numbers' index was built in ${r.portedBuildMs} ms (once per change, off the submit path).`,
  );
}
