import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { registerCarrierChangeCommands } from "./carriers-change.js";
import { registerCarriersListCommand } from "./carriers-list.js";

/** `otpgw carriers <subcommand>`: operators' drains and weight factors, shared by every instance through Redis. */
export function registerCarriersCommands(program: Command, context: CliContext): void {
  const carriers = program
    .command("carriers")
    .description("drain or weight carriers on every running instance (see: otpgw carriers --help)")
    .addHelpText(
      "after",
      "\nChanges are written to the daemons' Redis (redis_url / REDIS_URL, redis_key_prefix, redis_tls, as `otpgw" +
        "\nstart` reads them): every running instance applies them within a second, and they survive restarts." +
        "\nThe carrier must be one of carriers/ (its bind password need not be set).",
    );
  registerCarriersListCommand(carriers, context);
  registerCarrierChangeCommands(carriers, context);
}
