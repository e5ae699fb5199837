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
          "\nSIGHUP reads every configuration file again and, if all are valid, installs routes.yaml and" +
          "\naccounts.yaml (an invalid edit is logged with every problem and the running configuration stays;" +
          "\nchanges to otpgw.yaml and carriers/ are logged and wait for a restart). SIGHUP also reloads the TLS files" +
          "\n(smpp.tls, redis_tls; picked up within a minute of a change without it).",
      ),
  ).action(async (flags: ConfigFlags) => {
    context.setExitCode(await start(flags, context));
  });
}

async function start(flags: ConfigFlags, context: CliContext): Promise<number> {
  let config;
  const options = loadOptionsFor(flags, context);
  try {
    config = await loadConfig(options);
  } catch (error) {
    return reportFailure(error, context.stderr, "start");
  }
  const logger = context.createLogger({ level: config.daemon.logLevel });
  try {
    await context.runDaemon(config, logger, () => loadConfig(options));
    return ExitCodes.ok;
  } catch (error) {
    logger.fatal({ err: error }, "otpgw stopped: start-up or run failed");
    return reportFailure(error, context.stderr, "start");
  }
}
