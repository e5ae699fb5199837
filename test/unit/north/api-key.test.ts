import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { Account } from "../../../src/north/accounts/account-types.js";
import { createApiKeyIndex, hashApiKey } from "../../../src/north/accounts/api-key.js";

const account = (id: string, keys: string[]): Account => ({
  id,
  apiKeyDigests: keys.map(hashApiKey),
  webhookSecret: "s".repeat(16),
  senders: ["*"],
  ratePerSecond: 1,
});

describe("API keys", () => {
  it('hashes a key as the documented `printf %s "$KEY" | sha256sum` does', () => {
    const key = "k3y-with-ünicode";
    const shell = execFileSync("sh", ["-c", 'printf %s "$KEY" | sha256sum'], {
      env: { ...process.env, KEY: key },
    })
      .toString()
      .split(" ")[0];
    expect(hashApiKey(key)).toBe(shell);
  });

  it("finds the account of each of its keys and nothing for another key", () => {
    const index = createApiKeyIndex({
      file: "accounts.yaml",
      accounts: [account("a", ["k1", "k2"]), account("b", ["k3"])],
    });
    expect(index.find("k1")?.id).toBe("a");
    expect(index.find("k2")?.id).toBe("a");
    expect(index.find("k3")?.id).toBe("b");
    expect(index.find("k4")).toBeUndefined();
    expect(index.find("")).toBeUndefined();
    // The digest itself is not a key.
    expect(index.find(hashApiKey("k1"))).toBeUndefined();
  });
});
