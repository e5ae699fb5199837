/**
 * What the `otpgw ported` commands that write share: who makes the change (`--by`, else the login name, as the
 * carriers and ranges commands do), the words for when it applies, and the warning when no running instance seems
 * to use the Redis written to (a wrong --config, REDIS_URL or key prefix would change nothing that runs).
 */
import type { Command } from "commander";
import type { Redis } from "ioredis";
import type { SettingsAndCarriers } from "../../config/loaded-config.js";
import { MAX_BY_LENGTH, checkNote } from "../../ops/carrier-controls.js";
import type { RouteTable } from "../../routing/route-table.js";
import type { CliContext } from "../cli-context.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { operatorName, redisWhere, slotKeysOf } from "../control-session.js";

export interface PortedChangeFlags extends ConfigFlags {
  by?: string;
}

/** Adds --config, --carriers and --by. */
export function withPortedChangeOptions(command: Command): Command {
  return addConfigOptions(command).option(
    "--by <name>",
    "who makes the change, shown by `otpgw ported list` and in the daemons' logs (default: $USER)",
  );
}

/** `--by`, else $USER (LOGNAME, USERNAME). @throws ControlInputError, CommandRefusal */
export function changedBy(flags: PortedChangeFlags, context: CliContext): string {
  return checkNote("--by", operatorName(flags.by, context.env), MAX_BY_LENGTH);
}

/**
 * When the daemons apply a change, and whether routing uses networks at all — unknown when routes.yaml (or a
 * carrier file) has problems: `routes` undefined.
 */
export function appliesNote(routes: RouteTable | undefined): string {
  const applies = "Every running instance applies the change within a second (it lives in Redis)";
  if (routes === undefined)
    return `${applies}; whether routing uses ported numbers is not known here: routes.yaml was not used (see the warning).`;
  return routes.matchesNetworks
    ? `${applies}.`
    : "Stored; but no route of routes.yaml matches by network, so routing does not use ported numbers until one does.";
}

/** Whether some instance holds a bind slot of a configured carrier at this Redis: the sign that daemons use it. */
export async function instancesSeen(redis: Redis, config: SettingsAndCarriers): Promise<boolean> {
  const keys = slotKeysOf(config);
  return keys.length > 0 && (await redis.exists(...keys)) > 0;
}

/** The warning, after writing, that no running instance seems to use the Redis written to. */
export function warnWithoutInstances(
  config: SettingsAndCarriers,
  context: CliContext,
  command: string,
): void {
  context.stderr.write(
    `otpgw: ${command}: warning: no running instance holds a bind slot of any carrier at ${redisWhere(config.daemon)}; if daemons run, check --config, REDIS_URL and redis_key_prefix\n`,
  );
}
