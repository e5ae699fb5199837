/**
 * The semantic checks of a submit (422s), in the documented order: destination, text, sender, validity,
 * callback URL. Pure: the numbering plan, the SMS part count and the route's validity come in as functions.
 */
import { limits } from "../../config/defaults.js";
import { ErrorCodes, OtpgwError } from "../../errors.js";
import type { Account } from "../accounts/account-types.js";
import { senderAllowed } from "../accounts/sender-pattern.js";
import { countryAllowed, countryRefusal } from "../accounts/volume-limits.js";
import { HttpApiError, unprocessable } from "./http-api-error.js";
import type { SubmitBody } from "./submit-schema.js";
import { privateHostOf } from "../webhook/private-address.js";

/** An SMS concatenation beyond this many parts is refused: handsets reassemble ten reliably, not more. */
export const maxSmsParts = 10;

export type ParseDestination = (
  input: string,
) => { ok: true; e164: string; country: string } | { ok: false; reason: string };

export interface SubmitCheckDeps {
  /** The numbering plan: E.164 validation and the destination's country. */
  parseDestination: ParseDestination;
  /** SMS parts the text needs (may throw OTPGW_ERR_ENCODING_INVALID when it cannot be sent at all). */
  countParts: (text: string) => number;
  /**
   * The route's validity for the destination, or undefined when no route takes it. `minSeconds` (default 1): the
   * shortest validity an OTP can be delivered in — no attempt starts within `min_remaining_validity_seconds` of
   * its expiry, so a shorter one would be accepted only to expire.
   */
  validity: (country: string, e164: string) => RouteValidity | undefined;
  /** `webhook_private_addresses`: "refuse" (default) refuses a callback_url written with a private host. */
  privateCallbacks?: "refuse" | "allow";
  /** Told of each submit an anti-abuse check refused here (a country the account may not send to, a suspension). */
  limited?: (account: string, limit: "country" | "suspended" | "blocked_range") => void;
  /** Whether an operator suspended the account (`otpgw accounts suspend`): its submits are refused first. */
  suspended?: (account: string) => boolean;
  /**
   * The range an operator blocked (`otpgw ranges block`) for the account or for all that the E.164 number is in,
   * or undefined: its submits to such numbers are refused.
   */
  blockedRange?: (account: string, e164: string) => string | undefined;
}

export interface RouteValidity {
  defaultSeconds: number;
  maxSeconds: number;
  minSeconds?: number;
}

/** A submit that passed every check, ready for delivery. */
export interface CheckedSubmit {
  to: string;
  country: string;
  from: string;
  text: string;
  parts: number;
  validitySeconds: number;
  clientRef?: string;
  callbackUrl?: string;
}

/** Whether an operator suspended the account (HTTP and SMPP refuse it first); a refusal is counted. */
export function isSuspended(account: Account, deps: SubmitCheckDeps): boolean {
  if (deps.suspended?.(account.id) !== true) return false;
  deps.limited?.(account.id, "suspended");
  return true;
}

/** Whether the account's `countries` leave `country` out (anti-abuse); a refusal is counted. */
export function isCountryRefused(account: Account, country: string, deps: SubmitCheckDeps): boolean {
  if (countryAllowed(account, country)) return false;
  deps.limited?.(account.id, "country");
  return true;
}

/** The blocked range (`otpgw ranges block`) the number is in, or undefined; a refusal is counted. */
export function blockedRangeOf(account: Account, e164: string, deps: SubmitCheckDeps): string | undefined {
  const range = deps.blockedRange?.(account.id, e164);
  if (range !== undefined) deps.limited?.(account.id, "blocked_range");
  return range;
}

/** The refusal's words: the range, and that the operator blocked it. */
export function blockedRangeRefusal(range: string): string {
  return `numbers starting ${range} are blocked by the gateway's operator (suspected SMS pumping)`;
}

/** @throws HttpApiError 422 with the field at fault. */
export function checkSubmit(body: SubmitBody, account: Account, deps: SubmitCheckDeps): CheckedSubmit {
  if (isSuspended(account, deps)) {
    throw new HttpApiError(
      403,
      ErrorCodes.HTTP_ACCOUNT_SUSPENDED,
      "this account is suspended by the gateway's operator: nothing is accepted until it is lifted",
    );
  }
  const destination = deps.parseDestination(body.to);
  if (!destination.ok) {
    throw unprocessable(
      ErrorCodes.HTTP_INVALID_NUMBER,
      "to",
      `not a valid E.164 mobile number: ${destination.reason}`,
    );
  }
  if (isCountryRefused(account, destination.country, deps)) {
    throw unprocessable(
      ErrorCodes.HTTP_COUNTRY_NOT_ALLOWED,
      "to",
      countryRefusal(account, destination.country),
    );
  }
  const blocked = blockedRangeOf(account, destination.e164, deps);
  if (blocked !== undefined)
    throw unprocessable(ErrorCodes.HTTP_RANGE_BLOCKED, "to", blockedRangeRefusal(blocked));
  const route = deps.validity(destination.country, destination.e164);
  if (!route) {
    throw unprocessable(
      ErrorCodes.HTTP_NO_ROUTE,
      "to",
      `no route delivers to ${destination.country} numbers`,
    );
  }
  const parts = checkText(body.text, account, deps.countParts);
  checkSender(body.from, account);
  const validitySeconds = checkValidity(body.validity_seconds, account, route);
  if (body.callback_url !== undefined)
    checkCallbackUrl(body.callback_url, account, deps.privateCallbacks !== "allow");
  return {
    to: destination.e164,
    country: destination.country,
    from: body.from,
    text: body.text,
    parts,
    validitySeconds,
    ...(body.client_ref !== undefined && { clientRef: body.client_ref }),
    ...(body.callback_url !== undefined && { callbackUrl: body.callback_url }),
  };
}

