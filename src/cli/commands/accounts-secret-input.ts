/**
 * Reads a secret (a password, an API key) for the `accounts` commands: the first line of piped input, or typed
 * at a terminal without echo. Never from the command line, where it would land in shell history and `ps`.
 */
import { StringDecoder } from "node:string_decoder";
import type { TextSink, TextSource } from "../cli-context.js";

/** Piped input beyond this is not a password or a key: refused rather than buffered. */
const maxPipedBytes = 4096;

/** The input was refused; the message says why, for the operator (it never contains the secret). */
export class SecretInputError extends Error {
  override readonly name = "SecretInputError";
}

export interface SecretPrompts {
  /** Shown before the first entry, e.g. `Password: `. */
  prompt: string;
  /** When set, the secret is asked again with this prompt and must match (terminal only). */
  confirm?: string;
}

/** @throws SecretInputError without input, on a mismatched confirmation, or when cancelled with Ctrl-C. */
export async function readSecret(
  input: TextSource | undefined,
  stderr: TextSink,
  prompts: SecretPrompts,
): Promise<string> {
  if (input === undefined) throw new SecretInputError("no standard input to read from");
  if (input.isTTY !== true || input.setRawMode === undefined) return readPiped(input);
  const first = await promptHidden(input, stderr, prompts.prompt);
  if (prompts.confirm === undefined) return first;
  const second = await promptHidden(input, stderr, prompts.confirm);
  if (second !== first) throw new SecretInputError("the two entries differ; nothing was hashed");
  return first;
}

/** The whole input as one line; a single final line ending (what `echo` adds) is dropped. */
async function readPiped(input: TextSource): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    length += bytes.length;
    if (length > maxPipedBytes) throw new SecretInputError(`the input is longer than ${maxPipedBytes} bytes`);
    chunks.push(bytes);
  }
  const text = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (/[\r\n]/.test(text)) {
    throw new SecretInputError("expected a single line on standard input, got several");
  }
  return text;
}

/** One line typed at the terminal, with echo off: Enter ends it, Backspace edits it, Ctrl-C cancels. */
function promptHidden(input: TextSource, stderr: TextSink, prompt: string): Promise<string> {
  const setRawMode = input.setRawMode?.bind(input);
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder("utf8");
    let typed = "";
    const finish = (error?: SecretInputError) => {
      input.removeListener("data", onData);
      setRawMode?.(false);
      input.pause();
      stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
      for (const character of text) {
        if (character === "\r" || character === "\n" || character === "\u0004") return finish();
        if (character === "\u0003") return finish(new SecretInputError("cancelled"));
        if (character === "\u007f" || character === "\b") typed = [...typed].slice(0, -1).join("");
        else if (character >= " ") typed += character;
      }
    };
    stderr.write(prompt);
    setRawMode?.(true);
    input.on("data", onData);
    input.resume();
  });
}
