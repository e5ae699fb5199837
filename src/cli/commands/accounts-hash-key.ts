import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { hashApiKey } from "../../north/accounts/api-key.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { reportFailure } from "../report-failure.js";
import { readSecret, SecretInputError } from "./accounts-secret-input.js";

/** 256 random bits: the key is all that protects the account, and its stored digest is unsalted. */
const generatedKeyBytes = 32;
/** A shorter key could be found from its unsalted digest by brute force if accounts.yaml leaked. */
const minKeyLength = 16;

const help = `
Without --stdin, prints a new random key (${generatedKeyBytes} random bytes, base64url) and its digest:
  key: <the key: give it to the account over a safe channel; otpgw does not keep it>
  sha256:<64 hex digits: write this line under the account's api_keys in accounts.yaml>

With --stdin, reads an existing key from standard input (piped: one line, a final newline is dropped; at a
terminal: asked without echo) and prints only its sha256: line. A key must be at least ${minKeyLength} printable
ASCII characters without spaces (it travels in an HTTP header).

Example:
  otpgw accounts hash-key
  printf %s "$KEY" | otpgw accounts hash-key --stdin`;

interface HashKeyFlags {
  stdin?: boolean;
}

/** `otpgw accounts hash-key`: an HTTP API key and the digest accounts.yaml stores instead of it. */
export function registerHashKeyCommand(accounts: Command, context: CliContext): void {
  accounts
    .command("hash-key")
    .description("make an HTTP API key and the sha256: digest that accounts.yaml stores (api_keys)")
    .option("--stdin", "hash a key read from standard input instead of generating one")
    .addHelpText("after", help)
    .action(async (flags: HashKeyFlags) => {
      context.setExitCode(await run(flags, context));
    });
}

async function run(flags: HashKeyFlags, context: CliContext): Promise<number> {
  try {
    if (flags.stdin !== true) {
      const key = randomBytes(generatedKeyBytes).toString("base64url");
      context.stdout.write(`key: ${key}\nsha256:${hashApiKey(key)}\n`);
      return ExitCodes.ok;
    }
    const key = await readSecret(context.stdin, context.stderr, { prompt: "API key: " });
    const problem = apiKeyProblem(key);
    if (problem !== undefined) throw new SecretInputError(problem);
    context.stdout.write(`sha256:${hashApiKey(key)}\n`);
    return ExitCodes.ok;
  } catch (error) {
    if (error instanceof SecretInputError) {
      context.stderr.write(`otpgw: accounts hash-key: ${error.message}\n`);
      return ExitCodes.failure;
    }
    return reportFailure(error, context.stderr, "accounts hash-key");
  }
}

/** Why `key` is not a usable API key, or undefined. */
function apiKeyProblem(key: string): string | undefined {
  if (key === "") return "the key is empty";
  if (!/^[\x21-\x7e]+$/.test(key)) {
    return "the key must be printable ASCII without spaces (it travels in an HTTP header)";
  }
  if (key.length < minKeyLength) {
    return `the key has ${key.length} characters; at least ${minKeyLength} are needed (a shorter key could be recovered from its digest)`;
  }
  return undefined;
}
