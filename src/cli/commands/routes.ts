import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { registerRoutesExplainCommand } from "./routes-explain.js";

/** `otpgw routes <subcommand>`: inspecting routes.yaml as the daemons apply it. */
export function registerRoutesCommands(program: Command, context: CliContext): void {
  const routes = program
    .command("routes")
    .description("inspect routing: where a number goes and why (see: otpgw routes --help)");
  registerRoutesExplainCommand(routes, context);
}
