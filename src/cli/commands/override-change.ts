/**
 * What every operators' override command shares (`otpgw carriers drain|undrain|weight|forget`, `otpgw accounts
 * suspend|resume`): the common options, the stamp (who, why, until when), and the write to the daemons' Redis
 * (src/ops/control-store.ts), which every running instance applies within a second (DESIGN promise 7).
 */
import type { Command } from "commander";
import type { Redis } from "ioredis";
import type { SettingsAndCarriers } from "../../config/loaded-config.js";
import {
  ControlInputError,
  MAX_BY_LENGTH,
  MAX_REASON_LENGTH,
  checkNote,
  formatRemaining,
  parseDuration,
  type CarrierControl,
} from "../../ops/carrier-controls.js";
import { writeControl, type ControlChange } from "../../ops/control-store.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import {
  formatTime,
  loadForOperations,
  operatorName,
  redisWhere,
  reportRefusal,
  slotKeysOf,
  withDaemonRedis,
} from "../control-session.js";

export interface ChangeFlags extends ConfigFlags {
  reason?: string;
  for?: string;
  by?: string;
  reset?: boolean;
  country?: string;
}

export const APPLIES =
  "Every running instance applies it within a second, and it survives restarts (it lives in Redis).";

/** Runs one change command: its own checks (`plan`) before anything is read or written, then the write. */
export async function runChange(
  command: string,
  context: CliContext,
  flags: ChangeFlags,
  plan: (config: SettingsAndCarriers) => Planned | Promise<Planned>,
): Promise<number> {
  try {
    const config = await loadForOperations(flags, context);
    const { carrier, change, describe } = await plan(config);
    const { now, before, bound } = await withDaemonRedis(config.daemon, async (redis) => ({
      ...(await writeControl(redis, config.daemon.redisKeyPrefix, carrier, change)),
      bound: await anyInstanceBound(redis, config),
    }));
    context.stdout.write(`${describe(now, before)}\n`);
    // Written where no daemon seems to be: a wrong --config, REDIS_URL or key prefix would change nothing that runs.
    if (!bound)
      context.stderr.write(
        `otpgw: ${command}: warning: no running instance holds a bind slot of any carrier at ${redisWhere(config.daemon)}; if daemons run, check --config, REDIS_URL and redis_key_prefix\n`,
      );
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, command, [ControlInputError]);
  }
}

/** What a command writes: the id in the store (a carrier, a channel, `account:<id>`), the change, its summary. */
export interface Planned {
  carrier: string;
  change: ControlChange;
  describe: Describe;
}

export type Describe = (now: number, before: CarrierControl) => string;

/** Whether some instance holds a bind slot of a configured carrier here: the sign that daemons use this Redis. */
async function anyInstanceBound(redis: Redis, config: SettingsAndCarriers): Promise<boolean> {
  const keys = slotKeysOf(config);
  return keys.length > 0 && (await redis.exists(...keys)) > 0;
}

/** `--reason`, `--for` and `--by` as the change needs them. @throws ControlInputError, CommandRefusal */
export function stampOf(
  flags: ChangeFlags,
  context: CliContext,
): { by: string; reason?: string; forMs?: number } {
  const reason =
    flags.reason === undefined ? undefined : checkNote("--reason", flags.reason, MAX_REASON_LENGTH);
  const forMs = flags.for === undefined ? undefined : parseForOption(flags.for);
  return {
    by: checkNote("--by", operatorName(flags.by, context.env), MAX_BY_LENGTH),
    ...(reason !== undefined && { reason }),
    ...(forMs !== undefined && { forMs }),
  };
}

function parseForOption(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new ControlInputError(`--for: ${(error as Error).message}`);
  }
}

/** ` until 2025-11-23T07:10:00Z (in 30m)`, or "" for an override without an end. */
export function ending(now: number, forMs: number | undefined): string {
  return forMs === undefined ? "" : ` until ${formatTime(now + forMs)} (in ${formatRemaining(forMs)})`;
}

export function withOptions(command: Command): Command {
  return addConfigOptions(command).option(
    "--by <name>",
    "who makes the change, shown in lists and logs (default: $USER)",
  );
}
