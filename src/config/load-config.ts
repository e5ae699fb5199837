/**
 * Reads and validates the whole configuration: the daemon settings file, the environment, every carrier file,
 * routes.yaml and accounts.yaml (loadConfig), or only the settings and carriers, and routes.yaml if asked
 * (loadSettingsAndCarriers, for the operations commands). Either everything read is valid, or one ConfigError
 * lists every problem in every file read — except for the ported-number commands (loadSettingsAndNetworks), which
 * need routes.yaml only to say whether routing uses ported numbers.
 */
import { configuredChannels } from "../escalation/channel-config.js";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { parseCarrierFile, type CarrierFileResult } from "./carrier-file.js";
import { formatProblem, sortByLine, type ConfigProblem } from "./config-problem.js";
import { configFileEnvVariable } from "./daemon-env.js";
import { parseDaemonSettings } from "./daemon-settings.js";
import { minValiditySeconds } from "./min-validity.js";
import type { LoadedConfig, SettingsAndCarriers } from "./loaded-config.js";
import type { CarrierConfig, DaemonConfig } from "./types.js";
import type { AccountsConfig } from "../north/accounts/account-types.js";
import { parseAccountsFile } from "../north/accounts/accounts-file.js";
import type { RouteTable } from "../routing/route-table.js";
import { parseRoutesFile } from "../routing/routes-file.js";
import { parseNetworksFile } from "../routing/networks-file.js";
import { NetworkPlan } from "../routing/networks.js";
import { isoCountryCodes } from "./iso-countries.js";

export interface LoadConfigOptions {
  /** Daemon settings file. Default: `$OTPGW_CONFIG`, else `otpgw.yaml` in `cwd` if it exists, else none. */
  configFile?: string;
  /** Carriers directory; wins over `carriers_dir` and `$OTPGW_CARRIERS_DIR`. Default: from the settings. */
  carriersDir?: string;
  /** Environment for overrides and `${VAR}` references. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths from the command line and environment, and for messages. Default: `process.cwd()`. */
  cwd?: string;
  /** Accept `${VAR}` references to unset variables (offline checks only). Default: false. */
  allowMissingEnv?: boolean;
}

/** The settings file looked for in the working directory when none is named. */
export const defaultConfigFileName = "otpgw.yaml";

/** Loads everything, or throws one ConfigError listing every problem as `file:line: path: reason`. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const reading = startReading(options);
  const { daemon, carriers, carrierIds } = await readSettingsAndCarriers(reading);
  // routes.yaml and accounts.yaml are checked even when other files have problems, so one run lists all.
  const routing = daemon && (await readRouting(reading, daemon, carriers, carrierIds));
  const accounts = daemon && (await readAccounts(reading, daemon));
  if (reading.problems.length > 0 || !daemon || !routing || !accounts)
    throw new ConfigError(reading.problems.map(formatProblem));
  return { daemon, carriers, ...routing, accounts };
}

/**
 * Loads the daemon settings (the settings file and the environment) and the carriers and, with `routes`, routes.yaml
 * — never accounts.yaml — validated exactly as loadConfig does: for commands that need no more, so that a file they
 * do not read (half-edited, unreadable, or holding secrets the host should not) cannot stop them. Throws one
 * ConfigError listing every problem in the files read, as `file:line: path: reason`.
 */
export async function loadSettingsAndCarriers(
  options: LoadConfigOptions,
  parts: { routes: true },
): Promise<SettingsAndCarriers & Pick<LoadedConfig, "routes" | "networks">>;
export async function loadSettingsAndCarriers(options?: LoadConfigOptions): Promise<SettingsAndCarriers>;
export async function loadSettingsAndCarriers(
  options: LoadConfigOptions = {},
  parts: { routes?: boolean } = {},
): Promise<SettingsAndCarriers & Partial<Pick<LoadedConfig, "routes" | "networks">>> {
  const reading = startReading(options);
  const { daemon, carriers, carrierIds } = await readSettingsAndCarriers(reading);
  const routing =
    daemon && parts.routes === true ? await readRouting(reading, daemon, carriers, carrierIds) : undefined;
  if (reading.problems.length > 0 || !daemon || (parts.routes === true && !routing))
    throw new ConfigError(reading.problems.map(formatProblem));
  return { daemon, carriers, ...routing };
}

/**
 * The settings and the networks file; the carriers whose files are clean; routes.yaml only if it and carriers/
 * (whose ids it names) are clean.
 */
export interface SettingsAndNetworks extends Pick<LoadedConfig, "daemon" | "carriers" | "networks"> {
  /** undefined when routes.yaml or a carrier file has problems (`routingProblems`). */
  routes: RouteTable | undefined;
  /** The problems of carriers/ and routes.yaml, as `file:line: path: reason`: none when `routes` is set. */
  routingProblems: string[];
}

