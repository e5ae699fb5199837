/**
 * The schema of `accounts.yaml` (snake_case, as written) and its mapping to `AccountsConfig`. Unknown keys
 * are errors, so a typo such as `rate_per_secnd` is never silently ignored.
 */
import * as z from "zod";
import { shortValidityReason } from "../../config/min-validity.js";
import type { Account, AccountsConfig, SmppAccess } from "./account-types.js";
import { otpCodePatternProblem } from "../../escalation/otp-code.js";
import { countryCodeProblem } from "../../config/iso-countries.js";
import { ipRangeProblem } from "./ip-allow-list.js";
import { parsePasswordHash } from "./password-hash.js";

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
  /** SMPP 3.4: system_id is a C-Octet String of at most 16 octets, the NUL included. */
  systemIdMaxLength: 15,
  /** Binds of one system_id at once; an aggregator rarely needs more than a few, 64 is surely a typo. */
  maxBindsMax: 64,
  /** Default binds per system_id: a transmitter and a receiver, twice (e.g. two of the aggregator's hosts). */
  maxBindsDefault: 4,
  /** A volume limit's window: a day at most (a longer one keeps a key per number that long). */
  limitWindowSecondsMax: 86_400,
  /** Far above any volume limit that still limits something. */
  limitMessagesMax: 1_000_000,
  /** A range drops 1–6 trailing digits of the number: from ten numbers to a million. */
  rangeDigitsMax: 6,
  rangeDigitsDefault: 3,
  /** The pumping guard's defaults (docs/http-api.md, "Anti-abuse limits"). */
  guardMinDeliveriesDefault: 20,
  guardMaxConversionRatioDefault: 0.2,
  guardConversionWaitSecondsDefault: 120,
  guardWindowSecondsDefault: 3_600,
  guardBlockSecondsDefault: 3_600,
  /** A block lasts at most 30 days, like an operator's expiring override. */
  guardBlockSecondsMax: 30 * 86_400,
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

