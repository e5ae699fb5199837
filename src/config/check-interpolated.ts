import type * as z from "zod";
import type { ConfigProblem } from "./config-problem.js";
import { envProblems, interpolateEnv } from "./interpolate-env.js";
import { checkAgainstSchema } from "./schema-issues.js";

/**
 * The common second half of reading a config file: `${VAR}` interpolation (unset variables reported at their
 * line unless `allowMissingEnv`), then the schema. Paths in `skipPaths` were reported already (e.g. a literal
 * secret) and are not reported again.
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
  return { data: interpolated.data, value: checked.value, problems };
}