/** The number of SMS parts the text needs. */
function checkText(text: string, account: Account, countParts: (text: string) => number): number {
  if (text.trim() === "") throw unprocessable(ErrorCodes.HTTP_TEXT_EMPTY, "text", "must not be empty");
  const length = [...text].length;
  if (account.maxTextLength !== undefined && length > account.maxTextLength) {
    throw unprocessable(
      ErrorCodes.HTTP_TEXT_TOO_LONG,
      "text",
      `is ${length} characters long; this account allows at most ${account.maxTextLength}`,
    );
  }
  let parts: number;
  try {
    parts = countParts(text);
  } catch (error) {
    if (error instanceof OtpgwError && error.code === ErrorCodes.ENCODING_INVALID) {
      throw tooManyParts(error.message);
    }
    throw error;
  }
  if (parts > maxSmsParts) throw tooManyParts(`needs ${parts} SMS parts`);
  return parts;
}

function tooManyParts(why: string): HttpApiError {
  return unprocessable(
    ErrorCodes.HTTP_TEXT_TOO_LONG,
    "text",
    `is too long for SMS (${why}); at most ${maxSmsParts} parts: 1530 GSM 03.38 characters or 670 UCS-2 characters`,
  );
}

function checkSender(from: string, account: Account): void {
  const invalid = senderFormatProblem(from);
  if (invalid !== undefined) throw unprocessable(ErrorCodes.HTTP_SENDER_NOT_ALLOWED, "from", invalid);
  if (!senderAllowed(account.senders, from)) {
    throw unprocessable(ErrorCodes.HTTP_SENDER_NOT_ALLOWED, "from", "is not one of this account's senders");
  }
}

/** Why `from` can never be a sender id on SMS, or undefined when it can. */
export function senderFormatProblem(from: string): string | undefined {
  if (from === "") return "must not be empty";
  if (!/^[\x20-\x7e]+$/.test(from)) return "must be printable ASCII";
  if (/^\d+$/.test(from)) {
    return from.length > limits.numericSenderMaxLength
      ? `a numeric sender must be at most ${limits.numericSenderMaxLength} digits`
      : undefined;
  }
  return from.length > limits.alphanumericSenderMaxLength
    ? `an alphanumeric sender must be at most ${limits.alphanumericSenderMaxLength} characters (GSM 03.40)`
    : undefined;
}

/**
 * The validity to use. The bound is the smaller of the route's maximum and the account's; the default is the
 * account's, else the route's, never above the bound.
 */
export function checkValidity(requested: number | undefined, account: Account, route: RouteValidity): number {
  const max = Math.min(route.maxSeconds, account.maxValiditySeconds ?? Number.POSITIVE_INFINITY);
  if (requested === undefined) return Math.min(account.defaultValiditySeconds ?? route.defaultSeconds, max);
  const min = route.minSeconds ?? 1;
  if (requested < min || requested > max) {
    throw unprocessable(
      ErrorCodes.HTTP_VALIDITY_OUT_OF_RANGE,
      "validity_seconds",
      `must be between ${min} and ${max} seconds for this destination and account (got ${requested})`,
    );
  }
  return requested;
}

function checkCallbackUrl(value: string, account: Account, publicOnly: boolean): void {
  // Webhooks are signed with the account's secret: without one there is nothing to sign them with.
  if (account.webhookSecret === undefined) {
    throw unprocessable(
      ErrorCodes.HTTP_INVALID_CALLBACK_URL,
      "callback_url",
      "cannot be used: this account has no webhook_secret to sign webhooks with",
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw unprocessable(ErrorCodes.HTTP_INVALID_CALLBACK_URL, "callback_url", "must be an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw unprocessable(
      ErrorCodes.HTTP_INVALID_CALLBACK_URL,
      "callback_url",
      `must be an http or https URL (got ${url.protocol.replace(/:$/, "")})`,
    );
  }
  const privateHost = publicOnly ? privateHostOf(url) : undefined;
  if (privateHost !== undefined) {
    throw unprocessable(
      ErrorCodes.HTTP_INVALID_CALLBACK_URL,
      "callback_url",
      `must not point at a loopback, private or link-local address (${privateHost}); the operator can permit it with webhook_private_addresses: allow`,
    );
  }
}
