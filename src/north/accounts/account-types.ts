/** The accounts that may submit over the HTTP API, as read from `accounts.yaml` (docs/http-api.md). */

export interface Account {
  /** Stable id: lower-case letters, digits and `-`. Names the account in logs, metrics and Redis keys. */
  id: string;
  /** SHA-256 digests of the account's API keys, as 64 lower-case hex digits (the key itself is never stored). */
  apiKeyDigests: readonly string[];
  /** Signs the account's webhooks (HMAC-SHA256); comes from the environment only. */
  webhookSecret: string;
  /** Allowed sender ids: exact strings, or patterns where `*` matches any run of characters. */
  senders: readonly string[];
  /** Submits per second across the account (shared by every otpgw instance through Redis). */
  ratePerSecond: number;
  /** Validity when a submit gives none; unset: the route's default. */
  defaultValiditySeconds?: number;
  /** Upper bound of a submit's validity; unset: the route's maximum. */
  maxValiditySeconds?: number;
  /** Most characters (Unicode code points) a text may have; unset: only the 10-part SMS limit applies. */
  maxTextLength?: number;
}

export interface AccountsConfig {
  /** The file the accounts came from, as shown in messages. */
  file: string;
  accounts: readonly Account[];
}
