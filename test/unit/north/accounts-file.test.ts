import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { formatProblem } from "../../../src/config/config-problem.js";
import { parseAccountsFile } from "../../../src/north/accounts/accounts-file.js";

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

  it("refuses an empty file and one without accounts", () => {
    expect(problems("")).toHaveLength(1);
    expect(problems("accounts: []\n")).toEqual(["accounts.yaml:1: accounts: must list at least 1 item"]);
  });
});

describe("the example accounts.yaml", () => {
  it("is valid once its secret variable is set, and its placeholder digest matches no usable key", async () => {
    const text = await readFile(new URL("../../../accounts.yaml", import.meta.url), "utf8");
    const result = parseAccountsFile(text, "accounts.yaml", { ACCOUNT_ACME_WEBHOOK_SECRET: "x".repeat(32) });
    expect(result.problems).toEqual([]);
    expect(result.accounts?.accounts[0]?.apiKeyDigests).toEqual(["0".repeat(64)]);
  });
});
