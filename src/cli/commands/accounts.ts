import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { registerHashKeyCommand } from "./accounts-hash-key.js";
import { registerHashPasswordCommand } from "./accounts-hash-password.js";
import { registerAccountsListCommand } from "./accounts-list.js";
import { registerAccountSuspendCommands } from "./accounts-suspend.js";

/**
 * `otpgw accounts <subcommand>`: making the credentials that accounts.yaml stores (docs/http-api.md), and suspending
 * an account on every running instance.
 */
export function registerAccountsCommands(program: Command, context: CliContext): void {
  const accounts = program
    .command("accounts")
    .description(
      "make credentials for accounts.yaml, suspend or resume an account (see: otpgw accounts --help)",
    );
  registerHashPasswordCommand(accounts, context);
  registerHashKeyCommand(accounts, context);
  registerAccountsListCommand(accounts, context);
  registerAccountSuspendCommands(accounts, context);
}
