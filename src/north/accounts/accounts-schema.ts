/**
 * The schema of `accounts.yaml` (snake_case, as written) and its mapping to `AccountsConfig`. Unknown keys
 * are errors, so a typo such as `rate_per_secnd` is never silently ignored.
 */
import * as z from "zod";
import type { Account, AccountsConfig } from "./account-types.js";

export const accountLimits = {
  /** Account ids appear in logs, metric labels and Redis keys. */
  idPattern: /^[a-z0-9][a-z0-9-]*$/,
  idMaxLength: 63,
  /** `sha256:` and the 64 hex digits of the key's SHA-256 digest. */
  apiKeyDigestPattern: /^sha256:[0-9a-fA-F]{64}$/,
  /** An HMAC key shorter than this is guessable offline from one signed webhook. */
  webhookSecretMinLength: 16,
  /** Long enough for a GSM alphanumeric sender (11) or an E.164 number with room for `*` patterns. */
  senderPatternMaxLength: 32,
  /** Far above any account's contracted throughput; larger values are a typo. */
  ratePerSecondMax: 100_000,
  /** An OTP valid for more than a week is surely a typo (minutes are usual). */
  validitySecondsMax: 7 * 24 * 3600,
  /** Ten concatenated GSM 03.38 parts of 153 characters: more can never be sent anyway. */
  textLengthMax: 1530,
} as const;

const printableAscii = /^[\x20-\x7e]+$/;
const intBetween = (min: number, max: number) => z.number().int().min(min).max(max);

const apiKeyDigest = z.string().regex(accountLimits.apiKeyDigestPattern, {
  error:
    'must be "sha256:" followed by the 64 hex digits of the key\'s SHA-256 digest (printf %s "$KEY" | sha256sum); the key itself is never written here',
});

const senderPattern = z
  .string()
  .min(1)
  .max(accountLimits.senderPatternMaxLength)
  .regex(printableAscii, { error: "must be printable ASCII" });

const account = z.strictObject({
  id: z.string().min(1).max(accountLimits.idMaxLength).regex(accountLimits.idPattern, {
    error:
      "must be lower-case letters, digits and '-', starting with a letter or digit (it names the account in logs, metrics and Redis keys)",
  }),
  api_keys: z.array(apiKeyDigest).min(1),
  // Its length is judged after interpolation by parseAccountsFile, where an unset variable is known.
  webhook_secret: z.string(),
  senders: z.array(senderPattern).min(1),
  rate_per_second: intBetween(1, accountLimits.ratePerSecondMax),
  default_validity_seconds: intBetween(1, accountLimits.validitySecondsMax).optional(),
  max_validity_seconds: intBetween(1, accountLimits.validitySecondsMax).optional(),
  max_text_length: intBetween(1, accountLimits.textLengthMax).optional(),
});

export const accountsFileSchema = z.strictObject({ accounts: z.array(account).min(1) });

/** A problem found by looking across settings, at its path in the file. */
export interface CrossCheckProblem {
  path: (string | number)[];
  reason: string;
}

/**
 * Checks that span settings (a default above its maximum) or accounts (duplicate ids, a key shared by two
 * accounts). Done on the raw data rather than as schema refinements, which zod runs only once everything
 * else passed: the operator sees every problem in one go.
 */
export function crossCheckAccounts(data: unknown): CrossCheckProblem[] {
  const problems: CrossCheckProblem[] = [];
  const entries = isRecord(data) && Array.isArray(data.accounts) ? (data.accounts as unknown[]) : [];
  const ids = new Map<string, number>();
  const digests = new Map<string, string>();
  entries.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    const { id, default_validity_seconds: byDefault, max_validity_seconds: max } = entry;
    if (typeof byDefault === "number" && typeof max === "number" && byDefault > max) {
      problems.push({
        path: ["accounts", index, "default_validity_seconds"],
        reason: `must not exceed max_validity_seconds (${byDefault} > ${max})`,
      });
    }
    if (typeof id === "string") {
      const first = ids.get(id);
      if (first !== undefined) {
        problems.push({
          path: ["accounts", index, "id"],
          reason: `duplicate account id "${id}" (also accounts.${first})`,
        });
      } else {
        ids.set(id, index);
      }
    }
    const keys = Array.isArray(entry.api_keys) ? (entry.api_keys as unknown[]) : [];
    keys.forEach((digest, keyIndex) => {
      if (typeof digest !== "string" || !accountLimits.apiKeyDigestPattern.test(digest)) return;
      const normalised = normaliseDigest(digest);
      const owner = digests.get(normalised);
      if (owner !== undefined) {
        // One key for two accounts would make the account a key authenticates ambiguous.
        problems.push({
          path: ["accounts", index, "api_keys", keyIndex],
          reason: `duplicate API key digest (already a key of account "${owner}")`,
        });
      } else {
        digests.set(normalised, typeof id === "string" ? id : `accounts.${index}`);
      }
    });
  });
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export type AccountsFile = z.output<typeof accountsFileSchema>;

function normaliseDigest(digest: string): string {
  return digest.slice("sha256:".length).toLowerCase();
}

/** The typed accounts, once the file passed validation. */
export function toAccountsConfig(parsed: AccountsFile, file: string): AccountsConfig {
  return {
    file,
    accounts: parsed.accounts.map((entry): Account => ({
      id: entry.id,
      apiKeyDigests: entry.api_keys.map(normaliseDigest),
      webhookSecret: entry.webhook_secret,
      senders: entry.senders,
      ratePerSecond: entry.rate_per_second,
      ...(entry.default_validity_seconds !== undefined && {
        defaultValiditySeconds: entry.default_validity_seconds,
      }),
      ...(entry.max_validity_seconds !== undefined && { maxValiditySeconds: entry.max_validity_seconds }),
      ...(entry.max_text_length !== undefined && { maxTextLength: entry.max_text_length }),
    })),
  };
}
