/**
 * Validates the text of `accounts.yaml`: YAML syntax, the webhook-secret rule, `${VAR}` interpolation and the
 * schema, reporting every problem as `file:line: path: reason`. Pure: the caller reads the file.
 */
import { checkInterpolated } from "../../config/check-interpolated.js";
import { formatPath, sortByLine, type ConfigProblem } from "../../config/config-problem.js";
import { wholeEnvReference } from "../../config/interpolate-env.js";
import { parseYamlSource } from "../../config/yaml-source.js";
import type { AccountsConfig } from "./account-types.js";
import {
  accountLimits,
  accountsFileSchema,
  crossCheckAccounts,
  toAccountsConfig,
} from "./accounts-schema.js";

export interface AccountsFileOptions {
  /**
   * Accept references to variables that are not set (they resolve to the empty string and the secret's
   * length is not judged). For offline checks only, never for running. Default false.
   */
  allowMissingEnv?: boolean;
  /** The shortest validity an OTP can be delivered in (min_remaining_validity_seconds + 1). Default 1. */
  minValiditySeconds?: number;
}

/** `source` is the file name as shown in messages (and kept in `AccountsConfig.file`). */
export function parseAccountsFile(
  text: string,
  source: string,
  env: NodeJS.ProcessEnv,
  options: AccountsFileOptions = {},
): { accounts?: AccountsConfig; problems: ConfigProblem[] } {
  const yaml = parseYamlSource(text, source);
  if (yaml.data === undefined) return { problems: yaml.problems };

  const raw = yaml.data;
  const problems: ConfigProblem[] = [];
  const skipPaths: PropertyKey[][] = [];

  // Checked on the text as written, before interpolation: only a reference keeps the secret out of the file.
  const rawAccounts = isRecord(raw) && Array.isArray(raw.accounts) ? (raw.accounts as unknown[]) : [];
  rawAccounts.forEach((entry, index) => {
    if (!isRecord(entry) || entry.webhook_secret === undefined) return;
    const secret = entry.webhook_secret;
    if (typeof secret === "string" && wholeEnvReference(secret) !== undefined) return;
    const path = ["accounts", index, "webhook_secret"];
    problems.push({
      source,
      line: yaml.lineOf(path),
      path: path.join("."),
      reason: `must be an environment variable reference such as \${${webhookSecretVariableFor(typeof entry.id === "string" ? entry.id : undefined)}}; literal secrets are refused so they are never committed`,
    });
    skipPaths.push(path);
  });

  const checked = checkInterpolated(accountsFileSchema, raw, {
    env,
    source,
    lineOf: yaml.lineOf,
    skipPaths,
    allowMissingEnv: options.allowMissingEnv,
  });
  problems.push(...checked.problems);
  const interpolated = { data: checked.data };
  problems.push(...secretLengthProblems(interpolated.data, { source, lineOf: yaml.lineOf, skipPaths }));
  for (const { path, reason } of crossCheckAccounts(interpolated.data, options.minValiditySeconds)) {
    problems.push({ source, line: yaml.lineOf(path), path: formatPath(path), reason });
  }

  if (problems.length > 0 || checked.value === undefined) return { problems: sortByLine(problems) };
  return { accounts: toAccountsConfig(checked.value, source), problems: [] };
}

/**
 * Resolved secrets that are too short. Judged here rather than in the schema so that a secret whose variable
 * is unset (reported once already, or allowed by allowMissingEnv) is not also reported as too short.
 */
function secretLengthProblems(
  data: unknown,
  where: { source: string; lineOf: (path: readonly PropertyKey[]) => number; skipPaths: PropertyKey[][] },
): ConfigProblem[] {
  const skipped = new Set(where.skipPaths.map((path) => path.join(".")));
  const entries = isRecord(data) && Array.isArray(data.accounts) ? (data.accounts as unknown[]) : [];
  const problems: ConfigProblem[] = [];
  entries.forEach((entry, index) => {
    const path = ["accounts", index, "webhook_secret"];
    const secret = isRecord(entry) ? entry.webhook_secret : undefined;
    if (typeof secret !== "string" || skipped.has(path.join("."))) return;
    if (secret.length >= accountLimits.webhookSecretMinLength) return;
    problems.push({
      source: where.source,
      line: where.lineOf(path),
      path: path.join("."),
      reason: `must be at least ${accountLimits.webhookSecretMinLength} characters long once resolved (an HMAC key shorter than that can be guessed offline)`,
    });
  });
  return problems;
}

/** The conventional variable name for an account's webhook secret: `ACCOUNT_<ID>_WEBHOOK_SECRET`. */
export function webhookSecretVariableFor(id: string | undefined): string {
  const name = id === undefined ? "<ID>" : id.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
  return `ACCOUNT_${name}_WEBHOOK_SECRET`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
