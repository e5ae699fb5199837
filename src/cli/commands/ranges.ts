/**
 * `otpgw ranges block|unblock|list`: an operator refuses submits to a range of numbers — for one account or for
 * every account — on every running instance within a second: SMS pumping walks through a range of premium or
 * fraudulent numbers, and the NOC stops it there without touching accounts.yaml. Written to the daemons' Redis beside
 * the carriers' overrides (src/ops/control-store.ts, as `range:<account or *>:<prefix>`).
 */
import type { Command } from "commander";
import type { SettingsAndCarriers } from "../../config/loaded-config.js";
import { ControlInputError, inForce } from "../../ops/carrier-controls.js";
import { ALL_ACCOUNTS, rangeControlId } from "../../ops/control-store.js";
import type { CliContext } from "../cli-context.js";
import { formatTime } from "../control-session.js";
import { describePrefix } from "../../routing/numbering.js";
import { configuredAccount } from "./accounts-suspend.js";
import { APPLIES, ending, runChange, stampOf, withOptions, type ChangeFlags } from "./override-change.js";
import { registerRangesListCommand } from "./ranges-list.js";

interface RangeFlags extends ChangeFlags {
  account?: string;
  force?: boolean;
}

/**
 * `+4470`, `4470`, `+44 70`: the E.164 prefix (a `+` and 1–15 digits) numbers are matched by.
 * @throws ControlInputError
 */
export function parseRangePrefix(text: string): string {
  const compact = text.replace(/[\s-]/g, "");
  const digits = compact.startsWith("+") ? compact.slice(1) : compact;
  if (!/^\d{1,15}$/.test(digits))
    throw new ControlInputError(
      `"${text}" is not a number prefix: give the range's first digits in E.164 form, e.g. +447012`,
    );
  return `+${digits}`;
}

/** Whether some country calling code (1–3 digits) starts with `digits`: `6` and `88` do, `99` does not. */
function startsACallingCode(digits: string): boolean {
  if (digits.length >= 3) return false;
  for (let width = 1; width <= 3 - digits.length; width++)
    for (let rest = 0; rest < 10 ** width; rest++)
      if (describePrefix(`+${digits}${String(rest).padStart(width, "0")}`) !== undefined) return true;
  return false;
}

/**
 * The prefix `ranges block` writes: parseRangePrefix's, and one that can match destinations — which are always
 * E.164, their country calling code first. A leading 0 (a national trunk prefix, `0812…`) or digits no calling code
 * starts with would block nothing while the command said "blocked"; a whole calling code, or less (`+62`, `+6`),
 * blocks a country or a zone, so it needs `force`. `unblock` stays lenient: a block written before this check must
 * remain removable. @throws ControlInputError
 */
export function blockablePrefix(text: string, force = false): string {
  const prefix = parseRangePrefix(text);
  const digits = prefix.slice(1);
  if (digits.startsWith("0"))
    throw new ControlInputError(
      `"${text}" starts with 0, which no E.164 number does (0 is a national trunk prefix): ` +
        `give the country calling code and the number without its 0, e.g. +62812 for 0812`,
    );
  const info = describePrefix(prefix);
  if (info === undefined && !startsACallingCode(digits))
    throw new ControlInputError(
      `"${text}" does not start with a country calling code: no number could match it (e.g. +447012)`,
    );
  if (!force && (info === undefined || digits.length <= info.callingCode.length))
    throw new ControlInputError(
      `"${text}" is ${info === undefined ? "shorter than a country calling code" : `the whole calling code +${info.callingCode}`}: ` +
        "it would block every number of a country or zone. Give at least one digit after the calling code " +
        "(e.g. +62812), or add --force if that is what you mean",
    );
  return prefix;
}

