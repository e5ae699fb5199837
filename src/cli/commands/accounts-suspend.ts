/**
 * `otpgw accounts suspend|resume`: an operator stops an account's submits on every running instance within a second
 * — an account under an SMS-pumping attack, or one whose traffic must stop now — and lets them in again. Written to
 * the daemons' Redis beside the carriers' overrides (src/ops/control-store.ts, as `account:<id>`).
 */
import type { Command } from "commander";
import type { SettingsAndCarriers } from "../../config/loaded-config.js";
import { inForce } from "../../ops/carrier-controls.js";
import { accountControlId } from "../../ops/control-store.js";
import type { CliContext } from "../cli-context.js";
import { CommandRefusal, formatTime, loadAccountsForOperations } from "../control-session.js";
import { APPLIES, ending, runChange, stampOf, withOptions, type ChangeFlags } from "./override-change.js";

/** The account id, if accounts.yaml has it. @throws ConfigError for the file, CommandRefusal naming its ids */
export async function configuredAccount(
  config: SettingsAndCarriers,
  id: string,
  flags: ChangeFlags,
  context: CliContext,
): Promise<string> {
  const accounts = await loadAccountsForOperations(config, flags, context);
  if (accounts.some((a) => a.id === id)) return id;
  const known = accounts.map((a) => a.id).join(", ");
  throw new CommandRefusal(
    `unknown account "${id}" (accounts in ${config.daemon.accountsFile}: ${known}); nothing was written`,
  );
}

export function registerAccountSuspendCommands(accounts: Command, context: CliContext): void {
  withOptions(
    accounts
      .command("suspend <account>")
      .description(
        "refuse every new submit of an account, on every running instance (an attack, a runaway client)",
      )
      .option("--reason <text>", "why, shown in logs (e.g. an incident number)")
      .option("--for <duration>", "lift it by itself after this long: 90s, 30m, 2h, 1h30m, 7d (at most 30d)")
      .addHelpText(
        "after",
        "\nHTTP submits get 403 OTPGW_ERR_HTTP_ACCOUNT_SUSPENDED and SMPP submit_sm ESME_RSUBMITFAIL; nothing is" +
          "\nstored. Its binds stay up, and lookups, conversion reports and receipts of messages already accepted go on." +
          `\n${APPLIES}` +
          '\n\nExample:\n  otpgw accounts suspend acme --reason "INC-812 pumping through +4470xxxx" --for 2h',
      ),
  ).action(async (id: string, flags: ChangeFlags) => {
    context.setExitCode(
      await runChange("accounts suspend", context, flags, async (config) => {
        const account = await configuredAccount(config, id, flags, context);
        const stamp = stampOf(flags, context);
        return {
          carrier: accountControlId(account),
          change: { op: "set", kind: "drain", ...stamp },
          describe: (now, before) =>
            `account ${account} suspended by ${stamp.by}${ending(now, stamp.forMs)}` +
            `${stamp.reason ? `: ${stamp.reason}` : ""}` +
            `${inForce(before.drain, now) ? ` (it was suspended already, by ${before.drain.by}: replaced)` : ""}` +
            `\n${APPLIES} Lift it with: otpgw accounts resume ${account}`,
        };
      }),
    );
  });

  withOptions(
    accounts
      .command("resume <account>")
      .description("lift an account's suspension: its submits are accepted again")
      .addHelpText("after", `\n${APPLIES}\n\nExample:\n  otpgw accounts resume acme`),
  ).action(async (id: string, flags: ChangeFlags) => {
    context.setExitCode(
      await runChange("accounts resume", context, flags, async (config) => {
        const account = await configuredAccount(config, id, flags, context);
        const { by } = stampOf(flags, context);
        return {
          carrier: accountControlId(account),
          change: { op: "clear", kind: "drain", by },
          describe: (now, before) =>
            inForce(before.drain, now)
              ? `account ${account} resumed by ${by} (suspended by ${before.drain.by} since ${formatTime(before.drain.at)})\n${APPLIES}`
              : `account ${account} was not suspended: nothing to lift`,
        };
      }),
    );
  });
}
