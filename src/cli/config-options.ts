import type { Command } from "commander";
import type { LoadConfigOptions } from "../config/load-config.js";
import type { CliContext } from "./cli-context.js";

/** The options every command that reads the configuration accepts. */
export interface ConfigFlags {
  config?: string;
  carriers?: string;
}

/** Adds `--config` and `--carriers` to a command. */
export function addConfigOptions(command: Command): Command {
  return command
    .option(
      "-c, --config <file>",
      "daemon settings file (default: $OTPGW_CONFIG, else ./otpgw.yaml if present)",
    )
    .option(
      "--carriers <dir>",
      "carriers directory, one .yaml file per carrier (default: $OTPGW_CARRIERS_DIR, else carriers_dir from the settings, else ./carriers)",
    );
}

/** loadConfig options for the flags, in the CLI's environment. */
export function loadOptionsFor(flags: ConfigFlags, context: CliContext): LoadConfigOptions {
  return {
    env: context.env,
    cwd: context.cwd,
    ...(flags.config !== undefined && { configFile: flags.config }),
    ...(flags.carriers !== undefined && { carriersDir: flags.carriers }),
  };
}
