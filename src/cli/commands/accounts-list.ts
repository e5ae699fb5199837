/**
 * `otpgw accounts list`: each account of accounts.yaml — how it submits (HTTP, SMPP), its rate, its anti-abuse
 * limits — and whether an operator suspended it (read from the daemons' Redis), for the NOC during an incident.
 * Read-only; no secret is shown (accounts.yaml holds none in clear anyway).
 */
import type { Command } from "commander";
import type { Account } from "../../north/accounts/account-types.js";
import { formatRemaining, inForce, type OverrideStamp } from "../../ops/carrier-controls.js";
import { accountControlId, readControls } from "../../ops/control-store.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import {
  formatTime,
  loadAccountsForOperations,
  loadForOperations,
  redisWhere,
  reportRefusal,
  withDaemonRedis,
} from "../control-session.js";
import { renderTable } from "../text-table.js";

interface ListFlags extends ConfigFlags {
  json?: boolean;
}

export function registerAccountsListCommand(accounts: Command, context: CliContext): void {
  addConfigOptions(
    accounts
      .command("list")
      .description(
        "each account: HTTP and/or SMPP, its rate and anti-abuse limits, and whether it is suspended",
      )
      .option("--json", "print JSON (one object per account)")
      .addHelpText(
        "after",
        "\nReads accounts.yaml (secrets need not be set) and the daemons' Redis (redis_url / REDIS_URL," +
          "\nredis_key_prefix) as `otpgw start` would; exits 1 when it cannot.",
      ),
  ).action(async (flags: ListFlags) => {
    context.setExitCode(await list(flags, context));
  });
}

/** One account as listed. */
interface AccountRow {
  account: string;
  access: string[];
  ratePerSecond: number;
  limits: string[];
  suspended?: OverrideStamp;
}

async function list(flags: ListFlags, context: CliContext): Promise<number> {
  try {
    const config = await loadForOperations(flags, context);
    const accounts = await loadAccountsForOperations(config, flags, context);
    const snapshot = await withDaemonRedis(config.daemon, (redis) =>
      readControls(redis, config.daemon.redisKeyPrefix),
    );
    const rows = accounts.map((account): AccountRow => {
      const stamp = snapshot.controls.get(accountControlId(account.id))?.drain;
      return {
        account: account.id,
        access: [
          account.apiKeyDigests.length > 0 && "http",
          account.smpp && `smpp (${account.smpp.systemId})`,
        ].filter((a): a is string => typeof a === "string"),
        ratePerSecond: account.ratePerSecond,
        limits: limitsOf(account),
        ...(inForce(stamp, snapshot.now) && { suspended: stamp }),
      };
    });
    if (flags.json === true) {
      context.stdout.write(`${JSON.stringify({ accounts: rows }, null, 2)}\n`);
      return ExitCodes.ok;
    }
    const table = renderTable(
      ["account", "submits by", "rate/s", "anti-abuse limits", "state"],
      rows.map((r) => [
        r.account,
        r.access.join(", "),
        String(r.ratePerSecond),
        r.limits.join("; ") || "-",
        r.suspended ? "suspended" : "active",
      ]),
    ).split("\n");
    const out = table.slice(0, 2);
    rows.forEach((row, i) => {
      out.push(table[i + 2]!);
      const s = row.suspended;
      if (s)
        out.push(
          `    suspended by ${s.by} at ${formatTime(s.at)}` +
            (s.until === undefined
              ? ", no end"
              : ` until ${formatTime(s.until)} (in ${formatRemaining(s.until - snapshot.now)})`) +
            (s.reason ? `: ${s.reason}` : ""),
        );
    });
    context.stdout.write(`${out.join("\n")}\n(suspensions read from ${redisWhere(config.daemon)})\n`);
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "accounts list");
  }
}

/** `countries ID, KR`, `5 per number in 600 s`, `50 per range of 1000 in 600 s`, `pumping guard (…)` */
function limitsOf(account: Account): string[] {
  const limits: string[] = [];
  if (account.countries) limits.push(`countries ${[...account.countries].join(", ")}`);
  const n = account.perNumberLimit;
  if (n) limits.push(`${n.messages} per number in ${n.windowSeconds} s`);
  const r = account.perRangeLimit;
  if (r) limits.push(`${r.messages} per range of ${10 ** r.rangeDigits} in ${r.windowSeconds} s`);
  const g = account.pumpingGuard;
  if (g)
    limits.push(
      `pumping guard (ranges of ${10 ** g.rangeDigits}: ${g.minDeliveries} deliveries, ` +
        `≤ ${g.maxConversionRatio} × its conversion share, blocked ${g.blockSeconds} s)`,
    );
  return limits;
}
