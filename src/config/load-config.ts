/**
 * Reads and validates the whole configuration: the daemon settings file, the environment, and every carrier
 * file. Either everything is valid, or one ConfigError lists every problem in every file.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { parseCarrierFile, type CarrierFileResult } from "./carrier-file.js";
import { formatProblem, sortByLine, type ConfigProblem } from "./config-problem.js";
import { configFileEnvVariable } from "./daemon-env.js";
import { parseDaemonSettings } from "./daemon-settings.js";
import type { LoadedConfig } from "./loaded-config.js";
import type { CarrierConfig } from "./types.js";

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
  const env = options.env ?? process.env;
  const cwd = resolve(options.cwd ?? process.cwd());
  const shown = (path: string) => displayPath(path, cwd);
  const problems: ConfigProblem[] = [];

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
      problems.push(...result.problems);
      if (result.carrier) carriers.push(result.carrier);
    }
  }

  if (problems.length > 0 || settings.daemon === undefined)
    throw new ConfigError(problems.map(formatProblem));
  return { daemon: settings.daemon, carriers };
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
