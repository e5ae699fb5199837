/**
 * What the operations commands (`carriers …`, `routes explain`) share: the part of the configuration they need, read
 * as `start` reads it, and one short Redis connection made as the daemon makes its own (redis_url / REDIS_URL,
 * redis_key_prefix, redis_tls, Sentinel).
 */
import {
  loadAccounts,
  loadSettingsAndCarriers,
  loadSettingsAndNetworks,
  type SettingsAndNetworks,
} from "../config/load-config.js";
import type { LoadedConfig, SettingsAndCarriers } from "../config/loaded-config.js";
import type { DaemonConfig } from "../config/types.js";
import type { Account } from "../north/accounts/account-types.js";
import { withOneShotRedis } from "../redis/one-shot-client.js";
import { maskUrl } from "../redis/redis-preflight.js";
import { redisAccess, unreachableRedisError } from "../redis/redis-tls.js";
import type { Redis } from "ioredis";
import { slotKey } from "../south/bind-slots-scripts.js";
import { ExitCodes, type CliContext } from "./cli-context.js";
import { loadOptionsFor, type ConfigFlags } from "./config-options.js";
import { reportFailure } from "./report-failure.js";

/** A refusal the operator can act on: printed as `otpgw: <command>: <message>`, exit 1, no stack. */
export class CommandRefusal extends Error {
  override readonly name = "CommandRefusal";
}

/**
 * Prints why `command` failed and returns its exit code: a refusal (CommandRefusal, and the command's own input
 * errors in `refusals`) as one line, `otpgw: <command>: <why>`, exit 1; anything else as reportFailure does.
 */
export function reportRefusal(
  error: unknown,
  context: CliContext,
  command: string,
  refusals: readonly (new (message: string) => Error)[] = [],
): number {
  if (error instanceof CommandRefusal || refusals.some((kind) => error instanceof kind)) {
    context.stderr.write(`otpgw: ${command}: ${(error as Error).message}\n`);
    return ExitCodes.failure;
  }
  return reportFailure(error, context.stderr, command);
}

/**
 * The daemon settings (the settings file and the environment) and carriers/ — and with `routes`, the networks file
 * and routes.yaml — as `start` reads them, except that `${VAR}` references to unset variables are allowed: the NOC
 * drains a carrier without holding its bind password. accounts.yaml is not read here (loadAccountsForOperations reads
 * it, for the account commands only): a half-edited one must not block an incident drain. @throws ConfigError for
 * the files read
 */
export function loadForOperations(
  flags: ConfigFlags,
  context: CliContext,
  parts: { routes: true },
): Promise<SettingsAndCarriers & Pick<LoadedConfig, "routes" | "networks">>;
export function loadForOperations(flags: ConfigFlags, context: CliContext): Promise<SettingsAndCarriers>;
export function loadForOperations(
  flags: ConfigFlags,
  context: CliContext,
  parts?: { routes: true },
): Promise<SettingsAndCarriers> {
  const options = { ...loadOptionsFor(flags, context), allowMissingEnv: true };
  return parts ? loadSettingsAndCarriers(options, parts) : loadSettingsAndCarriers(options);
}

/**
 * For the ported-number commands: the settings and the networks file as `start` reads them (unset `${VAR}`
 * references allowed), and routes.yaml when it and carriers/ are clean (loadSettingsAndNetworks). @throws
 * ConfigError for the settings or the networks file
 */
export function loadForPortedNumbers(flags: ConfigFlags, context: CliContext): Promise<SettingsAndNetworks> {
  return loadSettingsAndNetworks({ ...loadOptionsFor(flags, context), allowMissingEnv: true });
}

/**
 * The warning, before anything is done, that routes.yaml or a carrier file has problems: the command goes on (it
 * needs routes.yaml only to say whether routing uses ported numbers; the daemons keep the table they run).
 */
