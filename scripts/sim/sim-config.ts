/**
 * The simulator's YAML file: one or more simulated carriers, each a set of SimulatorOptions written in snake_case
 * like the rest of otpgw's configuration (camelCase is accepted too). Strings may use `${VAR}` so real-looking
 * credentials come from the environment. Every problem is reported at once as `file:line: path: reason`.
 *
 * ```yaml
 * instances:
 *   - name: telkomsel
 *     port: 2775
 *     credentials: [{ system_id: otpgw, password: "${SIM_TSEL_PASSWORD}" }]
 *     receipt_latency_ms: { p50: 1500, p95: 6000 }
 * ```
 */
import { readFile } from "node:fs/promises";
import { ConfigError } from "../../src/errors.js";
import { formatProblem, sortByLine, type ConfigProblem } from "../../src/config/config-problem.js";
import { envProblems, interpolateEnv } from "../../src/config/interpolate-env.js";
import { parseYamlSource } from "../../src/config/yaml-source.js";
import type { SimulatorOptions } from "./options.js";
import { resolveOptions } from "./options.js";
import { seededRng } from "./sampling.js";

export interface SimInstanceConfig {
  /** Shown in the CLI output and logs; unique in the file. Default `carrier-<n>`. */
  name: string;
  options: SimulatorOptions;
}

/** Instance keys (camelCase) accepted in the file; `seed` becomes a seeded `rng`. */
const INSTANCE_KEYS = new Set([
  "name",
  "seed",
  "port",
  "host",
  "controlPort",
  "credentials",
  "interfaceVersions",
  "maxBindsPerSystemId",
  "submitRespLatencyMs",
  "receiptLatencyMs",
  "outcomeMix",
  "messageIdFormat",
  "receiptIdFormat",
  "messageIdStart",
  "receiptStyle",
  "throttlePerSecond",
  "windowLimit",
  "honourRegisteredDelivery",
  "receiptWindow",
  "receiptRetryDelayMs",
  "defaultAlphabet",
  "historyLimit",
  "reassemblyTimeoutMs",
  "maxPduBytes",
]);
const CREDENTIAL_KEYS = new Set(["systemId", "password"]);

export async function loadSimConfig(file: string, env: NodeJS.ProcessEnv): Promise<SimInstanceConfig[]> {
  return parseSimConfig(await readFile(file, "utf8"), file, env);
}

/** @throws ConfigError listing every problem (`file:line: path: reason`). */
export function parseSimConfig(text: string, source: string, env: NodeJS.ProcessEnv): SimInstanceConfig[] {
  const yaml = parseYamlSource(text, source);
  const problems: ConfigProblem[] = [...yaml.problems];
  const report = (path: PropertyKey[], reason: string) =>
    problems.push({ source, line: yaml.lineOf(path), path: path.map(String).join("."), reason });
  if (problems.length > 0) throw toError(problems);

  const interpolated = interpolateEnv(yaml.data, env);
  problems.push(
    ...envProblems(interpolated.problems, { source, lineOf: (path) => yaml.lineOf(path), skipPaths: [] }),
  );
  const data = interpolated.data;
  let list: unknown;
  let base: PropertyKey[];
  if (Array.isArray(data)) {
    list = data;
    base = [];
  } else if (isObject(data) && Array.isArray(data.instances)) {
    list = data.instances;
    base = ["instances"];
    for (const key of Object.keys(data))
      if (key !== "instances") report([key], "unknown key (expected instances)");
  } else {
    report([], "expected `instances:` with a list of simulated carriers");
    throw toError(problems);
  }

  const instances: SimInstanceConfig[] = [];
  const names = new Set<string>();
  (list as unknown[]).forEach((raw, index) => {
    const at = [...base, index];
    if (!isObject(raw)) {
      report(at, "each instance must be a mapping of options");
      return;
    }
    const { name, options, originalKeys } = toOptions(raw, at, report);
    const instanceName = name ?? `carrier-${index + 1}`;
    if (names.has(instanceName))
      report([...at, originalKeys.get("name") ?? "name"], `duplicate name ${instanceName}`);
    names.add(instanceName);
    try {
      resolveOptions(options);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) {
        const [path = "", ...rest] = problem.split(": ");
        report([...at, ...yamlPath(path, raw)], rest.join(": "));
      }
    }
    instances.push({ name: instanceName, options });
  });
  if (instances.length === 0 && problems.length === 0) report(base, "lists no instance");
  if (problems.length > 0) throw toError(problems);
  return instances;
}

function toOptions(
  raw: Record<string, unknown>,
  at: PropertyKey[],
  report: (path: PropertyKey[], reason: string) => void,
): { name: string | undefined; options: SimulatorOptions; originalKeys: Map<string, string> } {
  const options: Record<string, unknown> = {};
  const originalKeys = new Map<string, string>();
  let name: string | undefined;
  for (const [key, value] of Object.entries(raw)) {
    const camel = camelCase(key);
    originalKeys.set(camel, key);
    if (!INSTANCE_KEYS.has(camel)) {
      report([...at, key], "unknown option");
    } else if (camel === "name") {
      if (typeof value === "string" && value !== "") name = value;
      else report([...at, key], "must be a non-empty string");
    } else if (camel === "seed") {
      if (typeof value === "number" && Number.isInteger(value)) options.rng = seededRng(value);
      else report([...at, key], "must be an integer");
    } else if (camel === "credentials" && Array.isArray(value)) {
      options.credentials = value.map((c: unknown, i) => credential(c, [...at, key, i], report));
    } else {
      options[camel] = value;
    }
  }
  return { name, options: options, originalKeys };
}

function credential(
  raw: unknown,
  at: PropertyKey[],
  report: (path: PropertyKey[], reason: string) => void,
): unknown {
  if (!isObject(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const camel = camelCase(key);
    if (CREDENTIAL_KEYS.has(camel)) out[camel] = value;
    else report([...at, key], "unknown key (expected system_id, password)");
  }
  return out;
}

/** `receiptLatencyMs.p50` or `credentials[1].systemId` → the path as written in the file. */
function yamlPath(optionPath: string, raw: unknown): PropertyKey[] {
  const segments = optionPath.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "");
  const out: PropertyKey[] = [];
  let node: unknown = raw;
  for (const segment of segments) {
    if (/^\d+$/.test(segment) && Array.isArray(node)) {
      out.push(Number(segment));
      node = node[Number(segment)];
      continue;
    }
    const key = isObject(node) ? Object.keys(node).find((k) => camelCase(k) === segment) : undefined;
    out.push(key ?? segment);
    node = key !== undefined && isObject(node) ? node[key] : undefined;
  }
  return out;
}

function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toError(problems: ConfigProblem[]): ConfigError {
  return new ConfigError(sortByLine(problems).map(formatProblem));
}
