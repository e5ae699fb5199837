/**
 * A number's country and type (mobile, fixed line, toll-free, ...) exactly as libphonenumber-js's parse and
 * `PhoneNumber.getType()` say them, with every pattern compiled once. The library builds a new RegExp from the
 * metadata's pattern text on each test (helpers/matchesEntirely.js): about a third of a destination's parse, ~2 %
 * of a message's CPU in the SMPP benchmark. Same metadata ("max", the module `libphonenumber-js/max` uses), same
 * checks in the same order as the library's helpers/getNumberType.js; test/unit/routing/number-type.test.ts
 * compares the two over numbers of every country.
 */
import { Metadata } from "libphonenumber-js/core";
import type { CountryCode, PhoneNumberType } from "libphonenumber-js/max";
import metadataJson from "libphonenumber-js/metadata.max";

/** The types a number may be other than a fixed line, in the order the library tries them. */
const nonFixedLineTypes: readonly PhoneNumberType[] = [
  "MOBILE",
  "PREMIUM_RATE",
  "TOLL_FREE",
  "SHARED_COST",
  "VOIP",
  "PERSONAL_NUMBER",
  "PAGER",
  "UAN",
  "VOICEMAIL",
];

interface TypeTest {
  type: PhoneNumberType;
  /** Possible national number lengths, when the metadata lists them for this type. */
  lengths: readonly number[] | undefined;
  pattern: RegExp;
}

interface Plan {
  /** What the library strips from (or rewrites at) the start of a national number, when the country has it. */
  nationalPrefix: RegExp | undefined;
  /** The country's national number pattern: a number that does not match it is not valid. */
  general: RegExp;
  fixedLine: TypeTest | undefined;
  /** The metadata's mobile pattern is "" when it was the fixed line's (removed as a duplicate). */
  mobileSameAsFixedLine: boolean;
  mobile: TypeTest | undefined;
  others: TypeTest[];
}

/** The part of the library's numbering plan object used here (declared by the library only in part). */
interface NumberingPlanPatterns {
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  type(type: PhoneNumberType): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

const whole = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);

function planOf(country: CountryCode): Plan {
  const metadata = new Metadata(metadataJson);
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan as unknown as NumberingPlanPatterns;
  const test = (type: PhoneNumberType): TypeTest | undefined => {
    const definition = plan.type(type);
    if (!definition || !definition.pattern()) return undefined;
    return { type, lengths: definition.possibleLengths(), pattern: whole(definition.pattern()) };
  };
  const mobile = plan.type("MOBILE");
  const prefix = plan.nationalPrefixForParsing();
  return {
    nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined,
    general: whole(plan.nationalNumberPattern()),
    fixedLine: test("FIXED_LINE"),
    mobileSameAsFixedLine: mobile === undefined || mobile.pattern() === "",
    mobile: test("MOBILE"),
    others: nonFixedLineTypes.flatMap((type) => test(type) ?? []),
  };
}

const plans = new Map<string, Plan>();

function cachedPlan(country: CountryCode): Plan {
  let plan = plans.get(country);
  if (!plan) {
    plan = planOf(country);
    plans.set(country, plan);
  }
  return plan;
}

function matches(test: TypeTest | undefined, nationalNumber: string): boolean {
  if (!test) return false;
  if (test.lengths && !test.lengths.includes(nationalNumber.length)) return false;
  return test.pattern.test(nationalNumber);
}

/**
 * The type of `nationalNumber` in `country` (ISO 3166-1 alpha-2, as libphonenumber-js parsed it), or undefined
 * when the number is not valid there.
 */
export function numberType(country: CountryCode, nationalNumber: string): PhoneNumberType | undefined {
  return typeIn(cachedPlan(country), nationalNumber);
}

function typeIn(plan: Plan, nationalNumber: string): PhoneNumberType | undefined {
  if (!plan.general.test(nationalNumber)) return undefined;
  if (matches(plan.fixedLine, nationalNumber)) {
    return plan.mobileSameAsFixedLine || matches(plan.mobile, nationalNumber)
      ? "FIXED_LINE_OR_MOBILE"
      : "FIXED_LINE";
  }
  for (const test of plan.others) if (matches(test, nationalNumber)) return test.type;
  return undefined;
}

/** A valid number of one country, as the library would parse it. */
export interface E164Parts {
  country: CountryCode;
  nationalNumber: string;
  type: PhoneNumberType;
}

/**
 * `+` and digits (E.164, checked by the caller) split into country and national number without the library's
 * parse — but only where the answer cannot differ from it: the calling code belongs to one country, and the
 * country's national prefix (or carrier code, or rewrite rule) does not match the start of the national number, so
 * the library would keep the digits as they are. Undefined otherwise (a shared calling code such as +1 or +44, a
 * non-geographic one, a number starting like a national prefix, or an invalid number): the caller then asks the
 * library, which also says why a number is refused. The parse cost 2.8 µs, this ~0.2 µs.
 */
export function fastE164(input: string): E164Parts | undefined {
  const codes = metadataJson.country_calling_codes;
  for (let length = 1; length <= 3 && length < input.length; length++) {
    const countries = codes[input.slice(1, 1 + length)];
    if (countries === undefined) continue;
    if (countries.length !== 1) return undefined;
    const country = countries[0]!;
    const nationalNumber = input.slice(1 + length);
    const plan = cachedPlan(country);
    if (plan.nationalPrefix?.test(nationalNumber)) return undefined;
    const type = typeIn(plan, nationalNumber);
    return type === undefined ? undefined : { country, nationalNumber, type };
  }
  return undefined;
}
