import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, loadOptionsFor, type ConfigFlags } from "../config-options.js";
import { reportFailure } from "../report-failure.js";

interface CheckFlags extends ConfigFlags {
  allowMissingEnv?: boolean;
}

/**
 * `otpgw config check`: validate every configuration file offline (no network, no Redis), as `start` would.
 * Meant for CI and for a pre-deploy check; `--allow-missing-env` lets it run where the secrets are not set.
 */
export function registerConfigCheckCommand(config: Command, context: CliContext): void {
  addConfigOptions(
    config
      .command("check")
      .description("validate the settings file and every carrier file, without starting anything")
      .option(
        "--allow-missing-env",
        "do not report ${VAR} references to unset variables (for CI without secrets)",
      )
      .addHelpText(
        "after",
        "\nPrints `ok: N carriers (ids)` and exits 0, or every problem as file:line: path: reason and exits 2.",
      ),
  ).action(async (flags: CheckFlags) => {
    context.setExitCode(await check(flags, context));
  });
}

async function check(flags: CheckFlags, context: CliContext): Promise<number> {
  try {
    const config = await loadConfig({
      ...loadOptionsFor(flags, context),
      ...(flags.allowMissingEnv === true && { allowMissingEnv: true }),
    });
    const ids = config.carriers.map((carrier) => carrier.id);
    context.stdout.write(`ok: ${ids.length} carrier${ids.length === 1 ? "" : "s"} (${ids.join(", ")})\n`);
    return ExitCodes.ok;
  } catch (error) {
    return reportFailure(error, context.stderr, "config check");
  }
}
