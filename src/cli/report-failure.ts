import { ConfigError, OtpgwError } from "../errors.js";
import { ExitCodes, type TextSink } from "./cli-context.js";

/**
 * Prints why a command failed and returns the exit code: every configuration problem on its own line
 * (`file:line: path: reason`, easy to grep and to jump to from an editor), or the error's message.
 */
export function reportFailure(error: unknown, stderr: TextSink, doing: string): number {
  if (error instanceof ConfigError) {
    const count = error.problems.length;
    stderr.write(`otpgw: invalid configuration (${count} problem${count === 1 ? "" : "s"}):\n`);
    for (const problem of error.problems) stderr.write(`${problem}\n`);
    return ExitCodes.invalidConfig;
  }
  const code = error instanceof OtpgwError ? ` [${error.code}]` : "";
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`otpgw: ${doing} failed${code}: ${message}\n`);
  return ExitCodes.failure;
}
