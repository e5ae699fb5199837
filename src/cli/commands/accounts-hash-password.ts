import type { Command } from "commander";
import { hashPassword, smppPasswordProblem } from "../../north/accounts/password-hash.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { reportFailure } from "../report-failure.js";
import { readSecret, SecretInputError } from "./accounts-secret-input.js";

const help = `
Reads the password from standard input when it is piped (one line; a final newline is dropped), or asks for
it twice, without echo, at a terminal. SMPP 3.4 passwords are 1 to 8 printable ASCII characters; anything
else is refused (exit 1).

Prints one line, scrypt$16384$8$1$<salt base64>$<hash base64>: write it as smpp.password_hash in
accounts.yaml. The salt is random, so the same password gives a different line each time.

Example:
  printf %s "$PASSWORD" | otpgw accounts hash-password`;

/** `otpgw accounts hash-password`: the salted scrypt hash of an SMPP bind password. */
export function registerHashPasswordCommand(accounts: Command, context: CliContext): void {
  accounts
    .command("hash-password")
    .description("hash an SMPP bind password for accounts.yaml (smpp.password_hash)")
    .addHelpText("after", help)
    .action(async () => {
      context.setExitCode(await run(context));
    });
}

async function run(context: CliContext): Promise<number> {
  try {
    const password = await readSecret(context.stdin, context.stderr, {
      prompt: "SMPP password: ",
      confirm: "Again: ",
    });
    const problem = smppPasswordProblem(password);
    if (problem !== undefined) throw new SecretInputError(problem);
    context.stdout.write(`${await hashPassword(password)}\n`);
    if (context.stdin?.isTTY === true) {
      context.stderr.write("Write this line as smpp.password_hash of the account in accounts.yaml.\n");
    }
    return ExitCodes.ok;
  } catch (error) {
    if (error instanceof SecretInputError) {
      context.stderr.write(`otpgw: accounts hash-password: ${error.message}\n`);
      return ExitCodes.failure;
    }
    return reportFailure(error, context.stderr, "accounts hash-password");
  }
}
