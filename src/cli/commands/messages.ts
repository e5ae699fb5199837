import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { registerMessagesShowCommand } from "./messages-show.js";

/** `otpgw messages <subcommand>`: looking up stored messages for support (read-only). */
export function registerMessagesCommands(program: Command, context: CliContext): void {
  const messages = program
    .command("messages")
    .description(
      "look up a stored message: its attempts, receipts and carrier ids (see: otpgw messages --help)",
    );
  registerMessagesShowCommand(messages, context);
}
