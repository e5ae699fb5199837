import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyPassword } from "../../../src/north/accounts/password-hash.js";
import { runOtpgw } from "../../helpers/otpgw-cli.js";

/** Runs the CLI from source with `input` piped to its stdin (so not a terminal). */
const otpgw = (args: string[], input = "") => runOtpgw(args, { input });

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("otpgw accounts hash-password", () => {
  it("prints one scrypt line for a piped password, dropping the newline echo adds, that verifies", async () => {
    const run = await otpgw(["accounts", "hash-password"], "s3cret!x\n");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*\n$/);
    const hash = run.stdout.trim();
    expect(await verifyPassword("s3cret!x", hash)).toBe(true);
    expect(await verifyPassword("s3cret!x\n", hash)).toBe(false);
  });

  it.each([
    ["an empty password", "\n", "the password is empty"],
    ["a password over 8 characters", "123456789", "has 9 characters; SMPP 3.4 allows at most 8"],
    ["several lines", "one\ntwo\n", "expected a single line on standard input"],
    ["a non-ASCII password", "pässwd", "printable ASCII"],
  ])("refuses %s with exit 1, a clear message and nothing on stdout", async (_name, input, message) => {
    const run = await otpgw(["accounts", "hash-password"], input);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^otpgw: accounts hash-password: /);
    expect(run.stderr).toContain(message);
  });
});

describe("otpgw accounts hash-key", () => {
  it("generates a random key and prints it with its sha256: line", async () => {
    const [first, second] = await Promise.all([
      otpgw(["accounts", "hash-key"]),
      otpgw(["accounts", "hash-key"]),
    ]);
    for (const run of [first, second]) {
      expect(run.code).toBe(0);
      const match = /^key: ([A-Za-z0-9_-]{43})\nsha256:([0-9a-f]{64})\n$/.exec(run.stdout);
      expect(match, run.stdout).not.toBeNull();
      expect(match![2]).toBe(sha256(match![1]!));
    }
    expect(first.stdout).not.toBe(second.stdout);
  });

  it("with --stdin prints only the sha256: line of the piped key, as sha256sum would", async () => {
    const run = await otpgw(["accounts", "hash-key", "--stdin"], "acme-live-key-0123456789\n");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`sha256:${sha256("acme-live-key-0123456789")}\n`);
  });

  it("with --stdin refuses a key shorter than 16 characters or with spaces", async () => {
    const short = await otpgw(["accounts", "hash-key", "--stdin"], "short-key");
    expect(short.code).toBe(1);
    expect(short.stdout).toBe("");
    expect(short.stderr).toContain("the key has 9 characters; at least 16 are needed");
    const spaced = await otpgw(["accounts", "hash-key", "--stdin"], "a key with spaces in it");
    expect(spaced.code).toBe(1);
    expect(spaced.stderr).toContain("printable ASCII without spaces");
  });
});

describe("otpgw accounts --help", () => {
  it("lists both commands, and each one's help says how it reads input and what it prints", async () => {
    const [group, password, key, top] = await Promise.all([
      otpgw(["accounts", "--help"]),
      otpgw(["accounts", "hash-password", "--help"]),
      otpgw(["accounts", "hash-key", "--help"]),
      otpgw(["--help"]),
    ]);
    expect(top.stdout).toMatch(/^\s+accounts\s+make credentials for accounts\.yaml/m);
    expect(group.stdout).toMatch(/^\s+hash-password\s+hash an SMPP bind password/m);
    expect(group.stdout).toMatch(/^\s+hash-key \[options\]\s+make an HTTP API key/m);
    expect(password.code).toBe(0);
    expect(password.stdout).toContain("standard input when it is piped");
    expect(password.stdout).toContain("1 to 8 printable ASCII characters");
    expect(password.stdout).toContain("smpp.password_hash");
    expect(key.stdout).toMatch(/--stdin\s+hash a key read from standard input/);
    expect(key.stdout).toContain("api_keys");
  });
});
