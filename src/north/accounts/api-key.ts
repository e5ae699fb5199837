/**
 * API key lookup. Keys are stored only as SHA-256 digests, so a leaked accounts.yaml does not leak keys. The
 * presented key is hashed and its digest looked up in a Map: the time taken depends on the digest, which an
 * attacker cannot steer towards a stored one, not on how many characters of a real key they guessed.
 */
import { hash, timingSafeEqual } from "node:crypto";
import type { Account, AccountsConfig } from "./account-types.js";

/** The SHA-256 digest of `key` as 64 lower-case hex digits: what `api_keys` stores after `sha256:`. */
export function hashApiKey(key: string): string {
  return hash("sha256", key, "hex");
}

/** Finds the account an API key belongs to. */
export interface ApiKeyIndex {
  /** The key's account, or undefined for an unknown key. */
  find(key: string): Account | undefined;
}

export function createApiKeyIndex(config: AccountsConfig): ApiKeyIndex {
  const byDigest = new Map<string, { digest: Buffer; account: Account }>();
  for (const account of config.accounts) {
    for (const digest of account.apiKeyDigests) {
      byDigest.set(digest, { digest: Buffer.from(digest, "hex"), account });
    }
  }
  return {
    find(key) {
      // One-shot `hash` (Node ≥ 20.12): ~2.5× faster than a Hash object for a short key, on every request.
      const presented = hash("sha256", key, "buffer");
      const entry = byDigest.get(presented.toString("hex"));
      // The Map already matched; the constant-time compare guards against a future index keyed differently.
      if (entry === undefined || !timingSafeEqual(entry.digest, presented)) return undefined;
      return entry.account;
    },
  };
}
