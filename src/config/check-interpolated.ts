import type * as z from "zod";
import { formatPath, type ConfigProblem } from "./config-problem.js";
import { envProblems, interpolateEnv } from "./interpolate-env.js";
import { checkAgainstSchema } from "./schema-issues.js";

/**
 * What an unset variable reads as on the second try under `allowMissingEnv` (the first is ""): one character fits
 * every length limit a value may have (a carrier's `system_id` is at most 15, its password 8 — the daemon settings'
 * long placeholder would not), so a file whose only fault is a missing secret or identifier is still loaded.
 */
export const shortUnsetPlaceholder = "x";

/**
 * The common second half of reading a config file: `${VAR}` interpolation (unset variables reported at their
 * line unless `allowMissingEnv`), then the schema. Paths in `skipPaths` were reported already (e.g. a literal
 * secret) and are not reported again.
 *
 * Under `allowMissingEnv` (config check without secrets, the operations commands) a file must never vanish with no
 * word: an unset `system_id` read as "" failed the schema at a path whose issues are not reported, so the carrier was
 * dropped silently and `carriers drain` called it unknown. Such a file is checked again with a stand-in for the unset
 * values, and when even that does not pass, it is a problem naming the variables.
 */
export function checkInterpolated<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  where: {
    env: NodeJS.ProcessEnv;
    source: string;
    lineOf: (path: readonly PropertyKey[]) => number | undefined;
    skipPaths: PropertyKey[][];
    allowMissingEnv?: boolean | undefined;
  },
): { data: unknown; value: z.output<S> | undefined; problems: ConfigProblem[] } {
  const interpolated = interpolateEnv(raw, where.env);
  const problems = envProblems(interpolated.problems, {
    source: where.source,
    lineOf: where.lineOf,
    skipPaths: where.skipPaths,
    allowMissingEnv: where.allowMissingEnv,
  });
  const checked = checkAgainstSchema(schema, interpolated.data, {
    source: where.source,
    lineOf: where.lineOf,
    skipPaths: where.skipPaths,
  });
  problems.push(...checked.problems);
  const missing = interpolated.problems.filter((p) => p.kind === "missing");
  if (checked.value !== undefined || problems.length > 0 || !where.allowMissingEnv || missing.length === 0)
    return { data: interpolated.data, value: checked.value, problems };

  const standIn = interpolateEnv(raw, where.env, shortUnsetPlaceholder).data;
  const retried = checkAgainstSchema(schema, standIn, {
    source: where.source,
    lineOf: where.lineOf,
    skipPaths: [],
  });
  if (retried.value !== undefined) return { data: standIn, value: retried.value, problems };
  // The variables at the values that still fail (a port, say), else all of them.
  const failing = new Set(retried.problems.map((p) => p.path));
  const blamed = missing.filter((p) => failing.has(formatPath(p.path)));
  const culprits = blamed.length > 0 ? blamed : missing;
  const names = [...new Set(culprits.map((p) => p.variable))];
  problems.push({
    source: where.source,
    line: where.lineOf(culprits[0]!.path),
    path: formatPath(culprits[0]!.path),
    reason: `cannot be checked without ${names.join(", ")} (not set): set ${names.length > 1 ? "them" : "it"} to check this file`,
  });
  return { data: interpolated.data, value: undefined, problems };
}
