import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { formatProblem } from "../../../src/config/config-problem.js";
import { parseAccountsFile } from "../../../src/north/accounts/accounts-file.js";
import { hashPassword, verifyPassword } from "../../../src/north/accounts/password-hash.js";

const digestA = createHash("sha256").update("key-a").digest("hex");
const digestB = createHash("sha256").update("key-b").digest("hex");
const env = { ACCOUNT_ACME_WEBHOOK_SECRET: "0123456789abcdef0123" };
const file = "accounts.yaml";

function problems(text: string, environment: NodeJS.ProcessEnv = env, allowMissingEnv = false): string[] {
  return parseAccountsFile(text, file, environment, { allowMissingEnv }).problems.map(formatProblem);
}

const valid = `accounts:
  - id: acme
    api_keys:
      - sha256:${digestA.toUpperCase()}
      - sha256:${digestB}
    webhook_secret: \${ACCOUNT_ACME_WEBHOOK_SECRET}
    senders: [AcmeOTP, "Acme*"]
    rate_per_second: 50
    default_validity_seconds: 300
    max_validity_seconds: 600
    max_text_length: 160
`;

describe("parseAccountsFile", () => {
  it("reads a valid file, with digests normalised to lower-case hex and the secret from the environment", () => {
    const result = parseAccountsFile(valid, file, env);
    expect(result.problems).toEqual([]);
    expect(result.accounts).toEqual({
      file,
      accounts: [
        {
          id: "acme",
          apiKeyDigests: [digestA, digestB],
          webhookSecret: "0123456789abcdef0123",
          senders: ["AcmeOTP", "Acme*"],
          ratePerSecond: 50,
          defaultValiditySeconds: 300,
          maxValiditySeconds: 600,
          maxTextLength: 160,
        },
      ],
    });
  });

  it("leaves the optional limits out when they are not written", () => {
    const text = valid
      .split("\n")
      .filter((line) => !/validity|max_text/.test(line))
      .join("\n");
    const account = parseAccountsFile(text, file, env).accounts?.accounts[0];
    expect(account).toBeDefined();
    expect(Object.keys(account!).sort()).toEqual([
      "apiKeyDigests",
      "id",
      "ratePerSecond",
      "senders",
      "webhookSecret",
    ]);
  });

  it("takes an OTP code pattern for escalation, and refuses one that is no regular expression, with its line", () => {
    const withPattern = `${valid}    otp_code_pattern: "code (\\\\d{6})"\n`;
    expect(parseAccountsFile(withPattern, file, env).accounts?.accounts[0]?.otpCodePattern).toBe(
      "code (\\d{6})",
    );
    expect(problems(withPattern.replace("{6})", "{6}"))).toEqual([
      expect.stringMatching(
        /^accounts\.yaml:12: accounts\.0\.otp_code_pattern: is not a valid regular expression: /,
      ),
    ]);
  });

  it("reads the anti-abuse limits, range_digits 3 by default, and refuses bad ones with their line", () => {
    const limits = `${valid}    countries: [ID, KR]
    per_number_limit: { messages: 5, window_seconds: 600 }
    per_range_limit: { messages: 50, window_seconds: 600 }
`;
    const account = parseAccountsFile(limits, file, env).accounts!.accounts[0]!;
    expect(account.countries).toEqual(new Set(["ID", "KR"]));
    expect(account.perNumberLimit).toEqual({ messages: 5, windowSeconds: 600 });
    expect(account.perRangeLimit).toEqual({ messages: 50, windowSeconds: 600, rangeDigits: 3 });
    const bad = `${valid}    countries: [id, UK]
    per_number_limit: { messages: 0, window_seconds: 600 }
    per_range_limit: { messages: 5, window: 60, range_digits: 9 }
`;
    expect(problems(bad).sort()).toEqual(
      [
        'accounts.yaml:12: accounts.0.countries.0: must be upper case ("ID")',
        'accounts.yaml:12: accounts.0.countries.1: "UK" is not an ISO 3166-1 alpha-2 code; the United Kingdom is "GB"',
        "accounts.yaml:13: accounts.0.per_number_limit.messages: must be at least 1",
        "accounts.yaml:14: accounts.0.per_range_limit.range_digits: must be at most 6",
        "accounts.yaml:14: accounts.0.per_range_limit.window: unknown key (did you mean window_seconds?)",
        "accounts.yaml:14: accounts.0.per_range_limit.window_seconds: missing required key",
      ].sort(),
    );
    expect(problems(`${valid}    countries: []\n`)).toEqual([
      "accounts.yaml:12: accounts.0.countries: must list at least 1 country (leave the key out to allow every country a route takes)",
    ]);
  });

  it("reads the pumping guard with its defaults (range_digits from per_range_limit), and refuses it without reports_conversions", () => {
    const guarded = `${valid}    reports_conversions: true
    per_range_limit: { messages: 50, window_seconds: 600, range_digits: 4 }
    pumping_guard: {}
`;
    expect(parseAccountsFile(guarded, file, env).accounts!.accounts[0]!.pumpingGuard).toEqual({
      rangeDigits: 4,
      minDeliveries: 20,
      maxConversionRatio: 0.2,
      conversionWaitSeconds: 120,
      windowSeconds: 3600,
      blockSeconds: 3600,
    });
    const own = `${valid}    reports_conversions: true
    pumping_guard: { min_deliveries: 50, max_conversion_ratio: 0.1, block_seconds: 86400 }
`;
    expect(parseAccountsFile(own, file, env).accounts!.accounts[0]!.pumpingGuard).toMatchObject({
      rangeDigits: 3,
      minDeliveries: 50,
      maxConversionRatio: 0.1,
      blockSeconds: 86400,
    });
    expect(problems(`${valid}    pumping_guard: { max_conversion_ratio: 0 }\n`).sort()).toEqual([
      "accounts.yaml:12: accounts.0.pumping_guard.max_conversion_ratio: must be greater than 0",
      "accounts.yaml:12: accounts.0.pumping_guard: needs reports_conversions: true: the guard judges a range by whether its delivered codes are used",
    ]);
  });

  it("refuses a literal webhook secret, without repeating it", () => {
    const reported = problems(valid.replace("${ACCOUNT_ACME_WEBHOOK_SECRET}", "literal-secret-value-123"));
    expect(reported).toEqual([
      "accounts.yaml:6: accounts.0.webhook_secret: must be an environment variable reference such as ${ACCOUNT_ACME_WEBHOOK_SECRET}; literal secrets are refused so they are never committed",
    ]);
    expect(reported.join()).not.toContain("literal-secret-value-123");
  });

  it("reports an unset secret variable once, and accepts it with allowMissingEnv", () => {
    expect(problems(valid, {})).toEqual([
      "accounts.yaml:6: accounts.0.webhook_secret: environment variable ACCOUNT_ACME_WEBHOOK_SECRET is not set",
    ]);
    const offline = parseAccountsFile(valid, file, {}, { allowMissingEnv: true });
    expect(offline.problems).toEqual([]);
    expect(offline.accounts?.accounts[0]?.id).toBe("acme");
  });

  it("refuses a secret shorter than 16 characters", () => {
    expect(problems(valid, { ACCOUNT_ACME_WEBHOOK_SECRET: "short" })).toEqual([
      "accounts.yaml:6: accounts.0.webhook_secret: must be at least 16 characters long once resolved (an HMAC key shorter than that can be guessed offline)",
    ]);
  });

  it("refuses an API key written in clear, pointing at how to hash it", () => {
    const reported = problems(valid.replace(`sha256:${digestB}`, "my-plain-api-key"));
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatch(/^accounts\.yaml:5: accounts\.0\.api_keys\.1: must be "sha256:" followed by/);
    expect(reported[0]).toContain("sha256sum");
  });

  it("reports every problem with its line: unknown key, bad id, default above max, duplicates", () => {
    const text = `accounts:
  - id: acme
    api_keys: [sha256:${digestA}]
    webhook_secret: \${ACCOUNT_ACME_WEBHOOK_SECRET}
    senders: [AcmeOTP]
    rate_per_secnd: 5
    default_validity_seconds: 900
    max_validity_seconds: 600
  - id: Acme_2
    api_keys: [sha256:${digestA}]
    webhook_secret: \${ACCOUNT_ACME_WEBHOOK_SECRET}
    senders: []
    rate_per_second: 0
  - id: acme
    api_keys: [sha256:${digestB}]
    webhook_secret: \${ACCOUNT_ACME_WEBHOOK_SECRET}
    senders: ["*"]
    rate_per_second: 1
`;
    expect(problems(text)).toEqual([
      "accounts.yaml:2: accounts.0.rate_per_second: missing required key",
      "accounts.yaml:6: accounts.0.rate_per_secnd: unknown key (did you mean rate_per_second?)",
      "accounts.yaml:7: accounts.0.default_validity_seconds: must not exceed max_validity_seconds (900 > 600)",
      "accounts.yaml:9: accounts.1.id: must be lower-case letters, digits and '-', starting with a letter or digit (it names the account in logs, metrics and Redis keys)",
      'accounts.yaml:10: accounts.1.api_keys.0: duplicate API key digest (already a key of account "acme")',
      "accounts.yaml:12: accounts.1.senders: must list at least 1 item",
      "accounts.yaml:13: accounts.1.rate_per_second: must be at least 1",
      'accounts.yaml:14: accounts.2.id: duplicate account id "acme" (also accounts.0)',
    ]);
  });

  it("refuses an account with neither api_keys nor smpp, at the account's line", () => {
    const text = valid.replace(/ {4}api_keys:\n.*\n.*\n/, "");
    expect(text).not.toContain("sha256:");
    expect(problems(text)).toEqual([
      "accounts.yaml:2: accounts.0: must have api_keys (HTTP API), smpp (SMPP binds) or both: otherwise it could never submit",
    ]);
  });

  it("refuses reports_conversions on an account without api_keys (conversions come through the HTTP API)", () => {
    const text = valid.replace(/ {4}api_keys:\n.*\n.*\n/, "    reports_conversions: true\n");
    const found = problems(text).filter((p) => p.includes("accounts.0.reports_conversions"));
    expect(found).toEqual([
      expect.stringMatching(
        /^accounts\.yaml:\d+: accounts\.0\.reports_conversions: needs api_keys: conversions are reported through the HTTP API/,
      ),
    ]);
  });

  it("refuses an empty file and one without accounts", () => {
    expect(problems("")).toHaveLength(1);
    expect(problems("accounts: []\n")).toEqual(["accounts.yaml:1: accounts: must list at least 1 item"]);
  });
});

