/**
 * A number's type (mobile, fixed line, toll-free, ...) exactly as libphonenumber-js's `PhoneNumber.getType()`
 * says it, with every pattern compiled once. The library builds a new RegExp from the metadata's pattern text on
 * each test (helpers/matchesEntirely.js): about a third of a destination's parse, ~2 % of a message's CPU in the
 * SMPP benchmark. Same metadata ("max", the module `libphonenumber-js/max` uses), same checks in the same order
 * as the library's helpers/getNumberType.js; test/unit/routing/number-type.test.ts compares the two over numbers
 * of every country.
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
  return {
    general: whole(plan.nationalNumberPattern()),
    fixedLine: test("FIXED_LINE"),
    mobileSameAsFixedLine: mobile === undefined || mobile.pattern() === "",
    mobile: test("MOBILE"),
    others: nonFixedLineTypes.flatMap((type) => test(type) ?? []),
  };
}

const plans = new Map<string, Plan>();

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
  let plan = plans.get(country);
  if (!plan) {
    plan = planOf(country);
    plans.set(country, plan);
  }
  if (!plan.general.test(nationalNumber)) return undefined;
  if (matches(plan.fixedLine, nationalNumber)) {
    return plan.mobileSameAsFixedLine || matches(plan.mobile, nationalNumber)
      ? "FIXED_LINE_OR_MOBILE"
      : "FIXED_LINE";
  }
  for (const test of plan.others) if (matches(test, nationalNumber)) return test.type;
  return undefined;
}
