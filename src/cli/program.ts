import { Command, CommanderError } from "commander";
import { ExitCodes, type CliContext } from "./cli-context.js";
import { registerAccountsCommands } from "./commands/accounts.js";
import { registerCarriersCommands } from "./commands/carriers.js";
import { registerConfigCommands } from "./commands/config.js";
import { registerMessagesCommands } from "./commands/messages.js";
import { registerPortedCommands } from "./commands/ported.js";
import { registerRangesCommands } from "./commands/ranges.js";
import { registerRoutesCommands } from "./commands/routes.js";
import { registerStartCommand } from "./commands/start.js";
import { registerWatchCommand } from "./commands/watch.js";
import { daemonEnvOverrides } from "../config/daemon-env.js";
import { sentinelPasswordVariable } from "../config/daemon-settings.js";

/** Each adds its command (or command group) to the program; later issues append theirs here. */
const commandRegistrations: readonly ((program: Command, context: CliContext) => void)[] = [
  registerStartCommand,
  registerConfigCommands,
  registerAccountsCommands,
  registerCarriersCommands,
  registerRangesCommands,
  registerPortedCommands,
  registerRoutesCommands,
  registerMessagesCommands,
  registerWatchCommand,
];

/** The variables that override otpgw.yaml (daemon-env.ts), wrapped for the help text. */
function overrideVariables(): string {
  const words = [
    ...daemonEnvOverrides
      .filter((o) => o.variable !== "OTPGW_CARRIERS_DIR")
      .map((o, i, all) => (i === all.length - 1 ? o.variable : `${o.variable},`)),
    "override",
    "otpgw.yaml;",
  ];
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line !== "" && line.length + word.length > 88) {
      lines.push(line);
      line = "";
    }
    line = line === "" ? `  ${word}` : `${line} ${word}`;
  }
  return [...lines, line].join("\n");
}

const helpFooter = `
Environment:
  OTPGW_CONFIG          daemon settings file (like --config)
  OTPGW_CARRIERS_DIR    carriers directory (like --carriers)
${overrideVariables()}
  ${sentinelPasswordVariable}  the Redis sentinels' own password (environment only);
  config files read secrets as \${VAR} (e.g. password: \${CARRIER_ID_TELKOMSEL_PASSWORD},
  webhook_secret: \${ACCOUNT_ACME_WEBHOOK_SECRET}).

Exit codes: 0 ok, 1 failure or bad command line, 2 invalid configuration.
Reference: docs/configuration.md`;

/** The `otpgw` command line. Output and exits go through `context`, never straight to the process. */
export function createProgram(context: CliContext): Command {
  const program = new Command()
    .name("otpgw")
    .description("OTP-aware SMPP gateway: accepts OTP messages and delivers them through carrier SMPP binds")
    .version(context.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help for a command")
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .exitOverride()
    .showHelpAfterError("(run otpgw --help for usage)")
    .addHelpText("after", helpFooter);
  for (const register of commandRegistrations) register(program, context);
  return program;
}

/** Parses `args` (without node and the script) and runs the command; resolves to the exit code. */
export async function runCli(
  args: readonly string[],
  context: Omit<CliContext, "setExitCode">,
): Promise<number> {
  let exitCode: number = ExitCodes.ok;
  const program = createProgram({ ...context, setExitCode: (code) => (exitCode = code) });
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return exitCode;
}
