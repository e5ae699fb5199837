/** The accounts that may submit over the HTTP API or SMPP, as read from `accounts.yaml` (docs/http-api.md). */
import type { PumpingGuardSpec } from "../../ops/pumping-guard.js";

export interface Account {
  /** Stable id: lower-case letters, digits and `-`. Names the account in logs, metrics and Redis keys. */
  id: string;
  /**
   * SHA-256 digests of the account's API keys, as 64 lower-case hex digits (the key itself is never stored).
   * Empty for an SMPP-only account, which cannot use the HTTP API.
   */
  apiKeyDigests: readonly string[];
  /**
   * Signs the account's webhooks (HMAC-SHA256); comes from the environment only. Unset: the account gets no
   * webhooks, and a submit with a `callback_url` is refused.
   */
  webhookSecret?: string;
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
  /** Where escalation finds the OTP code in a text (accounts.yaml `otp_code_pattern`); unset: the default. */
  otpCodePattern?: string;
  /**
   * The account reports when a person used a code (POST /v1/messages/{id}/conversion; accounts.yaml
   * `reports_conversions`): its delivered messages then count in each carrier's conversion share. Unset: its
   * conversion reports are refused (403), so the share never mixes accounts that report with ones that do not.
   */
  reportsConversions?: true;
  /**
   * Anti-abuse: the destination countries the account may send to (ISO 3166-1 alpha-2, accounts.yaml `countries`);
   * unset: any country a route takes. A submit to another is refused before anything is stored.
   */
  countries?: ReadonlySet<string>;
  /** Anti-abuse: at most so many messages to one number in a window (accounts.yaml `per_number_limit`). */
  perNumberLimit?: VolumeLimitSpec;
  /**
   * Anti-abuse: at most so many messages to one range of numbers — a number without its last `rangeDigits` digits —
   * in a window (accounts.yaml `per_range_limit`): SMS pumping walks through a range of premium or fraudulent numbers.
   */
  perRangeLimit?: VolumeLimitSpec & { rangeDigits: number };
  /**
   * Anti-abuse: ranges whose delivered codes are not used are blocked for a while (accounts.yaml `pumping_guard`;
   * src/ops/pumping-guard.ts). Only with `reportsConversions`.
   */
  pumpingGuard?: PumpingGuardSpec;
  /** SMPP access; unset: the account submits over HTTP only. */
  smpp?: SmppAccess;
}

/** A volume limit: at most `messages` accepted in `windowSeconds` (a fixed window from the first one). */
export interface VolumeLimitSpec {
  messages: number;
  windowSeconds: number;
}

/** How an account binds to otpgw's SMPP server (issue 4). */
export interface SmppAccess {
  /**
   * SMPP system_id (1–15 printable ASCII characters), matched exactly; unique across accounts, ignoring case
   * (two ids differing only in case would confuse people, not ESMEs).
   */
  systemId: string;
  /** Salted scrypt hash of the bind password, as `otpgw accounts hash-password` writes it. */
  passwordHash: string;
  /**
   * Source addresses allowed to bind, as single addresses or CIDRs (IPv4 or IPv6), at least one; required, no
   * default (`0.0.0.0/0` and `::/0` allow any, only when written). A bind from elsewhere gets ESME_RBINDFAIL.
   */
  allowedIps: readonly string[];
  /** Most simultaneous binds (sessions) of this system_id, 1–64. Default 4. */
  maxBinds: number;
  /**
   * Deliver final receipts back over SMPP (deliver_sm on a receiver/transceiver bind) when a submit asks.
   * Default true.
   */
  receipts: boolean;
}

export interface AccountsConfig {
  /** The file the accounts came from, as shown in messages. */
  file: string;
  accounts: readonly Account[];
}