export function warnRoutingProblems(config: SettingsAndNetworks, context: CliContext, command: string): void {
  const problems = config.routingProblems;
  if (problems.length === 0) return;
  const more =
    problems.length > 1 ? ` (and ${problems.length - 1} more: \`otpgw config check\` lists them)` : "";
  context.stderr.write(
    `otpgw: ${command}: warning: routes.yaml not used (it or a carrier file has problems), carrying on: ${problems[0]}${more}\n`,
  );
}

/**
 * accounts.yaml, as `start` reads it but with unset `${VAR}` references allowed (the accounts, not their secrets):
 * only for the commands about accounts. @throws ConfigError
 */
export async function loadAccountsForOperations(
  config: SettingsAndCarriers,
  flags: ConfigFlags,
  context: CliContext,
): Promise<readonly Account[]> {
  const options = { ...loadOptionsFor(flags, context), allowMissingEnv: true };
  return (await loadAccounts(config.daemon, options)).accounts;
}

/** `redis_url` masked for output: where the command read or wrote. */
export function redisWhere(daemon: DaemonConfig): string {
  return `${maskUrl(daemon.redisUrl ?? "")}, key prefix "${daemon.redisKeyPrefix}"`;
}

/**
 * Why the Redis URL cannot be used, when it refers to variables that are not set (the operations commands read
 * the settings with unset references allowed, for carrier passwords; in the Redis URL they would connect with a
 * placeholder, and Redis's WRONGPASS would blame the password). Undefined when every reference is set.
 */
export function unsetInRedisUrl(daemon: Pick<DaemonConfig, "redisUrlUnset">): string | undefined {
  const names = daemon.redisUrlUnset;
  if (names === undefined || names.length === 0) return undefined;
  const plural = names.length > 1;
  return `redis_url refers to ${names.join(", ")}, which ${plural ? "are" : "is"} not set: set ${plural ? "them" : "it"} (or REDIS_URL) to reach the daemons' Redis`;
}

/**
 * Runs `use` on one connection to the daemons' Redis. @throws CommandRefusal when redis_url is not set or Redis
 * cannot be reached (the reason, never the password).
 */
export async function withDaemonRedis<T>(
  daemon: DaemonConfig,
  use: (redis: Redis) => Promise<T>,
): Promise<T> {
  const url = daemon.redisUrl;
  if (!url) throw new CommandRefusal("redis_url (or REDIS_URL) is not set: the daemons' Redis is unknown");
  const unset = unsetInRedisUrl(daemon);
  if (unset !== undefined) throw new CommandRefusal(unset);
  const access = redisAccess(daemon);
  let connected = false;
  return withOneShotRedis(
    url,
    (client) => {
      connected = true;
      return use(client);
    },
    access,
  ).catch((error: unknown) => {
    if (error instanceof CommandRefusal) throw error;
    const cause = error instanceof Error ? error : new Error(String(error));
    // Connected, then refused (NOAUTH, a replica's READONLY, a script error): Redis's own words, without a stack.
    if (connected) throw new CommandRefusal(`Redis at ${maskUrl(url)}: ${cause.message}`);
    throw new CommandRefusal(unreachableRedisError(maskUrl(url), access, cause).message);
  });
}

/** `2025-11-23T07:10:00Z`: a stored time for people (UTC, to the second). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Who makes a change: `--by`, else the login name from the environment. @throws CommandRefusal */
export function operatorName(by: string | undefined, env: NodeJS.ProcessEnv): string {
  const name = by ?? env.USER ?? env.LOGNAME ?? env.USERNAME;
  if (name === undefined || name.trim() === "")
    throw new CommandRefusal("who makes this change is unknown ($USER is not set): give --by <name>");
  return name;
}

/** Every bind slot's key of the configured carriers, carrier by carrier in slot order (bind-slots.ts writes them). */
export function slotKeysOf(config: SettingsAndCarriers): string[] {
  const prefix = config.daemon.redisKeyPrefix;
  return config.carriers.flatMap((c) => Array.from({ length: c.binds }, (_, k) => slotKey(prefix, c.id, k)));
}