/** The scope written: the account (checked against accounts.yaml) or every account. */
async function scopeOf(
  config: SettingsAndCarriers,
  flags: RangeFlags,
  context: CliContext,
): Promise<{ account: string; words: string }> {
  if (flags.account === undefined) return { account: ALL_ACCOUNTS, words: "every account" };
  const account = await configuredAccount(config, flags.account, flags, context);
  return { account, words: `account ${account}` };
}

const ACCOUNT_OPTION = "only this account's submits (default: every account's)";

export function registerRangesCommands(program: Command, context: CliContext): void {
  const ranges = program
    .command("ranges")
    .description("block or unblock a range of numbers against SMS pumping (see: otpgw ranges --help)");

  withOptions(
    ranges
      .command("block <prefix>")
      .description("refuse submits to every number starting with <prefix>, on every running instance")
      .option("--account <account>", ACCOUNT_OPTION)
      .option("--reason <text>", "why, shown in lists and logs (e.g. an incident number)")
      .option("--for <duration>", "lift it by itself after this long: 90s, 30m, 2h, 1h30m, 7d (at most 30d)")
      .option(
        "--force",
        "allow a prefix of a whole country calling code or less (+62, +6): a country or zone",
      )
      .addHelpText(
        "after",
        "\n<prefix> is the range's first digits in E.164 form (+447012): a country calling code, then at least one" +
          "\ndigit (a leading 0 or digits no calling code starts with are refused: they match nothing; a whole" +
          "\ncalling code or less, a country or zone, needs --force). HTTP submits to its numbers get 422" +
          "\nOTPGW_ERR_HTTP_RANGE_BLOCKED and SMPP submit_sm ESME_RINVDSTADR; nothing is stored. Messages already" +
          `\naccepted go on.\n${APPLIES}` +
          '\n\nExamples:\n  otpgw ranges block +447012 --reason "INC-812 pumping" --for 24h' +
          "\n  otpgw ranges block +88213 --account acme",
      ),
  ).action(async (text: string, flags: RangeFlags) => {
    context.setExitCode(
      await runChange("ranges block", context, flags, async (config) => {
        const prefix = blockablePrefix(text, flags.force === true);
        const stamp = stampOf(flags, context);
        const scope = await scopeOf(config, flags, context);
        return {
          carrier: rangeControlId(scope.account, prefix),
          change: { op: "set", kind: "drain", ...stamp },
          describe: (now, before) =>
            `range ${prefix} blocked for ${scope.words} by ${stamp.by}${ending(now, stamp.forMs)}` +
            `${stamp.reason ? `: ${stamp.reason}` : ""}` +
            `${inForce(before.drain, now) ? ` (it was blocked already, by ${before.drain.by}: replaced)` : ""}` +
            `\n${APPLIES} Lift it with: otpgw ranges unblock ${prefix}` +
            (flags.account === undefined ? "" : ` --account ${scope.account}`),
        };
      }),
    );
  });

  withOptions(
    ranges
      .command("unblock <prefix>")
      .description("lift a range's block: submits to its numbers are accepted again")
      .option("--account <account>", "the block of this account (default: the block for every account)")
      .addHelpText("after", `\n${APPLIES}\n\nExample:\n  otpgw ranges unblock +447012`),
  ).action(async (text: string, flags: RangeFlags) => {
    context.setExitCode(
      await runChange("ranges unblock", context, flags, async (config) => {
        const prefix = parseRangePrefix(text);
        const { by } = stampOf(flags, context);
        const scope = await scopeOf(config, flags, context);
        return {
          carrier: rangeControlId(scope.account, prefix),
          change: { op: "clear", kind: "drain", by },
          describe: (now, before) =>
            inForce(before.drain, now)
              ? `range ${prefix} unblocked for ${scope.words} by ${by} (blocked by ${before.drain.by} since ${formatTime(before.drain.at)})\n${APPLIES}`
              : `range ${prefix} was not blocked for ${scope.words}: nothing to lift (otpgw ranges list shows the blocks)`,
        };
      }),
    );
  });

  registerRangesListCommand(ranges, context);
}
