/** `otpgw ranges list`: the ranges of numbers blocked now, for which accounts, by whom, why and until when. */
import type { Command } from "commander";
import { formatRemaining, inForce, type OverrideStamp } from "../../ops/carrier-controls.js";
import { ALL_ACCOUNTS, parseRangeControlId, readControls } from "../../ops/control-store.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import {
  formatTime,
  loadForOperations,
  redisWhere,
  reportRefusal,
  withDaemonRedis,
} from "../control-session.js";
import { renderTable } from "../text-table.js";

interface ListFlags extends ConfigFlags {
  json?: boolean;
}

interface RangeRow {
  range: string;
  /** An account id, or `*` for every account. */
  account: string;
  blocked: OverrideStamp;
}

export function registerRangesListCommand(ranges: Command, context: CliContext): void {
  addConfigOptions(
    ranges
      .command("list")
      .description("the ranges of numbers blocked now: for which accounts, by whom, why, until when")
      .option("--json", "print JSON")
      .addHelpText(
        "after",
        "\nReads the daemons' Redis (redis_url / REDIS_URL, redis_key_prefix) as `otpgw start` would; exits 1 when" +
          "\nit cannot.",
      ),
  ).action(async (flags: ListFlags) => {
    context.setExitCode(await list(flags, context));
  });
}

async function list(flags: ListFlags, context: CliContext): Promise<number> {
  try {
    const config = await loadForOperations(flags, context);
    const snapshot = await withDaemonRedis(config.daemon, (redis) =>
      readControls(redis, config.daemon.redisKeyPrefix),
    );
    const rows: RangeRow[] = [];
    for (const [id, control] of snapshot.controls) {
      const range = parseRangeControlId(id);
      if (range && inForce(control.drain, snapshot.now))
        rows.push({ range: range.prefix, account: range.account, blocked: control.drain });
    }
    rows.sort((a, b) => a.range.localeCompare(b.range) || a.account.localeCompare(b.account));
    if (flags.json === true) {
      context.stdout.write(`${JSON.stringify({ now: snapshot.now, ranges: rows }, null, 2)}\n`);
      return ExitCodes.ok;
    }
    const where = `(read from ${redisWhere(config.daemon)})`;
    if (rows.length === 0) {
      context.stdout.write(`no range is blocked ${where}\n`);
      return ExitCodes.ok;
    }
    const table = renderTable(
      ["range", "accounts", "blocked by", "since", "until", "reason"],
      rows.map(({ range, account, blocked }) => [
        range,
        account === ALL_ACCOUNTS ? "every account" : account,
        blocked.by,
        formatTime(blocked.at),
        blocked.until === undefined
          ? "no end"
          : `${formatTime(blocked.until)} (in ${formatRemaining(blocked.until - snapshot.now)})`,
        blocked.reason ?? "",
      ]),
    );
    context.stdout.write(`${table}\n${where}\n`);
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "ranges list");
  }
}