describe("the example accounts.yaml", () => {
  it("is valid once its secret variable is set, and its placeholders match no key and no password", async () => {
    const text = await readFile(new URL("../../../accounts.yaml", import.meta.url), "utf8");
    const result = parseAccountsFile(text, "accounts.yaml", { ACCOUNT_ACME_WEBHOOK_SECRET: "x".repeat(32) });
    expect(result.problems).toEqual([]);
    const acme = result.accounts?.accounts[0];
    expect(acme?.apiKeyDigests).toEqual(["0".repeat(64)]);
    expect(acme?.smpp).toMatchObject({ systemId: "acme01", maxBinds: 4, receipts: true });
    // The placeholder's derived key is all zeros: no password hashes to it.
    const hash = acme?.smpp?.passwordHash ?? "";
    expect(Buffer.from(hash.split("$")[5] ?? "", "base64")).toEqual(Buffer.alloc(32));
    expect(await verifyPassword("", hash)).toBe(false);
  });
});

describe("parseAccountsFile: the smpp block", () => {
  let hash: string;
  beforeAll(async () => {
    hash = await hashPassword("pw123456");
  });

  const smppOnly = (smpp: string) => `accounts:
  - id: aggr
    senders: ["*"]
    rate_per_second: 10
    smpp:
${smpp}`;

  it("reads an SMPP-only account (no api_keys, no webhook_secret) with max_binds 4 and receipts on by default", () => {
    const text = smppOnly(`      system_id: aggr01
      password_hash: ${hash}
      allowed_ips: [192.0.2.0/24, 2001:db8::/32, 198.51.100.7]
`);
    const result = parseAccountsFile(text, file, {});
    expect(result.problems).toEqual([]);
    expect(result.accounts?.accounts).toEqual([
      {
        id: "aggr",
        apiKeyDigests: [],
        senders: ["*"],
        ratePerSecond: 10,
        smpp: {
          systemId: "aggr01",
          passwordHash: hash,
          allowedIps: ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"],
          maxBinds: 4,
          receipts: true,
        },
      },
    ]);
  });

  it("reads an account with both api_keys and smpp, and max_binds and receipts as written", () => {
    const text = `${valid}    smpp:
      system_id: acme
      password_hash: ${hash}
      allowed_ips: ["0.0.0.0/0", "::/0"]
      max_binds: 64
      receipts: false
`;
    const account = parseAccountsFile(text, file, env).accounts?.accounts[0];
    expect(account?.apiKeyDigests).toEqual([digestA, digestB]);
    expect(account?.webhookSecret).toBe(env.ACCOUNT_ACME_WEBHOOK_SECRET);
    expect(account?.smpp).toEqual({
      systemId: "acme",
      passwordHash: hash,
      allowedIps: ["0.0.0.0/0", "::/0"],
      maxBinds: 64,
      receipts: false,
    });
  });

  it("refuses a default or maximum validity shorter than any attempt needs (min_remaining_validity_seconds + 1)", () => {
    const text = `accounts:
  - id: acme
    api_keys: [sha256:${digestA}]
    senders: [AcmeOTP]
    rate_per_second: 5
    default_validity_seconds: 5
    max_validity_seconds: 8
`;
    const reason =
      "(delivery.min_remaining_validity_seconds + 1): no attempt starts closer to an OTP's expiry, so a shorter validity could only expire";
    expect(
      parseAccountsFile(text, file, env, { minValiditySeconds: 11 }).problems.map(formatProblem),
    ).toEqual([
      `accounts.yaml:6: accounts.0.default_validity_seconds: must be at least 11 ${reason}`,
      `accounts.yaml:7: accounts.0.max_validity_seconds: must be at least 11 ${reason}`,
    ]);
    expect(parseAccountsFile(text, file, env, { minValiditySeconds: 5 }).problems).toEqual([]);
  });

  it("refuses a plain password where the hash belongs, without repeating it", () => {
    const reported = problems(
      smppOnly(`      system_id: aggr01
      password_hash: hunter22
      allowed_ips: [127.0.0.1]
`),
    );
    expect(reported).toEqual([
      "accounts.yaml:7: accounts.0.smpp.password_hash: looks like a plain password, not a hash: run `otpgw accounts hash-password` and write the line it prints (the password itself is never stored)",
    ]);
    expect(reported.join()).not.toContain("hunter22");
  });

  it("has no default allowed_ips: a block without them is refused, pointing at 0.0.0.0/0 and ::/0", () => {
    expect(problems(smppOnly(`      system_id: aggr01\n      password_hash: ${hash}\n`))).toEqual([
      "accounts.yaml:5: accounts.0.smpp.allowed_ips: missing required key: list the addresses or CIDRs allowed to bind (there is no default; 0.0.0.0/0 and ::/0 allow any)",
    ]);
    expect(
      problems(smppOnly(`      system_id: aggr01\n      password_hash: ${hash}\n      allowed_ips: []\n`)),
    ).toEqual([
      "accounts.yaml:8: accounts.0.smpp.allowed_ips: must list at least 1 address or CIDR (0.0.0.0/0 and ::/0 allow any)",
    ]);
  });

  it("reports every smpp mistake with its line", () => {
    const text = `accounts:
  - id: one
    senders: ["*"]
    rate_per_second: 10
    smpp:
      system_id: "much-too-long-system-id"
      password_hash: "$2b$10$abcdefghijklmnopqrstuv"
      allowed_ips:
        - 10.1.2.3/8
        - "::ffff:192.0.2.1"
        - 192.0.2.0/33
        - example.com
        - "fe80::1%eth0"
      max_binds: 0
      receipts: "yes"
      window: 10
  - id: two
    senders: ["*"]
    rate_per_second: 10
    smpp:
      system_id: "tab\there"
      password_hash: "scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA=="
      allowed_ips: [2001:db8::1/32]
      max_binds: 65
  - id: three
    senders: ["*"]
    rate_per_second: 10
    smpp:
      system_id: ONE-dup
      password_hash: "scrypt$16384$8$1$short$AAAAAAAAAAAAAAAAAAAAAA=="
      allowed_ips: [192.0.2.1]
  - id: four
    senders: ["*"]
    rate_per_second: 10
    smpp:
      system_id: one-DUP
      password_hash: "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
      allowed_ips: [192.0.2.1]
`;
    expect(problems(text)).toEqual([
      "accounts.yaml:6: accounts.0.smpp.system_id: must be at most 15 characters long",
      "accounts.yaml:7: accounts.0.smpp.password_hash: must be an scrypt hash (scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>): run `otpgw accounts hash-password` and write the line it prints",
      "accounts.yaml:9: accounts.0.smpp.allowed_ips.0: has bits set after its /8 prefix: write the network address 10.0.0.0/8, or the single address without a prefix",
      "accounts.yaml:10: accounts.0.smpp.allowed_ips.1: must not be IPv4-mapped IPv6 (::ffff:…): write it as IPv4 (a.b.c.d or a.b.c.d/n), which is how such clients are matched",
      "accounts.yaml:11: accounts.0.smpp.allowed_ips.2: the prefix length after / must be a whole number from 0 to 32 for IPv4",
      "accounts.yaml:12: accounts.0.smpp.allowed_ips.3: must be an IPv4 or IPv6 address or CIDR, such as 192.0.2.10, 192.0.2.0/24 or 2001:db8::/32 (0.0.0.0/0 and ::/0 allow any)",
      "accounts.yaml:13: accounts.0.smpp.allowed_ips.4: must not carry a zone index (%…)",
      "accounts.yaml:14: accounts.0.smpp.max_binds: must be at least 1",
      "accounts.yaml:15: accounts.0.smpp.receipts: expected true or false, got a string",
      "accounts.yaml:16: accounts.0.smpp.window: unknown key",
      "accounts.yaml:21: accounts.1.smpp.system_id: must be printable ASCII (SMPP system_id)",
      "accounts.yaml:22: accounts.1.smpp.password_hash: scrypt parameters too weak: 128·N·r must be at least 16 MiB (the defaults are N=16384 r=8)",
      "accounts.yaml:23: accounts.1.smpp.allowed_ips.0: has bits set after its /32 prefix: write the network address 2001:db8::/32, or the single address without a prefix",
      "accounts.yaml:24: accounts.1.smpp.max_binds: must be at most 64",
      "accounts.yaml:30: accounts.2.smpp.password_hash: the salt must be standard base64 of 16 to 64 bytes",
      'accounts.yaml:36: accounts.3.smpp.system_id: duplicate SMPP system_id (already the system_id of account "three"; ids are compared ignoring case)',
    ]);
  });
});
