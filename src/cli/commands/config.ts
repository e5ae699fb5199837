import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { registerConfigCheckCommand } from "./config-check.js";

/** `otpgw config <subcommand>`: commands about the configuration files. */
export function registerConfigCommands(program: Command, context: CliContext): void {
  const config = program
    .command("config")
    .description("work with the configuration files (see: otpgw config --help)");
  registerConfigCheckCommand(config, context);
}