/**
 * For the ported-number commands: the settings and the networks file, which they cannot do without (where Redis is;
 * which MCC/MNC codes exist), and routes.yaml (with carriers/) only when it loads cleanly — its problems come back
 * as text instead of stopping the command, as a half-edited route must not block a portability import during an
 * incident (the daemons keep routing by the table they run). Throws one ConfigError for problems of the settings
 * or the networks file.
 */
export async function loadSettingsAndNetworks(options: LoadConfigOptions = {}): Promise<SettingsAndNetworks> {
  const reading = startReading(options);
  const { daemon, carriers, carrierIds } = await readSettingsAndCarriers(reading);
  if (!daemon) throw new ConfigError(reading.problems.map(formatProblem));
  // The settings are clean, so whatever was found so far is the carrier files'.
  const routingProblems = reading.problems.splice(0);
  const networks = await readNetworks(reading, daemon);
  if (!networks || reading.problems.length > 0) throw new ConfigError(reading.problems.map(formatProblem));
  const routes = await readRoutes(
    { ...reading, problems: routingProblems },
    daemon,
    carriers,
    carrierIds,
    networks,
  );
  return {
    daemon,
    carriers,
    networks,
    routes: routingProblems.length === 0 ? routes : undefined,
    routingProblems: routingProblems.map(formatProblem),
  };
}

/**
 * accounts.yaml of settings already loaded, validated exactly as loadConfig does (for the operations commands that
 * need the accounts: `accounts suspend|resume|list`). Throws one ConfigError listing its problems.
 */
export async function loadAccounts(
  daemon: DaemonConfig,
  options: LoadConfigOptions = {},
): Promise<AccountsConfig> {
  const reading = startReading(options);
  const accounts = await readAccounts(reading, daemon);
  if (reading.problems.length > 0 || !accounts) throw new ConfigError(reading.problems.map(formatProblem));
  return accounts;
}

/** One load: its options, the environment, how paths are shown, and the problems found so far. */
interface Reading {
  options: LoadConfigOptions;
  env: NodeJS.ProcessEnv;
  cwd: string;
  shown: (path: string) => string;
  problems: ConfigProblem[];
}

function startReading(options: LoadConfigOptions): Reading {
  const cwd = resolve(options.cwd ?? process.cwd());
  return {
    options,
    env: options.env ?? process.env,
    cwd,
    shown: (path) => displayPath(path, cwd),
    problems: [],
  };
}

/** The settings (undefined when they have problems) and every carrier file; problems go to `reading`. */
async function readSettingsAndCarriers(reading: Reading): Promise<{
  daemon: DaemonConfig | undefined;
  carriers: CarrierConfig[];
  /** Every carrier id that has a file, even one with problems: routes naming it are not wrong too. */
  carrierIds: Set<string>;
}> {
  const { options, env, cwd, shown, problems } = reading;
  const named = options.configFile ?? (env[configFileEnvVariable] || undefined);
  const configPath = resolve(cwd, named ?? defaultConfigFileName);
  let file: { text: string; source: string; dir: string } | undefined;
  if (named !== undefined || existsSync(configPath)) {
    const text = await readText(configPath, shown(configPath), problems);
    if (text !== undefined) file = { text, source: shown(configPath), dir: dirname(configPath) };
  }

  const settings = parseDaemonSettings({
    ...(file && { file }),
    env,
    cwd,
    ...(options.allowMissingEnv !== undefined && { allowMissingEnv: options.allowMissingEnv }),
    ...(options.carriersDir !== undefined && { carriersDir: options.carriersDir }),
  });
  problems.push(...settings.problems);

  const carriers: CarrierConfig[] = [];
  const carrierIds = new Set<string>();
  const dir = settings.carriersDir;
  if (dir !== undefined && !(settings.carriersDirIsGuess && !existsSync(dir))) {
    const files = await listCarrierFiles(dir, shown(dir), problems);
    const results: CarrierFileResult[] = [];
    for (const path of files) {
      const text = await readText(path, shown(path), problems);
      if (text === undefined) continue;
      const result = parseCarrierFile(text, shown(path), {
        env,
        ...(options.allowMissingEnv !== undefined && { allowMissingEnv: options.allowMissingEnv }),
      });
      results.push(result);
    }
    addDuplicateIdProblems(results);
    for (const result of results) {
      if (result.id !== undefined) carrierIds.add(result.id.value);
      problems.push(...result.problems);
      if (result.carrier) carriers.push(result.carrier);
    }
  }
  return { daemon: settings.daemon, carriers, carrierIds };
}

