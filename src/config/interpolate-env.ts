/**
 * `${VAR}` interpolation in string values, so secrets come from the environment and never sit in a file.
 * `$${` writes a literal `${`. A variable set to the empty string counts as set.
 */

import { formatPath, type ConfigProblem } from "./config-problem.js";

/** A reference that could not be resolved, at the path of the string that holds it. */
export interface InterpolationProblem {
  path: PropertyKey[];
  /** `missing`: the variable is not set; `malformed`: the reference itself is wrong. */
  kind: "missing" | "malformed";
  reason: string;
  /** The variable's name (`missing` only), for messages that name what to set. */
  variable?: string;
}

export interface InterpolationResult {
  /** A copy of the data with every reference replaced (unresolved ones by the empty string). */
  data: unknown;
  problems: InterpolationProblem[];
}

const variableNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const referencePattern = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const wholeReferencePattern = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** The variable name when `value` is exactly one reference (`${NAME}`), else undefined. */
export function wholeEnvReference(value: string): string | undefined {
  return wholeReferencePattern.exec(value)?.[1];
}

/**
 * What an unset variable reads as when a command checks files without the secrets (`--allow-missing-env`): a value
 * the schemas accept where a secret goes (not empty, long enough), so that the rest of the file is still judged.
 */
export const unsetVariablePlaceholder = "unset-environment-variable-placeholder";

/**
 * Replaces `${VAR}` in every string value of `data` (keys are left alone). An unset variable is a problem and reads
 * as `missing` ("" by default).
 */
export function interpolateEnv(data: unknown, env: NodeJS.ProcessEnv, missing = ""): InterpolationResult {
  const problems: InterpolationProblem[] = [];
  const visit = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === "string") {
      return interpolateString(value, env, missing, (kind, reason, variable) =>
        problems.push({ path, kind, reason, ...(variable !== undefined && { variable }) }),
      );
    }
    if (Array.isArray(value)) return value.map((item: unknown, index) => visit(item, [...path, index]));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, visit(item, [...path, key])]),
      );
    }
    return value;
  };
  return { data: visit(data, []), problems };
}

function interpolateString(
  value: string,
  env: NodeJS.ProcessEnv,
  missing: string,
  report: (kind: InterpolationProblem["kind"], reason: string, variable?: string) => void,
): string {
  return value.replace(referencePattern, (match: string, name: string | undefined) => {
    if (match === "$${") return "${";
    if (name === undefined) {
      report("malformed", "unterminated ${ (write $${ for a literal ${)");
      return "";
    }
    if (!variableNamePattern.test(name)) {
      report(
        "malformed",
        `invalid environment variable name "${name}" in \${...} (letters, digits and _ only)`,
      );
      return "";
    }
    const resolved = env[name];
    if (resolved === undefined) {
      report("missing", `environment variable ${name} is not set`, name);
      return missing;
    }
    return resolved;
  });
}

/**
 * Interpolation problems as configuration problems. Each problem's path is added to `skipPaths` (the value
 * there is a placeholder, so the schema must not judge it); paths already in `skipPaths` are not reported
 * again. With `allowMissingEnv`, unset variables are not problems.
 */
export function envProblems(
  problems: readonly InterpolationProblem[],
  where: {
    source: string;
    lineOf: (path: readonly PropertyKey[]) => number | undefined;
    skipPaths: PropertyKey[][];
    allowMissingEnv?: boolean;
  },
): ConfigProblem[] {
  const alreadyReported = new Set(where.skipPaths.map(formatPath));
  const result: ConfigProblem[] = [];
  for (const problem of problems) {
    where.skipPaths.push(problem.path);
    const path = formatPath(problem.path);
    if (alreadyReported.has(path) || (where.allowMissingEnv && problem.kind === "missing")) continue;
    result.push({ source: where.source, line: where.lineOf(problem.path), path, reason: problem.reason });
  }
  return result;
}
