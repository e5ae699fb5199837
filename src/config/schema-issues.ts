/**
 * Turns zod issues into configuration problems: plain-language reasons, the key's line in the YAML file,
 * one problem per unknown key with a "did you mean" hint. Values are never quoted except enum choices, so a
 * secret cannot leak into an error message.
 */
import * as z from "zod";
import { formatPath, type ConfigProblem } from "./config-problem.js";
import { suggestKey } from "./suggest-key.js";

/** Where the data being checked came from. */
export interface IssueSource {
  source: string;
  lineOf: (path: readonly PropertyKey[]) => number | undefined;
  /** Paths already reported (a missing `${VAR}`, a literal password): issues at or under them are dropped. */
  skipPaths?: readonly (readonly PropertyKey[])[];
  /** Where to report an issue instead of the file (for values that came from elsewhere, e.g. the environment). */
  relocate?: (path: readonly PropertyKey[]) => Pick<ConfigProblem, "source" | "line" | "path"> | undefined;
}

export interface SchemaCheckResult<T> {
  value: T | undefined;
  problems: ConfigProblem[];
}

/** Validates `data`; the value is returned only when there is no problem at all. */
export function checkAgainstSchema<S extends z.ZodType>(
  schema: S,
  data: unknown,
  from: IssueSource,
): SchemaCheckResult<z.output<S>> {
  const result = schema.safeParse(data, { error: plainReason });
  if (result.success) return { value: result.data, problems: [] };
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    const reported =
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({
            path: [...issue.path, key],
            reason: unknownKeyReason(schema, issue.path, key),
          }))
        : [{ path: issue.path, reason: issue.message }];
    for (const { path, reason } of reported) {
      if (from.skipPaths?.some((skipped) => startsWith(path, skipped))) continue;
      const located = from.relocate?.(path) ?? {
        source: from.source,
        line: from.lineOf(path),
        path: formatPath(path),
      };
      problems.push({ ...located, reason });
    }
  }
  return { value: undefined, problems };
}

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return (
    prefix.length <= path.length && prefix.every((segment, index) => String(segment) === String(path[index]))
  );
}

function unknownKeyReason(schema: z.ZodType, at: readonly PropertyKey[], key: string): string {
  const suggestion = suggestKey(key, knownKeysAt(schema, at));
  return suggestion === undefined ? "unknown key" : `unknown key (did you mean ${suggestion}?)`;
}

/** The keys the schema allows in the mapping at `path` (empty when the path does not lead to one). */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (current instanceof z.ZodObject)
      current = (current.shape as Record<string, z.ZodType>)[String(segment)];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else return [];
    current = current && unwrap(current);
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

const expectedNames: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
};

function describeInput(input: unknown): string {
  if (input === null) return "an empty value";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "boolean") return "true/false";
  if (typeof input === "object") return "a mapping";
  return `a ${typeof input}`;
}

/** The reason for issues whose schema gives none of its own. */
const plainReason: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "missing required key";
      if (issue.expected === "int" && typeof issue.input === "number") return "must be a whole number";
      return `expected ${expectedNames[issue.expected] ?? issue.expected}, got ${describeInput(issue.input)}`;
    case "too_small":
      return sizeReason(
        "at least",
        "greater than",
        issue.origin,
        Number(issue.minimum),
        issue.inclusive !== false,
      );
    case "too_big":
      return sizeReason(
        "at most",
        "less than",
        issue.origin,
        Number(issue.maximum),
        issue.inclusive !== false,
      );
    case "invalid_value": {
      const choices = issue.values.map((value) => JSON.stringify(value)).join(", ");
      const got = typeof issue.input === "string" ? ` (got ${JSON.stringify(issue.input)})` : "";
      return `must be one of ${choices}${got}`;
    }
    case "invalid_format":
      return "has an invalid format";
    default:
      return undefined;
  }
};

function sizeReason(
  inclusiveWord: string,
  exclusiveWord: string,
  origin: string,
  bound: number,
  inclusive: boolean,
) {
  const comparison = inclusive ? inclusiveWord : exclusiveWord;
  if (origin === "string" && bound === 1 && inclusive && inclusiveWord === "at least")
    return "must not be empty";
  if (origin === "string") return `must be ${comparison} ${bound} character${bound === 1 ? "" : "s"} long`;
  if (origin === "array") return `must list ${comparison} ${bound} item${bound === 1 ? "" : "s"}`;
  return `must be ${comparison} ${bound}`;
}