/** A schema-level reason for a missing key, leaving every other issue to the common reasons. */
const whenMissing =
  (reason: string) =>
  (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined ? `missing required key: ${reason}` : undefined;

const checkedBy =
  (problemOf: (value: string) => string | undefined) => (value: string, context: z.RefinementCtx) => {
    const problem = problemOf(value);
    if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
  };

const smppAccess = z.strictObject({
  system_id: z
    .string()
    .min(1)
    .max(accountLimits.systemIdMaxLength)
    .regex(printableAscii, { error: "must be printable ASCII (SMPP system_id)" }),
  password_hash: z
    .string({ error: whenMissing("write the line printed by `otpgw accounts hash-password`") })
    .superRefine(checkedBy((value) => parsePasswordHash(value).problem)),
  // No default: on a port other networks reach, the operator says who may bind, even if that is everyone.
  allowed_ips: z
    .array(z.string().superRefine(checkedBy(ipRangeProblem)), {
      error: whenMissing(
        "list the addresses or CIDRs allowed to bind (there is no default; 0.0.0.0/0 and ::/0 allow any)",
      ),
    })
    .min(1, { error: "must list at least 1 address or CIDR (0.0.0.0/0 and ::/0 allow any)" }),
  max_binds: intBetween(1, accountLimits.maxBindsMax).default(accountLimits.maxBindsDefault),
  receipts: z.boolean().default(true),
});

const volumeLimit = {
  messages: intBetween(1, accountLimits.limitMessagesMax),
  window_seconds: intBetween(1, accountLimits.limitWindowSecondsMax),
};

const account = z.strictObject({
  id: z.string().min(1).max(accountLimits.idMaxLength).regex(accountLimits.idPattern, {
    error:
      "must be lower-case letters, digits and '-', starting with a letter or digit (it names the account in logs, metrics and Redis keys)",
  }),
  // Optional (an SMPP-only account); crossCheckAccounts requires api_keys or smpp.
  api_keys: z.array(apiKeyDigest).min(1).optional(),
  // Optional: without it the account gets no webhooks. Its length is judged after interpolation by
  // parseAccountsFile, where an unset variable is known.
  webhook_secret: z.string().optional(),
  senders: z.array(senderPattern).min(1),
  rate_per_second: intBetween(1, accountLimits.ratePerSecondMax),
  default_validity_seconds: intBetween(1, accountLimits.validitySecondsMax).optional(),
  max_validity_seconds: intBetween(1, accountLimits.validitySecondsMax).optional(),
  max_text_length: intBetween(1, accountLimits.textLengthMax).optional(),
  // Optional: where escalation (WhatsApp, voice) finds the code in the text; default: 4-8 digits standing alone.
  otp_code_pattern: z.string().superRefine(checkedBy(otpCodePatternProblem)).optional(),
  // Optional: whether the account reports conversions (the person used the code) through the HTTP API.
  reports_conversions: z.boolean().optional(),
  // Anti-abuse (docs/http-api.md, "Anti-abuse limits"): all optional, none by default.
  countries: z
    .array(z.string().superRefine(checkedBy(countryCodeProblem)))
    .min(1, {
      error: "must list at least 1 country (leave the key out to allow every country a route takes)",
    })
    .optional(),
  per_number_limit: z.strictObject(volumeLimit).optional(),
  per_range_limit: z
    .strictObject({
      ...volumeLimit,
      range_digits: intBetween(1, accountLimits.rangeDigitsMax).default(accountLimits.rangeDigitsDefault),
    })
    .optional(),
  // Blocks ranges whose deliveries are not converted (needs reports_conversions): `pumping_guard: {}` for defaults.
  pumping_guard: z
    .strictObject({
      range_digits: intBetween(1, accountLimits.rangeDigitsMax).optional(),
      min_deliveries: intBetween(5, accountLimits.limitMessagesMax).default(
        accountLimits.guardMinDeliveriesDefault,
      ),
      max_conversion_ratio: z.number().gt(0).max(1).default(accountLimits.guardMaxConversionRatioDefault),
      conversion_wait_seconds: intBetween(1, 3_600).default(accountLimits.guardConversionWaitSecondsDefault),
      window_seconds: intBetween(60, 86_400).default(accountLimits.guardWindowSecondsDefault),
      block_seconds: intBetween(60, accountLimits.guardBlockSecondsMax).default(
        accountLimits.guardBlockSecondsDefault,
      ),
    })
    .optional(),
  smpp: smppAccess.optional(),
});

export const accountsFileSchema = z.strictObject({ accounts: z.array(account).min(1) });

/** A problem found by looking across settings, at its path in the file. */
export interface CrossCheckProblem {
  path: (string | number)[];
  reason: string;
}

/**
 * Checks that span settings (a default above its maximum, neither api_keys nor smpp) or accounts (duplicate
 * ids, a key or a system_id shared by two accounts). Done on the raw data rather than as schema refinements,
 * which zod runs only once everything else passed: the operator sees every problem in one go.
 */
export function crossCheckAccounts(data: unknown, minValiditySeconds = 1): CrossCheckProblem[] {
  const problems: CrossCheckProblem[] = [];
  const entries = isRecord(data) && Array.isArray(data.accounts) ? (data.accounts as unknown[]) : [];
  const ids = new Map<string, number>();
  const digests = new Map<string, string>();
  const systemIds = new Map<string, string>();
  entries.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    const { id, default_validity_seconds: byDefault, max_validity_seconds: max } = entry;
    const name = typeof id === "string" ? id : `accounts.${index}`;
    if (entry.api_keys === undefined && entry.smpp === undefined) {
      problems.push({
        path: ["accounts", index],
        reason: "must have api_keys (HTTP API), smpp (SMPP binds) or both: otherwise it could never submit",
      });
    }
    if (entry.reports_conversions === true && entry.api_keys === undefined) {
      problems.push({
        path: ["accounts", index, "reports_conversions"],
        reason:
          "needs api_keys: conversions are reported through the HTTP API (POST /v1/messages/{id}/conversion)",
      });
    }
    if (entry.pumping_guard !== undefined && entry.reports_conversions !== true) {
      problems.push({
        path: ["accounts", index, "pumping_guard"],
        reason:
          "needs reports_conversions: true: the guard judges a range by whether its delivered codes are used",
      });
    }
    const systemId = isRecord(entry.smpp) ? entry.smpp.system_id : undefined;
    if (typeof systemId === "string" && systemId !== "") {
      // Case-insensitive: ids differing only in case would be told apart by ESMEs but confused by people.
      const owner = systemIds.get(systemId.toLowerCase());
      if (owner !== undefined) {
        problems.push({
          path: ["accounts", index, "smpp", "system_id"],
          reason: `duplicate SMPP system_id (already the system_id of account "${owner}"; ids are compared ignoring case)`,
        });
      } else {
        systemIds.set(systemId.toLowerCase(), name);
      }
    }
    for (const [field, value] of [
      ["default_validity_seconds", byDefault],
      ["max_validity_seconds", max],
    ] as const) {
      if (typeof value === "number" && value < minValiditySeconds) {
        problems.push({
          path: ["accounts", index, field],
          reason: shortValidityReason(minValiditySeconds),
        });
      }
    }
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
        digests.set(normalised, name);
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
      apiKeyDigests: (entry.api_keys ?? []).map(normaliseDigest),
      ...(entry.webhook_secret !== undefined && { webhookSecret: entry.webhook_secret }),
      senders: entry.senders,
      ratePerSecond: entry.rate_per_second,
      ...(entry.default_validity_seconds !== undefined && {
        defaultValiditySeconds: entry.default_validity_seconds,
      }),
      ...(entry.max_validity_seconds !== undefined && { maxValiditySeconds: entry.max_validity_seconds }),
      ...(entry.max_text_length !== undefined && { maxTextLength: entry.max_text_length }),
      ...(entry.otp_code_pattern !== undefined && { otpCodePattern: entry.otp_code_pattern }),
      ...(entry.reports_conversions === true && { reportsConversions: true as const }),
      ...(entry.countries !== undefined && { countries: new Set(entry.countries) }),
      ...(entry.per_number_limit !== undefined && {
        perNumberLimit: {
          messages: entry.per_number_limit.messages,
          windowSeconds: entry.per_number_limit.window_seconds,
        },
      }),
      ...(entry.per_range_limit !== undefined && {
        perRangeLimit: {
          messages: entry.per_range_limit.messages,
          windowSeconds: entry.per_range_limit.window_seconds,
          rangeDigits: entry.per_range_limit.range_digits,
        },
      }),
      ...(entry.pumping_guard !== undefined && {
        pumpingGuard: {
          rangeDigits:
            entry.pumping_guard.range_digits ??
            entry.per_range_limit?.range_digits ??
            accountLimits.rangeDigitsDefault,
          minDeliveries: entry.pumping_guard.min_deliveries,
          maxConversionRatio: entry.pumping_guard.max_conversion_ratio,
          conversionWaitSeconds: entry.pumping_guard.conversion_wait_seconds,
          windowSeconds: entry.pumping_guard.window_seconds,
          blockSeconds: entry.pumping_guard.block_seconds,
        },
      }),
      ...(entry.smpp !== undefined && { smpp: toSmppAccess(entry.smpp) }),
    })),
  };
}

function toSmppAccess(smpp: NonNullable<AccountsFile["accounts"][number]["smpp"]>): SmppAccess {
  return {
    systemId: smpp.system_id,
    passwordHash: smpp.password_hash,
    allowedIps: smpp.allowed_ips,
    maxBinds: smpp.max_binds,
    receipts: smpp.receipts,
  };
}
