import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, loadOptionsFor, type ConfigFlags } from "../config-options.js";
import { reportFailure } from "../report-failure.js";

/**
 * `otpgw start`: validate the whole configuration, then run the daemon until SIGTERM/SIGINT. Nothing starts
 * unless every file is valid; a start-up failure exits non-zero rather than leave a half-started daemon.
 */
export function registerStartCommand(program: Command, context: CliContext): void {
  addConfigOptions(
    program
      .command("start")
      .description("validate the configuration and run the gateway until SIGTERM or SIGINT")
      .addHelpText(
        "after",
        "\nExits 2 without starting anything if the configuration is invalid." +
          "\nSIGHUP reloads the TLS files (smpp.tls, redis_tls; also picked up within a minute of a change);" +
          "\nthe configuration files are read at start only.",
      ),
  ).action(async (flags: ConfigFlags) => {
    context.setExitCode(await start(flags, context));
  });
}

async function start(flags: ConfigFlags, context: CliContext): Promise<number> {
  let config;
  try {
    config = await loadConfig(loadOptionsFor(flags, context));
  } catch (error) {
    return reportFailure(error, context.stderr, "start");
  }
  const logger = context.createLogger({ level: config.daemon.logLevel });
  try {
    await context.runDaemon(config, logger);
    return ExitCodes.ok;
  } catch (error) {
    logger.fatal({ err: error }, "otpgw stopped: start-up or run failed");
    return reportFailure(error, context.stderr, "start");
  }
}
