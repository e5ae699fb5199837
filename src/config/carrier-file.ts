/**
 * Validates the text of one `carriers/*.yaml` file: YAML syntax, the password rule, `${VAR}` interpolation
 * and the schema, reporting every problem with its line. Pure: the caller reads the file.
 */
import { checkInterpolated } from "./check-interpolated.js";
import { sortByLine, type ConfigProblem } from "./config-problem.js";
import { carrierFileSchema, toCarrierConfig } from "./carrier-schema.js";
import { wholeEnvReference } from "./interpolate-env.js";
import type { CarrierConfig } from "./types.js";
import { parseYamlSource } from "./yaml-source.js";

export interface EnvOptions {
  /** Source of `${VAR}` values. */
  env: NodeJS.ProcessEnv;
  /**
   * Accept references to variables that are not set, resolving them to the empty string. For offline checks
   * (`otpgw config check --allow-missing-env`) where the secrets are not available; never for running.
   */
  allowMissingEnv?: boolean;
}

export interface CarrierFileResult {
  /** The file as shown in messages. */
  source: string;
  /** The carrier, when the file has no problem. */
  carrier?: CarrierConfig;
  /** The id as written and its line, even when the file has other problems (for cross-file checks). */
  id?: { value: string; line: number };
  problems: ConfigProblem[];
}

/** `source` is the file name as shown in messages (and kept in `CarrierConfig.file`). */
export function parseCarrierFile(text: string, source: string, options: EnvOptions): CarrierFileResult {
  const yaml = parseYamlSource(text, source);
  if (yaml.data === undefined) return { source, problems: yaml.problems };

  const raw = yaml.data;
  const rawId = isRecord(raw) && typeof raw.id === "string" ? raw.id : undefined;
  const problems: ConfigProblem[] = [];
  const skipPaths: PropertyKey[][] = [];

  // Checked on the text as written, before interpolation: only a reference keeps the secret out of the file.
  if (isRecord(raw) && raw.password !== undefined && !isEnvReference(raw.password)) {
    problems.push({
      source,
      line: yaml.lineOf(["password"]),
      path: "password",
      reason: `must be an environment variable reference such as \${${passwordVariableFor(rawId)}}; literal passwords are refused so credentials are never committed`,
    });
    skipPaths.push(["password"]);
  }

  const checked = checkInterpolated(carrierFileSchema, raw, {
    env: options.env,
    source,
    lineOf: yaml.lineOf,
    skipPaths,
    allowMissingEnv: options.allowMissingEnv,
  });
  problems.push(...checked.problems);

  const id = rawId === undefined ? undefined : { value: rawId, line: yaml.lineOf(["id"]) };
  if (problems.length > 0 || checked.value === undefined) {
    return { source, ...(id && { id }), problems: sortByLine(problems) };
  }
  return { source, carrier: toCarrierConfig(checked.value, source), ...(id && { id }), problems: [] };
}

/** The conventional variable name for a carrier's password: `CARRIER_<ID>_PASSWORD`. */
export function passwordVariableFor(id: string | undefined): string {
  const name = id === undefined ? "<ID>" : id.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
  return `CARRIER_${name}_PASSWORD`;
}

function isEnvReference(value: unknown): boolean {
  return typeof value === "string" && wholeEnvReference(value) !== undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