/** The networks file, then routes.yaml checked against it and the carriers. */
async function readRouting(
  reading: Reading,
  daemon: DaemonConfig,
  carriers: readonly CarrierConfig[],
  carrierIds: ReadonlySet<string>,
): Promise<Pick<LoadedConfig, "routes" | "networks"> | undefined> {
  const networks = await readNetworks(reading, daemon);
  // routes.yaml is checked even when the networks file has problems, against no networks, so one run lists all.
  const routes = await readRoutes(reading, daemon, carriers, carrierIds, networks ?? NetworkPlan.EMPTY);
  return routes && networks ? { routes, networks } : undefined;
}

/** The networks file (undefined when it has problems; they go to `reading`). */
async function readNetworks(reading: Reading, daemon: DaemonConfig): Promise<NetworkPlan | undefined> {
  const { shown, problems } = reading;
  const text = await readText(daemon.networksFile, shown(daemon.networksFile), problems);
  const networks = text === undefined ? undefined : parseNetworksFile(text, shown(daemon.networksFile));
  problems.push(...(networks?.problems ?? []));
  return networks?.plan;
}

async function readRoutes(
  { shown, problems }: Reading,
  daemon: DaemonConfig,
  carriers: readonly CarrierConfig[],
  carrierIds: ReadonlySet<string>,
  networks: NetworkPlan,
): Promise<RouteTable | undefined> {
  const text = await readText(daemon.routesFile, shown(daemon.routesFile), problems);
  if (text === undefined) return undefined;
  // A carrier whose file has problems is known by id, serving any country (its own file is what's wrong).
  const known = new Map<string, { countries: readonly string[] }>(
    [...carrierIds].map((id) => [id, { countries: [...isoCountryCodes] }]),
  );
  for (const carrier of carriers) known.set(carrier.id, { countries: carrier.countries });
  const channels = new Set(configuredChannels(daemon.channels));
  const result = parseRoutesFile(
    text,
    shown(daemon.routesFile),
    known,
    minValiditySeconds(daemon.delivery),
    channels,
    networks,
  );
  problems.push(...result.problems);
  return result.table;
}

async function readAccounts(
  { options, env, shown, problems }: Reading,
  daemon: DaemonConfig,
): Promise<AccountsConfig | undefined> {
  const text = await readText(daemon.accountsFile, shown(daemon.accountsFile), problems);
  if (text === undefined) return undefined;
  const result = parseAccountsFile(text, shown(daemon.accountsFile), env, {
    ...(options.allowMissingEnv !== undefined && { allowMissingEnv: options.allowMissingEnv }),
    minValiditySeconds: minValiditySeconds(daemon.delivery),
  });
  problems.push(...result.problems);
  return result.accounts;
}

/** Cross-file check: a carrier id names one carrier. The later file (in name order) gets the problem. */
function addDuplicateIdProblems(results: readonly CarrierFileResult[]): void {
  const firstById = new Map<string, { source: string; line: number }>();
  for (const result of results) {
    if (result.id === undefined) continue;
    const source = result.source;
    const first = firstById.get(result.id.value);
    if (first === undefined) {
      firstById.set(result.id.value, { source, line: result.id.line });
      continue;
    }
    delete result.carrier;
    result.problems.push({
      source,
      line: result.id.line,
      path: "id",
      reason: `duplicate carrier id "${result.id.value}" (also in ${first.source}:${first.line})`,
    });
    result.problems = sortByLine(result.problems);
  }
}

async function listCarrierFiles(dir: string, shown: string, problems: ConfigProblem[]): Promise<string[]> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    // Dot files are editor backups and swap files, not carriers.
    names = entries
      .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && /\.ya?ml$/.test(entry.name))
      .filter((entry) => !entry.name.startsWith("."))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    problems.push({
      source: shown,
      path: "",
      reason: `cannot read carriers directory: ${describeFsError(error)}`,
    });
    return [];
  }
  if (names.length === 0) {
    problems.push({ source: shown, path: "", reason: "no carriers configured (no *.yaml or *.yml file)" });
  }
  return names.map((name) => join(dir, name));
}

async function readText(path: string, shown: string, problems: ConfigProblem[]): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    problems.push({ source: shown, path: "", reason: `cannot read file: ${describeFsError(error)}` });
    return undefined;
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "not found";
  if (code === "ENOTDIR") return "not a directory";
  if (code === "EISDIR") return "is a directory";
  if (code === "EACCES") return "permission denied";
  return (error as Error).message;
}

/** Relative to the working directory when inside it (shorter messages), else absolute. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
