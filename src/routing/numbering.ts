/**
 * The numbering plan: which country a destination belongs to and whether it is a real number there.
 * libphonenumber-js with its "max" metadata does the work: the default "min" metadata only checks a number's
 * length, so `+6200000000000` would pass as Indonesian, while "max" checks the digits against each country's
 * number ranges and can tell a mobile number from a fixed line. The "mobile" metadata would refuse numbers
 * that are valid but not mobile, where we want to say *why* a number is refused. The metadata (~145 kB) is
 * loaded once per process.
 */
import {
  AsYouType,
  ParseError,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from "libphonenumber-js/max";
import type { PhoneNumber, PhoneNumberType } from "libphonenumber-js/max";
import { fastE164, numberType } from "./number-type.js";

export type DestinationResult =
  | {
      ok: true;
      /** The number in E.164 form (`+` and digits). */
      e164: string;
      /** ISO 3166-1 alpha-2 country the number belongs to (by its number range, before porting). */
      country: string;
    }
  | { ok: false; reason: string };

/** E.164 (ITU-T E.164 §6.1): at most 15 digits, country calling code included. */
export const e164MaxDigits = 15;

const example = "+6281234567890";

/**
 * Number types that can receive an SMS: mobile, or a range the plan does not split between mobile and fixed line
 * (the US, Canada, ...). The rest — fixed lines, toll-free, premium rate, pagers, ... — are refused with their type
 * in words: an OTP sent there is paid for and never read.
 */
const smsCapableTypes: ReadonlySet<PhoneNumberType> = new Set<PhoneNumberType>([
  "MOBILE",
  "FIXED_LINE_OR_MOBILE",
]);

const typeInWords: Partial<Record<PhoneNumberType, string>> = {
  FIXED_LINE: "a fixed line",
  PREMIUM_RATE: "a premium-rate number",
  TOLL_FREE: "a toll-free number",
  SHARED_COST: "a shared-cost number",
  VOIP: "a VoIP number",
  PERSONAL_NUMBER: "a personal (follow-me) number",
  PAGER: "a pager number",
  UAN: "a universal access number",
  VOICEMAIL: "a voicemail access number",
};

/** The answer for a valid number of `type` in `country`: accepted when it can receive SMS. */
function smsDestination(e164: string, country: string, type: PhoneNumberType): DestinationResult {
  if (smsCapableTypes.has(type)) return { ok: true, e164, country };
  return { ok: false, reason: `${typeInWords[type] ?? "a number"} of ${country}, which cannot receive SMS` };
}

/**
 * Parses a destination written in E.164 (`+6281234567890`): the "+" is required, and nothing but digits may
 * follow it, so a national number is never guessed into the wrong country; and it must be a number that can
 * receive SMS (not a fixed line, toll-free, ...). The reason of a refusal never repeats the number, so it may be
 * logged.
 */
export function parseDestination(input: string): DestinationResult {
  const shape = e164ShapeProblem(input);
  if (shape !== undefined) return { ok: false, reason: shape };
  // Most valid numbers need not go through the library's parse: same answer, a tenth of the cost (number-type.ts).
  const fast = fastE164(input);
  if (fast) return smsDestination(input, fast.country, fast.type);

  let number: PhoneNumber;
  try {
    number = parsePhoneNumberWithError(input, { extract: false });
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, reason: parseErrorReason(error.message) };
    throw error;
  }

  if (number.isNonGeographic())
    return {
      ok: false,
      reason: `+${number.countryCallingCode} is a non-geographic calling code, not a country's mobile number`,
    };
  // With the "max" metadata a number is valid exactly when it has a type (libphonenumber-js's isValid is
  // `getType() !== undefined` then): one pass over the number's type patterns instead of two, each compiled
  // once (number-type.ts).
  const type = number.country === undefined ? undefined : numberType(number.country, number.nationalNumber);
  if (number.country === undefined || type === undefined) return { ok: false, reason: invalidReason(number) };
  return smsDestination(number.number, number.country, type);
}

/** What a number prefix written in routes.yaml (`+62811`) says about the destinations it matches. */
export interface PrefixInfo {
  /** The country calling code the prefix starts with (`62`). */
  callingCode: string;
  /**
   * The one country every number with this prefix belongs to, when the prefix is long enough to tell:
   * `+62` is ID, but `+1` (US, CA, JM, ...) and `+44` (GB, GG, IM, JE) need more digits.
   */
  country?: string;
}

/**
 * The calling code and, when certain, the country of a prefix of "+" and digits; undefined when it does
 * not start with any country calling code (`+999`).
 */
export function describePrefix(prefix: string): PrefixInfo | undefined {
  const typing = new AsYouType();
  typing.input(prefix);
  const callingCode = typing.getCallingCode();
  if (callingCode === undefined) return undefined;
  const country = typing.getCountry();
  return country === undefined ? { callingCode } : { callingCode, country };
}

/** Why `input` is not "+" followed by 1–15 digits, or undefined when it is. Cheaper than the library. */
function e164ShapeProblem(input: string): string | undefined {
  if (input.length === 0) return "is empty";
  if (input.charCodeAt(0) !== 0x2b /* + */) {
    return `must start with "+" and the country calling code (E.164, e.g. ${example})`;
  }
  if (input.length === 1) return 'not a phone number: no digits after "+"';
  for (let index = 1; index < input.length; index++) {
    const code = input.charCodeAt(index);
    if (code < 0x30 || code > 0x39) {
      return `not a phone number: only digits may follow "+" (E.164, no spaces or punctuation, e.g. ${example})`;
    }
  }
  if (input.length - 1 > e164MaxDigits) return `too long: E.164 numbers have at most ${e164MaxDigits} digits`;
  return undefined;
}

function parseErrorReason(code: string): string {
  switch (code) {
    case "INVALID_COUNTRY":
      return "no country has the calling code this number starts with";
    case "TOO_SHORT":
      return "too short to be a phone number";
    case "TOO_LONG":
      return "too long to be a phone number";
    default:
      return "not a phone number";
  }
}

/** The most precise reason the library gives for a number that parsed but is not valid. */
function invalidReason(number: PhoneNumber): string {
  const where = number.country ?? `calling code +${number.countryCallingCode}`;
  switch (validatePhoneNumberLength(number.number)) {
    case "TOO_SHORT":
      return `too short for ${where}`;
    case "TOO_LONG":
      return `too long for ${where}`;
    case "INVALID_LENGTH":
      return `not a valid length for ${where}`;
    default:
      return `not a valid number for ${where}`;
  }
}
